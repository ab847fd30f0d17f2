"""Checks that this trainer computes what vlp computes, on a fixture vlp wrote.

    python parity.py FIXTURE_DIR [--loss-tolerance 1e-4] [--gradient-tolerance 1e-3]

FIXTURE_DIR holds `config.json` (as `vlp export --pytorch` writes it), `weights.safetensors`
(a vlp checkpoint: weights, and for ALBEF the momentum copy and queues), `batch.safetensors` (one
batch with its MLM and MVM masks; ALBEF: the seed of its ITM negatives and alpha; Oscar: the
polluted sequences' segments and labels; with CMCL the rewritten captions) and `expected.safetensors` (vlp's loss of
each objective, `loss.<name>`, and the gradient of every parameter, `grad.<name>`). The
negatives are drawn here with vlp's generator and rule. Exit status 0 when every loss is within
the loss tolerance (relative) and every gradient within the gradient tolerance (relative, in
norm, per parameter); prints one line per loss and the worst gradients.
"""

import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from checkpoint import load_checkpoint, read_safetensors  # noqa: E402
from data import VlpRandom, duplicates  # noqa: E402
from model import build_model  # noqa: E402
from objectives import METRIC_NAMES, albef_losses, hard_negatives, oscar_losses  # noqa: E402
from train import momentum_update, optimizer_for  # noqa: E402


def load_batch(path):
    tensors, metadata = read_safetensors(path)
    long = lambda name: tensors[name].long()
    batch = {
        "text_ids": long("text_ids"), "text_mask": tensors["text_mask"], "masked_ids": long("masked_ids"),
        "masked_positions": long("masked_positions"), "masked_targets": long("masked_targets"),
        "image_values": tensors["image_values"], "image_mask": tensors.get("image_mask"),
    }
    for name in ("image_key", "segments", "labels"):
        if name in tensors:
            batch[name] = long(name).tolist() if name == "image_key" else long(name)
    if "rewrite_ids" in tensors:  # CMCL's rewritten captions
        batch["rewrites"] = {"ids": long("rewrite_ids"), "mask": tensors["rewrite_mask"],
                             "owners": long("rewrite_owners"), "positive": tensors["rewrite_positive"].bool()}
    vision = None
    if "vision_positions" in tensors:
        vision = {"slots": int(metadata["vision_slots"]), "positions": long("vision_positions"),
                  "keep": tensors["vision_keep"], "indicator": tensors["vision_indicator"],
                  "features": tensors["vision_features"], "labels": long("vision_labels"),
                  "distributions": tensors.get("vision_distributions")}
    return batch, vision, metadata


def relative(a, b, floor):
    """‖a − b‖ / max(‖b‖, floor): a gradient that is zero in exact arithmetic (an attention key's
    bias: softmax ignores a constant added to a row) holds only rounding noise, compared against
    the floor (1e-4 of the whole gradient's norm) instead of its own norm."""
    return float((a - b).norm() / max(float(b.norm()), floor))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("fixture")
    parser.add_argument("--loss-tolerance", type=float, default=1e-4)
    parser.add_argument("--gradient-tolerance", type=float, default=1e-3)
    args = parser.parse_args()
    torch.set_default_dtype(torch.float32)
    import json

    with open(os.path.join(args.fixture, "config.json")) as f:
        config = json.load(f)
    config["model"]["dropout"] = 0.0
    oscar = config["model"]["family"] == "oscar"
    model = build_model(config)
    momentum_model = None if oscar else build_model(config)
    for p in momentum_model.parameters() if momentum_model is not None else []:
        p.requires_grad_(False)
    state = load_checkpoint(os.path.join(args.fixture, "weights.safetensors"), model, momentum_model,
                            optimizer_for(model, config["training"]), "cpu")
    batch, vision, metadata = load_batch(os.path.join(args.fixture, "batch.safetensors"))
    expected, _ = read_safetensors(os.path.join(args.fixture, "expected.safetensors"))
    drawn = []
    model.train()
    if oscar:
        total, losses = oscar_losses(model, batch, vision, config["objectives"])
    else:
        image_queue, text_queue = state["queues"][0], state["queues"][1]
        excluded = batch["same"] = duplicates(batch, "cpu")
        random = VlpRandom(int(metadata["negatives_seed"]))

        def negatives(t2i, i2t):
            drawn.extend(hard_negatives(t2i, i2t, excluded, random))
            return drawn

        momentum_update(model, momentum_model, config["objectives"]["momentum"])
        total, losses, _ = albef_losses(model, momentum_model, batch, (image_queue, text_queue),
                                        float(metadata["alpha"]), config["objectives"], negatives, vision)
    total.backward()
    failures = 0
    for name, loss in list(losses.items()) + [("total", total)]:
        key = "loss." + METRIC_NAMES.get(name, name)
        want = float(expected[key])
        error = abs(float(loss.detach()) - want) / max(abs(want), 1e-12)
        ok = error <= args.loss_tolerance
        failures += not ok
        print(f"{key:<16} pytorch {float(loss.detach()):.7f}  vlp {want:.7f}  relative {error:.2e}  {'ok' if ok else 'FAIL'}")
    if "negatives" in expected:
        want = [tuple(int(v) for v in row) for row in expected["negatives"].long().tolist()]
        same = want == drawn
        failures += not same
        print(f"ITM negatives: {len(drawn)} drawn, {'the same as vlp' if same else 'DIFFERENT from vlp'}")
    errors = []
    floor = 1e-4 * float(torch.sqrt(sum((v.double() ** 2).sum() for k, v in expected.items() if k.startswith("grad."))))
    for name, parameter in model.named_parameters():
        want = expected.get("grad." + name)
        if want is None:
            failures += 1
            print(f"grad.{name}: missing from the fixture")
            continue
        got = parameter.grad if parameter.grad is not None else torch.zeros_like(parameter)
        errors.append((relative(got, want, floor), name))
    errors.sort(reverse=True)
    bad = [e for e in errors if e[0] > args.gradient_tolerance]
    failures += len(bad)
    print(f"gradients: {len(errors)} parameters, worst relative error {errors[0][0]:.2e} ({errors[0][1]}), "
          f"{len(bad)} above {args.gradient_tolerance}")
    for error, name in bad[:10]:
        print(f"  FAIL grad.{name}: relative {error:.2e}")
    print("parity: ok" if failures == 0 else f"parity: {failures} failure(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
