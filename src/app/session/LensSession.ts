import { errorText } from './errorText';
import type { BackendName, BundledFiles, ModelInfo, Progress, Request, ResponseMap, Variant } from '../../worker/messages';
import { fetchBundledFiles } from '../../worker/bundledFiles';
import { CheckpointStore, checkpointKind, type StoreError } from '../storage/checkpointStore';
import { leavesHeapBehind } from './workerMemory';
import { CheckpointShelf } from '../storage/checkpointShelf';
import { runFraction, stageMs, totalMs, type StageMs } from './runEstimate';
import { INITIAL, dropSlot, sliceKey, withoutSlot, type Busy, type SessionImage, type SessionState } from './sessionState';

export { sliceKey, type Busy, type Run, type SessionImage, type SessionState } from './sessionState';

/** The worker as the session sees it (WorkerClient in the page, a fake in tests). */
export interface LensWorker {
  call<T extends Request>(req: T, onProgress?: (p: Progress) => void, transfer?: Transferable[]): Promise<ResponseMap[T['type']]>;
  /** Stops whatever the worker computes; its pending calls fail. The next call starts a new worker. */
  cancel(): void;
}

/**
 * Owns everything asynchronous: the worker, the loaded models, the runs and what was fetched
 * for them, progress and errors. Readable by React through subscribe/getSnapshot
 * (useSyncExternalStore); testable in Node with a fake worker.
 *
 * Every request that produces view data carries a generation: a run per slot, a backend start,
 * a model load per slot. A reply for an older generation than the slot's current one is dropped,
 * so a slow answer about a previous image or model never reaches the view.
 */
export class LensSession {
  private state: SessionState = INITIAL;
  private listeners = new Set<() => void>();
  private gen = { backend: 0, run: [0, 0], load: [0, 0], enc: 0, dc5: [0, 0] };
  /** Models being loaded per slot, by name (a second ask for the same name waits for the first). */
  private loading: (string | null)[] = [null, null];
  private inflight = new Set<string>();
  /** The files of loaded checkpoints: switching back to one re-reads it (the worker holds one model per slot). */
  private files = new Map<string, Blob>();
  /** What each slot's latest run was asked for (see requestRun). */
  private runKeys = ['', ''];
  /** Per slot, the run key a cancel stopped: not started again until something else is asked for. */
  private cancelled = ['', ''];
  /** What the backend was last started with (a restart starts it the same way). */
  private started: { backend?: BackendName; wasmThreads?: number } = {};
  /**
   * Each stage's time in the last run, by backend, model and input size (the progress and
   * time-left of the next run: runEstimate). Images are resized to the input size, so the image's
   * own size matters little; the pace of the run itself corrects the rest.
   */
  private stageTimes = new Map<string, StageMs>();
  /** The latest checkpoint being stored (the worker writes it: see dropLarge). */
  private keeping: Promise<void> = Promise.resolve();
  /** The latest DC5 choice being written beside its stored checkpoint (see setDilation). */
  private choosing: Promise<void> = Promise.resolve();
  /**
   * The second model after its comparison ended, still in the worker's slot 1: choosing it again
   * installs it at once instead of reading it again (a stored official checkpoint: 18 s). Gone
   * when slot 1 gets another model, when the worker is replaced, or when a file of its name is
   * dropped (another file).
   */
  private parked: ModelInfo | null = null;
  /** The error of a load whose dropped model was reinstated: the reinstated model's run does not clear it (see reinstate). */
  private loadError: string | null = null;

  /** Stored checkpoints (opened on first use: a drop, a restore, or the stored list's panel). */
  readonly shelf: CheckpointShelf;

