"""Crafted data files: caption files (COCO, Karpathy, JSON lists), Oscar/VinVL folders,
images, npy/csv for `vlp tsne --input`, vocab files, event files; read by `vlp data inspect`,
`vlp data show`, `vlp tsne --input`, `vlp watch` and by training itself (CorpusLoader)."""

import json
import os
import struct

from cases_config import TINY, session
from harness import judge
from mutate import mutate

SPECIAL = {"a folder": "dir", "/dev/zero": "/dev/zero", "/dev/urandom": "/dev/urandom",
           "/dev/null": "/dev/null", "an empty file": b"", "a FIFO": "fifo",
           "a dangling link": "dangling"}


def place(ws, relative, kind):
    """Puts a special file at `relative`."""
    path = ws.file(relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.lexists(path):
        if os.path.isdir(path) and not os.path.islink(path):
            import shutil
            shutil.rmtree(path)
        else:
            os.remove(path)
    if kind == "dir":
        os.makedirs(path)
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "dangling":
        os.symlink("nowhere", path)
    elif isinstance(kind, bytes):
        open(path, "wb").write(kind)
    else:
        os.symlink(kind, path)
    return path


def files_under(folder, suffixes):
    found = []
    for root, _, names in os.walk(folder):
        for name in sorted(names):
            if name.endswith(suffixes):
                found.append(os.path.relpath(os.path.join(root, name), folder))
    return sorted(found)


def npy(shape, dtype="<f4", body=None, version=1, header=None):
    text = header or "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (dtype, shape)
    text = text + " " * ((64 - (10 + len(text) + 1) % 64) % 64) + "\n"
    prefix = b"\x93NUMPY" + bytes([version, 0])
    length = struct.pack("<H", len(text)) if version == 1 else struct.pack("<I", len(text))
    return prefix + length + text.encode("latin-1") + (body or b"")


CRAFTED_NPY = {
    "shape product overflows": npy("(4294967296, 4294967297)"),
    "huge shape, no data": npy("(100000000, 1000)"),
    "negative dimension": npy("(-5, 3)"),
    "zero rows": npy("(0, 3)"),
    "zero columns": npy("(5, 0)"),
    "one dimension": npy("(12,)", body=b"\0" * 48),
    "three dimensions": npy("(2, 3, 2)", body=b"\0" * 48),
    "scalar": npy("()", body=b"\0" * 4),
    "fortran order": npy("(3, 2)", header="{'descr': '<f4', 'fortran_order': True, 'shape': (3, 2), }",
                         body=b"\0" * 24),
    "int64 data": npy("(3, 2)", dtype="<i8", body=b"\0" * 48),
    "big-endian float": npy("(3, 2)", dtype=">f4", body=b"\0" * 24),
    "object dtype": npy("(3, 2)", dtype="|O", body=b"\0" * 48),
    "header length past the file": b"\x93NUMPY\x01\x00\xff\xff{'descr'",
    "version 3 header": npy("(3, 2)", version=3, body=b"\0" * 24),
    "version 2 huge header length": b"\x93NUMPY\x02\x00\xff\xff\xff\xff{",
    "header without closing brace": b"\x93NUMPY\x01\x00\x40\x00" + b"{'descr': '<f4', 'shape': (3, 2" + b" " * 33 + b"\n",
    "header of spaces": b"\x93NUMPY\x01\x00\x40\x00" + b" " * 63 + b"\n",
    "header unterminated string": npy("(3, 2)", header="{'descr': '<f4, 'fortran_order': False, 'shape': (3, 2), }"),
    "nested tuple shape": npy("((3, 2), 2)"),
    "shape with letters": npy("(3a, 2)"),
    "shape with huge digits": npy("(" + "9" * 400 + ", 2)"),
    "unclosed shape": npy("(3, 2", body=b"\0" * 24),
    "data shorter than the shape": npy("(100, 4)", body=b"\0" * 40),
    "NaN data": npy("(8, 2)", body=struct.pack("<16f", *([float("nan")] * 16))),
    "infinite data": npy("(8, 2)", body=struct.pack("<16f", *([float("inf")] * 16))),
    "one point": npy("(1, 2)", body=b"\0" * 8),
    "two equal points": npy("(2, 2)", body=b"\0" * 16),
    "magic only": b"\x93NUMPY",
    "wrong magic": b"\x93NUMPZ\x01\x00" + b"\0" * 100,
}

CRAFTED_CSV = {
    "endless quoted field": b'1,2,3\n"4,5,6\n7,8,9\n' + b"1,2,3\n" * 50,
    "only a header": b"a,b,c\n",
    "semicolons": b"1;2;3\n4;5;6\n7;8;9\n" * 10,
    "mixed separators": b"1,2\t3\n4\t5,6\n" * 10,
    "ragged rows": b"1,2,3\n4,5\n6\n" * 10,
    "empty fields": b",,\n,,\n" * 10,
    "CR only line ends": b"1,2\r3,4\r5,6\r" * 10,
    "spaces around values": b" 1 , 2 \n 3 , 4 \n" * 10,
    "NaN and inf": b"nan,inf\n-inf,1\n" * 10,
    "huge numbers": b"1e999,2\n3,-1e999\n" * 10,
    "hex floats": b"0x1p3,2\n3,4\n" * 10,
    "one column": b"1\n2\n3\n4\n5\n6\n",
    "a million columns": b",".join([b"1"] * 1_000_000) + b"\n",
    "no newline at end": b"1,2\n3,4\n5,6",
    "NUL bytes": b"1,2\x00\n3,4\n" * 10,
    "BOM": b"\xef\xbb\xbf1,2\n3,4\n5,6\n" * 5,
    "only newlines": b"\n" * 100000,
    "only separators": b",,,,,,,,,,\n" * 100,
    "quote in the middle": b'1,2"3\n4,5\n' * 10,
    "escaped quotes": b'"1""",2\n3,4\n' * 10,
    "trailing separator": b"1,2,\n3,4,\n5,6,\n" * 5,
    "pipe separated": b"1|2|3\n4|5|6\n" * 10,
    "very long number": b"1" * 100000 + b",2\n3,4\n",
}


def cases(fx):
    out = []

    def add(family, name, fn):
        out.append((family, name, fn))

    def mutated_folder(family, fixture, suffixes, count, command, names_extra=()):
        folder = os.path.join(fx, fixture)
        files = files_under(folder, suffixes)
        for seed in range(count):
            relative = files[seed % len(files)]
            def fn(ws, seed=seed, relative=relative):
                ws.copy_fixture(fixture, "d")
                path = ws.file(os.path.join("d", relative))
                data = open(path, "rb").read()
                open(path, "wb").write(mutate(data, seed * 31 + 7))
                result = ws.run(*command(ws), timeout=60)
                return judge(result, "any", names=(os.path.basename(relative), "d/") + names_extra)
            add(family, f"{fixture}/{relative} mutated seed {seed * 31 + 7}", fn)
        for title, kind in SPECIAL.items():
            relative = files[len(title) % len(files)]
            def fn(ws, relative=relative, kind=kind):
                ws.copy_fixture(fixture, "d")
                place(ws, os.path.join("d", relative), kind)
                return judge(ws.run(*command(ws), timeout=60), "any",
                             names=(os.path.basename(relative), "d/") + names_extra)
            add(family, f"{fixture}/{relative} is {title}", fn)

    inspect = lambda ws: ("data", "inspect", "d")
    mutated_folder("coco", "coco", (".json",), 30, inspect)
    mutated_folder("karpathy", "karpathy", (".json",), 20,
                   lambda ws: ("data", "inspect", "d/dataset_coco.json"))
    mutated_folder("json-list", "jsonlist", (".json",), 20,
                   lambda ws: ("data", "inspect", "d/train.json"))
    mutated_folder("oscar", "oscar", (".tsv", ".json", ".txt", ".lineidx"), 50, inspect)
    mutated_folder("vocab", "vocabfolder", ("vocab.txt",), 16, lambda ws: ("data", "inspect", "d/vocab.txt"))

    # Training reads caption files through CorpusLoader, not the inspector.
    def train_on(kind):
        def command(ws):
            data = {"source": "json", "images": "../../d/images", "train": "../../d/train.json",
                    "test": "../../d/test.json"}
            if kind == "coco":
                data = {"source": "coco", "images": "../../d/images",
                        "train": "../../d/annotations/captions_train.json",
                        "test": "../../d/annotations/captions_test.json"}
            config = dict(TINY, data=data)
            config["model"] = dict(TINY["model"], imageSize=16)
            session(ws, config=config)
            return ("run", "s", "--steps", "2")
        return command
    mutated_folder("train-json", "jsonlist", (".json",), 16, train_on("json"),
                   names_extra=("data.", "session.json"))
    mutated_folder("train-coco", "coco", (".json",), 16, train_on("coco"),
                   names_extra=("data.", "session.json"))
    mutated_folder("train-oscar", "oscar", (".tsv",), 12, lambda ws: (
        session(ws, config=dict(TINY, model=dict(TINY["model"], imageInput="regions"),
                                data={"source": "oscar-tsv", "train": "../../d/train",
                                      "test": "../../d/test"})),
        ("run", "s", "--steps", "2"))[1], names_extra=("data.", "session.json"))

    # Images through `vlp data show IMAGE`.
    for image in ("image.jpg", "image.png"):
        data = open(os.path.join(fx, image), "rb").read()
        for seed in range(14):
            def fn(ws, image=image, data=data, seed=seed):
                ws.write(image, mutate(data, seed * 13 + 3))
                return judge(ws.run("data", "show", image, "--out", "o.png", timeout=30), "any",
                             names=(image,))
            add("images", f"{image} mutated seed {seed * 13 + 3}", fn)
        for title, kind in SPECIAL.items():
            def fn(ws, image=image, kind=kind):
                place(ws, image, kind)
                return judge(ws.run("data", "show", image, timeout=30), "any", names=(image,))
            add("images", f"{image} is {title}", fn)
    for title, header in (("PNG 2^31 wide", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\x7f\xff\xff\xff\0\0\0\x01\x08\x02\0\0\0"),
                          ("JPEG SOF 65535x65535", b"\xff\xd8\xff\xc0\0\x11\x08\xff\xff\xff\xff\x03\x01\x22\0\x02\x11\x01\x03\x11\x01\xff\xd9")):
        def fn(ws, header=header):
            ws.write("big.img", header)
            return judge(ws.run("data", "show", "big.img", timeout=30), "fail", names=("big.img",))
        add("images", f"{title}", fn)

    # npy and csv for `vlp tsne --input`.
    tsne = lambda name: ("tsne", "--input", name, "--out", "o.csv", "--iterations", "60",
                         "--perplexity", "5", "--quiet")
    for title, data in CRAFTED_NPY.items():
        def fn(ws, data=data):
            ws.write("x.npy", data)
            return judge(ws.run(*tsne("x.npy"), timeout=60), "any", names=("x.npy",))
        add("npy", title, fn)
    for title, data in CRAFTED_CSV.items():
        def fn(ws, data=data):
            ws.write("x.csv", data)
            return judge(ws.run(*tsne("x.csv"), timeout=60), "any", names=("x.csv",))
        add("csv", title, fn)
    for suffix in ("npy", "csv"):
        valid = open(os.path.join(fx, f"points.{suffix}"), "rb").read()
        for seed in range(25):
            def fn(ws, suffix=suffix, valid=valid, seed=seed):
                ws.write(f"x.{suffix}", mutate(valid, seed * 17 + 5))
                return judge(ws.run(*tsne(f"x.{suffix}"), timeout=60), "any", names=(f"x.{suffix}",))
            add(suffix, f"points.{suffix} mutated seed {seed * 17 + 5}", fn)
        for title, kind in SPECIAL.items():
            def fn(ws, suffix=suffix, kind=kind):
                place(ws, f"x.{suffix}", kind)
                return judge(ws.run(*tsne(f"x.{suffix}"), timeout=60), "any", names=(f"x.{suffix}",))
            add(suffix, f"--input is {title}", fn)
        for seed in range(6):
            def fn(ws, suffix=suffix, valid=valid, seed=seed):
                ws.write(f"p.{suffix}", valid)
                labels = mutate(open(os.path.join(fx, "labels.txt"), "rb").read(), seed + 40)
                ws.write("labels.txt", labels)
                args = tsne(f"p.{suffix}") + ("--labels", "labels.txt")
                return judge(ws.run(*args, timeout=60), "any", names=("labels.txt",))
            add(suffix, f"--labels mutated seed {seed + 40}", fn)
    for seed in range(8):
        def fn(ws, seed=seed):
            ws.write("p.npy", open(os.path.join(fx, "points.npy"), "rb").read())
            ws.write("init.npy", mutate(open(os.path.join(fx, "init.npy"), "rb").read(), seed + 60))
            args = tsne("p.npy") + ("--init", "init.npy")
            return judge(ws.run(*args, timeout=60), "any", names=("init.npy",))
        add("npy", f"--init mutated seed {seed + 60}", fn)

    # TensorBoard event files and logs through `vlp watch` (full screen, in a pseudo-terminal).
    events = files_under(os.path.join(fx, "tb"), ("",))
    for seed in range(16):
        def fn(ws, seed=seed):
            ws.copy_fixture("tb", "tb")
            path = ws.file(os.path.join("tb", events[seed % len(events)]))
            open(path, "wb").write(mutate(open(path, "rb").read(), seed * 5 + 2))
            return judge(ws.run_in_terminal("watch", "tb"))
        add("events", f"event file mutated seed {seed * 5 + 2} (watch)", fn)
    for seed in range(8):
        def fn(ws, seed=seed):
            ws.copy_fixture("trained", "sessions/s")
            path = ws.file("sessions/s/metrics.jsonl")
            open(path, "wb").write(mutate(open(path, "rb").read(), seed * 3 + 1))
            return judge(ws.run_in_terminal("watch", "sessions/s"))
        add("events", f"session metrics.jsonl mutated seed {seed * 3 + 1} (watch)", fn)
    for title, kind in SPECIAL.items():
        def fn(ws, kind=kind):
            ws.copy_fixture("tb", "tb")
            place(ws, os.path.join("tb", "events.out.tfevents.1.x"), kind)
            return judge(ws.run_in_terminal("watch", "tb"))
        add("events", f"an event file that is {title} (watch)", fn)
    return out
