"""Writes an official-layout SAM-DETR checkpoint with PyTorch's own torch.save (tooling only).

    python3 tools/make_torch_checkpoint.py --variant r50_smca_e50 --seed 0 --out /tmp/x.pth [--legacy]

Weights follow the fixture formula (test/fixtures/official/README.md). As in the real model,
`transformer.decoder.bbox_embed.N.*` and `bbox_embed.N.*` are one module, so they share
storage here (holding the `bbox_embed.N.*` values). Needs Debian's python3-torch; the
project's tests use the TypeScript writer instead (scripts/make-checkpoint.ts).
"""
import argparse, json, math, os, struct
from collections import OrderedDict
import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
LAYOUTS = os.path.join(HERE, '..', 'test', 'fixtures', 'pth', 'official_state_dict_layouts.json')

def fnv1a32(s):
    h = 0x811C9DC5
    for b in s.encode('utf8'):
        h ^= b
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h

def formula(name, shape, seed):
    n = int(np.prod(shape)) if shape else 1
    k = np.uint32(fnv1a32(name) ^ seed)
    i = np.arange(n, dtype=np.uint64)
    z = ((i * np.uint64(0x9E3779B1) + np.uint64(k)) & np.uint64(0xFFFFFFFF)).astype(np.uint64)
    m = np.uint64(0xFFFFFFFF)
    z ^= z >> np.uint64(16); z = (z * np.uint64(0x85EBCA6B)) & m
    z ^= z >> np.uint64(13); z = (z * np.uint64(0xC2B2AE35)) & m
    z ^= z >> np.uint64(16)
    u = z.astype(np.float64) / 2.0**32 * 2 - 1
    if name.endswith('running_var'): v = 1 + 0.25 * (u + 1)
    elif name.endswith('running_mean'): v = 0.1 * u
    elif len(shape) >= 2: v = u * math.sqrt(3 / (n / shape[0]))
    elif name.endswith('.weight'): v = 1 + 0.1 * u
    else: v = 0.1 * u
    return torch.from_numpy(v.astype(np.float32).reshape(shape))

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--variant', default='r50_smca_e50')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--out', required=True)
    ap.add_argument('--legacy', action='store_true')
    a = ap.parse_args()
    layout = json.load(open(LAYOUTS))[a.variant]
    sd = OrderedDict()
    for name, shape in layout:
        if name.startswith('transformer.decoder.bbox_embed.'):
            continue
        sd[name] = formula(name, shape, a.seed)
    full = OrderedDict()
    for name, shape in layout:  # official order, tied tensors sharing storage
        full[name] = sd[name[len('transformer.decoder.'):]] if name.startswith('transformer.decoder.bbox_embed.') else sd[name]
    smca = 'smca' in a.variant
    epochs = 50 if a.variant.endswith('e50') else 12
    args = argparse.Namespace(lr=1e-4, lr_backbone=1e-5, batch_size=4, weight_decay=1e-4, epochs=epochs, lr_drop=40 if epochs == 50 else 10,
                              clip_max_norm=0.1, backbone='resnet50', dilation=False, position_embedding='sine', enc_layers=6, dec_layers=6,
                              dim_feedforward=2048, hidden_dim=256, dropout=0.0, nheads=8, num_queries=300, smca=smca, multiscale=False,
                              masks=False, aux_loss=True, dataset_file='coco', num_classes=91)
    ck = {'model': full, 'optimizer': {'state': {}, 'param_groups': [{'lr': 1e-4, 'params': [0, 1]}]},
          'lr_scheduler': {'step_size': args.lr_drop, 'last_epoch': epochs}, 'epoch': epochs - 1, 'args': args}
    torch.save(ck, a.out, _use_new_zipfile_serialization=not a.legacy)
    print(f'wrote {a.out} ({os.path.getsize(a.out) / 2**20:.1f} MiB) with torch {torch.__version__}')

if __name__ == '__main__':
    main()