  constructor(
    private readonly worker: LensWorker,
    openStore: () => Promise<CheckpointStore | StoreError> = () => CheckpointStore.open(globalThis.navigator?.storage),
    /** The page's own fetch of a bundled model, where it can do better than the worker's (see loadBundled); null: none. */
    private readonly pageFetch: ((baseUrl: string, name: string) => Promise<BundledFiles>) | null = serviceWorkerFetch(),
  ) {
    this.shelf = new CheckpointShelf(openStore, (shelf) => this.set({ shelf }));
  }

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  getSnapshot = (): SessionState => this.state;

  private set(patch: Partial<SessionState> | ((s: SessionState) => Partial<SessionState>)): void {
    this.state = { ...this.state, ...(typeof patch === 'function' ? patch(this.state) : patch) };
    for (const fn of this.listeners) fn();
  }

  /** Stage progress of the current operation; its start and expected duration carry over. */
  private progress = (label: string) => (p: Progress) =>
    this.set((s) => ({ busy: { label: `${label}: ${p.stage}`, done: p.done, total: p.total, since: s.busy?.since, expectMs: s.busy?.expectMs } }));

  fail(e: unknown, context?: string): void {
    const details = (e as { details?: string })?.details;
    this.set({ error: errorText(e, context), errorDetails: details || null, busy: null, statusText: `Error — ${context ?? 'see message'}` });
  }

  setError(error: string | null): void {
    this.set({ error, errorDetails: null });
  }

  setBusy(busy: Busy | null, statusText?: string): void {
    this.set(statusText === undefined ? { busy } : { busy, statusText });
  }

  /**
   * Stops a long read or run: the worker is replaced (a computation in it cannot be interrupted
   * otherwise), everything it held is dropped, and the backend starts again. Nothing of the
   * cancelled work reaches the view: every generation moves on.
   */
  cancel(): void {
    this.set({ error: null });
    void this.restartWorker().then(() => this.set({ statusText: 'Cancelled — change the image, model or settings, or press Run again' }));
  }

  /**
   * A new worker and backend in place of the current one: after a cancel, or after a run failed
   * (a wasm error can leave the old one unusable for every later image). What was running does
   * not start again by itself once the backend is back (see requestRun).
   */
  private restartWorker(): Promise<void> {
    this.worker.cancel();
    this.gen.enc++;
    this.cancelled = [...this.runKeys];
    return this.init(this.started.backend, this.started.wasmThreads);
  }

  /** Starts (or switches) the backend; the models and runs of the old one are dropped with it. */
  async init(backend: BackendName | undefined, wasmThreads: number | undefined): Promise<void> {
    this.started = { backend, wasmThreads };
    const g = ++this.gen.backend;
    this.gen.run = this.gen.run.map((x) => x + 1);
    this.gen.load = this.gen.load.map((x) => x + 1);
    this.loading = [null, null];
    this.runKeys = ['', ''];
    this.parked = null;
    this.set({ backend: null, models: [null, null], runs: {}, slices: {}, encSlice: null, encPoints: null, busy: { label: `Starting TensorFlow.js (${backend ?? 'auto'})` } });
    try {
      const r = await this.worker.call({ type: 'init', backend, wasmThreads });
      if (g !== this.gen.backend) return;
      this.set({ backend: r, models: [null, null], runs: {}, slices: {}, encSlice: null, encPoints: null, busy: null });
    } catch (e) {
      if (g === this.gen.backend) this.fail(e, 'backend');
    }
  }

