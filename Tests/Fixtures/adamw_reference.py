"""Reference values for AdamW (PyTorch's algorithm, written out in numpy float64).

Three steps on a (2, 3) weight (decayed) and a (3,) bias (not decayed), with fixed gradients,
lr 0.01, betas (0.9, 0.999), eps 1e-8, weight decay 0.1. Output: adamw_reference.json.
Run: python3 Tests/Fixtures/adamw_reference.py
"""
import json
import os

import numpy as np

lr, b1, b2, eps, wd = 0.01, 0.9, 0.999, 1e-8, 0.1
weight = np.array([[0.5, -1.0, 2.0], [0.0, 0.25, -0.75]])
bias = np.array([0.1, -0.2, 0.3])
grads = [
    (np.array([[0.1, 0.2, -0.3], [0.4, -0.5, 0.6]]), np.array([1.0, -1.0, 0.5])),
    (np.array([[-0.2, 0.1, 0.0], [0.3, 0.3, -0.1]]), np.array([0.5, 0.25, -2.0])),
    (np.array([[0.05, -0.4, 0.2], [-0.6, 0.1, 0.9]]), np.array([-0.1, 0.0, 0.3])),
]
params = {"weight": (weight.copy(), True), "bias": (bias.copy(), False)}
state = {k: (np.zeros_like(v[0]), np.zeros_like(v[0])) for k, v in params.items()}
steps = []
for t, (gw, gb) in enumerate(grads, start=1):
    for name, g in (("weight", gw), ("bias", gb)):
        p, decays = params[name]
        m, v = state[name]
        if decays:
            p *= 1 - lr * wd
        m[:] = b1 * m + (1 - b1) * g
        v[:] = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        p -= lr * m_hat / (np.sqrt(v_hat) + eps)
    steps.append({"weight": params["weight"][0].ravel().tolist(), "bias": params["bias"][0].tolist()})

out = {
    "initial": {"weight": weight.ravel().tolist(), "bias": bias.tolist()},
    "gradients": [{"weight": gw.ravel().tolist(), "bias": gb.tolist()} for gw, gb in grads],
    "steps": steps,
    "hyper": {"lr": lr, "beta1": b1, "beta2": b2, "eps": eps, "weight_decay": wd},
}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "adamw_reference.json"), "w") as f:
    json.dump(out, f, indent=1)
