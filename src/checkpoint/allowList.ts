import { keyName } from './describeValue';
import { CheckpointError } from './errors';
import { STORAGE_DTYPES } from './dtypes';
import { type PyValue, PyGlobalRef, PyNamespace, PyOrderedDict, PyTuple } from './pyTypes';
import { Storage, TensorRef } from './tensor';

/**
 * The only Python names a checkpoint may mention, and what "calling" them means here: we never
 * run code from the file, we recognise the few constructors torch.save emits and build inert JS
 * values for them. Everything else is refused by name as soon as the pickle loads the global,
 * before any REDUCE could use it.
 */
const ALLOWED = new Set<string>([
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
  'torch._utils._rebuild_parameter_with_state',
  'collections.OrderedDict',
  'argparse.Namespace',
  // Protocols 0 and 1 rebuild a Namespace as copyreg._reconstructor(Namespace, object, None);
  // Python 3 writes the Python 2 module names there (fix_imports).
  'copy_reg._reconstructor',
  'copyreg._reconstructor',
  '__builtin__.object',
  'builtins.object',
  ...Object.keys(STORAGE_DTYPES).map((s) => `torch.${s}`),
]);

function refuse(what: string): CheckpointError {
  return new CheckpointError(
    'refused-global',
    `refusing to load "${what}" from the checkpoint: only tensors, dicts and argparse.Namespace are allowed`,
  );
}

export function resolveGlobal(module: string, name: string): PyGlobalRef {
  const q = `${module}.${name}`;
  if (!ALLOWED.has(q)) throw refuse(q);
  return new PyGlobalRef(module, name);
}

function int(v: PyValue, what: string): number {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  throw new CheckpointError('corrupt', `tensor ${what} is not an integer`);
}

function ints(v: PyValue, what: string): number[] {
  const items = v instanceof PyTuple ? v.items : Array.isArray(v) ? v : null;
  if (!items) throw new CheckpointError('corrupt', `tensor ${what} is not a tuple`);
  return items.map((x) => int(x, what));
}

/** REDUCE: `callable(*args)` for the allowed callables. */
export function callGlobal(fn: PyValue, args: PyValue[]): PyValue {
  if (!(fn instanceof PyGlobalRef)) throw new CheckpointError('refused', 'refusing to call a non-global object from the checkpoint');
  switch (fn.qualified) {
    case 'torch._utils._rebuild_tensor_v2': {
      // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
      const [storage, offset, size, stride] = args;
      if (!(storage instanceof Storage)) throw new CheckpointError('corrupt', 'tensor without a storage (persistent id) in the checkpoint');
      return new TensorRef(storage, int(offset, 'offset'), ints(size, 'size'), ints(stride, 'stride'));
    }
    case 'torch._utils._rebuild_parameter':
    case 'torch._utils._rebuild_parameter_with_state': {
      // nn.Parameter(data, requires_grad): for reading, the data tensor is all that matters.
      if (!(args[0] instanceof TensorRef)) throw new CheckpointError('corrupt', 'parameter without tensor data');
      return args[0];
    }
    case 'collections.OrderedDict': {
      const d = new PyOrderedDict();
      // OrderedDict() or OrderedDict([(k, v), ...]).
      const init = args[0];
      if (Array.isArray(init)) {
        for (const pair of init) {
          if (!(pair instanceof PyTuple) || pair.items.length !== 2) throw new CheckpointError('corrupt', 'OrderedDict initialiser is not a list of pairs');
          d.set(pair.items[0], pair.items[1]);
        }
      }
      return d;
    }
    case 'argparse.Namespace':
      return new PyNamespace();
    case 'copy_reg._reconstructor':
    case 'copyreg._reconstructor': {
      // object.__new__(Namespace): nothing else may be built this way.
      const [cls, base, state] = args;
      const isObject = base instanceof PyGlobalRef && (base.qualified === 'builtins.object' || base.qualified === '__builtin__.object');
      if (cls instanceof PyGlobalRef && cls.qualified === 'argparse.Namespace' && isObject && state === null) return new PyNamespace();
      throw refuse(`calling ${fn.qualified} on ${cls instanceof PyGlobalRef ? cls.qualified : 'a non-class'}`);
    }
    default:
      throw refuse(`calling ${fn.qualified}`);
  }
}

/** NEWOBJ: `cls.__new__(cls, *args)`; only plain data classes. */
export function newObject(cls: PyValue): PyValue {
  if (cls instanceof PyGlobalRef && cls.qualified === 'argparse.Namespace') return new PyNamespace();
  if (cls instanceof PyGlobalRef && cls.qualified === 'collections.OrderedDict') return new PyOrderedDict();
  throw refuse(`instantiating ${cls instanceof PyGlobalRef ? cls.qualified : typeof cls}`);
}

/** BUILD: `obj.__setstate__(state)` / `obj.__dict__.update(state)` for the objects we build. */
export function applyState(obj: PyValue, state: PyValue): void {
  if (obj instanceof PyNamespace) {
    // state is the instance __dict__, or (dict, slots) when slots exist.
    const dict = state instanceof PyTuple ? state.items[0] : state;
    if (!(dict instanceof Map)) throw new CheckpointError('corrupt', 'argparse.Namespace state is not a dict');
    for (const [k, v] of dict) obj.attrs.set(keyName(k), v);
    return;
  }
  // state_dict() OrderedDicts carry `_metadata` (module versions) as instance state; tensors
  // may carry an empty __dict__. Neither matters for the weights, so it is dropped.
  if (obj instanceof PyOrderedDict || obj instanceof TensorRef) return;
  throw new CheckpointError('refused', 'refusing to set state on an object the checkpoint built');
}
