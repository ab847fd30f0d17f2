#!/usr/bin/env python3
"""Reference values for the objectives of issue 8 (docs/objectives.md: MVM, WRA, CMCL, PrefixLM).

Written from UNITER's model/pretrain.py and model/ot.py, LXMERT's feature loss and UNIMO's
CMCL formula, not from the Swift code: float64 numpy on float32-rounded inputs. Gradients are
central finite differences in float64 (for WRA with the transport plan held fixed, as UNITER's
no_grad IPOT). Inputs are stored beside the outputs, so the Swift tests need no Python.

    python3 Tests/Fixtures/objectives_ii_reference.py   # rewrites objectives_ii_reference.json
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from objectives_reference import f32, inputs, log_softmax, numeric_gradient, out, outs, softmax, write  # noqa: E402


def regression_case(name, seed, rows, width, kind):
    rng = np.random.default_rng(seed)
    target = f32(rng.standard_normal((rows, width)))
    # Differences kept away from smooth L1's kink at |d| = 1, where the derivative jumps.
    diff = rng.uniform(0.1, 0.8, (rows, width)) * rng.choice([-1, 1], (rows, width))
    diff[0, : width // 2] *= 3
    prediction = f32(target + diff)

    def loss(p):
        d = p - target
        if kind == "mse":
            return (d * d).mean()
        a = np.abs(d)
        return np.where(a < 1, 0.5 * d * d, a - 0.5).mean()

    return {
        "name": name, "kind": kind, "rows": rows, "width": width,
        "prediction": inputs(prediction), "target": inputs(target),
        "loss": out(loss(prediction)), "gradPrediction": outs(numeric_gradient(loss, prediction)),
    }


def classification_case(seed, rows, classes):
    rng = np.random.default_rng(seed)
    logits = f32(2 * rng.standard_normal((rows, classes)))
    distributions = f32(softmax(3 * rng.standard_normal((rows, classes))))
    labels = distributions.argmax(axis=1)

    def hard(x):
        return -log_softmax(x)[np.arange(rows), labels].mean()

    def soft(x):
        # UNITER: kl_div(log_softmax(pred), soft, reduction='none'), then .mean() over elements.
        p = distributions
        terms = np.where(p > 0, p * (np.log(np.where(p > 0, p, 1)) - log_softmax(x)), 0)
        return terms.mean()

    return {
        "rows": rows, "classes": classes, "logits": inputs(logits),
        "labels": [int(v) for v in labels], "distributions": inputs(distributions),
        "hardLoss": out(hard(logits)), "gradHard": outs(numeric_gradient(hard, logits)),
        "softLoss": out(soft(logits)), "gradSoft": outs(numeric_gradient(soft, logits)),
    }


def normalize(x, eps=1e-5):
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), eps)


def cost_matrix(words, regions, word_mask, region_mask):
    cost = 1 - normalize(words) @ normalize(regions).T
    return cost * np.outer(word_mask, region_mask)


def ipot(cost, word_mask, region_mask, beta=0.5, iterations=50):
    """UNITER's ipot with k = 1 for one pair: cost (M, N) -> plan (N, M)."""
    n_words, n_regions = word_mask.sum(), region_mask.sum()
    joint = np.outer(region_mask, word_mask)  # (N, M)
    a = np.exp(-cost.T / beta) * joint
    t = joint.copy()
    sigma = word_mask / n_words
    for _ in range(iterations):
        q = a * t
        delta = 1 / (n_regions * (q @ sigma) + 1e4 * (1 - region_mask))
        sigma = 1 / (n_words * (delta @ q) + 1e4 * (1 - word_mask))
        t = delta[:, None] * q * sigma[None, :]
    return t * joint


