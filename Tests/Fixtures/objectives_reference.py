#!/usr/bin/env python3
"""Reference values for the objectives in Sources/VLP/Objectives (docs/objectives.md).

Written from the formulas of ALBEF's models/model_pretrain.py and xbert.py, not from the Swift
code: float64 numpy on float32-rounded inputs, analytic gradients that the script checks against
central finite differences before writing anything. Inputs come from fixed seeds and are stored
in the JSON beside the outputs, so Tests/VLPTests/ObjectiveReferenceTests.swift needs no Python.

    python3 Tests/Fixtures/objectives_reference.py   # rewrites objectives_reference.json
"""
import json
import os

import numpy as np


def f32(array):
    """Rounds to float32 (the values the Swift side holds), returned as float64."""
    return np.asarray(array, dtype=np.float32).astype(np.float64)


def normalized(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def log_softmax(x):
    m = x.max(axis=1, keepdims=True)
    return (x - m) - np.log(np.exp(x - m).sum(axis=1, keepdims=True))


def softmax(x):
    return np.exp(log_softmax(x))


def itc_targets(momentum_logits, alpha):
    """alpha * softmax(momentum logits) + (1 - alpha) * onehot(i): the positive is column i."""
    batch = momentum_logits.shape[0]
    onehot = np.zeros_like(momentum_logits)
    onehot[np.arange(batch), np.arange(batch)] = 1
    return alpha * softmax(momentum_logits) + (1 - alpha) * onehot


def itc_losses(image, text, image_keys, text_keys, temp, targets_i2t, targets_t2i):
    """(loss, i2t, t2i) with the targets held fixed, as under ALBEF's no_grad."""
    i2t = -(targets_i2t * log_softmax(image @ text_keys.T / temp)).sum(axis=1).mean()
    t2i = -(targets_t2i * log_softmax(text @ image_keys.T / temp)).sum(axis=1).mean()
    return 0.5 * (i2t + t2i), i2t, t2i


def itc_case(name, seed, batch, dim, queue, alpha, temp):
    rng = np.random.default_rng(seed)
    image = f32(normalized(rng.standard_normal((batch, dim))))
    text = f32(normalized(image + 0.8 * rng.standard_normal((batch, dim))))
    momentum_image = f32(normalized(image + 0.1 * rng.standard_normal((batch, dim))))
    momentum_text = f32(normalized(text + 0.1 * rng.standard_normal((batch, dim))))
    image_queue = f32(normalized(rng.standard_normal((queue, dim)))) if queue else np.zeros((0, dim))
    text_queue = f32(normalized(rng.standard_normal((queue, dim)))) if queue else np.zeros((0, dim))
    temp = float(f32(temp))
    image_keys = np.vstack([momentum_image, image_queue])  # (B + Q, E)
    text_keys = np.vstack([momentum_text, text_queue])
    targets_i2t = itc_targets(momentum_image @ text_keys.T / temp, alpha)
    targets_t2i = itc_targets(momentum_text @ image_keys.T / temp, alpha)
    loss, i2t, t2i = itc_losses(image, text, image_keys, text_keys, temp, targets_i2t, targets_t2i)

    # d loss / d logits = ½ (softmax(z) − target) / B for each direction (target rows sum to 1).
    z_i2t = image @ text_keys.T / temp
    z_t2i = text @ image_keys.T / temp
    dz_i2t = 0.5 * (softmax(z_i2t) - targets_i2t) / batch
    dz_t2i = 0.5 * (softmax(z_t2i) - targets_t2i) / batch
    grad_image = dz_i2t @ text_keys / temp
    grad_text = dz_t2i @ image_keys / temp
    grad_temp = -((dz_i2t * z_i2t).sum() + (dz_t2i * z_t2i).sum()) / temp

    def value(img, txt, t):
        return itc_losses(img, txt, image_keys, text_keys, t, targets_i2t, targets_t2i)[0]

    check("itc image", grad_image, numeric_gradient(lambda x: value(x, text, temp), image))
    check("itc text", grad_text, numeric_gradient(lambda x: value(image, x, temp), text))
    h = 1e-7
    check("itc temp", grad_temp, (value(image, text, temp + h) - value(image, text, temp - h)) / (2 * h))
    return {
        "name": name, "batch": batch, "dimension": dim, "queue": queue, "alpha": alpha,
        "temperature": temp, "image": inputs(image), "text": inputs(text),
        "momentumImage": inputs(momentum_image), "momentumText": inputs(momentum_text),
        "imageQueue": inputs(image_queue), "textQueue": inputs(text_queue),
        "loss": out(loss), "imageToTextLoss": out(i2t), "textToImageLoss": out(t2i),
        "gradImage": outs(grad_image), "gradText": outs(grad_text), "gradTemperature": out(grad_temp),
    }


def mlm_loss(logits, targets, momentum_logits, alpha):
    logp = log_softmax(logits)
    n = logits.shape[0]
    if n == 0:
        return 0.0, np.zeros_like(logits)
    hard = -logp[np.arange(n), targets].mean()
    onehot = np.zeros_like(logits)
    onehot[np.arange(n), targets] = 1
    grad_hard = (np.exp(logp) - onehot) / n
    if momentum_logits is None:
        return hard, grad_hard
    teacher = softmax(momentum_logits)
    soft = -(teacher * logp).sum(axis=1).mean()
    grad_soft = (np.exp(logp) - teacher) / n
    return (1 - alpha) * hard + alpha * soft, (1 - alpha) * grad_hard + alpha * grad_soft


def mlm_case(name, seed, rows, vocabulary, alpha, distill):
    rng = np.random.default_rng(seed)
    logits = f32(2 * rng.standard_normal((rows, vocabulary)))
    momentum = f32(2 * rng.standard_normal((rows, vocabulary))) if distill else None
    targets = rng.integers(0, vocabulary, size=rows)
    loss, grad = mlm_loss(logits, targets, momentum, alpha)
    if rows:
        numeric = numeric_gradient(lambda x: mlm_loss(x, targets, momentum, alpha)[0], logits)
        check("mlm " + name, grad, numeric)
    return {
        "name": name, "rows": rows, "vocabulary": vocabulary, "alpha": alpha,
        "logits": inputs(logits), "targets": [int(t) for t in targets],
        "momentumLogits": inputs(momentum) if distill else None,
        "loss": out(loss), "gradLogits": outs(grad),
    }


def itm_weights_case(seed, batch, extra_excluded):
    """Softmax over the allowed columns of each row; excluded columns get 0 (the −inf fill)."""
    rng = np.random.default_rng(seed)
    similarity = f32(3 * rng.standard_normal((batch, batch)))
    allowed = ~np.eye(batch, dtype=bool)
    for i, j in extra_excluded:
        allowed[i, j] = False
    weights = np.zeros((batch, batch))
    for i in range(batch):
        values = similarity[i][allowed[i]]
        e = np.exp(values - values.max())
        weights[i][allowed[i]] = e / e.sum()
    return {
        "batch": batch, "similarity": inputs(similarity),
        "excluded": [[int(i), int(j)] for i, j in extra_excluded], "weights": outs(weights),
    }


def itm_loss_case(seed, pairs):
    rng = np.random.default_rng(seed)
    logits = f32(1.5 * rng.standard_normal((3 * pairs, 2)))
    labels = np.array([1] * pairs + [0] * (2 * pairs))  # ALBEF's 1:2 batch
    logp = log_softmax(logits)
    n = len(labels)
    loss = -logp[np.arange(n), labels].mean()
    onehot = np.zeros_like(logits)
    onehot[np.arange(n), labels] = 1
    grad = (np.exp(logp) - onehot) / n
    return {"logits": inputs(logits), "labels": [int(x) for x in labels], "loss": out(loss),
            "gradLogits": outs(grad)}


def numeric_gradient(f, x, h=1e-6):
    grad = np.zeros_like(x)
    for index in np.ndindex(*x.shape):
        plus, minus = x.copy(), x.copy()
        plus[index] += h
        minus[index] -= h
        grad[index] = (f(plus) - f(minus)) / (2 * h)
    return grad


def check(label, analytic, numeric):
    error = np.max(np.abs(np.asarray(analytic) - np.asarray(numeric)))
    scale = max(1.0, float(np.max(np.abs(numeric))))
    assert error <= 1e-6 * scale, f"{label}: analytic and numeric gradients differ by {error}"


def inputs(array):
    """float32 values: 9 significant digits round-trip exactly."""
    return [float(f"{v:.9g}") for v in np.asarray(array, dtype=np.float32).ravel()]


def out(value):
    return float(f"{float(value):.12g}")


def outs(array):
    return [out(v) for v in np.asarray(array).ravel()]


def write(document, filename):
    """Writes the document beside this script, as the Swift tests read it."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), filename)
    with open(path, "w") as handle:
        json.dump(document, handle, indent=1)
        handle.write("\n")
    print(f"wrote {path}")


def main():
    document = {
        "generator": "Tests/Fixtures/objectives_reference.py",
        "numpy": np.__version__,
        "itc": [
            itc_case("q8_alpha0.4", 11, 4, 8, 8, 0.4, 0.07),
            itc_case("q8_alpha0", 11, 4, 8, 8, 0.0, 0.07),
            itc_case("q0_alpha0.4", 12, 4, 8, 0, 0.4, 0.1),
            itc_case("q0_alpha0", 12, 4, 8, 0, 0.0, 0.1),
        ],
        "mlm": [
            mlm_case("distill_alpha0.3", 21, 5, 11, 0.3, True),
            mlm_case("no_momentum", 22, 5, 11, 0.3, False),
            mlm_case("empty", 23, 0, 11, 0.3, True),
        ],
        "itmWeights": itm_weights_case(31, 4, [(1, 2)]),
        "itmLoss": itm_loss_case(32, 2),
    }
    write(document, "objectives_reference.json")


if __name__ == "__main__":
    main()
