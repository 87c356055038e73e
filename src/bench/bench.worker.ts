/// <reference lib="webworker" />
/**
 * The benchmark's worker: the app's inference worker itself (src/worker/inference.worker.ts: backend
 * chain, wasm threads, message protocol), plus the benchmark's requests (./benchHandler), whose
 * listener is registered first (imports evaluate in order) so it can take the messages marked `bench`.
 */
import './benchHandler';
import '../worker/inference.worker';
