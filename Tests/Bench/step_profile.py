"""CPU ms per steady training step by kind of work, from two `perf script` dumps.

Record `vlp bench step SESSION --threads 1` with `--steps A` and with `--steps B` under
`perf record -e cpu-clock -F 999 -g`, dump each with
`perf script -F tid,ip,sym | swift demangle --simplified`, then:

    python3 Tests/Bench/step_profile.py short.txt long.txt STEPS_BETWEEN

Samples of the training step (and of the GEMM helpers' jobs) are classified by leaf function;
the difference between the two runs divided by STEPS_BETWEEN is CPU ms per steady step (at
999 Hz one sample is about 1 ms), with setup and warm-up excluded.
"""
import collections
import re
import sys

KINDS = [
    ("spin-wait", r"sched_yield|GEMMWorkers.run"),
    ("GEMM", r"GEMM\.|MatmulPlan"),
    ("attention kernels", r"AttentionKernel|Tensor.attention|redrawnScales"),
    ("bias+GELU fwd", r"BiasActivationKernel.forward|GELUKernel.value|normalCDF"),
    ("bias+GELU bwd", r"BiasActivationKernel.backward|GELUKernel.derivative"),
    ("layernorm", r"LayerNormKernel"),
    ("softmax/loss", r"SoftmaxKernel|ExactMath|DeterministicMath|crossEntropy|Loss"),
    ("dropout", r"dropout|nextUniform|RandomGenerator|DropoutMask"),
    ("permute/copy", r"PermutedWalk|permuted|memmove|concatenat|slice|indexSelect|gather"),
    ("memset (zeroed grads)", r"memset"),
    ("binary elementwise", r"Tensor.binary|BroadcastPlan"),
    ("AdamW", r"AdamW"),
    ("momentum", r"MomentumCopy"),
    ("clip/norm", r"GradientClipping"),
    ("alloc/free/ARC", r"malloc|free|_int_|swift_retain|swift_release|StoragePool|deallocat|swift_alloc|RefCount|swift_once|isUniquely"),
]


def classify(frames, raw):
    if raw[0].startswith("ffffffff"):
        return "spin-wait" if any("sched_yield" in f for f in frames[:12]) else "kernel"
    for name, pattern in KINDS:
        if re.search(pattern, frames[0]):
            return name
    return "other"


def count(path):
    counts = collections.Counter()
    for sample in open(path).read().split("\n\n"):
        raw = [line.strip() for line in sample.split("\n")[1:] if line.strip()]
        if not raw:
            continue
        frames = [r.split(None, 1)[1] if len(r.split(None, 1)) > 1 else r for r in raw]
        stack = "\n".join(frames)
        if "helperLoop" in stack:
            if "runJob" not in stack:
                counts["(helper: spin/sleep)"] += 1
                continue
        elif not ("prepareStep" in stack or "Pretrainer.apply" in stack or "trainStep" in stack):
            if "BatchPrefetcher" in stack or "BatchAssembler" in stack:
                counts["(assembly thread)"] += 1
            continue
        counts[classify(frames, raw)] += 1
        counts["TOTAL step CPU"] += 1
    return counts


def main():
    short, long, steps = sys.argv[1], sys.argv[2], float(sys.argv[3])
    a, b = count(short), count(long)
    rows = {k: (b[k] - a[k]) / steps for k in set(a) | set(b)}
    for kind, ms in sorted(rows.items(), key=lambda item: -item[1]):
        print(f"{kind:28s} {ms:8.1f}")


if __name__ == "__main__":
    main()
