"""The data of a vlp session and vlp's sampling rules, in Python.

`data.safetensors` (written by `vlp export --pytorch`) holds the pairs the session trains on,
already tokenised (`[CLS] caption [SEP]`) and with their image inputs; this module cuts them into
batches and masks them exactly as vlp does (Sources/VLP/Batching): the same random generator
(xoshiro256** seeded through SplitMix64), the same streams derived from (seed, stream, index),
the same epoch permutation, whole-word 80/10/10 token masking and UNITER's region masking.
With one process the batches, masks and ITM negatives are vlp's own, draw for draw; under DDP
rank r of W uses index step·W + r for every per-step stream, so each rank draws its own masks
reproducibly from (seed, rank, step).
"""

import json
import struct

import torch

from checkpoint import read_safetensors

MASK64 = (1 << 64) - 1
STREAMS = {"dataOrder": 1, "masking": 2, "dropout": 3, "negatives": 4, "pollution": 5, "evaluation": 6,
           "initialisation": 7, "queue": 8, "visionMasking": 9, "rewriting": 10}


def derive(seed, stream, index):
    """vlp's StreamSeed.derive: a SplitMix64 finaliser over (seed, stream, index)."""
    x = (seed * 0x9E3779B97F4A7C15 + STREAMS[stream] * 0xBF58476D1CE4E5B9) & MASK64
    x = (x + (index & MASK64) * 0x94D049BB133111EB) & MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK64
    return x ^ (x >> 31)


class VlpRandom:
    """vlp's RandomGenerator (Sources/Tensor/Random.swift): xoshiro256** seeded by SplitMix64."""

    def __init__(self, seed):
        state = seed & MASK64
        words = []
        for _ in range(4):
            state = (state + 0x9E3779B97F4A7C15) & MASK64
            z = state
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
            words.append(z ^ (z >> 31))
        self.s = words

    def next(self):
        s0, s1, s2, s3 = self.s
        m = (s1 * 5) & MASK64
        result = ((((m << 7) | (m >> 57)) & MASK64) * 9) & MASK64
        t = (s1 << 17) & MASK64
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = ((s3 << 45) | (s3 >> 19)) & MASK64
        self.s = [s0, s1, s2, s3]
        return result

    def next_float(self):
        return (self.next() >> 40) * 2.0**-24

    def next_double(self):
        return (self.next() >> 11) * 2.0**-53

    def next_int(self, bound):
        """Lemire's multiply-and-reject, as vlp."""
        product = self.next() * bound
        if product & MASK64 < bound:
            threshold = ((1 << 64) - bound) % bound
            while product & MASK64 < threshold:
                product = self.next() * bound
        return product >> 64

    def shuffle(self, items):
        for i in range(len(items) - 1, 0, -1):
            j = self.next_int(i + 1)
            items[i], items[j] = items[j], items[i]


def float32(value):
    """The float32 value vlp compares its draws with."""
    return struct.unpack("f", struct.pack("f", value))[0]


class SessionData:
    """The pairs of data.safetensors (rows: the training split first, in vlp's order)."""

    def __init__(self, folder, config):
        path = f"{folder}/data.safetensors"
        try:
            tensors, _ = read_safetensors(path)
        except FileNotFoundError:
            raise SystemExit(f"{path}: missing: run `vlp export SESSION --pytorch {folder}` again")
        derived = config["derived"]
        self.pad, self.cls, self.mask_id = derived["padID"], derived["classID"], derived["maskID"]
        self.vocabulary = derived["vocabularySize"]
        self.text_ids = tensors["text_ids"].long()
        self.text_length = tensors["text_length"].long()
        self.image_values = tensors["image_values"].float()
        self.image_mask = tensors.get("image_mask")
        self.region_count = tensors["region_count"].long()
        self.region_labels = tensors.get("region_labels")
        self.image_key = tensors["image_key"].long()
        self.pair_index = tensors["pair_index"].long()
        self.continues_word = tensors["continues_word"].bool().tolist()
        self.train_count = int(derived["trainCount"])
        self.regions = config["model"]["imageInput"] == "regions"
        self.feature_width = derived["featureWidth"]

    def epoch_order(self, seed, epoch):
        """vlp's BatchOrder: a permutation of the training rows per epoch."""
        order = list(range(self.train_count))
        VlpRandom(derive(seed, "dataOrder", epoch)).shuffle(order)
        return order


