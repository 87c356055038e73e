/** Where a writer streams its output (a file in Node, an array of chunks for a browser Blob). */
export interface ByteSink {
  write(chunk: Uint8Array): Promise<void>;
}

/** Collects chunks in memory, e.g. `new Blob(sink.chunks)` for a download in the browser. */
export class MemorySink implements ByteSink {
  readonly chunks: Uint8Array[] = [];
  async write(chunk: Uint8Array): Promise<void> {
    this.chunks.push(chunk.slice());
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

/** Small growable little-endian buffer for headers and pickles. */
export class ByteBuilder {
  private buf = new Uint8Array(256);
  private dv = new DataView(this.buf.buffer);
  length = 0;
  private reserve(n: number): number {
    if (this.length + n > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
      this.dv = new DataView(next.buffer);
    }
    const at = this.length;
    this.length += n;
    return at;
  }
  // Each writer reserves first, then touches buf/dv: reserve() may replace them.
  u8(v: number): this { const at = this.reserve(1); this.buf[at] = v; return this; }
  u16(v: number): this { const at = this.reserve(2); this.dv.setUint16(at, v, true); return this; }
  u32(v: number): this { const at = this.reserve(4); this.dv.setUint32(at, v >>> 0, true); return this; }
  i32(v: number): this { const at = this.reserve(4); this.dv.setInt32(at, v, true); return this; }
  u64(v: number): this { const at = this.reserve(8); this.dv.setBigUint64(at, BigInt(v), true); return this; }
  f64be(v: number): this { const at = this.reserve(8); this.dv.setFloat64(at, v, false); return this; }
  bytes(b: Uint8Array): this { const at = this.reserve(b.length); this.buf.set(b, at); return this; }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