  /**
   * Loads a bundled model into a slot unless it is there or on its way. 'failed': this load (the
   * latest asked for the slot) failed and its error is shown; the slot keeps the model it had.
   */
  async loadBundled(slot: number, name: string, baseUrl: string): Promise<ModelInfo | undefined | 'failed'> {
    if (this.state.models[slot]?.name === name || this.loading[slot] === name) return undefined;
    const parked = this.unpark(slot, name);
    if (parked) return parked;
    if (slot === 1) this.parked = null;
    const g = ++this.gen.load[slot];
    this.loading[slot] = name;
    let dropped: ModelInfo | null = null;
    try {
      // Only when there is something to drop: an await here would delay every load by a tick.
      if (leavesHeapBehind(this.state, this.loading, slot)) {
        dropped = this.state.models[slot];
        await this.dropLarge(slot);
        if (g !== this.gen.load[slot]) return undefined;
      }
      let info: ModelInfo;
      try {
        info = await this.worker.call({ type: 'loadBundled', slot, name, baseUrl }, this.progress(`Loading model ${name}`));
      } catch (e) {
        // A worker started before the service worker took charge of the page (a first visit) has
        // its requests go to the network, not to the cache: offline, they fail where the page's
        // own succeed. The page then fetches the files and hands them over.
        if (!this.pageFetch || g !== this.gen.load[slot]) throw e;
        const files = await this.pageFetch(baseUrl, name).catch(() => null);
        if (!files || g !== this.gen.load[slot]) throw e;
        info = await this.worker.call({ type: 'loadBundled', slot, name, baseUrl, files }, this.progress(`Loading model ${name}`));
      }
      if (g !== this.gen.load[slot]) return undefined;
      this.setModel(slot, info);
      this.set({ busy: null });
      return info;
    } catch (e) {
      if (g !== this.gen.load[slot]) return undefined;
      const kept = (this.state.models[slot] ?? dropped)?.name;
      this.fail(e, kept ? `loading ${name} (${kept} stays loaded)` : `loading ${name}`);
      if (dropped && !this.state.models[slot]) this.reinstate(slot, dropped);
      return 'failed';
    } finally {
      if (g === this.gen.load[slot]) this.loading[slot] = null;
    }
  }

  /**
   * Reads a checkpoint into a slot (a drop: slot 0); the slot's previous results are cleared at
   * once. `from`: a drop, a file dropped earlier in this page, or what the browser keeps of one
   * (its model, or an older entry's file). A drop's model, or an older entry's, is then kept.
   * `dilation`: what is kept of one comes with the user's DC5, if any; a file read here is given
   * the DC5 kept with the same file (name and size), if it is stored.
   */
  async loadCheckpoint(
    file: Blob, fileName: string, classNames: (info: ModelInfo) => string[], slot = 0, from: 'drop' | 'page' | 'model' | 'file' = 'drop', dilation?: boolean,
    /** Leave the error shown (a model reinstated after another failed to load: that failure is what the user needs to read). */
    keepError = false,
  ): Promise<ModelInfo | undefined> {
    const g = ++this.gen.load[slot];
    this.loading[slot] = `upload:${fileName}`;
    if (slot === 1 || this.parked?.name === `upload:${fileName}`) this.parked = null;
    const since = performance.now();
    this.set((s) => ({ error: keepError ? s.error : null, busy: { label: `Reading ${fileName}`, done: 0, total: file.size, since } }));
    const store = from === 'drop' || from === 'file';
    let dropped: ModelInfo | null = null;
    try {
      if (from === 'drop' || from === 'page') {
        const kept = await this.shelf.stored(fileName);
        if (g !== this.gen.load[slot]) return undefined;
        if (kept?.fileSize === file.size) dilation = kept.dilation;
      }
      if (leavesHeapBehind(this.state, this.loading, slot)) {
        dropped = this.state.models[slot];
        await this.dropLarge(slot);
        if (g !== this.gen.load[slot]) return undefined;
      }
      const req = from === 'model' ? ({ type: 'loadStored', slot, file, fileName, dilation } as const) : ({ type: 'loadCheckpoint', slot, file, fileName, store, dilation } as const);
      const raw = await this.worker.call(req, (p) =>
        this.set({ busy: { label: `Reading ${fileName}: ${p.stage}`, done: p.done, total: p.total, since } }),
      );
      if (g !== this.gen.load[slot]) return undefined;
      const info = { ...raw, classNames: classNames(raw) };
      if (from === 'drop') this.files.set(info.name, file);
      this.set((s) => ({ uploads: [...s.uploads.filter((x) => x.name !== info.name), info], busy: null, statusText: keepError ? `${fileName} loaded again` : `Loaded checkpoint ${fileName}` }));
      this.setModel(slot, info);
      // Only a checkpoint that loaded is kept (a refused one would be refused again after a reload): its model, which the worker writes.
      const model = { kind: checkpointKind(info.config), bytes: info.params * 4, fileSize: file.size, dilation: dilationChoice(info) };
      if (store) this.keeping = this.shelf.keep(fileName, model, (handle) => this.worker.call({ type: 'storeWeights', slot, model: info.name, handle }));
      return info;
    } catch (e) {
      if (g === this.gen.load[slot]) {
        this.fail(e, dropped ? `checkpoint "${fileName}" (${dropped.name.replace(/^upload:/, '')} is loaded again)` : `checkpoint "${fileName}"`);
        this.loading[slot] = null;
        if (dropped && !this.state.models[slot]) this.reinstate(slot, dropped);
      }
      return undefined;
    } finally {
      if (g === this.gen.load[slot]) this.loading[slot] = null;
    }
  }

