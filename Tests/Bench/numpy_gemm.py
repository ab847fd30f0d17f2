#!/usr/bin/env python3
"""numpy (OpenBLAS) float32 matmul GFLOP/s, timed like GEMMBenchmark.run: one warm-up call,
then repetitions for at least --min-seconds; the best repetition counts (GFLOP/s = 2 n^3 / t).

Prints one JSON object: {"threads": N, "results": [{"n", "threads", "gflops", "seconds",
"repetitions", "median_gflops"}], ...}. The thread count must be fixed before numpy loads
OpenBLAS, so it is set through OPENBLAS_NUM_THREADS here (no threadpoolctl needed).
"""
import argparse
import json
import os
import sys
import time

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--sizes", default="256,512,1024", help="comma-separated square sizes")
parser.add_argument("--min-seconds", type=float, default=0.5)
parser.add_argument("--keep-openblas-env", action="store_true",
                    help="keep OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (by default they are dropped: "
                         "a forced Haswell core type halves OpenBLAS on AVX-512 machines)")
args = parser.parse_args()

for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[name] = str(args.threads)
if not args.keep_openblas_env:
    os.environ.pop("OPENBLAS_CORETYPE", None)
    os.environ.pop("OPENBLAS_L2_SIZE", None)

import numpy as np  # noqa: E402  (after the environment is set)

results = []
rng = np.random.default_rng(1)
for n in [int(s) for s in args.sizes.split(",") if s]:
    a = rng.uniform(-1, 1, (n, n)).astype(np.float32)
    b = rng.uniform(-1, 1, (n, n)).astype(np.float32)
    c = np.empty((n, n), dtype=np.float32)
    np.matmul(a, b, out=c)  # warm-up: loads OpenBLAS, starts its threads
    times = []
    start = time.perf_counter()
    while time.perf_counter() - start < args.min_seconds or len(times) < 3:
        t0 = time.perf_counter()
        np.matmul(a, b, out=c)
        times.append(time.perf_counter() - t0)
    times.sort()
    flops = 2.0 * n ** 3
    results.append({
        "n": n, "threads": args.threads, "gflops": flops / times[0] / 1e9,
        "median_gflops": flops / times[len(times) // 2] / 1e9,
        "seconds": times[0], "repetitions": len(times),
    })

json.dump({"library": "numpy " + np.__version__, "threads": args.threads,
           "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"), "results": results},
          sys.stdout)
print()
