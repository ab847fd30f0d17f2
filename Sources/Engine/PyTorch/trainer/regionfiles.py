"""A session on Oscar / VinVL region folders (data.source oscar-tsv): the regions read from the
feature TSVs themselves, a row at a time, as vlp reads them (Sources/VLP/Data/Regions).

`vlp export --pytorch` writes the small part into data.safetensors: the pairs vlp selected, in
its order (training split, then the held-out pairs), their captions and tag texts tokenised,
region counts and classes, and where each pair's regions are (`feature_file`, `feature_row`).
config.json's `data.featureFiles` names each feature TSV by its absolute path, with its row
count, floats per region and the `.lineidx` vlp keeps for it.

- Rows are found through that line index (Oscar's `.lineidx`: one decimal byte offset a line)
  when it is at least as new as the TSV and has the right count, else by one scan of the file.
- A row is `image_id \\t num_boxes \\t base64` (Oscar's pretraining files) or
  `image_id \\t {"num_boxes": N, "features": base64}` (VinVL's captioning files); the base64 holds
  N x width little-endian float32 values, features then the 6 box values (x1/w, y1/h, x2/w,
  y2/h, box w/w, box h/h), as VinVL writes them.
- A pair's regions are its first `model.maximumRegions` boxes, zero-padded, with the mask of the
  real ones; an image without boxes keeps one zero region unmasked (vlp's PretrainingData.regions).
"""

import base64
import functools
import json
import os

import torch

from data import SessionData

CHUNK = 1 << 20


def line_offsets(path, index_path, rows):
    """The byte offset of every row: from `index_path` when it is as new as the TSV and fits it,
    else from one scan (a final newline starts no row, as Oscar's generate_lineidx_file)."""
    size = os.path.getsize(path)
    if index_path and os.path.exists(index_path) and os.path.getmtime(index_path) >= os.path.getmtime(path):
        with open(index_path) as f:
            offsets = [int(line) for line in f if line.strip()]
        if len(offsets) == rows and (not offsets or offsets[0] == 0) and all(o < size for o in offsets):
            return offsets + [size]
    offsets, position, at_start = [], 0, True
    with open(path, "rb") as f:
        while True:
            chunk = f.read(CHUNK)
            if not chunk:
                break
            if at_start:
                offsets.append(position)
            ends = (torch.frombuffer(bytearray(chunk), dtype=torch.uint8) == 10).nonzero().flatten().tolist()
            offsets += [position + end + 1 for end in ends]
            position += len(chunk)
            at_start = False
            if offsets and offsets[-1] == position:  # the chunk ended a line: the next starts a row
                offsets.pop()
                at_start = True
    if len(offsets) != rows:
        raise SystemExit(f"{path}: {len(offsets)} rows, but vlp exported {rows}: the file changed since "
                         "the export: run `vlp export SESSION --pytorch DIR` again")
    return offsets + [size]


class FeatureTSV:
    """One feature TSV, read a row at a time with os.pread (each process opens its own handle)."""

    def __init__(self, spec):
        self.path, self.width, rows = spec["path"], int(spec["width"]), int(spec["rows"])
        if not os.path.isfile(self.path):
            raise SystemExit(f"{self.path}: missing (config.json's data.featureFiles names it): put the file back "
                             "or export again")
        self.offsets = line_offsets(self.path, spec.get("lineIndex"), rows)
        self.descriptor, self.owner = None, None

    def problem(self, row, reason):
        return SystemExit(f"{self.path}:{row + 1}: {reason}")

    def row_bytes(self, row):
        if self.owner != os.getpid():  # a forked worker gets its own descriptor
            self.descriptor, self.owner = os.open(self.path, os.O_RDONLY), os.getpid()
        start, end = self.offsets[row], self.offsets[row + 1]
        data = os.pread(self.descriptor, end - start, start)
        if data.endswith(b"\n"):
            data = data[:-1]
        if data.endswith(b"\r"):
            data = data[:-1]
        return data

    def read(self, row, limit):
        """The row's first `limit` boxes → (box count in the file, (min(count, limit), width))."""
        columns = self.row_bytes(row).split(b"\t")
        if len(columns) == 3:
            count, text = columns[1], columns[2]
        elif len(columns) == 2:
            try:
                entry = json.loads(columns[1])
                count, text = entry["num_boxes"], entry["features"].encode()
            except (ValueError, KeyError, TypeError, AttributeError):
                raise self.problem(row, 'second column must be a JSON object with "num_boxes" and "features"')
        else:
            raise self.problem(row, f"expected 3 tab-separated columns (image_id, num_boxes, base64) or 2, "
                                    f"found {len(columns)}")
        try:
            count = int(count)
            raw = base64.b64decode(text, validate=True)
        except ValueError:
            raise self.problem(row, "num_boxes is not a count or the features are not valid base64")
        if count < 0 or len(raw) != count * self.width * 4:
            raise self.problem(row, f"num_boxes is {count}, so {count} x {self.width} float32 values are expected; "
                                    f"found {len(raw) / 4:g}")
        kept = min(count, limit)
        if kept == 0:
            return count, torch.zeros(0, self.width)
        values = torch.frombuffer(bytearray(raw[:kept * self.width * 4]), dtype=torch.float32)
        return count, values.view(kept, self.width)


class RegionFileData(SessionData):
    """The pairs of data.safetensors, their regions read from the feature TSVs."""

    def __init__(self, folder, config):
        super().__init__(folder, config)
        self.files = [FeatureTSV(spec) for spec in config["data"]["featureFiles"]]
        self.slots = config["model"]["maximumRegions"]
        tensors = self.tensors
        self.feature_file = tensors["feature_file"].long().tolist()
        self.feature_row = tensors["feature_row"].long().tolist()
        self.regions = True

    @functools.lru_cache(maxsize=512)
    def row_regions(self, file, row):
        return self.files[file].read(row, self.slots)

    def image_inputs(self, rows, augmentation=None):
        """(B, R, width) region inputs and the (B, R) mask of real regions."""
        width = self.files[0].width if self.files else 0
        values = torch.zeros(len(rows), self.slots, width)
        mask = torch.zeros(len(rows), self.slots)
        for b, row in enumerate(rows):
            _, block = self.row_regions(self.feature_file[row], self.feature_row[row])
            values[b, :len(block)] = block
            mask[b, :len(block)] = 1
            if len(block) == 0:
                mask[b, 0] = 1  # attention always has a key
        return values, mask
