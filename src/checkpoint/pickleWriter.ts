import { ByteBuilder } from './byteSink';
import { type DType, ELEMENT_SIZE, STORAGE_CLASS } from './dtypes';
import { PyNamespace, PyOrderedDict, PyTuple } from './pyTypes';

/**
 * Writes Python objects the way torch.save pickles them (protocol 2): tensors as
 * `_rebuild_tensor_v2(persistent storage id, offset, size, stride, False, OrderedDict())`, the
 * storages themselves left to the container (zip entries or legacy records).
 *
 * Accepted values: null, booleans, numbers (integers become Python ints; wrap a float that
 * happens to be whole in PyFloat), bigints, strings, arrays (lists), PyTuple, Map / plain
 * objects (dicts), PyOrderedDict, PyNamespace (argparse.Namespace) and SaveTensor.
 */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** Storage bytes produced on demand, so a writer holds one tensor's data at a time. */
export class SaveStorage {
  constructor(readonly dtype: DType, readonly numel: number, readonly bytes: () => Uint8Array) {}
  get byteLength(): number {
    return this.numel * ELEMENT_SIZE[this.dtype];
  }
}

export class SaveTensor {
  constructor(
    readonly storage: SaveStorage,
    readonly shape: number[],
    readonly storageOffset = 0,
    readonly stride = contiguousStride(shape),
  ) {}
}

export function contiguousStride(shape: number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** A float32 tensor with its own storage. */
export function floatTensor(shape: number[], data: () => Float32Array): SaveTensor {
  const numel = shape.reduce((a, b) => a * b, 1);
  const bytes = () => {
    const d = data();
    return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  };
  return new SaveTensor(new SaveStorage('float32', numel, bytes), shape);
}

const BATCH = 1000; // as CPython's pickler: APPENDS/SETITEMS in groups of 1000

export class TorchPickler {
  private readonly b = new ByteBuilder();
  private readonly memo = new Map<string, number>();
  /** Storages in order of first use; their keys are their indices, as torch numbers them. */
  readonly storages: SaveStorage[] = [];
  private readonly keys = new Map<SaveStorage, string>();

  /** `legacy`: persistent ids get the sixth (view) field the legacy format has. */
  constructor(private readonly legacy = false) {}

  dump(v: unknown): Uint8Array {
    this.b.u8(0x80).u8(2); // PROTO 2
    this.value(v);
    this.b.u8(0x2e); // STOP
    return this.b.result();
  }

  private int(v: number | bigint): void {
    if (typeof v === 'number' && v >= 0 && v < 256) this.b.u8(0x4b).u8(v);
    else if (typeof v === 'number' && v >= 0 && v < 65536) this.b.u8(0x4d).u16(v);
    else if (typeof v === 'number' && v >= -(2 ** 31) && v < 2 ** 31) this.b.u8(0x4a).i32(v);
    else {
      // LONG1: little-endian two's complement, as short as the sign allows.
      let x = BigInt(v);
      const bytes: number[] = [];
      for (;;) {
        bytes.push(Number(x & 0xffn));
        x >>= 8n;
        const signBit = bytes[bytes.length - 1] & 0x80;
        if ((x === 0n && !signBit) || (x === -1n && signBit)) break;
      }
      this.b.u8(0x8a).u8(bytes.length).bytes(Uint8Array.from(bytes));
    }
  }

  private str(s: string): void {
    const u = new TextEncoder().encode(s);
    this.b.u8(0x58).u32(u.length).bytes(u); // BINUNICODE
  }

  private global(module: string, name: string): void {
    const key = `${module}.${name}`;
    const at = this.memo.get(key);
    if (at !== undefined) {
      this.b.u8(0x6a).u32(at); // LONG_BINGET
      return;
    }
    this.b.u8(0x63).bytes(new TextEncoder().encode(`${module}\n${name}\n`)); // GLOBAL
    this.memo.set(key, this.memo.size);
    this.b.u8(0x72).u32(this.memo.size - 1); // LONG_BINPUT
  }

  private tuple(items: unknown[]): void {
    if (items.length === 0) {
      this.b.u8(0x29);
      return;
    }
    if (items.length > 3) this.b.u8(0x28);
    for (const x of items) this.value(x);
    this.b.u8(items.length > 3 ? 0x74 : [0x85, 0x86, 0x87][items.length - 1]);
  }

  private items(entries: Iterable<[unknown, unknown]>): void {
    let batch: [unknown, unknown][] = [];
    const flush = () => {
      if (!batch.length) return;
      this.b.u8(0x28);
      for (const [k, v] of batch) {
        this.value(k);
        this.value(v);
      }
      this.b.u8(0x75); // SETITEMS
      batch = [];
    };
    for (const e of entries) {
      batch.push(e);
      if (batch.length === BATCH) flush();
    }
    flush();
  }

  private tensor(t: SaveTensor): void {
    let key = this.keys.get(t.storage);
    if (key === undefined) {
      key = String(this.storages.length);
      this.keys.set(t.storage, key);
      this.storages.push(t.storage);
    }
    this.global('torch._utils', '_rebuild_tensor_v2');
    this.b.u8(0x28); // MARK of the argument tuple
    this.b.u8(0x28); // MARK of the persistent id
    this.str('storage');
    this.global('torch', STORAGE_CLASS[t.storage.dtype]);
    this.str(key);
    this.str('cpu');
    this.int(t.storage.numel);
    if (this.legacy) this.b.u8(0x4e); // view metadata: None
    this.b.u8(0x74).u8(0x51); // TUPLE, BINPERSID
    this.int(t.storageOffset);
    this.tuple(t.shape);
    this.tuple(t.stride);
    this.b.u8(0x89); // requires_grad False
    this.global('collections', 'OrderedDict');
    this.b.u8(0x29).u8(0x52); // () REDUCE: empty backward hooks
    this.b.u8(0x74).u8(0x52); // TUPLE, REDUCE
  }

  private value(v: unknown): void {
    if (v === null || v === undefined) this.b.u8(0x4e);
    else if (v === true) this.b.u8(0x88);
    else if (v === false) this.b.u8(0x89);
    else if (typeof v === 'number') {
      if (Number.isSafeInteger(v)) this.int(v);
      else this.b.u8(0x47).f64be(v);
    } else if (v instanceof PyFloat) this.b.u8(0x47).f64be(v.value);
    else if (typeof v === 'bigint') this.int(v);
    else if (typeof v === 'string') this.str(v);
    else if (v instanceof SaveTensor) this.tensor(v);
    else if (v instanceof PyTuple) this.tuple(v.items);
    else if (Array.isArray(v)) {
      this.b.u8(0x5d); // EMPTY_LIST
      for (let i = 0; i < v.length; i += BATCH) {
        this.b.u8(0x28);
        for (const x of v.slice(i, i + BATCH)) this.value(x);
        this.b.u8(0x65); // APPENDS
      }
    } else if (v instanceof PyOrderedDict) {
      this.global('collections', 'OrderedDict');
      this.b.u8(0x29).u8(0x52);
      this.items(v);
    } else if (v instanceof PyNamespace) {
      this.global('argparse', 'Namespace');
      this.b.u8(0x29).u8(0x81); // () NEWOBJ
      this.b.u8(0x7d);
      this.items(v.attrs);
      this.b.u8(0x62); // BUILD with the attribute dict
    } else if (v instanceof Map) {
      this.b.u8(0x7d);
      this.items(v);
    } else if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      this.b.u8(0x7d);
      this.items(Object.entries(v as Record<string, unknown>));
    } else {
      throw new TypeError(`cannot pickle ${Object.prototype.toString.call(v)}`);
    }
  }
}
