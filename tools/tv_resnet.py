"""ResNet-50/101 with torchvision's module layout, for machines without torchvision.

Debian's python3-torch comes without python3-torchvision here (and that package pulls in Mesa's
Vulkan drivers and FFmpeg). This module has torchvision's ResNet state_dict names (conv1, bn1,
layer1.0.conv1, layer1.0.downsample.0, ..., fc) and its arithmetic (bottleneck v1.5: the stride on
the 3x3 convolution; replace_stride_with_dilation), so a model built on it has the same layers,
names and cost. tools/export_onnx.py uses it for the peer bench's ResNet-50 and, through
torchvision_stub(), for the official DETR code's backbone. It never downloads weights: pretrained
is refused.
"""
import os

import torch
from torch import nn


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, cin, width, stride=1, downsample=None, dilation=1, norm_layer=nn.BatchNorm2d):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, width, 1, bias=False)
        self.bn1 = norm_layer(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride, padding=dilation, dilation=dilation, bias=False)
        self.bn2 = norm_layer(width)
        self.conv3 = nn.Conv2d(width, width * 4, 1, bias=False)
        self.bn3 = norm_layer(width * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        identity = self.downsample(x) if self.downsample is not None else x
        return self.relu(out + identity)


class ResNet(nn.Module):
    def __init__(self, blocks, replace_stride_with_dilation=None, norm_layer=None, num_classes=1000):
        super().__init__()
        norm_layer = norm_layer or nn.BatchNorm2d
        dilate = replace_stride_with_dilation or [False, False, False]
        self.inplanes, self.dilation = 64, 1
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = norm_layer(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = self._layer(64, blocks[0], 1, False, norm_layer)
        self.layer2 = self._layer(128, blocks[1], 2, dilate[0], norm_layer)
        self.layer3 = self._layer(256, blocks[2], 2, dilate[1], norm_layer)
        self.layer4 = self._layer(512, blocks[3], 2, dilate[2], norm_layer)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(2048, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')

    def _layer(self, width, n, stride, dilate, norm_layer):
        previous = self.dilation
        if dilate:
            self.dilation *= stride
            stride = 1
        down = None
        if stride != 1 or self.inplanes != width * 4:
            down = nn.Sequential(nn.Conv2d(self.inplanes, width * 4, 1, stride, bias=False), norm_layer(width * 4))
        layers = [Bottleneck(self.inplanes, width, stride, down, previous, norm_layer)]
        self.inplanes = width * 4
        layers += [Bottleneck(self.inplanes, width, dilation=self.dilation, norm_layer=norm_layer) for _ in range(1, n)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def _build(blocks, pretrained=False, **kwargs):
    if pretrained:
        raise ValueError('tools/tv_resnet.py: no pretrained weights (nothing is downloaded); random init only')
    kwargs.pop('weights', None)
    return ResNet(blocks, **kwargs)


def resnet50(pretrained=False, **kwargs):
    return _build([3, 4, 6, 3], pretrained, **kwargs)


def resnet101(pretrained=False, **kwargs):
    return _build([3, 4, 23, 3], pretrained, **kwargs)


# A package named torchvision with what the official DETR code imports of it: models.resnet50/101,
# models._utils.IntermediateLayerGetter, ops.boxes.box_area, _is_tracing, __version__.
STUB = {
    'torchvision/__init__.py': (
        '"""Stub (tools/tv_resnet.py): torchvision is not installed; what the official DETR code uses."""\n'
        'import torch\n'
        '__version__ = "0.14.0"\n'
        'from . import models, ops  # noqa: E402,F401\n\n\n'
        'def _is_tracing():\n'
        '    return torch._C._get_tracing_state() is not None\n'),
    'torchvision/models/__init__.py': 'from tv_resnet import resnet50, resnet101  # noqa: F401\n',
    'torchvision/models/_utils.py': (
        'from collections import OrderedDict\n'
        'from torch import nn\n\n\n'
        'class IntermediateLayerGetter(nn.ModuleDict):\n'
        '    """The children of a model up to the last one named in return_layers; returns their outputs by new name."""\n'
        '    def __init__(self, model, return_layers):\n'
        '        wanted, layers = dict(return_layers), OrderedDict()\n'
        '        left = set(wanted)\n'
        '        for name, module in model.named_children():\n'
        '            layers[name] = module\n'
        '            left.discard(name)\n'
        '            if not left:\n'
        '                break\n'
        '        super().__init__(layers)\n'
        '        self.return_layers = wanted\n\n'
        '    def forward(self, x):\n'
        '        out = OrderedDict()\n'
        '        for name, module in self.items():\n'
        '            x = module(x)\n'
        '            if name in self.return_layers:\n'
        '                out[self.return_layers[name]] = x\n'
        '        return out\n'),
    'torchvision/ops/__init__.py': 'from . import boxes, misc  # noqa: F401\n',
    'torchvision/ops/boxes.py': (
        'def box_area(boxes):\n'
        '    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])\n'),
    'torchvision/ops/misc.py': '',
}


def torchvision_stub(directory):
    """Writes the stub package into directory (put it on sys.path after the real packages)."""
    for rel, text in STUB.items():
        p = os.path.join(directory, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, 'w', encoding='utf8') as f:
            f.write(text)
