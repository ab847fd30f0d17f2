"""openTSNE beside `vlp bench tsne` on the same data, at the same iterations (make bench).

  vlp bench tsne --points N --threads 2 --save-data DATA.npy --save-embedding OURS.npy
  python3 Tests/Bench/tsne_opentsne.py --data DATA.npy --ours OURS.npy --threads 2

openTSNE 1.x runs with perplexity 30, PCA initialisation, FFT gradient, its own defaults
(early exaggeration 12 for 250 iterations, then 750 more, learning rate N / 12) and
`n_jobs=threads`; its time includes the neighbour search and affinities, as ours does.
Trustworthiness (k = 10) of both embeddings is computed here by one estimator:
scikit-learn's exact `trustworthiness` up to --exact-limit points; above it, the sampled
estimate of docs/projection.md (a seeded sample of query points, exact input-space ranks
over all points, the penalty sum scaled by N / queries). At or below the limit the estimate is
printed too, as a check of the estimator against the exact figure.
Prints one JSON line.
"""
import argparse
import json
import time

import numpy as np


def sampled_trustworthiness(data, embedding, k=10, queries=2000, seed=0):
    n = data.shape[0]
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(n, size=min(queries, n), replace=False))
    data = data.astype(np.float64)
    data -= data.mean(axis=0)
    norms = (data ** 2).sum(axis=1)
    embedding = embedding.astype(np.float64)
    total = 0
    rows_per_block = max(8, min(256, 10_000_000 // n))
    for start in range(0, len(sample), rows_per_block):
        block = sample[start:start + rows_per_block]
        dist = norms[block, None] + norms[None, :] - 2 * data[block] @ data.T
        dist[np.arange(len(block)), block] = -np.inf  # the point itself ranks first (rank 0)
        # Input ranks by a stable sort (ties by index, as scikit-learn's argsort).
        order = np.argsort(dist, axis=1, kind="stable")
        ranks = np.empty_like(order)
        rows = np.arange(len(block))[:, None]
        ranks[rows, order] = np.arange(n)[None, :]
        edist = ((embedding[block, None, :] - embedding[None, :, :]) ** 2).sum(axis=2)
        edist[np.arange(len(block)), block] = np.inf
        near = np.argsort(edist, axis=1, kind="stable")[:, :k]
        r = ranks[rows, near]
        total += np.maximum(r - k, 0).sum()
    total *= n / len(sample)
    return 1 - 2.0 / (n * k * (2 * n - 3 * k - 1)) * total


def trust(data, embedding, exact_limit, queries):
    result = {"trust_estimate": sampled_trustworthiness(data, embedding, queries=queries)}
    if data.shape[0] <= exact_limit:
        from sklearn.manifold import trustworthiness
        result["trust_exact"] = float(trustworthiness(data, embedding, n_neighbors=10))
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--ours", required=True, help="vlp's embedding (.npy) of the same data")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--iterations", type=int, default=1000)
    parser.add_argument("--exact-limit", type=int, default=10000)
    parser.add_argument("--queries", type=int, default=2000)
    args = parser.parse_args()
    data = np.load(args.data)
    ours = np.load(args.ours)
    try:
        import openTSNE
    except ImportError:
        print(json.dumps({"skipped": "openTSNE is not installed (pip install openTSNE scikit-learn"
                          " into a virtualenv outside the repository and set PYTHON)"}))
        return
    start = time.perf_counter()
    tsne = openTSNE.TSNE(perplexity=30, n_iter=args.iterations - 250, early_exaggeration_iter=250,
                         initialization="pca", negative_gradient_method="fft",
                         n_jobs=args.threads, random_state=0, verbose=False)
    theirs = np.asarray(tsne.fit(data))
    seconds = time.perf_counter() - start
    result = {"library": "openTSNE " + openTSNE.__version__, "points": int(data.shape[0]),
              "dimensions": int(data.shape[1]), "threads": args.threads,
              "iterations": args.iterations, "seconds": round(seconds, 3),
              "theirs": trust(data, theirs, args.exact_limit, args.queries),
              "ours": trust(data, ours, args.exact_limit, args.queries)}
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
