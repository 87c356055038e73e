/**
 * The buffers of the Float32Arrays in a reply that own their whole buffer, to transfer them to the
 * page instead of copying (a query slice holds layers x heads maps). Only for replies made fresh
 * per request (slices, encoder attention): a transferred buffer is gone from the worker.
 */
export function ownFloatBuffers(value: unknown, out = new Set<ArrayBuffer>()): ArrayBuffer[] {
  if (value instanceof Float32Array) {
    if (value.byteOffset === 0 && value.byteLength === value.buffer.byteLength && value.buffer instanceof ArrayBuffer) out.add(value.buffer);
  } else if (Array.isArray(value)) {
    for (const v of value) ownFloatBuffers(v, out);
  } else if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) ownFloatBuffers(v, out);
  }
  return [...out];
}
