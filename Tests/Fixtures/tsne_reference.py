#!/usr/bin/env python3
"""Reference values for the t-SNE tests (Tests/VLPTests/TSNE*.swift), from scikit-learn.

Writes Tests/Fixtures/tsne_reference.json with
  - "clusters": 300 points, 5 Gaussian clusters in 20-D (float32, generated here with a fixed
    numpy seed), their labels, and scikit-learn's TSNE results on them for both methods
    (trustworthiness with 10 neighbours and the final KL divergence);
  - "gradient": a tiny input (24 points, 6-D), scikit-learn's joint probabilities P (exact
    method, perplexity 5), a fixed 2-D embedding and the exact KL divergence and gradient there.

Run: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 Tests/Fixtures/tsne_reference.py
Needs numpy, scipy and scikit-learn (pip install --user scikit-learn); the tests only read the JSON.

Benchmark mode (docs/projection.md), timing scikit-learn on the data of `vlp bench tsne`:
  vlp bench tsne --threads 2 --save-data /tmp/tsne_bench.npy
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 Tests/Fixtures/tsne_reference.py \
      --bench /tmp/tsne_bench.npy --threads 2 [--repeat 3]
prints one JSON object per run: seconds (neighbour search included), KL, trustworthiness(10).
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import sklearn
from scipy.spatial.distance import squareform
from sklearn.manifold import TSNE, trustworthiness
from sklearn.manifold._t_sne import _joint_probabilities, _kl_divergence
from sklearn.metrics import pairwise_distances


def gaussian_clusters(rng, per_cluster, clusters, dimensions, spread, noise):
    centres = rng.normal(0.0, spread, size=(clusters, dimensions))
    points, labels = [], []
    for c in range(clusters):
        points.append(centres[c] + rng.normal(0.0, noise, size=(per_cluster, dimensions)))
        labels += [c] * per_cluster
    return np.concatenate(points).astype(np.float32), np.array(labels)


def cluster_reference():
    rng = np.random.default_rng(20240611)
    data, labels = gaussian_clusters(rng, 60, 5, 20, spread=4.0, noise=1.0)
    runs = []
    for method in ("exact", "barnes_hut"):
        # PCA initialisation makes scikit-learn's result independent of random_state.
        for seed in (0,):
            tsne = TSNE(n_components=2, perplexity=30.0, max_iter=1000, init="pca",
                        learning_rate="auto", method=method, random_state=seed)
            embedding = tsne.fit_transform(data)
            runs.append({
                "method": method,
                "seed": seed,
                "trustworthiness": float(trustworthiness(data, embedding, n_neighbors=10)),
                "kl": float(tsne.kl_divergence_),
                "iterations": int(tsne.n_iter_),
            })
    return {
        "points": len(data),
        "dimensions": data.shape[1],
        "data": [float(v) for v in data.ravel()],
        "labels": [int(v) for v in labels],
        "perplexity": 30.0,
        "runs": runs,
    }


def gradient_reference():
    rng = np.random.default_rng(7)
    data = rng.normal(size=(24, 6)).astype(np.float32)
    distances = pairwise_distances(data, metric="euclidean", squared=True)
    P = _joint_probabilities(distances, 5.0, 0)  # condensed, float64
    embedding = rng.normal(0.0, 2.0, size=(24, 2)).astype(np.float32)
    kl, grad = _kl_divergence(embedding.ravel().astype(np.float64), P, 1, 24, 2)
    return {
        "points": 24,
        "dimensions": 6,
        "perplexity": 5.0,
        "data": [float(v) for v in data.ravel()],
        "P": [float(v) for v in squareform(P).ravel()],
        "embedding": [float(v) for v in embedding.ravel()],
        "kl": float(kl),
        "gradient": [float(v) for v in grad],
    }


def bench(path, threads, repeat, method):
    data = np.load(path)
    for _ in range(repeat):
        start = time.perf_counter()
        tsne = TSNE(n_components=2, perplexity=30.0, max_iter=1000, init="pca",
                    learning_rate="auto", method=method, random_state=0, n_jobs=threads)
        embedding = tsne.fit_transform(data)
        seconds = time.perf_counter() - start
        print(json.dumps({
            "library": "scikit-learn " + sklearn.__version__,
            "method": method,
            "points": int(data.shape[0]),
            "dimensions": int(data.shape[1]),
            "threads": threads,
            "seconds": round(seconds, 3),
            "kl": float(tsne.kl_divergence_),
            "iterations": int(tsne.n_iter_) + 1,
            "trustworthiness": float(trustworthiness(data, embedding, n_neighbors=10)),
        }), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bench", metavar="DATA.npy")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--method", default="barnes_hut")
    args = parser.parse_args()
    if args.bench:
        # OpenMP (the Barnes-Hut gradient) and BLAS both follow the thread count asked for.
        from threadpoolctl import threadpool_limits
        with threadpool_limits(limits=args.threads):
            bench(args.bench, args.threads, args.repeat, args.method)
        return
    result = {
        "generator": "Tests/Fixtures/tsne_reference.py",
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "clusters": cluster_reference(),
        "gradient": gradient_reference(),
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tsne_reference.json")
    with open(path, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    for run in result["clusters"]["runs"]:
        print(run, file=sys.stderr)


if __name__ == "__main__":
    main()
