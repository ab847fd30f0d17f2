"""A session on caption files (data.source json, karpathy or coco), read from those files as vlp
reads them (Sources/VLP/Corpus/CorpusLoader.swift, CaptionFiles.swift): `vlp export --pytorch`
records their absolute paths in config.json's `data` and writes the session's vocab.txt; nothing
of the data set is copied.

- Pairs: one per caption, in vlp's order (the train list, then val, then test; Karpathy's
  file order with restval training). An image is looked up in the image folder, then in its
  subfolders in name order. Rows are the training pairs, then the first caption of each test
  image (what vlp scores retrieval on), as in data.safetensors.
- Text: `[CLS] caption [SEP]` through the session's WordPiece vocabulary (tokenizer.py).
- Images: decoded with Pillow, squared (`data.fit`) and area-resized to the side vlp's image
  cache keeps (stored as bytes, as the cache does), then resized to the model's side or, when
  training with `data.augmentation`, cropped and flipped as vlp's ImageAugmentation chooses from
  the same random stream (torchvision's RandomResizedCrop(0.5-1) parameters, then a mirror with
  p 0.5). The resizing is vlp's exact area averaging (Sources/Imaging/ImageResizing.swift).
  Pixels go in [0, 1] and the patches centred on 0, as vlp's PretrainingData.patches.
The decoders differ (Pillow's against libjpeg/libpng): PNG pixels agree with vlp's to float
rounding, JPEG pixels to the decoders' differences; the crops and flips are the same draws.
"""

import functools
import json
import math
import os

import torch

from data import Pairs
from tokenizer import WordPieceTokenizer, read_vocabulary

MASK64 = (1 << 64) - 1
SPLITS = {"train": "train", "restval": "train", "val": "validation", "test": "test"}


# Augmentation --------------------------------------------------------------------------------

class SplitMix64:
    """Imaging's SplitMix64 (Sources/Imaging/ImageAugmentation.swift)."""

    def __init__(self, seed):
        self.state = seed & MASK64

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def uniform(self, low, high):
        return low + (self.next() >> 11) * 2.0**-53 * (high - low)

    def integer(self, bound):
        threshold = ((1 << 64) - bound) % bound
        while True:
            value = self.next()
            if value >= threshold:
                return value % bound


def rounded(x):
    """Swift's `rounded()`: halves away from zero (Python's round() rounds them to even)."""
    return int(math.floor(x + 0.5)) if x >= 0 else -int(math.floor(-x + 0.5))


def augmentation_choice(width, height, seed, scale=(0.5, 1.0), ratio=(0.75, 4.0 / 3), flip=0.5):
    """ImageAugmentation.choice: torchvision's RandomResizedCrop.get_params, draw for draw.
    → ((x, y, width, height), flipped)."""
    random = SplitMix64(seed)
    area = float(width * height)
    log_low, log_high = math.log(ratio[0]), math.log(ratio[1])
    for _ in range(10):
        target = area * random.uniform(*scale)
        aspect = math.exp(random.uniform(log_low, log_high))
        w, h = rounded(math.sqrt(target * aspect)), rounded(math.sqrt(target / aspect))
        if 0 < w <= width and 0 < h <= height:
            y = random.integer(height - h + 1)
            x = random.integer(width - w + 1)
            return (x, y, w, h), random.uniform(0, 1) < flip
    w, h = width, height
    if width / height < ratio[0]:
        h = rounded(width / ratio[0])
    elif width / height > ratio[1]:
        w = rounded(height * ratio[1])
    return (int((width - w) / 2), int((height - h) / 2), w, h), random.uniform(0, 1) < flip


