#!/usr/bin/env python3
"""Reference values for the losses in Sources/Tensor/Ops/Ops+Loss.swift.

Computed independently of the Swift code, in float64 numpy from float32 inputs, with the
gradients written out analytically. Inputs are generated here from fixed seeds and stored in the
JSON next to the outputs, so the Swift test (Tests/TensorTests/LossTests.swift) needs no Python.

    python3 Tests/Fixtures/losses_reference.py   # rewrites Tests/Fixtures/losses_reference.json
"""
import json
import os

import numpy as np


def f32(array):
    """Rounds to float32 (the values the Swift side will hold), returned as float64."""
    return np.asarray(array, dtype=np.float32).astype(np.float64)


def log_softmax(x):
    m = x.max(axis=1, keepdims=True)
    return (x - m) - np.log(np.exp(x - m).sum(axis=1, keepdims=True))


def cross_entropy(logits, targets, ignore_index=-100, smoothing=0.0):
    n, c = logits.shape
    logp = log_softmax(logits)
    p = np.exp(logp)
    kept = targets != ignore_index
    count = kept.sum()
    loss = 0.0
    grad = np.zeros_like(logits)
    for i in range(n):
        if not kept[i]:
            continue
        q = np.full(c, smoothing / c)
        q[targets[i]] += 1 - smoothing
        loss += -(q * logp[i]).sum()
        grad[i] = p[i] - q
    if count == 0:
        return 0.0, grad
    return loss / count, grad / count


def soft_cross_entropy(logits, targets):
    n = logits.shape[0]
    logp = log_softmax(logits)
    loss = -(targets * logp).sum(axis=1).mean()
    grad_logits = (np.exp(logp) * targets.sum(axis=1, keepdims=True) - targets) / n
    grad_targets = -logp / n
    return loss, grad_logits, grad_targets


def kl_divergence(logits, p):
    n = logits.shape[0]
    logq = log_softmax(logits)
    safe = np.where(p > 0, p, 1.0)
    plogp = np.where(p > 0, p * np.log(safe), 0.0)
    loss = (plogp - p * logq).sum() / n
    grad_logits = (np.exp(logq) * p.sum(axis=1, keepdims=True) - p) / n
    grad_targets = np.where(p > 0, np.log(safe) + 1 - logq, 0.0) / n
    return loss, grad_logits, grad_targets


def mse(pred, target):
    d = pred - target
    return (d * d).mean(), 2 * d / d.size


def smooth_l1(pred, target, beta):
    d = pred - target
    a = np.abs(d)
    if beta == 0:
        return a.mean(), np.sign(d) / d.size
    small = a < beta
    loss = np.where(small, 0.5 * d * d / beta, a - 0.5 * beta)
    grad = np.where(small, d / beta, np.sign(d))
    return loss.mean(), grad / d.size


def bce_with_logits(x, t):
    # Written as -[t log s(x) + (1 - t) log(1 - s(x))] with log s(x) = -log(1 + e^-x): a different
    # form from the Swift one (max(x, 0) - x t + log1p(e^-|x|)), evaluated stably by logaddexp.
    log_s = -np.logaddexp(0, -x)
    log_1ms = -np.logaddexp(0, x)
    loss = -(t * log_s + (1 - t) * log_1ms)
    sigmoid = np.exp(log_s)
    return loss.mean(), (sigmoid - t) / x.size, -x / x.size


def as_list(a):
    """Reference outputs, to 10 significant digits (the tests compare to ~1e-5)."""
    return [float(f"{v:.10g}") for v in np.asarray(a, dtype=np.float64).ravel()]


def inputs(a):
    """Float32 inputs in their shortest form, which reads back as the same float32."""
    return [float(str(np.float32(v))) for v in np.asarray(a, dtype=np.float64).ravel()]


