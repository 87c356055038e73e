"""PyTorch half of the arithmetic-ceiling benchmark (bench/suites/ceiling.ts calls it).

Usage: python3 tools/ceiling_bench.py --ops JSON [--runs 5] [--threads 2]
--ops is the op list of src/bench/ceilingOps.ts (the TS script passes it, so both sides time the
same shapes). float32, torch.no_grad; matmul through torch.matmul (the BLAS sgemm), convolutions
through F.conv2d on NCHW input [1,cin,h,w] (PyTorch's own layout; oneDNN when torch has it),
stride 1, padding ksize // 2. Untimed passes over all ops for 3 s, then per op one warm-up run and
--runs timed runs.
Prints one JSON object: {"threads", "torch", "blas", "mkldnn", "results": {name: {"median_ms", "min_ms", "runs_ms"}}}.
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from official_bench import blas_in_use  # noqa: E402  (which BLAS library the process mapped)

WARMUP_S = 3.0  # the same untimed warm-up time as src/bench/ceiling.worker.ts


def operands(op, gen):
    def rand(*shape):
        return torch.rand(*shape, generator=gen) * 2 - 1
    if op['kind'] == 'matmul':
        b = rand(op['n'], op['k']) if op.get('transposeB') else rand(op['k'], op['n'])
        return rand(op['m'], op['k']), b
    return rand(1, op['cin'], op['h'], op['w']), rand(op['cout'], op['cin'], op['ksize'], op['ksize'])


def apply(op, x, w):
    if op['kind'] == 'matmul':
        # .t() is a view: the BLAS call takes the transposed operand as it is, as the model's Linear does.
        return torch.matmul(x, w.t() if op.get('transposeB') else w)
    return F.conv2d(x, w, stride=1, padding=op['ksize'] // 2)


def time_op(op, runs, gen):
    x, w = operands(op, gen)
    times = []
    for i in range(-1, runs):
        # The same fresh-operand rule as the Chromium side (made outside the timing); OpenBLAS keeps
        # no packed copy between calls, so here it only keeps both sides' memory traffic alike.
        b = w.clone() if op.get('freshB') else w
        t0 = time.perf_counter()
        apply(op, x, b)
        ms = (time.perf_counter() - t0) * 1000
        if i >= 0:
            times.append(ms)
    return times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--ops', required=True)
    ap.add_argument('--runs', type=int, default=5)
    ap.add_argument('--threads', type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    gen = torch.Generator().manual_seed(0)
    ops = json.loads(a.ops)
    results = {}
    with torch.no_grad():
        # Untimed passes over every op for WARMUP_S first, as on the Chromium side (there for V8's
        # tier-up; here the OpenMP threads' first wake-up and first allocations land in them).
        t0 = time.perf_counter()
        while True:
            for op in ops:
                time_op(op, 0, gen)
            if time.perf_counter() - t0 >= WARMUP_S:
                break
        for op in ops:
            times = time_op(op, a.runs, gen)
            results[op['name']] = {'median_ms': statistics.median(times), 'min_ms': min(times), 'runs_ms': times}
    print(json.dumps({'threads': torch.get_num_threads(), 'torch': torch.__version__, 'blas': blas_in_use(),
                      'mkldnn': torch.backends.mkldnn.is_available(), 'results': results}))


if __name__ == '__main__':
    main()
