"""Reference values for Imaging's area resize (Tests/ImagingTests/ResizeReferenceTests.swift).

Computed independently of the Swift code's overlap weights: the region (white where it lies
outside the image) is enlarged by pixel repetition to (out_h * region_h, out_w * region_w), a
size both grids divide exactly, and each output pixel is the plain mean of its block. That is
exact area averaging by construction.

Run: python3 Tests/Fixtures/imaging_resize_reference.py > Tests/Fixtures/imaging_resize_reference.json
"""
import json

import numpy as np


def area_resize(pixels, region, out_w, out_h):
    x, y, w, h = region
    height, width, _ = pixels.shape
    virtual = np.ones((h, w, 3))
    for row in range(h):
        for column in range(w):
            sy, sx = y + row, x + column
            if 0 <= sy < height and 0 <= sx < width:
                virtual[row, column] = pixels[sy, sx]
    fine = np.repeat(np.repeat(virtual, out_h, axis=0), out_w, axis=1)
    return fine.reshape(out_h, h, out_w, w, 3).mean(axis=(1, 3))


def main():
    rng = np.random.default_rng(15)
    cases = []
    specs = [
        ("shrink 7x5 crop to 3x3", 7, 5, "crop", 3, 3),
        ("shrink 7x5 pad to 4x4", 7, 5, "pad", 4, 4),
        ("enlarge 3x2 crop to 5x5", 3, 2, "crop", 5, 5),
        ("enlarge 2x3 pad to 5x5", 2, 3, "pad", 5, 5),
        ("region 9x6 to 4x3", 9, 6, (2, 1, 6, 4), 4, 3),
        ("region partly outside 4x4 to 3x2", 4, 4, (-1, 2, 5, 3), 3, 2),
        ("odd 13x11 crop to 7x7", 13, 11, "crop", 7, 7),
    ]
    for name, width, height, fit, out_w, out_h in specs:
        data = rng.integers(0, 256, size=(height, width, 3))
        if fit == "crop" or fit == "pad":
            side = min(width, height) if fit == "crop" else max(width, height)
            # Centred, rounding the offset toward zero as Swift's integer division does.
            region = (int((width - side) / 2), int((height - side) / 2), side, side)
        else:
            region = fit
        expected = area_resize(data / 255.0, region, out_w, out_h)
        cases.append({
            "name": name, "width": width, "height": height,
            "bytes": data.reshape(-1).tolist(),
            "fit": fit if isinstance(fit, str) else None,
            "region": list(region), "outWidth": out_w, "outHeight": out_h,
            "expected": [round(float(v), 9) for v in expected.reshape(-1)],
        })
    print(json.dumps({"numpy": np.__version__, "cases": cases}))


main()
