"""Reference row for `npm run bench -- official`: a ResNet-50 forward in PyTorch on this CPU.

Usage: python3 tools/torch_resnet50_bench.py [--height 800] [--width 1066] [--runs 5] [--threads 2] [--dilation]
Prints one JSON object: {"median_ms", "runs_ms", "threads", "torch"}.

The network is written here (torchvision is not installed on the benchmark machine); it has
torchvision's ResNet-50 layout (bottleneck v1.5, stride on the 3x3 conv) and ends at layer4,
as DETR's backbone does. BatchNorm runs in eval mode, like the frozen BN of the detector.
Weights are random: the time of a dense forward does not depend on their values.
"""
import argparse
import json
import statistics
import time

import torch
from torch import nn


class Bottleneck(nn.Module):
    def __init__(self, cin, width, stride, dilation, down):
        super().__init__()
        cout = width * 4
        self.conv1 = nn.Conv2d(cin, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride, padding=dilation, dilation=dilation, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, cout, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(cout)
        self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)) if down else None

    def forward(self, x):
        h = torch.relu(self.bn1(self.conv1(x)))
        h = torch.relu(self.bn2(self.conv2(h)))
        h = self.bn3(self.conv3(h))
        return torch.relu(h + (self.down(x) if self.down is not None else x))


def resnet50(dilation_last):
    layers = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1)]
    cin, dil = 64, 1
    for stage, (blocks, width) in enumerate(zip([3, 4, 6, 3], [64, 128, 256, 512])):
        stride = 1 if stage == 0 else 2
        prev = dil
        if stage == 3 and dilation_last:
            dil, stride = dil * 2, 1
        for b in range(blocks):
            layers.append(Bottleneck(cin, width, stride if b == 0 else 1, prev if b == 0 else dil, b == 0))
            cin = width * 4
    return nn.Sequential(*layers).eval()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--height', type=int, default=800)
    ap.add_argument('--width', type=int, default=1066)
    ap.add_argument('--runs', type=int, default=5)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--dilation', action='store_true')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    net = resnet50(a.dilation)
    x = torch.randn(1, 3, a.height, a.width)
    times = []
    with torch.no_grad():
        net(x)  # warm-up
        for _ in range(a.runs):
            t0 = time.perf_counter()
            net(x)
            times.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({'median_ms': statistics.median(times), 'runs_ms': times, 'threads': torch.get_num_threads(), 'torch': torch.__version__}))


if __name__ == '__main__':
    main()
