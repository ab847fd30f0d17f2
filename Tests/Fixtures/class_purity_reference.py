#!/usr/bin/env python3
"""Reference values for the kNN class purity tests (Tests/VLPTests/ClassPurityTests.swift).

Writes Tests/Fixtures/class_purity_reference.json: a few cases of random features (float32,
fixed numpy seed; classes drawn with a per-class mean shift so that purity is well above
chance), their classes and modality flags, and the purities computed here with numpy:
  region / word: mean over image (word) rows of the same-class share of the row's k nearest
                 rows by cosine similarity in the pooled set, itself excluded;
  cross:         mean over every row of the same-class share of its k nearest rows of the
                 other modality;
  chance:        mean over rows of (rows of its class - 1) / (rows - 1).
Ties are impossible with continuous random features (the Swift code breaks them by index).

Run: python3 Tests/Fixtures/class_purity_reference.py   (needs numpy; the tests only read the JSON)
"""
import json
import os

import numpy as np


def purity(features, classes, is_image, k):
    x = features.astype(np.float64)
    x = x / np.linalg.norm(x, axis=1, keepdims=True)
    sim = x @ x.T
    n = len(classes)
    same = classes[:, None] == classes[None, :]

    def share(i, allowed):
        candidates = np.array([j for j in range(n) if j != i and allowed[j]])
        order = candidates[np.argsort(-sim[i, candidates], kind="stable")][:k]
        return same[i, order].mean()

    everyone = np.ones(n, dtype=bool)
    pooled = np.array([share(i, everyone) for i in range(n)])
    cross = np.array([share(i, is_image != is_image[i]) for i in range(n)])
    counts = np.array([np.sum(classes == c) for c in classes])
    return {
        "region": float(pooled[is_image].mean()),
        "word": float(pooled[~is_image].mean()),
        "cross": float(cross.mean()),
        "chance": float(((counts - 1) / (n - 1)).mean()),
    }


def case(rng, n, dimension, class_count, k, shift):
    classes = rng.integers(0, class_count, size=n)
    is_image = rng.random(n) < 0.6
    means = rng.normal(size=(class_count, dimension)) * shift
    modality_offset = rng.normal(size=dimension) * shift * 0.5
    features = rng.normal(size=(n, dimension)) + means[classes] + np.outer(is_image, modality_offset)
    features = features.astype(np.float32)
    result = {
        "dimension": dimension, "neighbours": k,
        "features": [float(v) for v in features.reshape(-1)],
        "classes": [int(c) for c in classes], "isImage": [bool(b) for b in is_image],
    }
    result.update(purity(features, classes, is_image, k))
    return result


def main():
    rng = np.random.default_rng(18)
    cases = [
        case(rng, 60, 8, 5, 5, 1.5),
        case(rng, 97, 16, 7, 10, 0.8),
        case(rng, 33, 4, 3, 1, 2.0),
    ]
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "class_purity_reference.json")
    with open(path, "w") as f:
        json.dump({"cases": cases}, f)
    for c in cases:
        print({key: c[key] for key in ("neighbours", "region", "word", "cross", "chance")})


if __name__ == "__main__":
    main()
