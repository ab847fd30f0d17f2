"""vlp checkpoints (`vlp-checkpoint-1`) in safetensors, read and written without extra packages.

| tensor                         | holds                                   |
|--------------------------------|-----------------------------------------|
| `model.<parameter>`            | the model's weights, vlp's names        |
| `momentum.<parameter>`         | the momentum (EMA) copy                 |
| `optimizer.exp_avg.<parameter>`, `optimizer.exp_avg_sq.<parameter>` | AdamW's moments |
| `buffer.queue.image`, `buffer.queue.text` | ALBEF's feature queues (Q, E) |

Metadata: `format`, `step`, `config` (vlp's configuration JSON), `optimizer.step`, and
`queue.image` / `queue.text` = "pointer realCount index0,index1,..." (Sources/NN/Checkpoint).
"""

import json
import os
import re
import struct

import torch

FORMAT = "vlp-checkpoint-1"
DTYPES = {"F32": (torch.float32, 4), "I64": (torch.int64, 8)}
HEADER_LIMIT = 100 * 1024 * 1024


def read_safetensors(path):
    """→ ({name: tensor}, metadata). Checks every offset against the file's length."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError(f"{path}: {len(raw)} bytes is too short for a safetensors file")
    (header_size,) = struct.unpack("<Q", raw[:8])
    if header_size > min(HEADER_LIMIT, len(raw) - 8):
        raise ValueError(f"{path}: the header claims {header_size} bytes, the file holds {len(raw) - 8}")
    header = json.loads(raw[8:8 + header_size])
    metadata = header.pop("__metadata__", {}) or {}
    data = memoryview(raw)[8 + header_size:]
    tensors = {}
    for name, entry in header.items():
        dtype, size = DTYPES.get(entry["dtype"], (None, 0))
        if dtype is None:
            raise ValueError(f"{path}: {name}: dtype {entry['dtype']} (expected F32 or I64)")
        begin, end = entry["data_offsets"]
        count = 1
        for n in entry["shape"]:
            count *= n
        if not 0 <= begin <= end <= len(data) or end - begin != count * size:
            raise ValueError(f"{path}: {name}: offsets {begin}..{end} do not fit shape {entry['shape']}")
        if count == 0:
            tensors[name] = torch.zeros(entry["shape"], dtype=dtype)
            continue
        tensors[name] = torch.frombuffer(bytearray(data[begin:end]), dtype=dtype).reshape(entry["shape"]).clone()
    return tensors, metadata


def write_safetensors(path, tensors, metadata):
    """Writes atomically: a temporary file in the same folder, fsync, rename."""
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous()
        dtype = "I64" if t.dtype == torch.int64 else "F32"
        blob = t.to(torch.int64 if dtype == "I64" else torch.float32).numpy().tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    temporary = f"{path}.tmp-{os.getpid()}"
    with open(temporary, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        for blob in blobs:
            f.write(blob)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)


def latest_checkpoint(folder):
    steps = [int(m.group(1)) for m in (re.fullmatch(r"step-(\d+)\.safetensors", n) for n in os.listdir(folder)) if m]
    return os.path.join(folder, f"step-{max(steps):08d}.safetensors") if steps else None


def queue_position(text, capacity):
    pointer, real, indices = text.split(" ")
    pairs = [int(i) for i in indices.split(",")] if indices else []
    if len(pairs) != capacity:
        raise ValueError(f"queue position lists {len(pairs)} pair indices for a queue of {capacity}")
    return int(pointer), int(real), torch.tensor(pairs, dtype=torch.int64)


def load_checkpoint(path, model, momentum_model, optimizer, device):
    """Loads weights, the momentum copy (or a copy of the weights), AdamW's moments when present and
    the queues. → {"step", "queues": (image, text, pair_index, pointer, real_count)}."""
    tensors, metadata = read_safetensors(path)
    if metadata.get("format") != FORMAT:
        raise SystemExit(f"{path}: format '{metadata.get('format')}' is not {FORMAT}")

    def section(prefix):
        return {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}

    weights = section("model.")
    problems = model.load_state_dict(weights, strict=False)
    if problems.missing_keys or problems.unexpected_keys:
        raise SystemExit(f"{path}: weights do not fit the model: missing {problems.missing_keys[:5]}, "
                         f"unexpected {problems.unexpected_keys[:5]}")
    if momentum_model is not None:  # Oscar keeps no momentum copy
        momentum = section("momentum.") or weights
        momentum_model.load_state_dict(momentum, strict=True)
    step = int(metadata.get("step", "0"))
    names = dict(model.named_parameters())
    first, second = section("optimizer.exp_avg."), section("optimizer.exp_avg_sq.")
    optimizer_step = int(metadata.get("optimizer.step", "0"))
    if first and optimizer_step > 0:
        for name, parameter in names.items():
            optimizer.state[parameter] = {
                "step": torch.tensor(float(optimizer_step)),
                "exp_avg": first[name].to(device), "exp_avg_sq": second[name].to(device)}
    if "buffer.queue.image" not in tensors:  # Oscar keeps no queues
        return {"step": step, "queues": None}
    image, text = tensors["buffer.queue.image"].to(device), tensors["buffer.queue.text"].to(device)
    pointer, real, pairs = queue_position(metadata["queue.image"], image.shape[0])
    return {"step": step, "queues": (image, text, pairs.to(device), pointer, real)}


def save_checkpoint(folder, step, config, model, momentum_model, optimizer, queues):
    tensors = {}
    for name, p in model.named_parameters():
        tensors["model." + name] = p
        state = optimizer.state.get(p, {})
        tensors["optimizer.exp_avg." + name] = state.get("exp_avg", torch.zeros_like(p))
        tensors["optimizer.exp_avg_sq." + name] = state.get("exp_avg_sq", torch.zeros_like(p))
    optimizer_steps = [int(s["step"]) for s in optimizer.state.values() if "step" in s]
    metadata = {"format": FORMAT, "step": str(step), "config": config["vlpConfiguration"],
                "optimizer.step": str(max(optimizer_steps, default=0)), "trainer": "pytorch",
                "engine.variant": config["variant"]}
    if momentum_model is not None:  # ALBEF: the momentum copy and the queues with their position
        for name, p in momentum_model.named_parameters():
            tensors["momentum." + name] = p
        tensors["buffer.queue.image"], tensors["buffer.queue.text"] = queues.image, queues.text
        position = f"{queues.pointer} {queues.real_count} " + ",".join(str(int(i)) for i in queues.pair_index.tolist())
        metadata["queue.image"] = metadata["queue.text"] = position
    path = os.path.join(folder, f"step-{step:08d}.safetensors")
    write_safetensors(path, tensors, metadata)
    return path
