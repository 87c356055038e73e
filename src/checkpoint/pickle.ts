import { applyState, callGlobal, newObject, resolveGlobal } from './allowList';
import { LIMITS, tooLarge } from './bounds';
import { pyStringLiteral, rawUnicodeEscape } from './pickleText';
import { CheckpointError } from './errors';
import { type PyDict, type PyValue, PyNamespace, PyTuple } from './pyTypes';

/**
 * A pickle reader (every opcode of protocols 0-5 except the out-of-band buffers of 5) that
 * executes nothing: it builds JS values for the data opcodes, and every global / call /
 * instantiation goes through allowList.ts.
 */
export interface UnpickleOptions {
  /** torch's persistent_load: turns a persistent id (a storage tuple) into a Storage. */
  persistentLoad?: (pid: PyValue) => PyValue;
  /** For messages: what is being read ("data.pkl", "legacy main pickle"). */
  what: string;
  /**
   * The most bytes the pickle can have (default: what `bytes` holds after `start`). The legacy
   * reader parses a growing prefix of the file, so it passes the rest of the file: the budgets
   * below must not depend on how much of it has been read yet.
   */
  sizeBound?: number;
}

/**
 * Thrown when the pickle runs past the bytes given; the legacy reader catches it and reads more.
 * `needEnd`: the offset in `bytes` the pickle needs to reach (a length it announced), or just
 * past the end when it only needs more (a text line).
 */
export class PickleEndOfData extends CheckpointError {
  constructor(what: string, at: number, readonly needEnd: number) {
    super('truncated', `the checkpoint is truncated: ${what} ends at byte ${at} in the middle of the pickle`);
  }
}

const MARK = Symbol('mark');
type Item = PyValue | typeof MARK;

class Reader {
  pos: number;
  private readonly dv: DataView;
  constructor(readonly bytes: Uint8Array, start: number, readonly what: string) {
    this.pos = start;
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(n: number): number {
    if (n < 0) throw corrupt(this.what, `negative length at byte ${this.pos}`);
    if (!Number.isSafeInteger(n) || this.pos + n > this.bytes.length) throw new PickleEndOfData(this.what, this.bytes.length, this.pos + n);
    const at = this.pos;
    this.pos += n;
    return at;
  }
  u8(): number { return this.bytes[this.need(1)]; }
  u16(): number { return this.dv.getUint16(this.need(2), true); }
  u32(): number { return this.dv.getUint32(this.need(4), true); }
  i32(): number { return this.dv.getInt32(this.need(4), true); }
  u64(): number {
    const v = this.dv.getBigUint64(this.need(8), true);
    // A length this large cannot be in the file; treat it as running off the end.
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(v);
  }
  f64be(): number { return this.dv.getFloat64(this.need(8), false); }
  take(n: number): Uint8Array {
    const at = this.need(n);
    return this.bytes.subarray(at, at + n);
  }
  line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) throw new PickleEndOfData(this.what, this.bytes.length, this.bytes.length + 1);
    const s = latin1(this.bytes.subarray(this.pos, end));
    this.pos = end + 1;
    return s;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** Fatal decoding, so damaged text is an error, not U+FFFD; the error is ours, not TextDecoder's TypeError. */
function utf8At(b: Uint8Array, r: Reader): string {
  try {
    return utf8.decode(b);
  } catch {
    throw corrupt(r.what, `a string ending at byte ${r.pos} is not valid UTF-8`);
  }
}

/** Byte -> char in chunks: per-char `+=` builds a rope per byte, fromCharCode(...all) overflows the stack. */
function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
}

