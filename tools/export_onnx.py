"""ONNX files for the peer bench (`npm run bench -- peer`): the models onnxruntime-web runs beside ours.

Usage:
  /usr/bin/python3 tools/export_onnx.py --model resnet50 --out F.onnx [--height 800] [--width 1066]
  /usr/bin/python3 tools/export_onnx.py --model detr_r50 --repo DIR --out F.onnx [--height 800] [--width 1066]

- resnet50: torchvision's ResNet-50 (torchvision.models.resnet50 when torchvision is installed,
  else tools/tv_resnet.py, the same layout and arithmetic) cut after layer4, as DETR's backbone
  uses it: input [1,3,H,W], output [1,2048,H/32,W/32]; BatchNorm in eval mode.
- detr_r50: the official DETR-R50, built by the official code's own models.build_model from a
  checkout of github.com/facebookresearch/detr (--repo; nothing of it is copied here), with the
  flags and shims of tools/official_bench.py (and the torchvision stub of tools/tv_resnet.py when
  torchvision is missing); input one normalized image [1,3,H,W] through the official code's own
  ONNX path (nested_tensor_from_tensor_list under tracing: mask and sine positions in the graph),
  outputs pred_logits [1,100,92] and pred_boxes [1,100,4].

Weights are random (torch.manual_seed(0)): nothing is downloaded (sockets are refused) and the
time of a dense forward does not depend on the values. Export: torch.onnx.export, opset 12,
constant folding, fixed input size. Writes F.onnx and F.json (what was exported: model, input,
outputs, torch version, the checkout's commit, whether PyTorch's own outputs were finite).
"""
import argparse
import importlib
import json
import os
import shutil
import sys
import tempfile

import torch
from torch import nn

import official_bench
import tv_resnet


class Body(nn.Module):
    """A ResNet up to layer4 (no pooling, no classifier)."""

    def __init__(self, net):
        super().__init__()
        for name in ['conv1', 'bn1', 'relu', 'maxpool', 'layer1', 'layer2', 'layer3', 'layer4']:
            setattr(self, name, getattr(net, name))

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        return self.layer4(self.layer3(self.layer2(self.layer1(x))))


class DetrOutputs(nn.Module):
    """The official model on a [1,3,H,W] tensor, returning its two final outputs as a tuple."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, images):
        out = self.model(images)
        return out['pred_logits'], out['pred_boxes']


def resnet50():
    try:
        import torchvision
        return Body(torchvision.models.resnet50()), f'torchvision {torchvision.__version__} resnet50'
    except ImportError:
        return Body(tv_resnet.resnet50()), 'tools/tv_resnet.py resnet50 (torchvision layout; torchvision not installed)'


def detr(repo, variant, tmp):
    family, flags = official_bench.variant_flags(variant)
    if family != 'detr' or official_bench.repo_family(repo) != 'detr':
        raise SystemExit(f'{variant} needs a checkout of github.com/facebookresearch/detr (--repo)')
    front, back, stubbed = official_bench.write_shims(tmp)
    if importlib.util.find_spec('torchvision') is None:
        tv_resnet.torchvision_stub(back)
        stubbed.append('torchvision (tools/tv_resnet.py)')
    sys.path[:0] = [front, repo]
    sys.path.append(back)
    args = official_bench.official_parser(repo).parse_args(flags + ['--device', 'cpu'])
    importlib.import_module('models.backbone').is_main_process = lambda: False  # random init: no download
    model, _criterion, _post = importlib.import_module('models').build_model(args)
    commit = official_bench.repo_commit(repo)
    what = f'official DETR code{" at " + commit[:7] if commit else ""}, flags {" ".join(flags)}'
    if stubbed:
        what += '; stubbed (not installed): ' + ', '.join(stubbed)
    return DetrOutputs(model), what


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--model', required=True, choices=['resnet50', 'detr_r50'])
    ap.add_argument('--repo', help='checkout of github.com/facebookresearch/detr (detr_r50)')
    ap.add_argument('--out', required=True)
    ap.add_argument('--height', type=int, default=800)
    ap.add_argument('--width', type=int, default=1066)
    ap.add_argument('--opset', type=int, default=12)
    a = ap.parse_args()

    official_bench.no_network()
    torch.manual_seed(0)
    tmp = tempfile.mkdtemp(prefix='export_onnx_')
    try:
        if a.model == 'resnet50':
            net, what = resnet50()
            outputs = ['features']
        else:
            if not a.repo:
                raise SystemExit('--model detr_r50 needs --repo (a checkout of github.com/facebookresearch/detr)')
            net, what = detr(os.path.abspath(a.repo), a.model, tmp)
            outputs = ['pred_logits', 'pred_boxes']
        net.eval()
        x = torch.randn(1, 3, a.height, a.width)
        with torch.no_grad():
            ys = net(x)
            ys = ys if isinstance(ys, tuple) else (ys,)
            finite = all(bool(torch.isfinite(y).all()) for y in ys)
            shapes = {n: list(y.shape) for n, y in zip(outputs, ys)}
            os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
            part = a.out + '.part'
            torch.onnx.export(net, (x,), part, input_names=['images'], output_names=outputs,
                              opset_version=a.opset, do_constant_folding=True)
        os.replace(part, a.out)
        meta = {'model': a.model, 'what': what, 'input': [1, 3, a.height, a.width], 'outputs': shapes,
                'outputs_finite': finite, 'opset': a.opset, 'torch': torch.__version__,
                'params': sum(p.numel() for p in net.parameters()), 'bytes': os.path.getsize(a.out),
                'weights': 'random init (torch.manual_seed(0)); timing does not depend on the values'}
        with open(os.path.splitext(a.out)[0] + '.json', 'w', encoding='utf8') as f:
            json.dump(meta, f)
        print(json.dumps(meta))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
