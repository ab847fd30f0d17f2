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


class Pairs:
    """What every data set of the trainer shares: rows are the training split first, in vlp's
    order, then the held-out pairs; `train_count` of them train."""

    def epoch_order(self, seed, epoch):
        """vlp's BatchOrder: a permutation of the training rows per epoch."""
        order = list(range(self.train_count))
        VlpRandom(derive(seed, "dataOrder", epoch)).shuffle(order)
        return order

    def image_inputs(self, rows, augmentation=None):
        """The encoder's inputs of `rows` → (values, region mask or None)."""
        return self.image_batch(rows, augmentation), None


class SessionData(Pairs):
    """The pairs of data.safetensors."""

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
        self.tensors = tensors
        # Absent for region folders: regionfiles.py reads the feature TSVs instead.
        self.image_values = tensors["image_values"].float() if "image_values" in tensors else None
        self.image_mask = tensors.get("image_mask")
        self.slots = None if self.image_values is None else self.image_values.shape[1]
        self.region_count = tensors["region_count"].long()
        self.region_labels = tensors.get("region_labels")
        self.image_key = tensors["image_key"].long()
        self.pair_index = tensors["pair_index"].long()
        self.pair_list = self.pair_index.tolist()
        self.continues_word = tensors["continues_word"].bool().tolist()
        self.train_count = int(derived["trainCount"])
        self.region_distributions = tensors.get("region_distributions")
        self.regions = config["model"]["imageInput"] == "regions"
        self.feature_width = derived["featureWidth"]
        self.special = {derived[k] for k in ("padID", "classID", "maskID", "separatorID", "unknownID") if k in derived}
        self.separator = derived.get("separatorID")
        self.augments = False
        if "caption_ids" in tensors:  # Oscar: the texts its batches are built from
            self.captions = unpad(tensors["caption_ids"], tensors["caption_count"])
            self.tags = unpad(tensors["tag_ids"], tensors["tag_count"])
            self.has_tags = tensors["has_tags"].bool().tolist()
        if "rewrite_ids" in tensors:  # CMCL: draws of rewritten captions per training pair
            self.rewrites = unpad(tensors["rewrite_ids"], tensors["rewrite_count"])
            self.rewrite_positive = tensors["rewrite_positive"].bool().tolist()
            self.rewrite_draws = len(self.rewrites) // (3 * self.train_count)

    def image_batch(self, rows, augmentation=None):
        return self.image_values[torch.tensor(rows)]

    def image_inputs(self, rows, augmentation=None):
        rows_t = torch.tensor(rows)
        return self.image_values[rows_t], None if self.image_mask is None else self.image_mask[rows_t].float()


def load_data(folder, config):
    """The variant's pairs: from the data set's own files when config.json has `data` (caption
    sources, realdata.py; region folders, regionfiles.py), else from data.safetensors."""
    if config.get("data", {}).get("source") == "oscar-tsv":
        from regionfiles import RegionFileData

        return RegionFileData(folder, config)
    if "data" in config:
        from realdata import CaptionData

        return CaptionData(folder, config)
    return SessionData(folder, config)


def unpad(ids, counts):
    """Rows of word-piece ids padded with -1 → a list of lists."""
    return [row[:n] for row, n in zip(ids.long().tolist(), counts.long().tolist())]


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


