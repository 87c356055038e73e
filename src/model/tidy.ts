import * as tf from '@tensorflow/tfjs';

/** tf.tidy for functions returning structured results (objects of tensors, numbers and undefined). */
export function tidyObject<T>(fn: () => T): T {
  return tf.tidy(fn as unknown as () => tf.TensorContainer) as unknown as T;
}
