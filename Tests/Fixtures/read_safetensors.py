#!/usr/bin/env python3
"""Reads a safetensors file with only numpy and the standard library, as a user without vlp
(or without the safetensors package) would, and prints what it holds as JSON:

    {"metadata": {...}, "tensors": [{"name", "dtype", "shape", "bits", "first", "sum"}, ...]}

`bits` are the float32 values' IEEE bit patterns (uint32) in row-major order, so a caller can
compare them exactly (NaN and -0.0 included, which JSON floats cannot carry); `first` and `sum`
are for people reading the output. Exits with status 1 and a message on stderr when the file
is malformed. Used by Tests/NNTests/CheckpointTests.swift; run it by hand as

    python3 Tests/Fixtures/read_safetensors.py checkpoints/step-100.safetensors
"""
import json
import struct
import sys

import numpy as np

DTYPES = {"F32": "<f4", "F64": "<f8", "F16": "<f2", "I32": "<i4", "I64": "<i8", "U8": "u1"}


def fail(path, message):
    print(f"{path}: {message}", file=sys.stderr)
    sys.exit(1)


def read(path):
    with open(path, "rb") as file:
        blob = file.read()
    if len(blob) < 8:
        fail(path, "shorter than the 8-byte header length")
    (header_length,) = struct.unpack("<Q", blob[:8])
    if header_length > len(blob) - 8:
        fail(path, f"header length {header_length} exceeds the file")
    try:
        header = json.loads(blob[8 : 8 + header_length].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        fail(path, f"header is not UTF-8 JSON: {error}")
    if not isinstance(header, dict):
        fail(path, "header is not a JSON object")
    metadata = header.pop("__metadata__", {})
    data = blob[8 + header_length :]
    tensors = []
    covered = 0
    for name, entry in sorted(header.items(), key=lambda item: item[1]["data_offsets"][0]):
        begin, end = entry["data_offsets"]
        if begin != covered or end > len(data):
            fail(path, f'tensor "{name}": data_offsets {entry["data_offsets"]} do not tile the data')
        covered = end
        dtype = np.dtype(DTYPES[entry["dtype"]])
        array = np.frombuffer(data, dtype=dtype, count=(end - begin) // dtype.itemsize, offset=begin)
        array = array.reshape(entry["shape"])  # raises when the shape does not fit the bytes
        flat = array.astype("<f4").ravel()
        tensors.append(
            {
                "name": name,
                "dtype": entry["dtype"],
                "shape": list(array.shape),
                "bits": flat.view("<u4").tolist(),
                "first": [repr(float(value)) for value in flat[:4]],
                "sum": repr(float(np.sum(flat[np.isfinite(flat)], dtype=np.float64))),
            }
        )
    if covered != len(data):
        fail(path, f"{len(data) - covered} bytes after the last tensor")
    return {"metadata": metadata, "tensors": sorted(tensors, key=lambda tensor: tensor["name"])}


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: read_safetensors.py FILE.safetensors", file=sys.stderr)
        sys.exit(2)
    try:
        print(json.dumps(read(sys.argv[1])))
    except (KeyError, ValueError, TypeError) as error:
        fail(sys.argv[1], f"malformed entry: {error}")