  /**
   * Loads again a model that dropLarge took out of a slot for a load that then failed (a damaged
   * file): the view state still names it, so nothing else would bring it back, and the slot
   * would stay empty ("Model loading…") with the stored entry marked as loaded. The error of the
   * failed load stays shown. Only checkpoints are large enough to be dropped.
   */
  private reinstate(slot: number, prev: ModelInfo): void {
    this.loadError = this.state.error;
    const fileName = prev.name.replace(/^upload:/, '');
    const names = () => prev.classNames;
    const known = this.files.get(prev.name);
    if (known) {
      void this.loadCheckpoint(known, fileName, names, slot, 'page', dilationChoice(prev), true);
      return;
    }
    const g = this.gen.load[slot];
    void this.shelf.stored(fileName).then((kept) => {
      // Something else was asked of the slot meanwhile: that wins.
      if (!kept || g !== this.gen.load[slot] || this.state.models[slot]) return;
      void this.loadCheckpoint(kept.file, fileName, names, slot, kept.format, kept.dilation ?? dilationChoice(prev), true);
    });
  }

  /**
   * Makes a checkpoint a slot's model again (a model name from the URL or a picker): from the file
   * read earlier in this page, else from the browser's store. 'missing' when it is in neither:
   * for the main view the page then says so and how to add it, and shows no other model.
   */
  async restoreUpload(slot: number, name: string, classNames: (info: ModelInfo) => string[]): Promise<'ok' | 'missing'> {
    if (this.state.models[slot]?.name === name || this.loading[slot] === name) return 'ok';
    if (this.unpark(slot, name)) return 'ok';
    const fileName = name.replace(/^upload:/, '');
    const known = this.files.get(name);
    if (known) {
      void this.loadCheckpoint(known, fileName, classNames, slot, 'page');
      return 'ok';
    }
    const g = ++this.gen.load[slot];
    this.loading[slot] = name;
    const kept = await this.shelf.stored(fileName);
    // Something else was asked of the slot meanwhile (another model, a backend restart).
    if (g !== this.gen.load[slot]) return 'ok';
    this.loading[slot] = null;
    if (kept) {
      void this.loadCheckpoint(kept.file, fileName, classNames, slot, kept.format, kept.dilation);
      return 'ok';
    }
    if (slot === 0) {
      this.gen.run[0]++;
      this.runKeys[0] = '';
      this.set((s) => ({
        models: [null, s.models[1]],
        ...withoutSlot(s, 0),
        missing: name,
        busy: null,
        statusText: `No model: "${fileName}" is not stored in this browser`,
        error: `The checkpoint "${fileName}" named in this link is not stored in this browser. Drop ${fileName} on the page to load it (it is then kept here for later visits), or pick another model.`,
      }));
    }
    return 'missing';
  }

