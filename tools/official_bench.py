"""Reference rows for `npm run bench -- official`: the official PyTorch model's forward time on this CPU.

Usage:
  /usr/bin/python3 tools/official_bench.py --repo DIR --variant r50_smca_e50
      [--height 800] [--width 1066] [--threads 2] [--runs 3] [--checkpoint F] [--layouts JSON]

--repo is a checkout of the official code: github.com/ZhangGongjie/SAM-DETR for the SAM-DETR
variants (r50_e12, r50_smca_e50, r50_dc5_smca_e12, r101_e50, ms_r50_e12, ms_r50_smca_e50, ...),
github.com/facebookresearch/detr for detr_r50, detr_r101, detr_r50_dc5, detr_r101_dc5,
github.com/Atten4Vis/ConditionalDETR for condetr_r50, condetr_r50_dc5, condetr_r101(_dc5),
github.com/IDEA-Research/DAB-DETR (its `dab_detr` model) for dabdetr_r50, dabdetr_r50_dc5,
dabdetr_r50_pat3, dabdetr_r50_dc5_pat3, ..., github.com/fundamentalvision/Deformable-DETR for
deform_r50, deform_r50_refine, deform_r50_two_stage (the variant names of
scripts/make-checkpoint.ts). Nothing of that code lives in this repository: it is imported from
--repo at run time.

What it does:
- takes the official command-line defaults from the checkout's own main.py (its get_args_parser,
  read with `ast` so that main.py's dataset and training imports are not needed), adds the
  variant's flags (--smca, --multiscale, --dilation, --backbone, --epochs, --num_patterns,
  --with_box_refine, --two_stage, DAB-DETR's --modelname dab_detr; --device cpu), and builds the
  model with the checkout's own models.build_model (DAB-DETR: models.build_DABDETR, what its
  main.py calls for dab_detr); eval mode, torch.no_grad;
- never downloads: the official backbone asks torchvision for ImageNet weights when it is the
  main process; this tool makes the checkout's backbone module see a non-main process (random
  init) and refuses every socket connection while it runs. Weights do not change a dense
  forward's time; --checkpoint loads a `{"model": state_dict}` file strictly if given;
- multi-scale SAM-DETR and Deformable DETR import the compiled CUDA extension
  MultiScaleDeformableAttention; a shim module of that name (written here into a temp dir)
  forwards to the checkout's own pure-PyTorch ms_deform_attn_core_pytorch (both repositories have
  it in models/ops/functions/ms_deform_attn_func.py), so the deformable attention runs on CPU;
- modules the build path imports but this python may lack (scipy.optimize for the matcher,
  packaging.version, PIL, timm for DAB-DETR's Swin backbone) get stubs in the same temp dir,
  placed after the real ones on sys.path (a real installation wins); the stubs are never called
  by a forward. Without torchvision, tools/tv_resnet.py stands in for it (torchvision's ResNet
  layout and arithmetic, and the few helpers the official code imports), except for SAM-DETR,
  whose RoIAlign is torchvision's roi_align: its rows need python3-torchvision;
- Deformable DETR's util/misc.py reads torchvision's version as float(__version__[:3]), which
  takes 0.14 for 0.1 and then imports helpers torchvision 0.14 no longer has; while that module
  is imported the version reads 0.9.0 (any release from 0.7 takes the same branch), then is put back;
- input: one image (--height x --width, fixed pseudo-random pixels normalized like the official
  transforms) as the official NestedTensor (no padding, as the batch of one our app runs);
- times one warm-up then --runs runs of model(samples) followed by the official PostProcess
  (postprocessors["bbox"], with the image size as target size); stages by forward hooks on the
  official modules.

Prints one JSON line: {variant, threads, height, width, runs, whole_ms, backbone_ms, transformer_ms,
encoder_ms, decoder_ms, heads_ms, postprocess_ms, after_backbone_ms, runs_whole_ms, params,
state_dict_tensors, outputs_finite, blas, layout, torch, torchvision, repo_commit, note}; the *_ms are medians over the runs:
- whole_ms: model forward + PostProcess;
- backbone_ms: the official backbone Joiner (ResNet, mask downsampling, sine position encoding);
- transformer_ms: the official Transformer module (encoder + decoder, including multi-scale
  flattening / reference points); encoder_ms, decoder_ms: its encoder and decoder modules;
- heads_ms: the rest of the model forward (input_proj and the class / box heads);
- postprocess_ms: the official PostProcess;
- after_backbone_ms: whole - backbone (= input_proj + transformer + heads + postprocess, per run);
- blas: the BLAS library the process mapped. Debian's python3-torch has no MKL and takes
  libblas.so.3, which is the unoptimized netlib reference BLAS unless an optimized one is
  installed (apt-get install libopenblas0-openmp): every Linear then runs many times slower than
  in a pip wheel of PyTorch (MKL). The timing is of this machine's PyTorch as installed.
"""
import argparse
import ast
import importlib
import importlib.util
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time