def mask_tokens(ids, continues_word, maskable, probability, mask_id, vocabulary, random):
    """vlp's TokenMasking.mask over flat ids: whole words chosen with p, each piece 80/10/10.
    → (masked ids, positions, targets)."""
    p = float32(probability)
    masked, positions, targets = list(ids), [], []
    start = 0
    while start < len(ids):
        if not maskable(start):
            start += 1
            continue
        end = start + 1
        while end < len(ids) and maskable(end) and continues_word[ids[end]]:
            end += 1
        choose = random.next_float() < p
        for position in range(start, end):
            use_mask = random.next_float() < float32(0.8)
            use_random = random.next_float() < float32(0.5)
            random_id = random.next_int(vocabulary)
            if not choose:
                continue
            positions.append(position)
            targets.append(ids[position])
            if use_mask:
                masked[position] = mask_id
            elif use_random:
                masked[position] = random_id
        start = end
    return masked, positions, targets


def choose_vision(available, probability, random):
    """vlp's VisionMasking.choose: each item with p, at least one per image."""
    p = float32(probability)
    chosen = []
    for count in available:
        picked = [n for n in range(count) if random.next_float() < p]
        fallback = random.next_int(max(count, 1))
        if not picked and count > 0:
            picked = [fallback]
        chosen.append(picked)
    return chosen


def make_batch(data, rows, config, stream_index, device):
    """The ALBEF batch of `rows` with its MLM masks and MVM masking (when the session trains MVM),
    drawn from streams (seed, masking|visionMasking, stream_index)."""
    seed, objectives = int(config["seed"]), config["objectives"]
    rows_t = torch.tensor(rows)
    length = int(data.text_length[rows_t].max())
    ids = data.text_ids[rows_t, :length]
    flat = ids.reshape(-1).tolist()
    pad, cls = data.pad, data.cls
    masked, positions, targets = mask_tokens(
        flat, data.continues_word, lambda i: flat[i] != pad and flat[i] != cls,
        objectives.get("maskProbability", 0.15), data.mask_id, data.vocabulary,
        VlpRandom(derive(seed, "masking", stream_index)))
    batch = {
        "rows": rows,
        "pair_index": data.pair_index[rows_t].tolist(),
        "text_ids": ids.to(device),
        "text_mask": (torch.arange(length)[None] < data.text_length[rows_t][:, None]).float().to(device),
        "masked_ids": torch.tensor(masked).view(len(rows), length).to(device),
        "masked_positions": torch.tensor(positions, dtype=torch.long).to(device),
        "masked_targets": torch.tensor(targets, dtype=torch.long).to(device),
        "image_values": data.image_values[rows_t].to(device),
        "image_mask": None if data.image_mask is None else data.image_mask[rows_t].float().to(device),
        "image_key": data.image_key[rows_t].tolist(),
    }
    vision = None
    if any(objectives.get(k, 0) > 0 for k in ("mrfr", "mrc", "mrcKL", "mpr")):
        vision = mask_vision(data, rows_t, objectives, VlpRandom(derive(seed, "visionMasking", stream_index)), device)
    return batch, vision


def mask_vision(data, rows_t, objectives, random, device):
    values = data.image_values[rows_t]
    b, slots, width = values.shape
    available = data.region_count[rows_t].clamp(max=slots).tolist() if data.regions else [slots] * b
    chosen = choose_vision(available, objectives.get("mvmProbability", 0.15), random)
    feature_width = data.feature_width if data.regions else width
    keep = torch.ones(b, slots, width)
    indicator = torch.zeros(b, slots, 1)
    positions = [i * slots + n for i, picked in enumerate(chosen) for n in picked]
    for slot in positions:
        keep.view(-1, width)[slot, :feature_width] = 0
        indicator.view(-1, 1)[slot] = 1
    index = torch.tensor(positions, dtype=torch.long)
    vision = {
        "slots": slots,
        "positions": index.to(device),
        "keep": keep.to(device),
        "indicator": indicator.to(device),
        "features": values.reshape(-1, width)[index, :feature_width].to(device),
    }
    if data.region_labels is not None:
        vision["labels"] = data.region_labels[rows_t].reshape(-1)[index].clamp(min=0).long().to(device)
    return vision


def duplicates(batch, device):
    """(B, B) True where two rows show the same image or the same caption (never each other's
    ITM negative), the diagonal included."""
    keys = torch.tensor(batch["image_key"])
    ids = batch["text_ids"].cpu()
    same_caption = (ids[:, None, :] == ids[None, :, :]).all(-1)
    return ((keys[:, None] == keys[None, :]) | same_caption).to(device)


def load_config(folder):
    path = f"{folder}/config.json"
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        raise SystemExit(f"{path}: missing: export the session with `vlp export SESSION --pytorch {folder}`")
