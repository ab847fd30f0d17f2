"""Reference for AttentionMapTests: ALBEF's Grad-CAM on one cross-attention layer, in numpy
(float64), independent of the Swift code.

The small model: one multi-head cross-attention (query, key, value, output projections, all
with biases) from text states X (Tq, d) to image tokens Y (Tk, dk), Y[0] the image [CLS];
the score S = sum_q tanh(u . out[q]) stands in for the ITM logit. The script computes
P = softmax(Q K^T / sqrt(dh)) per head, dS/dP by hand, and the Grad-CAM of
models/xbert.py + visualization.ipynb: cam = mean_h P * max(0, dS/dP) over the keys after
[CLS]; a word's map is the mean of its tokens' rows, the caption's the mean of the words'.

Run: python3 Tests/Fixtures/attention/gradcam_reference.py  (writes gradcam_reference.json)
"""
import json
import os

import numpy as np

rng = np.random.default_rng(18)
heads, d, dk, tq, tk = 2, 8, 6, 5, 7
dh = d // heads


def param(*shape, scale=0.5):
    return rng.normal(0.0, scale, size=shape)


X = param(tq, d, scale=1.0)
Y = param(tk, dk, scale=1.0)
Wq, bq = param(d, d), param(d, scale=0.1)
Wk, bk = param(d, dk), param(d, scale=0.1)
Wv, bv = param(d, dk), param(d, scale=0.1)
Wo, bo = param(d, d), param(d, scale=0.1)
u = param(d, scale=1.0)

Q = (X @ Wq.T + bq).reshape(tq, heads, dh).transpose(1, 0, 2)  # (H, Tq, dh)
K = (Y @ Wk.T + bk).reshape(tk, heads, dh).transpose(1, 0, 2)  # (H, Tk, dh)
V = (Y @ Wv.T + bv).reshape(tk, heads, dh).transpose(1, 0, 2)  # (H, Tk, dh)
scores = Q @ K.transpose(0, 2, 1) / np.sqrt(dh)
P = np.exp(scores - scores.max(-1, keepdims=True))
P /= P.sum(-1, keepdims=True)  # (H, Tq, Tk)
context = (P @ V).transpose(1, 0, 2).reshape(tq, d)  # (Tq, d)
out = context @ Wo.T + bo  # (Tq, d)
z = out @ u
S = np.tanh(z).sum()

# Backward by hand to P.
d_out = (1 - np.tanh(z) ** 2)[:, None] * u[None, :]  # (Tq, d)
d_context = d_out @ Wo  # (Tq, d)
d_context_heads = d_context.reshape(tq, heads, dh).transpose(1, 0, 2)  # (H, Tq, dh)
G = d_context_heads @ V.transpose(0, 2, 1)  # (H, Tq, Tk) = dS/dP

# Words: token rows of each word (a word split in two pieces, as WordPiece does).
word_rows = [[1], [2, 3], [4]]
cam_tokens = (P[:, :, 1:] * np.clip(G[:, :, 1:], 0, None)).mean(0)  # (Tq, Tk - 1)
raw_tokens = P[:, :, 1:].mean(0)
gradcam_words = [cam_tokens[rows].mean(0) for rows in word_rows]
raw_words = [raw_tokens[rows].mean(0) for rows in word_rows]

fixture = {
    "heads": heads, "dimension": d, "keyValueSize": dk, "queries": tq, "keys": tk,
    "text": X.ravel().tolist(), "image": Y.ravel().tolist(),
    "queryWeight": Wq.ravel().tolist(), "queryBias": bq.tolist(),
    "keyWeight": Wk.ravel().tolist(), "keyBias": bk.tolist(),
    "valueWeight": Wv.ravel().tolist(), "valueBias": bv.tolist(),
    "outputWeight": Wo.ravel().tolist(), "outputBias": bo.tolist(),
    "scoreVector": u.tolist(),
    "score": float(S),
    "probabilities": P.ravel().tolist(), "gradients": G.ravel().tolist(),
    "wordRows": word_rows,
    "gradcamWords": [w.tolist() for w in gradcam_words],
    "gradcamCaption": np.mean(gradcam_words, axis=0).tolist(),
    "rawWords": [w.tolist() for w in raw_words],
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gradcam_reference.json")
with open(path, "w") as f:
    json.dump(fixture, f, indent=1)
print("wrote", path, "S =", S)