def variant_flags(variant):
    """(family, flags for the official main.py parser) of one of the project's variant names."""
    d = re.fullmatch(r'detr_r(50|101)(_dc5)?', variant)
    if d:
        return 'detr', ['--backbone', f'resnet{d.group(1)}'] + (['--dilation'] if d.group(2) else [])
    cd = re.fullmatch(r'condetr_r(50|101)(_dc5)?', variant)
    if cd:
        return 'conditional-detr', ['--backbone', f'resnet{cd.group(1)}'] + (['--dilation'] if cd.group(2) else [])
    dab = re.fullmatch(r'dabdetr_r(50|101)(_dc5)?(?:_pat(\d+))?', variant)
    if dab:
        return 'dab-detr', (['--modelname', 'dab_detr', '--backbone', f'resnet{dab.group(1)}']
                            + (['--dilation'] if dab.group(2) else []) + ['--num_patterns', dab.group(3) or '0'])
    df = re.fullmatch(r'deform_r50(_refine|_two_stage)?', variant)
    if df:
        return 'deformable-detr', (['--backbone', 'resnet50'] + (['--with_box_refine'] if df.group(1) else [])
                                   + (['--two_stage'] if df.group(1) == '_two_stage' else []))
    ms = re.fullmatch(r'ms_r50(_smca)?_e(\d+)', variant)
    if ms:
        return 'sam-detr', ['--backbone', 'resnet50', '--multiscale', '--epochs', ms.group(2)] + (['--smca'] if ms.group(1) else [])
    m = re.fullmatch(r'r(50|101)(_dc5)?(_smca)?_e(\d+)', variant)
    if m:
        return 'sam-detr', (['--backbone', f'resnet{m.group(1)}', '--epochs', m.group(4)]
                            + (['--dilation'] if m.group(2) else []) + (['--smca'] if m.group(3) else []))
    raise SystemExit(f'unknown variant "{variant}" (expected e.g. r50_smca_e50, r50_dc5_e12, ms_r50_e12, ms_r50_smca_e50, '
                     'detr_r50, detr_r101_dc5, condetr_r50, dabdetr_r50, dabdetr_r50_dc5_pat3, deform_r50, deform_r50_refine, '
                     'deform_r50_two_stage; the official SAM-DETR code has no ResNet-18/34)')


# The file that tells each official code base apart, in the order they are tried.
REPO_MARKERS = [
    ('sam-detr', 'models/fast_detr.py'),
    ('dab-detr', 'models/DAB_DETR/DABDETR.py'),
    ('conditional-detr', 'models/conditional_detr.py'),
    ('deformable-detr', 'models/deformable_detr.py'),
    ('detr', 'models/detr.py'),
]


def repo_family(repo):
    for family, marker in REPO_MARKERS:
        if os.path.exists(os.path.join(repo, *marker.split('/'))):
            return family
    raise SystemExit(f'{repo} is not a checkout of an official code this tool knows: '
                     + ', '.join(f'{f} ({m})' for f, m in REPO_MARKERS))