# Resizing ------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1024)
def area_weights(source_count, origin, span, count):
    """Imaging's ImageResizing.taps as a matrix: output i of `count` covers source coordinates
    [origin + i·span/count, origin + (i+1)·span/count), each source pixel weighted by its overlap;
    the weight falling outside the source (white) apart. → ((count, source_count), (count,))."""
    weights = torch.zeros(count, source_count)
    white = torch.zeros(count)
    for output in range(count):
        start, end = output * span, output * span + span  # in units of 1 / count pixel
        for pixel in range(start // count, (end - 1) // count + 1):
            overlap = min(end, (pixel + 1) * count) - max(start, pixel * count)
            if overlap <= 0:
                continue
            source = origin + pixel
            if 0 <= source < source_count:
                weights[output, source] += overlap / span
            else:
                white[output] += overlap / span
    return weights, white


def area_resize(pixels, region, width, height):
    """vlp's ImageResizing.resize: the pixels (H, W, 3) of region (x, y, w, h), white outside the
    image, resized to (height, width, 3) by exact area averaging, rows first."""
    x, y, w, h = region
    columns, column_white = area_weights(pixels.shape[1], x, w, width)
    rows, row_white = area_weights(pixels.shape[0], y, h, height)
    across = torch.einsum("xw,hwc->hxc", columns, pixels) + column_white[None, :, None]
    return torch.einsum("yh,hxc->yxc", rows, across) + row_white[:, None, None]


def square_region(width, height, fit):
    """ImageRegion.square: the centred square an image becomes under `fit` (crop or pad)."""
    side = min(width, height) if fit == "crop" else max(width, height)
    return int((width - side) / 2), int((height - side) / 2), side, side


# Files ---------------------------------------------------------------------------------------

def read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise SystemExit(f"{path}: missing (config.json's data names it): put the file back or export again")


def caption_records(data):
    """[(image name, caption, split)] in vlp's order; entries vlp would refuse are left out (the
    pair counts are checked against the export's afterwards)."""
    source = data["source"]
    records = []
    if source == "karpathy":
        for image in read_json(data["file"]).get("images", []):
            split = SPLITS.get(image.get("split"))
            name = os.path.join(image.get("filepath", ""), image.get("filename", ""))
            for sentence in image.get("sentences", []) if split and image.get("filename") else []:
                records += captions_of(name, sentence.get("raw") if isinstance(sentence, dict) else None, split)
        return records
    keys = (("train", "train"), ("val", "validation"), ("test", "test"))
    for key, split in keys:
        if key not in data:
            continue
        document = read_json(data[key])
        if source == "coco":
            files = {image["id"]: image["file_name"] for image in document.get("images", [])}
            for annotation in document.get("annotations", []):
                if annotation.get("image_id") in files:
                    records += captions_of(files[annotation["image_id"]], annotation.get("caption"), split)
        else:
            for entry in document if isinstance(document, list) else []:
                if isinstance(entry, dict) and isinstance(entry.get("image"), str) and entry["image"]:
                    value = entry.get("caption")
                    for caption in value if isinstance(value, list) else [value]:
                        records += captions_of(entry["image"], caption, split)
    return records


def captions_of(image, caption, split):
    return [(image, caption, split)] if isinstance(caption, str) and caption.strip() else []


def image_folders(folder):
    """The image folder, then its subfolders in name order (vlp's CorpusLoader.imageFolders)."""
    names = sorted(n for n in os.listdir(folder) if not n.startswith(".") and os.path.isdir(os.path.join(folder, n)))
    return [folder] + [os.path.join(folder, n) for n in names]


# The data set --------------------------------------------------------------------------------

class CaptionData(Pairs):
    """The pairs of a caption data set with the attributes make_batch reads (as SessionData)."""

    def __init__(self, folder, config):
        data, derived, model = config["data"], config["derived"], config["model"]
        self.files = data
        self.tokenizer = WordPieceTokenizer(read_vocabulary(os.path.join(folder, data["vocabulary"])))
        self.pad, self.cls, self.mask_id = derived["padID"], derived["classID"], derived["maskID"]
        self.separator = derived["separatorID"]
        self.vocabulary = derived["vocabularySize"]
        continues = self.tokenizer.continues_word()
        self.continues_word = continues + [False] * (self.vocabulary - len(continues))
        self.image_size, self.patch_size = model["imageSize"], model["patchSize"]
        self.side = data.get("imageCacheSide", self.image_size)
        self.fit = data.get("fit", "crop")
        self.augments = bool(data.get("augmentation", 0))
        self.regions, self.image_mask, self.region_labels, self.region_distributions = False, None, None, None
        self.feature_width = derived["patchValues"]

        folders = image_folders(data["images"])
        paths, index_of, pairs = [], {}, []
        for name, caption, split in caption_records(data):
            candidates = [os.path.join(f, name) for f in folders]
            path = next((c for c in candidates if c in index_of), None) \
                or next((c for c in candidates if os.path.exists(c)), None)
            if path is None:
                continue  # vlp refuses a missing image, or skips it with skipInvalid
            if path not in index_of:
                index_of[path] = len(paths)
                paths.append(path)
            pairs.append((index_of[path], caption, split))
        self.paths = paths
        train = [i for i, (_, _, split) in enumerate(pairs) if split == "train"]
        seen, test = set(), []
        for i, (image, _, split) in enumerate(pairs):
            if split == "test" and image not in seen:
                seen.add(image)
                test.append(i)
        expected = (derived["trainCount"], derived["testCount"])
        if (len(train), len(test)) != expected:
            raise SystemExit(
                f"{data.get('train') or data.get('file')}: {len(train)} training and {len(test)} scored test pairs, "
                f"but vlp exported {expected[0]} and {expected[1]}: the files changed since the export "
                "(or images could not be decoded): run `vlp export SESSION --pytorch DIR` again")
        rows = train + test
        self.train_count = len(train)
        self.pair_list = rows
        self.pair_index = torch.tensor(rows)
        self.image_key = torch.tensor([pairs[i][0] for i in rows])
        self.image_of_row = [pairs[i][0] for i in rows]
        maximum = model["maximumTextLength"]
        sequences = [self.sequence(pairs[i][1], maximum) for i in rows]
        length = max(len(s) for s in sequences)
        self.text_ids = torch.full((len(rows), length), self.pad, dtype=torch.long)
        for r, s in enumerate(sequences):
            self.text_ids[r, :len(s)] = torch.tensor(s)
        self.text_length = torch.tensor([len(s) for s in sequences])
        slots = (self.image_size // self.patch_size) ** 2
        self.region_count = torch.full((len(rows),), slots, dtype=torch.long)
        self.special = {derived[k] for k in ("padID", "classID", "maskID", "separatorID", "unknownID")}

    def sequence(self, caption, maximum):
        """vlp's captionSequences: `[CLS] caption [SEP]` in at most `maximum` tokens."""
        ids = self.tokenizer.encode(caption)[:max(0, maximum - 2)]
        return [self.cls] + ids + [self.separator]

    @functools.lru_cache(maxsize=4096)
    def square(self, image):
        """Image `image` as vlp's image cache keeps it: squared by `fit`, area-resized to `side`,
        stored as bytes (rounded half away from zero). → (side, side, 3) floats in [0, 1]."""
        try:
            from PIL import Image
        except ImportError:
            raise SystemExit("reading the session's images needs Pillow: pip install pillow (in this venv)")
        path = self.paths[image]
        try:
            with Image.open(path) as opened:
                picture = opened.convert("RGB")
        except OSError as error:
            raise SystemExit(f"{path}: cannot decode the image: {error}")
        w, h = picture.size
        pixels = torch.frombuffer(bytearray(picture.tobytes()), dtype=torch.uint8).view(h, w, 3).float() / 255
        square = area_resize(pixels, square_region(w, h, self.fit), self.side, self.side)
        return torch.floor(square.clamp(0, 1) * 255 + 0.5) / 255

    def pixels(self, row, augmentation=None):
        """(size, size, 3) floats in [0, 1]; `augmentation` (a VlpRandom) gives the crop's seed."""
        square, size = self.square(self.image_of_row[row]), self.image_size
        if augmentation is not None:
            region, flipped = augmentation_choice(self.side, self.side, augmentation.next())
            square = area_resize(square, region, size, size)
            return square.flip(1) if flipped else square
        if self.side != size:
            return area_resize(square, (0, 0, self.side, self.side), size, size)
        return square

    def image_batch(self, rows, augmentation=None):
        """(B, P, 3·p·p) patches centred on 0, row-major; inside a patch (y, x, channel)."""
        n, p = self.image_size // self.patch_size, self.patch_size
        images = torch.stack([self.pixels(r, augmentation) for r in rows]) - 0.5
        return images.view(len(rows), n, p, n, p, 3).permute(0, 1, 3, 2, 4, 5).reshape(len(rows), n * n, p * p * 3)