  /**
   * Switches DC5 of the checkpoint in a slot where its file does not say it (a guess): the worker
   * builds it again over the same weights (no file read), the slot's runs go and the view runs
   * it again. The choice is kept with the stored checkpoint (once it is stored), so it loads so.
   */
  async setDilation(slot: number, dilation: boolean): Promise<void> {
    const m = this.state.models[slot];
    // Not while another model loads into the slot: the worker would switch that one.
    if (!m || m.source !== 'checkpoint' || !m.dilationGuess || this.loading[slot]) return;
    // A load (or backend restart) since, or a newer switch, makes the reply stale.
    const g = this.gen.load[slot];
    const d = ++this.gen.dc5[slot];
    const current = () => g === this.gen.load[slot] && d === this.gen.dc5[slot];
    this.set({ error: null, busy: { label: `Building ${m.name.slice(7)} ${dilation ? 'with' : 'without'} DC5` } });
    try {
      const raw = await this.worker.call({ type: 'setDilation', slot, dilation });
      if (!current()) return;
      const info = { ...raw, classNames: m.classNames };
      this.set((s) => ({ uploads: s.uploads.map((x) => (x.name === info.name ? info : x)), busy: null, statusText: `${info.name.slice(7)}: DC5 ${dilation ? 'on' : 'off'}` }));
      this.setModel(slot, info);
      // After the model is stored, if it is being stored now (its sidecar is written last), and
      // after any earlier choice's write: the last choice is the one kept.
      const kept = this.choosing.then(async () => {
        await this.keeping;
        await this.shelf.setDilation(info.name.slice(7), dilationChoice(info), checkpointKind(info.config));
      });
      this.choosing = kept;
      await kept;
    } catch (e) {
      if (current()) this.fail(e, 'switching DC5');
    }
  }

  /**
   * Runs detection in a slot when what it would run on differs from its last run: `key` names
   * the model, image and settings. The same key twice (React effects re-run) starts nothing.
   */
  requestRun(slot: number, key: string, image: SessionImage, inputSize: number | undefined): void {
    if (!key || this.runKeys[slot] === key) return;
    if (this.cancelled[slot] === key) return;
    this.cancelled[slot] = '';
    this.runKeys[slot] = key;
    void this.detect(slot, image, inputSize).then((ok) => {
      if (!ok && this.runKeys[slot] === key) this.runKeys[slot] = '';
    });
  }

  /**
   * tfjs-wasm's heap only grows: the gigabyte an official-size model ran in stays with the worker
   * after the model goes. When such a model leaves the only slot in use (leavesHeapBehind), the
   * worker is replaced (as a cancel does, once the model is stored), which hands all of it back.
   */
  private async dropLarge(slot: number): Promise<void> {
    await this.keeping;
    this.parked = null;
    this.gen.run = this.gen.run.map((x) => x + 1);
    this.gen.enc++;
    this.runKeys = ['', ''];
    // The other slot is empty (leavesHeapBehind): this slot's model and runs are all there is.
    this.set((s) => ({ models: [null, null], ...withoutSlot(s, slot) }));
    this.worker.cancel();
    await this.worker.call({ type: 'init', ...this.started });
  }

  /** Installs a model in a slot: the slot's runs and slices belong to the old one and go. */
  private setModel(slot: number, info: ModelInfo): void {
    this.gen.run[slot]++;
    this.runKeys[slot] = '';
    this.set((s) => ({
      models: s.models.map((m, i) => (i === slot ? info : m)),
      ...withoutSlot(s, slot),
      missing: slot === 0 ? null : s.missing,
    }));
  }