# Modules a main.py may import at its top for its parser's defaults; its other imports (datasets, engine) are skipped.
PARSER_IMPORTS = ('argparse', 'math', 'numpy')


def official_parser(repo):
    """The checkout's get_args_parser, taken out of its main.py without running main.py's imports."""
    path = os.path.join(repo, 'main.py')
    with open(path, encoding='utf8') as f:
        tree = ast.parse(f.read(), path)
    fns = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == 'get_args_parser']
    if not fns:
        raise SystemExit(f'{path} has no get_args_parser')
    # The module-level imports its defaults may use (Deformable DETR's: `2 * np.pi`), and no others.
    light = [n for n in tree.body if isinstance(n, ast.Import) and all(a.name in PARSER_IMPORTS for a in n.names)]
    module = ast.Module(body=light + [fns[0]], type_ignores=[])
    scope = {'argparse': argparse}
    exec(compile(module, path, 'exec'), scope)  # noqa: S102 - the official checkout the user pointed to
    return scope['get_args_parser']()


# ---- shims (our code), written into a temp dir ----

MSDA_SHIM = '''"""CPU stand-in for the compiled MultiScaleDeformableAttention extension (tools/official_bench.py):
the forward calls the official checkout's pure-PyTorch ms_deform_attn_core_pytorch."""


def ms_deform_attn_forward(value, spatial_shapes, level_start_index, sampling_locations, attention_weights, im2col_step):
    from models.ops.functions.ms_deform_attn_func import ms_deform_attn_core_pytorch
    return ms_deform_attn_core_pytorch(value, spatial_shapes, sampling_locations, attention_weights)


def ms_deform_attn_backward(*args):
    raise NotImplementedError('tools/official_bench.py times inference only')
'''

# Stubs for modules the build path imports but no forward calls; used only where the real one is missing.
STUBS = {
    'scipy/__init__.py': '"""Stub (tools/official_bench.py): scipy is not installed."""\n',
    'scipy/optimize.py': ('def linear_sum_assignment(*args, **kwargs):\n'
                          '    raise NotImplementedError("stub (tools/official_bench.py): the matcher is for training")\n'),
    'packaging/__init__.py': '"""Stub (tools/official_bench.py): packaging is not installed."""\n',
    'packaging/version.py': ('import re\n\n\n'
                             'def parse(v):\n'
                             '    """Numeric release tuple, enough for the version checks of the official util/misc.py."""\n'
                             '    return tuple(int(x) for x in re.findall(r"\\d+", str(v).split("+")[0])[:3])\n'),
    'PIL/__init__.py': '"""Stub (tools/official_bench.py): Pillow is not installed."""\n',
    'PIL/Image.py': '',
    # DAB-DETR's backbone module imports its Swin Transformer, which imports timm; only a Swin backbone calls it.
    'timm/__init__.py': '"""Stub (tools/official_bench.py): timm is not installed."""\n',
    'timm/models/__init__.py': '',
    'timm/models/layers.py': ('def _unused(*args, **kwargs):\n'
                              '    raise NotImplementedError("stub (tools/official_bench.py): timm is for the Swin backbones")\n\n\n'
                              'DropPath = to_2tuple = trunc_normal_ = _unused\n'),
}


def write_shims(tmp):
    front = os.path.join(tmp, 'front')
    back = os.path.join(tmp, 'back')
    os.makedirs(front)
    with open(os.path.join(front, 'MultiScaleDeformableAttention.py'), 'w', encoding='utf8') as f:
        f.write(MSDA_SHIM)
    stubbed = []
    for rel, text in STUBS.items():
        top = rel.split('/')[0]
        if importlib.util.find_spec(top) is not None:
            continue
        p = os.path.join(back, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, 'w', encoding='utf8') as f:
            f.write(text)
        if top not in stubbed:
            stubbed.append(top)
    return front, back, stubbed


