"""Seeded mutations of a valid file, as a careless tool or a hostile user makes them."""

import random
import re

HUGE = [b"99999999999999999999999", b"18446744073709551616", b"-1", b"0", b"1e999", b"-1e999",
        b"NaN", b"9223372036854775807", b"4294967296", b"2147483648", b"1e-320", b"-0"]
WRONG = [b"null", b"true", b"[]", b"{}", b'""', b'"x"', b"[[[[", b"}}}}", b"\t\t\t", b",,,,"]


def mutate(data, seed):
    """One of a dozen damages, chosen and placed by `seed`; never the input unchanged."""
    rng = random.Random(seed)
    kind = seed % 12
    n = len(data)
    if n == 0:
        return b"\x00"
    at = rng.randrange(n)
    if kind == 0:  # truncated
        return data[: rng.randrange(n)]
    if kind == 1:  # bytes flipped
        out = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            out[rng.randrange(n)] ^= 1 << rng.randrange(8)
        return bytes(out)
    if kind == 2:  # a number made huge, negative or not finite
        numbers = list(re.finditer(rb"-?\d+(\.\d+)?([eE][-+]?\d+)?", data))
        if numbers:
            match = rng.choice(numbers)
            return data[: match.start()] + rng.choice(HUGE) + data[match.end():]
        return data[:at] + rng.choice(HUGE) + data[at:]
    if kind == 3:  # a value of the wrong type
        numbers = list(re.finditer(rb'"[^"\n]{0,40}"|-?\d+(\.\d+)?', data))
        if numbers:
            match = rng.choice(numbers)
            return data[: match.start()] + rng.choice(WRONG) + data[match.end():]
        return data[:at] + rng.choice(WRONG) + data[at:]
    if kind == 4:  # a range deleted
        end = min(n, at + rng.randint(1, 200))
        return data[:at] + data[end:]
    if kind == 5:  # a range duplicated
        end = min(n, at + rng.randint(1, 400))
        return data[:end] + data[at:end] * rng.randint(1, 50) + data[end:]
    if kind == 6:  # NUL, non-UTF-8 and line-break bytes
        junk = rng.choice([b"\x00", b"\xff\xfe", b"\xc3", b"\r", b"\r\n", b"\n\n\n", b"\x1b[2J"])
        return data[:at] + junk * rng.randint(1, 20) + data[at:]
    if kind == 7:  # deep nesting
        depth = rng.choice([100, 10_000, 200_000])
        return data[:at] + b"[" * depth + b"]" * rng.choice([0, depth]) + data[at:]
    if kind == 8:  # a long line
        return data[:at] + b"a" * rng.choice([70_000, 1_000_000, 8_000_000]) + data[at:]
    if kind == 9:  # a field separator multiplied or swapped
        for old, new in ((b"\t", b",\t"), (b",", b"\t\t"), (b":", b"::"), (b" ", b"\t")):
            if old in data:
                return data.replace(old, new, rng.randint(1, 50))
        return data[:at] + b"\t,;" + data[at:]
    if kind == 10:  # an unterminated string or quoted field
        return data[:at] + b'"' + data[at:].replace(b'"', b"'")
    # the file cut and its head repeated (a splice of itself)
    return data[:at] + data[: rng.randrange(n)]
