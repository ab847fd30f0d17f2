#!/usr/bin/env python3
"""A training step's matrix products, ours beside torch.matmul at the same shapes.

Reads the JSON of `vlp bench gemm --shapes bench-small --threads 1,2 --json` (each shape with
its per-step count and our best and median seconds), times the same products (same transposes:
a transposed operand is a transposed view of a row-major array, as the step's Linear weights
and gradients are) with torch.matmul, and prints one table: median GFLOP/s of
each and GEMM ms per step (median x count), with our speed relative to torch's.

    .build/release/vlp bench gemm --shapes bench-small --threads 1,2 --json > bench-results/gemm-shapes.json
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /work/venv-torch/bin/python \\
        Tests/Bench/torch_gemm_shapes.py bench-results/gemm-shapes.json

Not part of the build or the tests; torch is never a dependency of the project.
"""
import argparse
import json
import os
import sys
import time


def timed(function, minimum_seconds):
    function()
    samples = []
    start = time.perf_counter()
    while len(samples) < 5 or time.perf_counter() - start < minimum_seconds:
        t0 = time.perf_counter()
        function()
        samples.append(time.perf_counter() - t0)
    samples.sort()
    return samples[len(samples) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ours", help="JSON from vlp bench gemm --shapes ... --json")
    parser.add_argument("--seconds", type=float, default=0.2, help="minimum time per shape")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with open(args.ours) as handle:
        ours = json.load(handle)
    threads = sorted({r["threads"] for r in ours})
    os.environ["OMP_NUM_THREADS"] = str(max(threads))
    import torch

    torch.set_num_interop_threads(1)
    rows = []
    for t in threads:
        torch.set_num_threads(t)
        for r in (r for r in ours if r["threads"] == t):
            s = r["shape"]
            m, n, k = s["m"], s["n"], s["k"]
            a = torch.rand(k, m).t() if s["transposeA"] else torch.rand(m, k)
            b = torch.rand(n, k).t() if s["transposeB"] else torch.rand(k, n)
            c = torch.empty(m, n)
            torch_seconds = timed(lambda: torch.matmul(a, b, out=c), args.seconds)
            rows.append({"shape": s, "threads": t, "ours": r["medianSeconds"], "torch": torch_seconds})
    if args.json:
        json.dump({"torch": torch.__version__, "rows": rows}, sys.stdout, indent=1)
        return
    print(f"torch {torch.__version__}; GFLOP/s of medians")
    print(f"{'shape (m x n x k)':>22}{'per step':>9}{'threads':>8}{'vlp':>8}{'torch':>8}"
          f"{'vlp/torch':>10}{'vlp ms':>8}{'torch ms':>9}")
    totals = {}
    for row in rows:
        s = row["shape"]
        flops = 2.0 * s["m"] * s["n"] * s["k"]
        label = f"{s['m']}x{s['n']}x{s['k']}" + (" Aᵀ" if s["transposeA"] else "") + (" Bᵀ" if s["transposeB"] else "")
        count = s["countPerStep"]
        ours_ms, torch_ms = row["ours"] * count * 1e3, row["torch"] * count * 1e3
        total = totals.setdefault(row["threads"], [0.0, 0.0])
        total[0] += ours_ms
        total[1] += torch_ms
        print(f"{label:>22}{count:>9}{row['threads']:>8}{flops / row['ours'] / 1e9:8.1f}"
              f"{flops / row['torch'] / 1e9:8.1f}{row['torch'] / row['ours']:9.2f}x"
              f"{ours_ms:8.2f}{torch_ms:9.2f}")
    for t, (ours_ms, torch_ms) in sorted(totals.items()):
        print(f"GEMM per step at {t} thread(s): vlp {ours_ms:.1f} ms, torch {torch_ms:.1f} ms "
              f"(vlp {torch_ms / ours_ms:.2f}x torch's speed)")


if __name__ == "__main__":
    main()
