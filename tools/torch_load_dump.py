"""Reads a checkpoint with PyTorch's own torch.load and dumps what it holds, so that tests can
compare it with what our TypeScript torch.save-format writer meant to write.

    /usr/bin/python3 tools/torch_load_dump.py FILE.pth OUT_PREFIX

Writes OUT_PREFIX.json ({"keys": [...], "tensors": [{name, dtype, shape, offset, bytes}],
"epoch", "args", "optimizer_state", "param_groups"}) and OUT_PREFIX.bin (each model tensor's
values as little-endian float32, in the order listed).
"""
import json
import sys

import torch


def main(path, prefix):
    ckpt = torch.load(path, map_location="cpu")
    model = ckpt["model"]
    tensors = []
    offset = 0
    with open(prefix + ".bin", "wb") as out:
        for name, t in model.items():
            data = t.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
            out.write(data)
            tensors.append({"name": name, "dtype": str(t.dtype), "shape": list(t.shape), "offset": offset, "bytes": len(data)})
            offset += len(data)
    opt = ckpt.get("optimizer", {})
    info = {
        "keys": sorted(ckpt.keys()),
        "tensors": tensors,
        "epoch": ckpt.get("epoch"),
        "args": {k: v for k, v in vars(ckpt["args"]).items() if isinstance(v, (int, float, str, bool))} if "args" in ckpt else None,
        "optimizer_state": {str(k): sorted(v.keys()) for k, v in opt.get("state", {}).items()},
        "param_groups": [len(g["params"]) for g in opt.get("param_groups", [])],
    }
    with open(prefix + ".json", "w") as f:
        json.dump(info, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