def no_network():
    def refuse(*args, **kwargs):
        raise OSError('tools/official_bench.py: no network (a build step tried to connect)')
    socket.socket.connect = refuse
    socket.socket.connect_ex = refuse
    socket.create_connection = refuse


def repo_commit(repo):
    """The checkout's commit when --repo is the top of a git work tree (an exported archive has none)."""
    try:
        top = subprocess.run(['git', '-C', repo, 'rev-parse', '--show-toplevel'], capture_output=True, text=True, timeout=10)
        if top.returncode != 0 or os.path.realpath(top.stdout.strip()) != os.path.realpath(repo):
            return None
        r = subprocess.run(['git', '-C', repo, 'rev-parse', 'HEAD'], capture_output=True, text=True, timeout=10)
        return r.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def blas_in_use():
    """Which BLAS library this process mapped (Debian's python3-torch uses whatever libblas.so.3 points
    to: the netlib reference BLAS of libblas3 unless OpenBLAS is installed). None if none is mapped."""
    try:
        with open('/proc/self/maps', encoding='utf8') as f:
            paths = sorted({line.split()[-1] for line in f if 'blas' in line.lower() and '/' in line})
    except OSError:
        return None
    libs = sorted({os.path.realpath(p) for p in paths if re.search(r'lib\w*blas[^/]*\.so', p)})
    if not libs:
        return 'MKL (torch built with it)' if 'mkl' in __import__('torch').__config__.show().lower() else None

    def kind(p):
        if 'openblas' in p:
            return 'OpenBLAS'
        if 'mkl' in p:
            return 'MKL'
        if re.search(r'/blas/libblas\.so', p):
            return 'reference BLAS (netlib, unoptimized)'
        return 'BLAS'
    return '; '.join(f'{kind(p)}: {p}' for p in libs)


def recorded_layout(paths, variant):
    """(layout, file) of the variant from the first file that has it, else (None, why). A file is either
    official_state_dict_layouts.json ({variant: [[name, shape], ...]}) or a parity fixture's
    manifest.json (test/fixtures/official/<variant>/: its `variant` and its `state_dict`)."""
    looked = []
    for path in paths:
        if not os.path.exists(path):
            looked.append(f'no file {path}')
            continue
        with open(path, encoding='utf8') as f:
            data = json.load(f)
        if isinstance(data, dict) and isinstance(data.get('state_dict'), list):
            if data.get('variant') == variant:
                return data['state_dict'], path
        elif isinstance(data, dict) and variant in data:
            return data[variant], path
        looked.append(f'not in {os.path.basename(os.path.dirname(path))}/{os.path.basename(path)}')
    return None, '; '.join(looked)


def layout_check(model, layouts_paths, variant):
    """Compares the model's state_dict names and shapes with the project's recorded official layout."""
    if not layouts_paths:
        return None
    want, where = recorded_layout(layouts_paths, variant)
    if want is None:
        return f'no recorded layout for {variant} ({where})'
    src = f'{os.path.basename(os.path.dirname(where))}/{os.path.basename(where)}'
    have = [[k, list(v.shape)] for k, v in model.state_dict().items()]
    if have == [[k, list(s)] for k, s in want]:
        return f'matches the recorded {variant} layout ({len(have)} tensors, same order; {src})'
    hd, wd = dict((k, list(s)) for k, s in have), dict((k, list(s)) for k, s in want)
    missing = [k for k in wd if k not in hd]
    extra = [k for k in hd if k not in wd]
    shape = [k for k in wd if k in hd and hd[k] != wd[k]]
    if not missing and not extra and not shape:
        return f'matches the recorded {variant} layout ({len(have)} tensors, other order; {src})'
    return (f'DIFFERS from the recorded {variant} layout ({src}): {len(missing)} missing (e.g. {missing[:2]}), '
            f'{len(extra)} extra (e.g. {extra[:2]}), {len(shape)} of another shape (e.g. {shape[:2]})')


