"""Reference values for DropoutMask (Sources/Tensor/Kernels/DropoutKernel.swift), written
independently of the Swift code: two rounds of the lowbias32 finaliser (shifts 16, 15, 15;
multipliers 0x21f0aaad, 0x735a2d97), the key's low word added before the first round, its
high word xored in before the second; dropped when the top 24 bits are below ceil(p 2^24).

    python3 Tests/Fixtures/dropout/dropout_mask.py

prints the Swift literals pinned in Tests/TensorTests/DropoutTests.swift.
"""
import math

M = 0xFFFFFFFF


def round32(x):
    x ^= x >> 16
    x = (x * 0x21F0AAAD) & M
    x ^= x >> 15
    x = (x * 0x735A2D97) & M
    x ^= x >> 15
    return x


def uniform24(key, index):
    low, high = key & M, key >> 32
    return round32(round32((index + low) & M) ^ high) >> 8


def dropped(key, index, p):
    return uniform24(key, index) < math.ceil(p * 2**24)


# The first draw of RandomGenerator(seed: 42) (RandomTests.pinnedSeed42[0]).
KEY = 1546998764402558742
print("uniforms (key, indices 0..7, 2^32 - 2, 2^32 - 1):",
      [uniform24(KEY, i) for i in list(range(8)) + [2**32 - 2, 2**32 - 1]])
print("dropped at p = 0.25, indices 0..<35:",
      "".join("1" if dropped(KEY, i, 0.25) else "0" for i in range(35)))