def wra_case(seed, pairs, m, n, d):
    rng = np.random.default_rng(seed)
    words = f32(rng.standard_normal((pairs, m, d)))
    regions = f32(rng.standard_normal((pairs, n, d)))
    word_mask = np.ones((pairs, m))
    region_mask = np.ones((pairs, n))
    word_mask[1, m - 2:] = 0  # a shorter caption
    region_mask[2, n - 1:] = 0  # an image with fewer regions
    labels = [1] + [0] * (pairs - 1)
    plans = [
        ipot(cost_matrix(words[p], regions[p], word_mask[p], region_mask[p]), word_mask[p],
             region_mask[p])
        for p in range(pairs)
    ]

    def distances(w, r):
        return np.array([
            (cost_matrix(w[p], r[p], word_mask[p], region_mask[p]) * plans[p].T).sum()
            for p in range(pairs)
        ])

    signs = np.array([1 if label == 1 else -1 for label in labels])

    def loss_words(w):
        return (distances(w, regions) * signs).sum() / pairs

    def loss_regions(r):
        return (distances(words, r) * signs).sum() / pairs

    return {
        "pairs": pairs, "words": m, "regions": n, "dimension": d,
        "wordStates": inputs(words), "regionStates": inputs(regions),
        "wordMask": inputs(word_mask), "regionMask": inputs(region_mask), "labels": labels,
        "plans": outs(np.stack(plans)), "distances": outs(distances(words, regions)),
        "loss": out(loss_words(words)),
        "gradWords": outs(numeric_gradient(loss_words, words)),
        "gradRegions": outs(numeric_gradient(loss_regions, regions)),
    }


def cmcl_case(seed, anchors_count, candidates_count, dim, positives, temperature):
    rng = np.random.default_rng(seed)
    anchors = f32(normalize(rng.standard_normal((anchors_count, dim))))
    candidates = f32(normalize(rng.standard_normal((candidates_count, dim))))
    temperature = float(f32(temperature))
    mask = np.zeros((anchors_count, candidates_count))
    for row, columns in enumerate(positives):
        mask[row, columns] = 1

    def loss(a, c, t):
        logits = a @ c.T / t
        return -np.log((softmax(logits) * mask).sum(axis=1)).mean()

    return {
        "anchors": anchors_count, "candidates": candidates_count, "dimension": dim,
        "anchorValues": inputs(anchors), "candidateValues": inputs(candidates),
        "positives": positives, "temperature": temperature,
        "loss": out(loss(anchors, candidates, temperature)),
        "gradAnchors": outs(numeric_gradient(lambda a: loss(a, candidates, temperature), anchors)),
        "gradCandidates": outs(
            numeric_gradient(lambda c: loss(anchors, c, temperature), candidates)),
        "gradTemperature": out(
            numeric_gradient(lambda t: loss(anchors, candidates, t[0]), np.array([temperature]))[0]),
    }


def prefixlm_case(seed, vocabulary):
    """Position t predicts token t + 1 of each caption; padding predicts nothing."""
    rng = np.random.default_rng(seed)
    lengths = [5, 3]
    length = max(lengths)
    ids = rng.integers(5, vocabulary, (len(lengths), length))
    for b, count in enumerate(lengths):
        ids[b, count:] = 0
    positions = [b * length + t for b, count in enumerate(lengths) for t in range(count - 1)]
    targets = [int(ids.ravel()[p + 1]) for p in positions]
    logits = f32(rng.standard_normal((len(positions), vocabulary)))

    def loss(x):
        return -log_softmax(x)[np.arange(len(targets)), targets].mean()

    return {
        "ids": [int(v) for v in ids.ravel()], "lengths": lengths, "length": length,
        "vocabulary": vocabulary, "positions": positions, "targets": targets,
        "logits": inputs(logits), "loss": out(loss(logits)),
        "gradLogits": outs(numeric_gradient(loss, logits)),
    }


def main():
    document = {
        "generator": "Tests/Fixtures/objectives_ii_reference.py",
        "numpy": np.__version__,
        "regression": [
            regression_case("mse", 41, 3, 6, "mse"),
            regression_case("smooth-l1", 42, 3, 6, "smooth-l1"),
        ],
        "classification": classification_case(43, 4, 7),
        "wra": wra_case(44, 3, 5, 4, 6),
        "cmcl": cmcl_case(45, 3, 7, 5, [[0, 3, 4], [1], [2, 6]], 0.1),
        "prefixlm": prefixlm_case(46, 11),
    }
    write(document, "objectives_ii_reference.json")


if __name__ == "__main__":
    main()
