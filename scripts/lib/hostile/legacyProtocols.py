# A legacy torch.save file written by CPython's own pickler at a chosen protocol (fake torch classes:
# no torch needed), for test/fixtures/pth/legacy_protocol{0,1}.pth and the protocol test:
#   python3 scripts/lib/hostile/legacyProtocols.py PROTOCOL OUT.pth
import sys, types, pickle, struct, argparse, collections
proto = int(sys.argv[1]); out = sys.argv[2]
torch = types.ModuleType('torch'); utils = types.ModuleType('torch._utils')
sys.modules['torch'] = torch; sys.modules['torch._utils'] = utils; torch._utils = utils
class FloatStorage:
    def __init__(self, values): self.values = values
class CharStorage:
    def __init__(self, values): self.values = values
FloatStorage.__module__ = 'torch'; CharStorage.__module__ = 'torch'
torch.FloatStorage = FloatStorage; torch.CharStorage = CharStorage
def _rebuild_tensor_v2(*a): pass
_rebuild_tensor_v2.__module__ = 'torch._utils'
utils._rebuild_tensor_v2 = _rebuild_tensor_v2
class Tensor:
    def __init__(self, storage, shape, stride, offset=0):
        self.storage, self.shape, self.stride, self.offset = storage, shape, stride, offset
    def __reduce_ex__(self, p):
        return (_rebuild_tensor_v2, (self.storage, self.offset, tuple(self.shape), tuple(self.stride), False, collections.OrderedDict()))
keys = {}
def persistent_id(obj):
    if isinstance(obj, (FloatStorage, CharStorage)):
        k = keys.setdefault(id(obj), (str(len(keys)), obj))[0]
        return ('storage', type(obj), k, 'cpu', len(obj.values), None)
    return None
w = FloatStorage([1.5, -2.0, 3.25, 4.0, 5.0, 6.0])
c = CharStorage([7, -7, 1])
sd = collections.OrderedDict([('w', Tensor(w, [2, 3], [3, 1])), ('wt', Tensor(w, [3, 2], [1, 3])), ('b', Tensor(c, [3], [1]))])
sd._metadata = collections.OrderedDict([('', {'version': 1})])
args = argparse.Namespace(lr=1e-4, epochs=50, name='r50', flag=True, big=2**40, neg=-3, none=None, ratio=0.5, tup=(1, 2), lst=['a', "it's \"q\"\n\\", 'é'])
obj = {'model': sd, 'epoch': 49, 'args': args}
with open(out, 'wb') as f:
    pickle.dump(0x1950a86a20f9469cfc6c, f, protocol=proto)
    pickle.dump(1001, f, protocol=proto)
    pickle.dump(dict(protocol_version=1001, little_endian=True, type_sizes=dict(short=2, int=4, long=4)), f, protocol=proto)
    p = pickle.Pickler(f, protocol=proto); p.persistent_id = persistent_id; p.dump(obj)
    ordered = [s for _, (k, s) in sorted(keys.items(), key=lambda kv: int(kv[1][0]))]
    pickle.dump([k for _, (k, s) in sorted(keys.items(), key=lambda kv: int(kv[1][0]))], f, protocol=proto)
    for s in ordered:
        f.write(struct.pack('<q', len(s.values)))
        if isinstance(s, FloatStorage): f.write(struct.pack('<%df' % len(s.values), *s.values))
        else: f.write(struct.pack('<%db' % len(s.values), *s.values))