def main():
    rng = np.random.default_rng(20240601)
    cases = []

    # Hard-target cross-entropy: plain, with ignored rows, label smoothing, large magnitudes.
    for name, n, c, scale, ignored, smoothing in [
        ("ce_plain", 6, 5, 2.0, [], 0.0),
        ("ce_ignore", 7, 11, 1.5, [1, 4], 0.0),
        ("ce_smoothing", 5, 9, 1.0, [2], 0.1),
        ("ce_large", 4, 6, 1000.0, [], 0.0),
        ("ce_wide", 3, 130, 3.0, [0], 0.2),
    ]:
        logits = f32(rng.normal(size=(n, c)) * scale)
        targets = rng.integers(0, c, size=n)
        targets[ignored] = -100
        loss, grad = cross_entropy(logits, targets, -100, smoothing)
        cases.append(dict(name=name, kind="crossEntropy", shape=[n, c], logits=inputs(logits),
                          targets=[int(t) for t in targets], ignoreIndex=-100,
                          labelSmoothing=smoothing, loss=float(f"{loss:.12g}"), gradLogits=as_list(grad)))

    # Soft-target cross-entropy, ALBEF style: alpha * softmax(momentum logits) + (1 - alpha) onehot.
    for name, n, c, alpha in [("soft_ce_albef", 4, 7, 0.4), ("soft_ce_dense", 5, 33, 1.0)]:
        logits = f32(rng.normal(size=(n, c)) * 2)
        momentum = rng.normal(size=(n, c)) * 2
        targets = alpha * np.exp(log_softmax(momentum))
        targets[np.arange(n), np.arange(n) % c] += 1 - alpha
        targets = f32(targets)
        loss, grad_logits, grad_targets = soft_cross_entropy(logits, targets)
        cases.append(dict(name=name, kind="softCrossEntropy", shape=[n, c], logits=inputs(logits),
                          softTargets=inputs(targets), loss=float(f"{loss:.12g}"),
                          gradLogits=as_list(grad_logits), gradTargets=as_list(grad_targets)))

    # KL divergence (batchmean) with some exact zeros in p (0 log 0 = 0).
    for name, n, c in [("kl_zeros", 4, 6), ("kl_dense", 3, 17)]:
        logits = f32(rng.normal(size=(n, c)) * 1.5)
        raw = rng.random(size=(n, c))
        if name == "kl_zeros":
            raw[0, 1] = 0.0
            raw[2, [0, 5]] = 0.0
        p = f32(raw / raw.sum(axis=1, keepdims=True))
        loss, grad_logits, grad_targets = kl_divergence(logits, p)
        cases.append(dict(name=name, kind="klDivergence", shape=[n, c], logits=inputs(logits),
                          softTargets=inputs(p), loss=float(f"{loss:.12g}"),
                          gradLogits=as_list(grad_logits), gradTargets=as_list(grad_targets)))

    # Pointwise losses.
    for name, shape in [("pointwise_small", [3, 5]), ("pointwise_odd", [7, 33])]:
        pred = f32(rng.normal(size=shape) * 2)
        target = f32(rng.normal(size=shape))
        loss, grad = mse(pred, target)
        cases.append(dict(name=f"mse_{name}", kind="meanSquaredError", shape=shape,
                          logits=inputs(pred), softTargets=inputs(target), loss=float(f"{loss:.12g}"),
                          gradLogits=as_list(grad), gradTargets=as_list(-grad)))
        for beta in [1.0, 0.5, 0.0]:
            loss, grad = smooth_l1(pred, target, beta)
            cases.append(dict(name=f"smoothl1_{name}_beta{beta}", kind="smoothL1", shape=shape,
                              beta=beta, logits=inputs(pred), softTargets=inputs(target),
                              loss=float(f"{loss:.12g}"), gradLogits=as_list(grad), gradTargets=as_list(-grad)))
        x = f32(rng.normal(size=shape) * 4)
        t = f32(rng.random(size=shape))
        t[0, :2] = [0.0, 1.0]
        loss, grad_x, grad_t = bce_with_logits(x, t)
        cases.append(dict(name=f"bce_{name}", kind="binaryCrossEntropyWithLogits", shape=shape,
                          logits=inputs(x), softTargets=inputs(t), loss=float(f"{loss:.12g}"),
                          gradLogits=as_list(grad_x), gradTargets=as_list(grad_t)))

    # BCE at large magnitudes, where the naive form overflows.
    x = f32([[-1000.0, -50.0, 0.0, 50.0, 1000.0]])
    t = f32([[0.0, 1.0, 0.5, 0.0, 1.0]])
    loss, grad_x, grad_t = bce_with_logits(x, t)
    cases.append(dict(name="bce_large", kind="binaryCrossEntropyWithLogits", shape=[1, 5],
                      logits=inputs(x), softTargets=inputs(t), loss=float(f"{loss:.12g}"),
                      gradLogits=as_list(grad_x), gradTargets=as_list(grad_t)))

    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "losses_reference.json")
    with open(out, "w") as f:
        # One case per line: small diffs when a case changes.
        header = json.dumps({"generator": "Tests/Fixtures/losses_reference.py",
                             "numpy": np.__version__})[:-1]
        f.write(header + ', "cases": [\n' + ",\n".join(json.dumps(c) for c in cases) + "\n]}\n")
    print(f"wrote {len(cases)} cases to {out}")


if __name__ == "__main__":
    main()