  /**
   * Takes the second model out of the view (leaving a side-by-side comparison). A loaded one stays
   * in the worker, parked, until slot 1 is wanted for another model; one still loading is freed.
   */
  async unload(slot: number): Promise<void> {
    if (!this.state.models[slot] && !this.loading[slot]) return;
    const park = slot === 1 && !this.loading[slot] ? this.state.models[slot] : null;
    this.gen.load[slot]++;
    this.gen.run[slot]++;
    this.runKeys[slot] = '';
    this.loading[slot] = null;
    this.set((s) => ({ models: s.models.map((m, i) => (i === slot ? null : m)), runs: slot === 1 ? { main: s.runs.main, off: s.runs.off } : {}, slices: dropSlot(s.slices, slot) }));
    if (slot === 1) this.parked = park;
    if (park) return;
    try {
      await this.worker.call({ type: 'unload', slot });
    } catch (e) {
      this.fail(e, 'unloading a model');
    }
  }

  /** The parked second model back in slot 1 when it is the one asked for (see parked); else null. */
  private unpark(slot: number, name: string): ModelInfo | null {
    const info = slot === 1 && this.parked?.name === name && !this.loading[1] ? this.parked : null;
    if (!info) return null;
    this.parked = null;
    this.gen.load[1]++;
    this.setModel(1, info);
    return info;
  }

  /** Runs detection in a slot; only the newest run of a slot is kept. False if it failed. */
  async detect(slot: number, image: SessionImage, inputSize: number | undefined): Promise<boolean> {
    const g = ++this.gen.run[slot];
    const rgb = new Uint8ClampedArray(image.rgb);
    const t0 = performance.now();
    const timingKey = `${this.state.backend?.backend}|${this.state.models[slot]?.name}|${inputSize ?? 'default'}`;
    const expect = this.stageTimes.get(timingKey) ?? null;
    const expectMs = expect ? totalMs(expect) : undefined;
    // Nothing of the previous image or model stays on screen while this one runs.
    this.set((s) => ({
      busy: { label: 'Running', since: t0, expectMs },
      ...withoutSlot(s, slot),
    }));
    const label = slot === 0 ? 'Running' : 'Running model 2';
    // Each stage, and each backbone block and encoder and decoder layer as it ends ("encoder layer 3/6").
    const onProgress = (p: Progress) => {
      const f = runFraction(expect, p.stage, p.step, p.steps);
      const step = p.step && p.steps ? ` ${p.stage === 'backbone' ? 'block' : 'layer'} ${p.step}/${p.steps}` : '';
      this.set({ busy: { label: `${label}: ${p.stage}${step}`, since: t0, expectMs, ...(f !== null ? { fraction: f, at: performance.now() - t0 } : {}) } });
    };
    try {
      const r = await this.worker.call({ type: 'detect', slot, rgb, width: image.width, height: image.height, inputSize }, onProgress, [rgb.buffer]);
      if (g !== this.gen.run[slot]) return true;
      this.stageTimes.set(timingKey, stageMs(r.timings));
      const run = { gen: g, result: r };
      this.set((s) => ({
        runs: slot === 0 ? { main: run, second: s.runs.second } : { ...s.runs, second: run },
        completed: s.completed + 1,
        busy: null,
        error: s.error !== null && s.error === this.loadError ? s.error : null,
        // The count of boxes shown depends on the threshold and lives in the query list; the status
        // line says only what the run itself was (it counted every top-k query as "detected").
        statusText: `Ready — ran in ${(performance.now() - t0).toFixed(0)} ms on ${r.backend}`,
      }));
      return true;
    } catch (e) {
      if (g !== this.gen.run[slot]) return false;
      this.fail(e, 'detection');
      void this.restartWorker();
      return false;
    }
  }