def make_batch(data, rows, config, stream_index, device, augment=False):
    """The ALBEF batch of `rows` with its MLM masks and MVM masking (when the session trains MVM),
    drawn from streams (seed, masking|visionMasking, stream_index). With `augment` and a data set
    that augments, the masking stream's first draw seeds the images' crops (vlp's albefBatch
    forks it before masking)."""
    seed, objectives = int(config["seed"]), config["objectives"]
    rows_t = torch.tensor(rows)
    length = int(data.text_length[rows_t].max())
    ids = data.text_ids[rows_t, :length]
    flat = ids.reshape(-1).tolist()
    pad, cls = data.pad, data.cls
    masking = VlpRandom(derive(seed, "masking", stream_index))
    augmentation = VlpRandom(masking.next()) if augment and data.augments else None
    images, image_mask = data.image_inputs(rows, augmentation)
    masked, positions, targets = mask_tokens(
        flat, data.continues_word, lambda i: flat[i] != pad and flat[i] != cls,
        objectives.get("maskProbability", 0.15), data.mask_id, data.vocabulary, masking)
    batch = {
        "rows": rows,
        "pair_index": data.pair_index[rows_t].tolist(),
        "text_ids": ids.to(device),
        "text_mask": (torch.arange(length)[None] < data.text_length[rows_t][:, None]).float().to(device),
        "masked_ids": torch.tensor(masked).view(len(rows), length).to(device),
        "masked_positions": torch.tensor(positions, dtype=torch.long).to(device),
        "masked_targets": torch.tensor(targets, dtype=torch.long).to(device),
        "image_values": images.to(device),
        "image_mask": None if image_mask is None else image_mask.to(device),
        "image_key": data.image_key[rows_t].tolist(),
    }
    if objectives.get("cmcl", 0) > 0:
        batch["rewrites"] = draw_rewrites(data, rows, VlpRandom(derive(seed, "rewriting", stream_index)), device)
    vision = None
    if any(objectives.get(k, 0) > 0 for k in ("mrfr", "mrc", "mrcKL", "mpr")):
        vision = mask_vision(data, rows_t, images, objectives,
                             VlpRandom(derive(seed, "visionMasking", stream_index)), device)
    return batch, vision


def draw_rewrites(data, rows, random, device):
    """CMCL's extra captions of a batch: for each row one of the draws the export made with vlp's
    rewriting (PyTorchRewritesExport), chosen from the rewriting stream; its paraphrase, retrieved
    caption and hard negative in vlp's order. → {ids, mask, owners, positive} or None."""
    if not hasattr(data, "rewrites"):
        raise SystemExit("objectives.cmcl needs the rewritten captions in data.safetensors: export the session "
                         "again with this vlp (`vlp export SESSION --pytorch DIR`)")
    texts, owners, positive = [], [], []
    for owner, row in enumerate(rows):
        first = (row * data.rewrite_draws + random.next_int(data.rewrite_draws)) * 3
        for slot in range(first, first + 3):
            if data.rewrites[slot]:
                texts.append(data.rewrites[slot])
                owners.append(owner)
                positive.append(data.rewrite_positive[slot])
    if not texts:
        return None
    length = max(len(t) for t in texts)
    ids = torch.tensor([t + [data.pad] * (length - len(t)) for t in texts])
    mask = (torch.arange(length)[None] < torch.tensor([len(t) for t in texts])[:, None]).float()
    return {"ids": ids.to(device), "mask": mask.to(device), "owners": torch.tensor(owners).to(device),
            "positive": torch.tensor(positive).to(device)}


def mask_vision(data, rows_t, values, objectives, random, device):
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
    if data.region_distributions is not None:
        classes = data.region_distributions.shape[-1]
        vision["distributions"] = data.region_distributions[rows_t].reshape(-1, classes)[index].float().to(device)
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


# Oscar ---------------------------------------------------------------------------------------

POLLUTION_NONE, POLLUTION_TAGS, POLLUTION_CAPTION, POLLUTION_TEXT_A = range(4)


def encode_pair(first, second, maximum_length, cls, sep):
    """vlp's Tokenizer.encodePair: trim the longer text (the caption on a tie) until both fit,
    then `[CLS] a [SEP] b [SEP]` with segments 0 / 1. `second` None: `[CLS] a [SEP]`."""
    first, second = list(first), None if second is None else list(second)
    budget = max(0, maximum_length - (2 if second is None else 3))
    while len(first) + (len(second) if second is not None else 0) > budget:
        if second is not None and len(second) > len(first):
            second.pop()
        else:
            first.pop()
    ids = [cls] + first + [sep]
    segments = [0] * len(ids)
    if second is not None:
        ids += second + [sep]
        segments += [1] * (len(second) + 1)
    return ids, segments


def pollution_label(kind, classes):
    """Class of the polluted-tag head: 0 matched, 1 tags or text_b polluted, the last class for a
    polluted caption (1 of 2 in vanilla Oscar, 2 of 3 with Oscar+'s caption pollution)."""
    return {POLLUTION_NONE: 0, POLLUTION_TAGS: 1, POLLUTION_CAPTION: 1, POLLUTION_TEXT_A: classes - 1}[kind]


