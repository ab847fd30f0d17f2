"""Writes the TensorBoard event files that Tests/RunLogsTests reads, with the writers PyTorch
users run: torch.utils.tensorboard and tensorboardX, plus a TF2-style double tensor value written
by hand with tensorboard's own protobufs. Also writes expected.json: every run's scalars as the
writers were given them (float32 values as the float32 they became).

    /work/venv-torch/bin/pip install tensorboard tensorboardX
    /work/venv-torch/bin/python Tests/Fixtures/make_tensorboard_fixtures.py

Output: Tests/Fixtures/tensorboard/ (committed; the tests never need Python).
"""
import json
import math
import os
import shutil

import numpy as np
import tensorboardX
from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2, types_pb2
from torch.utils.tensorboard import SummaryWriter

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tensorboard")
expected = {}


def note(run, tag, step, value, exact=False):
    value = float(value) if exact else float(np.float32(value))
    expected.setdefault(run, {}).setdefault(tag, []).append([step, value])


def loss(step, offset=0.0):
    return 5.0 * math.exp(-step / 7.0) + 0.1 * math.sin(step) + offset


shutil.rmtree(ROOT, ignore_errors=True)

# torch.utils.tensorboard: add_scalar (simple_value), new_style (a float tensor with the scalars
# plugin named on the first value only), a histogram and text to be skipped.
writer = SummaryWriter(os.path.join(ROOT, "torch", "albef"))
for step in range(12):
    writer.add_scalar("loss/itc", loss(step), step)
    note("torch/albef", "loss/itc", step, loss(step))
    writer.add_scalar("loss/mlm", loss(step, 1.0), step, new_style=True)
    note("torch/albef", "loss/mlm", step, loss(step, 1.0))
    writer.add_scalar("lr", 1e-4 * (step + 1), step)
    note("torch/albef", "lr", step, 1e-4 * (step + 1))
    if step % 4 == 0:
        writer.add_histogram("weights", np.random.default_rng(step).normal(size=50), step)
writer.add_text("notes", "a text summary, not a scalar", 0)
writer.close()

# add_scalars: one sub-folder (a run of its own) per key.
writer = SummaryWriter(os.path.join(ROOT, "torch", "scalars"))
for step in range(0, 50, 10):
    writer.add_scalars("loss", {"train": loss(step), "val": loss(step, 0.5)}, step)
    note("torch/scalars/loss_train", "loss", step, loss(step))
    note("torch/scalars/loss_val", "loss", step, loss(step, 0.5))
writer.close()

# tensorboardX, as Oscar and UNITER use it.
writer = tensorboardX.SummaryWriter(os.path.join(ROOT, "tensorboardx", "oscar"))
for step in range(0, 300, 100):
    writer.add_scalar("train/loss", loss(step / 100), step)
    note("tensorboardx/oscar", "train/loss", step, loss(step / 100))
    writer.add_scalar("train/acc", 0.3 + step / 1000, step)
    note("tensorboardx/oscar", "train/acc", step, 0.3 + step / 1000)
writer.close()

# TF2's tf.summary.scalar writes a tensor (here a double, in double_val, and a float in
# tensor_content) with the scalars plugin's metadata on the first value only.
writer = SummaryWriter(os.path.join(ROOT, "tf2", "run"))
file_writer = writer._get_file_writer()
for step in range(5):
    values = []
    for tag, dtype, value in [("eval/recall", types_pb2.DT_DOUBLE, 0.1 * step + 1e-12),
                              ("eval/accuracy", types_pb2.DT_FLOAT, 0.5 + 0.05 * step)]:
        tensor = tensor_pb2.TensorProto(dtype=dtype)
        if dtype == types_pb2.DT_DOUBLE:
            tensor.double_val.append(value)
        else:
            tensor.tensor_content = np.float32(value).tobytes()
        summary_value = summary_pb2.Summary.Value(tag=tag, tensor=tensor)
        if step == 0:
            summary_value.metadata.plugin_data.plugin_name = "scalars"
        values.append(summary_value)
        note("tf2/run", tag, step, value, exact=dtype == types_pb2.DT_DOUBLE)
    event = event_pb2.Event(step=step, wall_time=1_700_000_000.0 + step,
                            summary=summary_pb2.Summary(value=values))
    file_writer.add_event(event)
writer.close()

with open(os.path.join(ROOT, "expected.json"), "w") as f:
    json.dump(expected, f, indent=1, sort_keys=True)
    f.write("\n")
print("wrote", ROOT)
