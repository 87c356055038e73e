import type * as tf from '@tensorflow/tfjs';
import type { EncoderOutput, DecoderOutput } from './types';

function disposeAll(values: unknown[]): void {
  for (const v of values) {
    if (Array.isArray(v)) disposeAll(v);
    else if (v && typeof (v as tf.Tensor).dispose === 'function') (v as tf.Tensor).dispose();
    else if (v && typeof v === 'object') disposeAll(Object.values(v));
  }
}

export function disposeEncoder(e: EncoderOutput): void {
  disposeAll(Object.values(e));
}

export function disposeDecoder(d: DecoderOutput): void {
  disposeAll(d.layers.map((l) => Object.values(l)));
  if (d.proposals) disposeAll(Object.values(d.proposals));
}
