/**
 * Where a forward pass is, layer by layer, for whoever shows progress (the inference worker: an
 * official-size model spends 15-20 s in its backbone on wasm, with nothing else to report). The
 * model calls layerDone after each backbone block and each encoder and decoder layer; with no
 * listener (training, tests) that is one null check. On GPU backends the call comes when the
 * layer's work is queued, not done.
 */
export type ModelPart = 'backbone' | 'encoder' | 'decoder';
type Listener = (part: ModelPart, done: number, total: number) => void;

let listener: Listener | null = null;

/** Listens until the returned function is called (which puts back the previous listener). */
export function onLayerDone(fn: Listener): () => void {
  const previous = listener;
  listener = fn;
  return () => {
    listener = previous;
  };
}

export function layerDone(part: ModelPart, done: number, total: number): void {
  listener?.(part, done, total);
}