def import_deformable_misc(torchvision):
    """Imports Deformable DETR's util/misc.py, whose version check reads float(torchvision.__version__[:3])
    (0.14.0 reads as 0.1, and takes a branch importing what torchvision has not had since 0.7): while it
    is imported, a version from 0.7 on reads as 0.9.0 (the branch every such release takes). Returns a
    note when it did so."""
    real = torchvision.__version__
    parts = [int(x) for x in re.findall(r'\d+', real)[:2]]
    misread = float(real[:3]) < 0.7 and len(parts) == 2 and tuple(parts) >= (0, 7)
    if misread:
        torchvision.__version__ = '0.9.0'
    try:
        importlib.import_module('util.misc')
    finally:
        torchvision.__version__ = real
    return f"util/misc.py imported with torchvision's version read as 0.9.0 (it reads {real} as {real[:3]})" if misread else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--repo', required=True, help='checkout of the official SAM-DETR, DETR, Conditional DETR, DAB-DETR or Deformable DETR code')
    ap.add_argument('--variant', required=True)
    ap.add_argument('--height', type=int, default=800)
    ap.add_argument('--width', type=int, default=1066)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--checkpoint', help='a {"model": state_dict} file to load (strict); random init without')
    ap.add_argument('--layouts', action='append', default=[],
                    help='official_state_dict_layouts.json or a parity fixture manifest.json to check the built model against '
                         '(repeatable: the first file that has the variant is used)')
    a = ap.parse_args()

    repo = os.path.abspath(a.repo)
    family, flags = variant_flags(a.variant)
    have = repo_family(repo)
    if have != family:
        raise SystemExit(f'{a.variant} is a {family} variant but {repo} is the official {have} code')

    no_network()
    tmp = tempfile.mkdtemp(prefix='official_bench_')
    try:
        front, back, stubbed = write_shims(tmp)
        torchvision_stubbed = importlib.util.find_spec('torchvision') is None
        if torchvision_stubbed and family == 'sam-detr':
            raise SystemExit("the official SAM-DETR code runs torchvision's roi_align, which tools/tv_resnet.py does not "
                             'stand in for: torchvision is not installed (apt-get install python3-torchvision)')
        if torchvision_stubbed:
            import tv_resnet
            tv_resnet.torchvision_stub(back)
            stubbed.append('torchvision (tools/tv_resnet.py: its ResNet layout and arithmetic)')
        sys.path[:0] = [front, repo]
        sys.path.append(back)
        import torch
        import torchvision

        torch.set_num_threads(a.threads)
        torch.manual_seed(0)
        # DAB-DETR's parser requires --coco_path; no dataset is read.
        required = ['--coco_path', os.devnull] if family == 'dab-detr' else []
        args = official_parser(repo).parse_args(flags + required + ['--device', 'cpu'])
        compat = import_deformable_misc(torchvision) if family == 'deformable-detr' else None
        # DAB-DETR keeps its models in models/DAB_DETR (main.py's build_model_main picks build_DABDETR for dab_detr).
        backbone_module = importlib.import_module('models.DAB_DETR.backbone' if family == 'dab-detr' else 'models.backbone')
        backbone_module.is_main_process = lambda: False  # random init: no ImageNet download
        models = importlib.import_module('models')
        build = models.build_DABDETR if family == 'dab-detr' else models.build_model
        model, _criterion, postprocessors = build(args)
        model.eval()
        postprocess = postprocessors['bbox']
        if a.checkpoint:
            ck = torch.load(a.checkpoint, map_location='cpu')
            model.load_state_dict(ck['model'] if isinstance(ck, dict) and 'model' in ck else ck, strict=True)
        layout = layout_check(model, a.layouts, a.variant)
        params = sum(p.numel() for p in model.parameters())
        sd_tensors = len(model.state_dict())

        misc = importlib.import_module('util.misc')
        n = 3 * a.height * a.width
        pixels = torch.arange(n, dtype=torch.int64).mul_(7919).remainder_(251).to(torch.float32).div_(255)
        img = pixels.view(a.height, a.width, 3).permute(2, 0, 1)
        mean = torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1)
        std = torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1)
        samples = misc.nested_tensor_from_tensor_list([((img - mean) / std).contiguous()])
        target_sizes = torch.tensor([[a.height, a.width]])

        marks = {}

        def hook(name):
            def pre(_m, _inp):
                marks[name + '_start'] = time.perf_counter()

            def post(_m, _inp, _out):
                marks[name + '_end'] = time.perf_counter()
            return pre, post

        for name, mod in [('backbone', model.backbone), ('transformer', model.transformer),
                          ('encoder', model.transformer.encoder), ('decoder', model.transformer.decoder)]:
            pre, post = hook(name)
            mod.register_forward_pre_hook(pre)
            mod.register_forward_hook(post)

        def one():
            marks.clear()
            t0 = time.perf_counter()
            out = model(samples)
            t1 = time.perf_counter()
            postprocess(out, target_sizes)
            t2 = time.perf_counter()
            span = lambda k: (marks[k + '_end'] - marks[k + '_start']) * 1000  # noqa: E731
            r = {'whole_ms': (t2 - t0) * 1000, 'backbone_ms': span('backbone'), 'transformer_ms': span('transformer'),
                 'encoder_ms': span('encoder'), 'decoder_ms': span('decoder'), 'postprocess_ms': (t2 - t1) * 1000}
            r['heads_ms'] = (t1 - t0) * 1000 - r['backbone_ms'] - r['transformer_ms']
            r['after_backbone_ms'] = r['whole_ms'] - r['backbone_ms']
            return r

        with torch.no_grad():
            warm = one()
            finite = all(bool(torch.isfinite(t).all()) for t in model(samples).values() if torch.is_tensor(t))
            print(f'warm-up {warm["whole_ms"]:.0f} ms', file=sys.stderr)
            runs = [one() for _ in range(a.runs)]
        med = {k: round(statistics.median(r[k] for r in runs), 1) for k in runs[0]}
        commit = repo_commit(repo)
        notes = [f'official {family} code' + (f' at {commit[:7]}' if commit else ''),
                 'flags ' + ' '.join(flags),
                 'weights from ' + (os.path.basename(a.checkpoint) if a.checkpoint else 'random init (timing does not depend on them)'),
                 f'one warm-up, median of {a.runs}']
        if getattr(args, 'multiscale', False) or family == 'deformable-detr':
            notes.append('deformable attention: the official pure-PyTorch ms_deform_attn_core_pytorch on CPU '
                         '(in place of the compiled CUDA op MultiScaleDeformableAttention)')
        if compat:
            notes.append(compat)
        if stubbed:
            notes.append('stubbed (not installed, not used by a forward): ' + ', '.join(stubbed))
        print(json.dumps({
            'variant': a.variant, 'threads': torch.get_num_threads(), 'height': a.height, 'width': a.width, 'runs': a.runs,
            'whole_ms': med['whole_ms'], 'backbone_ms': med['backbone_ms'], 'transformer_ms': med['transformer_ms'],
            'encoder_ms': med['encoder_ms'], 'decoder_ms': med['decoder_ms'], 'heads_ms': med['heads_ms'],
            'postprocess_ms': med['postprocess_ms'], 'after_backbone_ms': med['after_backbone_ms'],
            'runs_whole_ms': [round(r['whole_ms'], 1) for r in runs], 'params': params, 'state_dict_tensors': sd_tensors,
            'outputs_finite': finite, 'blas': blas_in_use(), 'layout': layout, 'torch': torch.__version__,
            'torchvision': 'not installed (tools/tv_resnet.py)' if torchvision_stubbed else torchvision.__version__,
            'repo_commit': commit, 'note': '; '.join(notes),
        }))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