  /** The main model's decoder re-run with the SMCA prior off, once per main run. */
  async rerunPriorOff(): Promise<void> {
    const main = this.state.runs.main;
    if (!main || this.state.runs.off?.gen === main.gen) return;
    if (this.inflight.has(`off:${main.gen}`)) return;
    this.inflight.add(`off:${main.gen}`);
    this.set({ busy: { label: 'Re-running the decoder with the SMCA prior off' } });
    try {
      const r = await this.worker.call({ type: 'rerun', slot: 0, smcaPrior: false }, this.progress('Prior off'));
      if (this.state.runs.main?.gen !== main.gen) return;
      this.set((s) => ({
        runs: { ...s.runs, off: { gen: main.gen, result: r } },
        busy: null,
        statusText: `Prior-off decoder re-run in ${r.timings.reduce((a, t) => a + t.ms, 0).toFixed(0)} ms`,
      }));
    } catch (e) {
      if (this.state.runs.main?.gen === main.gen) this.fail(e, 'prior-off re-run');
    } finally {
      this.inflight.delete(`off:${main.gen}`);
    }
  }

  /**
   * Fetches the slice of a query once per run; a reply for an older run is dropped. `settled`
   * runs once this request is over (stored, dropped or failed), synchronously after the store
   * update, so an update made in it is drawn in the same render as the slice. A request that
   * joins one in flight, or finds nothing to fetch, settles at once.
   */
  async fetchSlice(slot: number, variant: Variant, query: number, settled?: () => void): Promise<void> {
    const run = slot === 0 ? (variant === 'off' ? this.state.runs.off : this.state.runs.main) : this.state.runs.second;
    const k = sliceKey(slot, variant, query);
    const flight = run ? `${k}@${run.gen}` : '';
    if (!run || this.state.slices[k] || this.inflight.has(flight)) {
      settled?.();
      return;
    }
    this.inflight.add(flight);
    try {
      const sl = await this.worker.call({ type: 'querySlice', slot, variant, query });
      if (this.gen.run[slot] !== run.gen) return;
      this.set((s) => ({ slices: { ...s.slices, [k]: sl } }));
    } catch (e) {
      if (this.gen.run[slot] === run.gen) this.fail(e, 'attention slice');
    } finally {
      this.inflight.delete(flight);
      settled?.();
    }
  }

  /** Encoder self-attention from one feature cell of the main run; only the newest request counts. */
  fetchEncoderAttention(layer: number, index: number): Promise<void> {
    return this.fetchEncoder(() => this.worker.call({ type: 'encoderAttention', slot: 0, layer, index }), (e) => ({ encSlice: e }), 'encoder attention');
  }

  /**
   * Multi-scale models: where the deformable encoder attention of one stride-8 cell of the main
   * run samples. It shares the encoder generation with fetchEncoderAttention: whichever was
   * asked last is the one shown.
   */
  fetchEncoderPoints(layer: number, index: number): Promise<void> {
    return this.fetchEncoder(() => this.worker.call({ type: 'encoderPoints', slot: 0, layer, index }), (p) => ({ encPoints: p }), 'encoder sampling points');
  }

  /** One encoder request of the main run: dropped when a newer one was asked or the run changed. */
  private async fetchEncoder<T>(request: () => Promise<T>, apply: (reply: T) => Partial<SessionState>, what: string): Promise<void> {
    const main = this.state.runs.main;
    if (!main) return;
    const g = ++this.gen.enc;
    try {
      const reply = await request();
      if (g !== this.gen.enc || this.gen.run[0] !== main.gen) return;
      this.set(apply(reply));
    } catch (err) {
      if (g === this.gen.enc) this.fail(err, what);
    }
  }
}

/** The user's DC5 for a checkpoint, to keep with it: only where it differs from the guess (undefined: as detected). */
function dilationChoice(info: ModelInfo): boolean | undefined {
  return info.dilationGuess && info.config.dilation !== info.dilationDetected ? info.config.dilation : undefined;
}

/** The page's fetch of a bundled model when a service worker controls the page (its cache answers it offline); else none. */
function serviceWorkerFetch(): ((baseUrl: string, name: string) => Promise<BundledFiles>) | null {
  return globalThis.navigator?.serviceWorker ? (baseUrl, name) => (navigator.serviceWorker.controller ? fetchBundledFiles(baseUrl, name) : Promise.reject(new Error('no service worker'))) : null;
}