/** Little-endian two's-complement integer (LONG1/LONG4); a number when it fits exactly. */
function decodeLong(b: Uint8Array, what: string): number | bigint {
  if (b.length === 0) return 0;
  // Shifting a growing BigInt per byte is quadratic (200 KB took 37 s); no checkpoint needs more than 8 bytes.
  if (b.length > LIMITS.maxLongBytes) throw tooLarge(`${what} holds a ${b.length}-byte integer; more than ${LIMITS.maxLongBytes} bytes is refused`);
  let hex = '';
  for (let i = b.length - 1; i >= 0; i--) hex += b[i].toString(16).padStart(2, '0');
  let v = BigInt(`0x${hex}`);
  if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** Dicts, sets and Namespaces: a Map is about 190 bytes in V8 even when empty. */
function isMapLike(v: PyValue): boolean {
  return v instanceof Map || v instanceof Set || v instanceof PyNamespace;
}

function corrupt(what: string, msg: string): CheckpointError {
  return new CheckpointError('corrupt', `${what} is not a valid pickle: ${msg}`);
}

/** Reads one pickle starting at `start`; returns its value and the offset just past STOP. */
export function unpickle(bytes: Uint8Array, start: number, opts: UnpickleOptions): { value: PyValue; end: number } {
  const r = new Reader(bytes, start, opts.what);
  const what = opts.what;
  let stack: Item[] = [];
  const marks: Item[][] = [];
  const memo = new Map<number, PyValue>();
  const size = opts.sizeBound ?? bytes.length - start;
  // Elements copied out of existing objects (see LIMITS.workPerByte); everything else is one step per opcode byte.
  let work = LIMITS.workFloor + LIMITS.workPerByte * size;
  const charge = (n: number) => {
    work -= n;
    if (work < 0) throw tooLarge(`${what} asks for more work than its ${size} bytes can justify (objects reused through the memo)`);
  };
  const memoize = (i: number | bigint, v: PyValue) => {
    if (memo.size >= LIMITS.maxMemo && !memo.has(i as number)) throw tooLarge(`${what} stores more than ${LIMITS.maxMemo} memo entries`);
    memo.set(i as number, v);
  };

  const pop = (): PyValue => {
    if (stack.length === 0) throw corrupt(what, 'stack underflow');
    const v = stack.pop()!;
    if (v === MARK) throw corrupt(what, 'unexpected MARK');
    return v;
  };
  const top = (): PyValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) throw corrupt(what, 'stack underflow');
    return v;
  };
  // Every value the VM holds is paid for (LIMITS.pickleUnits*): a run of one-byte opcodes, such
  // as 25M EMPTY_DICTs deflated into a 24 KB file, would otherwise fill the heap.
  const budget = Math.min(LIMITS.maxPickleUnits, LIMITS.pickleUnitsFloor + LIMITS.pickleUnitsPerByte * size);
  let units = budget;
  const pay = (n: number) => {
    units -= n;
    if (units < 0) throw tooLarge(`${what} builds more values than its ${size} bytes can justify (a budget of ${budget} units of about 24 bytes of memory)`);
  };
  // Not `stack.push(popMark())`: that would push onto the array popMark just discarded.
  const push = (v: PyValue, cost = isMapLike(v) ? LIMITS.pickleDictUnits : 1) => {
    pay(cost);
    stack.push(v);
  };
  const popMark = (): PyValue[] => {
    const items = stack as PyValue[];
    if (marks.length === 0) throw corrupt(what, 'no MARK on the stack');
    stack = marks.pop()!;
    return items;
  };
  const asDict = (v: PyValue): PyDict => {
    if (!(v instanceof Map)) throw corrupt(what, 'SETITEM(S) on a non-dict');
    return v;
  };
  const asList = (v: PyValue): PyValue[] => {
    if (!Array.isArray(v)) throw corrupt(what, 'APPEND(S) on a non-list');
    return v;
  };
  const get = (i: number): PyValue => {
    if (!memo.has(i)) throw corrupt(what, `memo ${i} is not set`);
    return memo.get(i)!;
  };
  const persistent = (pid: PyValue): PyValue => {
    if (!opts.persistentLoad) throw new CheckpointError('refused', `${what} uses persistent ids where none are allowed`);
    return opts.persistentLoad(pid);
  };
  const asTuple = (v: PyValue): PyValue[] => {
    if (v instanceof PyTuple) return v.items;
    throw corrupt(what, 'call arguments are not a tuple');
  };

  for (;;) {
    const op = r.u8();
    switch (op) {
      case 0x80: { // PROTO
        const p = r.u8();
        if (p > 5) throw new CheckpointError('unsupported', `${what} uses pickle protocol ${p}; protocols up to 5 are supported`);
        break;
      }
      case 0x95: r.u64(); break; // FRAME: a length hint only
      case 0x2e: // STOP
        return { value: pop(), end: r.pos };
      case 0x28: // MARK
        if (marks.length >= LIMITS.maxMarkDepth) throw tooLarge(`${what} nests MARKs more than ${LIMITS.maxMarkDepth} deep`);
        pay(1);
        marks.push(stack);
        stack = [];
        break;
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: push(top(), 1); break; // DUP (a reference: a slot, not a new object)

      case 0x4e: push(null); break; // NONE
      case 0x88: push(true); break; // NEWTRUE
      case 0x89: push(false); break; // NEWFALSE
      case 0x4b: push(r.u8()); break; // BININT1
      case 0x4d: push(r.u16()); break; // BININT2
      case 0x4a: push(r.i32()); break; // BININT
      case 0x8a: push(decodeLong(r.take(r.u8()), what)); break; // LONG1
      case 0x8b: { // LONG4: the width is checked before the bytes are taken
        const n = r.u32();
        if (n > LIMITS.maxLongBytes) throw tooLarge(`${what} holds a ${n}-byte integer; more than ${LIMITS.maxLongBytes} bytes is refused`);
        push(decodeLong(r.take(n), what));
        break;
      }
      case 0x49: { // INT (text); "00"/"01" are protocol 0 booleans
        const s = r.line();
        push(s === '00' ? false : s === '01' ? true : textInt(s, what));
        break;
      }
      case 0x4c: push(textInt(r.line().replace(/L$/, ''), what)); break; // LONG (text)
      case 0x47: push(r.f64be()); break; // BINFLOAT
      case 0x46: push(Number.parseFloat(r.line())); break; // FLOAT (text)

      case 0x58: push(utf8At(r.take(r.u32()), r)); break; // BINUNICODE
      case 0x8c: push(utf8At(r.take(r.u8()), r)); break; // SHORT_BINUNICODE
      case 0x8d: push(utf8At(r.take(r.u64()), r)); break; // BINUNICODE8
      case 0x53: push(pyStringLiteral(r.line(), what)); break; // STRING (protocol 0 py2 str, a quoted repr)
      case 0x56: push(rawUnicodeEscape(r.line(), what)); break; // UNICODE (protocol 0 str)
      case 0x54: push(latin1(r.take(r.i32()))); break; // BINSTRING (py2 str)
      case 0x55: push(latin1(r.take(r.u8()))); break; // SHORT_BINSTRING
      case 0x42: push(r.take(r.u32()).slice()); break; // BINBYTES
      case 0x43: push(r.take(r.u8()).slice()); break; // SHORT_BINBYTES
      case 0x8e: // BINBYTES8
      case 0x96: push(r.take(r.u64()).slice()); break; // BYTEARRAY8

      case 0x29: push(new PyTuple([])); break; // EMPTY_TUPLE
      case 0x74: push(new PyTuple(popMark())); break; // TUPLE
      case 0x85: push(new PyTuple([pop()])); break; // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); push(new PyTuple([a, b])); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); push(new PyTuple([a, b, c])); break; } // TUPLE3
      case 0x5d: push([]); break; // EMPTY_LIST
      case 0x6c: push(popMark()); break; // LIST
      case 0x61: { const v = pop(); asList(top()).push(v); break; } // APPEND
      case 0x65: { // APPENDS (a loop: push(...items) overflows the call stack past ~100k items)
        const items = popMark();
        const list = asList(top());
        for (const x of items) list.push(x);
        break;
      }
      case 0x7d: push(new Map()); break; // EMPTY_DICT
      case 0x64: { // DICT
        const items = popMark();
        const d: PyDict = new Map();
        for (let i = 0; i + 1 < items.length; i += 2) d.set(items[i], items[i + 1]);
        push(d);
        break;
      }
      case 0x73: { const v = pop(); const k = pop(); asDict(top()).set(k, v); break; } // SETITEM
      case 0x75: { // SETITEMS
        const items = popMark();
        const d = asDict(top());
        for (let i = 0; i + 1 < items.length; i += 2) d.set(items[i], items[i + 1]);
        break;
      }
      case 0x8f: push(new Set()); break; // EMPTY_SET
      case 0x90: { // ADDITEMS
        const items = popMark();
        const s = top();
        if (!(s instanceof Set)) throw corrupt(what, 'ADDITEMS on a non-set');
        for (const x of items) s.add(x);
        break;
      }
      case 0x91: push(new Set(popMark())); break; // FROZENSET

      case 0x67: push(get(textInt(r.line(), what) as number), 1); break; // GET (references: a slot each)
      case 0x68: push(get(r.u8()), 1); break; // BINGET
      case 0x6a: push(get(r.u32()), 1); break; // LONG_BINGET
      case 0x70: memoize(textInt(r.line(), what), top()); break; // PUT
      case 0x71: memoize(r.u8(), top()); break; // BINPUT
      case 0x72: memoize(r.u32(), top()); break; // LONG_BINPUT
      case 0x94: memoize(memo.size, top()); break; // MEMOIZE

      case 0x63: { // GLOBAL "module\nname\n"
        const module = r.line();
        push(resolveGlobal(module, r.line()));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw corrupt(what, 'STACK_GLOBAL needs two strings');
        push(resolveGlobal(module, name));
        break;
      }
      case 0x52: { // REDUCE; OrderedDict(list) copies a list that a memo GET can hand over again and again
        const args = asTuple(pop());
        const fn = pop();
        if (Array.isArray(args[0])) charge(args[0].length);
        push(callGlobal(fn, args));
        break;
      }
      case 0x81: { pop(); push(newObject(pop())); break; } // NEWOBJ (cls, args)
      case 0x92: { pop(); pop(); push(newObject(pop())); break; } // NEWOBJ_EX (cls, args, kwargs)
      case 0x62: { // BUILD; a Namespace copies its state dict, which may be reused the same way
        const state = pop();
        const dict = state instanceof PyTuple ? state.items[0] : state;
        if (dict instanceof Map) charge(dict.size);
        applyState(top(), state);
        break;
      }
      case 0x69: { // INST "module\nname\n" with args after MARK
        const module = r.line();
        const cls = resolveGlobal(module, r.line());
        popMark();
        push(newObject(cls));
        break;
      }
      case 0x6f: { // OBJ: MARK cls args...
        const items = popMark();
        push(newObject(items[0] ?? null));
        break;
      }
      case 0x51: push(persistent(pop())); break; // BINPERSID
      case 0x50: // PERSID: text ids exist only at protocol 0, where torch.save writes str(tuple), which torch.load cannot read back either
        throw new CheckpointError('unsupported', `${what} names its storages with text persistent ids (pickle protocol 0), which torch.load cannot read either; re-save it with protocol 1 or later`);

      case 0x82: case 0x83: case 0x84: // EXT1/2/4 name globals through the copyreg registry
        throw new CheckpointError('refused-global', `refusing ${what}: it names globals through the extension registry (EXT opcodes)`);
      case 0x97: case 0x98: // NEXT_BUFFER / READONLY_BUFFER
        throw new CheckpointError('unsupported', `${what} uses out-of-band buffers (pickle protocol 5), which torch.save never writes`);
      default:
        throw corrupt(what, `unknown opcode 0x${op.toString(16).padStart(2, '0')} at byte ${r.pos - 1}`);
    }
  }
}

function textInt(s: string, what: string): number | bigint {
  if (s.length > LIMITS.maxTextIntDigits) throw tooLarge(`${what} holds a ${s.length}-digit integer; more than ${LIMITS.maxTextIntDigits} digits is refused`);
  if (!/^[+-]?\d+$/.test(s.trim())) throw corrupt(what, `bad integer "${s.slice(0, 20)}"`);
  const v = BigInt(s.trim());
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}