def oscar_texts(data, rows, objectives, source, random):
    """vlp's oscarBatch pollution (Oscar's `random_sent`), draw for draw: three draws per sample
    (the pollution draw, the other pair, tags or caption), whatever they decide.
    → [(a ids, b ids or None, kind)]."""
    probability = float32(objectives.get("pollutionProbability", 0.5))
    caption_share = float32(objectives.get("captionPollutionProbability", 0))
    untagged_caption = objectives.get("untaggedPollution", "caption") == "caption"
    texts, pairs = [], data.pair_list
    for row in rows:
        a, b, b_present = data.captions[row], data.tags[row], data.has_tags[row]
        draw = random.next_float()
        position = random.next_int(len(source))
        if pairs[source[position]] == pairs[row]:
            position = (position + 1) % len(source)
        other = source[position]
        take_tags = random.next_float() < float32(0.5)
        kind = POLLUTION_NONE
        if draw < probability:
            if draw >= caption_share and b_present:
                kind = POLLUTION_TAGS if take_tags else POLLUTION_CAPTION
                b, b_present = (data.tags[other], data.has_tags[other]) if take_tags else (data.captions[other], True)
            elif draw < caption_share or untagged_caption:
                kind = POLLUTION_TEXT_A
                a = data.captions[other]
        texts.append((a, b if b_present else None, kind))
    return texts


def make_oscar_batch(data, rows, config, stream_index, device, texts=None, mask_probability=None):
    """The Oscar batch of `rows`: polluted texts (stream pollution), `[CLS] a [SEP] b [SEP]`, words
    and tags masked whole-word 80/10/10 from the same stream (special tokens never), the regions.
    `texts` replaces the polluted texts (evaluation's caption x image pairs)."""
    seed, objectives = int(config["seed"]), config["objectives"]
    random = VlpRandom(derive(seed, "pollution", stream_index))
    if texts is None:
        texts = oscar_texts(data, rows, objectives, list(range(data.train_count)), random)
    maximum = config["model"]["maximumTextLength"]
    encoded = [encode_pair(a, b, maximum, data.cls, data.separator) for a, b, _ in texts]
    length = max(len(ids) for ids, _ in encoded)
    flat, segments, mask = [], [], []
    for ids, segment in encoded:
        padding = length - len(ids)
        flat += ids + [data.pad] * padding
        segments += segment + [0] * padding
        mask += [1.0] * len(ids) + [0.0] * padding
    special = data.special
    probability = objectives.get("maskProbability", 0.15) if mask_probability is None else mask_probability
    masked, positions, targets = mask_tokens(
        flat, data.continues_word, lambda i: flat[i] not in special, probability, data.mask_id,
        data.vocabulary, random)
    rows_t = torch.tensor(rows)
    images, image_mask = data.image_inputs(rows)
    slots = data.slots
    sequence_positions = [(p // length) * (length + slots) + p % length for p in positions]
    classes = objectives.get("pollutionClasses", 2)
    shape = (len(rows), length)
    batch = {
        "rows": rows,
        "pair_index": data.pair_index[rows_t].tolist(),
        "text_ids": torch.tensor(flat).view(shape).to(device),
        "segments": torch.tensor(segments).view(shape).to(device),
        "text_mask": torch.tensor(mask).view(shape).to(device),
        "masked_ids": torch.tensor(masked).view(shape).to(device),
        "masked_positions": torch.tensor(sequence_positions, dtype=torch.long).to(device),
        "masked_targets": torch.tensor(targets, dtype=torch.long).to(device),
        "image_values": images.to(device),
        "image_mask": image_mask.to(device),
        "labels": torch.tensor([pollution_label(kind, classes) for _, _, kind in texts], dtype=torch.long).to(device),
    }
    vision = None
    if any(objectives.get(k, 0) > 0 for k in ("mrfr", "mrc", "mrcKL", "mpr")):
        vision = mask_vision(data, rows_t, images, objectives,
                             VlpRandom(derive(seed, "visionMasking", stream_index)), device)
    return batch, vision
