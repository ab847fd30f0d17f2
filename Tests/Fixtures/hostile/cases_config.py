"""Configs, names and paths: session.json, --set, session names, output paths."""

import json
import os

from harness import judge
from mutate import mutate

TINY = {
    "seed": 1,
    "model": {"family": "albef", "dimension": 16, "headCount": 2, "hiddenSize": 32,
              "imageLayers": 1, "textLayers": 1, "fusionLayers": 1, "embeddingDimension": 16,
              "imageSize": 16, "patchSize": 4},
    "objectives": {"itc": 1, "mlm": 1, "itm": 1, "queueSize": 64},
    "training": {"batchSize": 8, "steps": 60, "warmupSteps": 2},
    "data": {"world": {"pairCount": 400}},
    "evaluation": {"every": 10, "retrievalPairs": 16, "accuracyPairs": 16, "rerank": 0},
    "checkpoints": {"every": 5, "keep": 3},
}

BAD_VALUES = ["0", "-1", "1e999", "99999999999999999999999", "\"x\"", "null", "[]", "{}",
              "true", "NaN", "0.5", "1e9"]
NUMERIC_KEYS = ["seed", "model.dimension", "model.headCount", "model.hiddenSize",
                "model.textLayers", "model.dropout", "model.imageSize", "model.patchSize",
                "model.maximumTextLength", "objectives.queueSize", "objectives.temperature",
                "objectives.maskProbability", "training.batchSize", "training.steps",
                "training.learningRate", "evaluation.every", "evaluation.retrievalPairs",
                "checkpoints.every", "checkpoints.keep", "data.world.pairCount"]


def session(ws, name="s", config=None, raw=None):
    text = raw if raw is not None else json.dumps(config or TINY)
    return ws.write(f"sessions/{name}/session.json", text)


def with_key(config, dotted, value):
    out = json.loads(json.dumps(config))
    node = out
    parts = dotted.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    return out


def cases(fx):
    out = []

    def add(name, fn):
        out.append(("config", name, fn))

    valid = json.dumps(TINY, indent=2).encode()
    # session.json mutated: every refusal must name the file or a key.
    for seed in range(60):
        def fn(ws, seed=seed):
            session(ws, raw=mutate(valid, seed))
            result = ws.run("run", "s", "--steps", "1", timeout=60)
            return judge(result, names=("session.json", "configuration field"))
        add(f"session.json mutated seed {seed}", fn)
    # One wrong value per numeric key, in the file and with --set.
    for index, key in enumerate(NUMERIC_KEYS):
        bad = BAD_VALUES[index % len(BAD_VALUES)]
        def in_file(ws, key=key, bad=bad):
            raw = json.dumps(with_key(TINY, key, "@@")).replace('"@@"', bad)
            session(ws, raw=raw)
            return judge(ws.run("run", "s", "--steps", "1", timeout=60), "any",
                         names=(key.split(".")[-1],))
        add(f"session.json {key}={bad}", in_file)
        bad2 = BAD_VALUES[(index + 5) % len(BAD_VALUES)]
        def with_set(ws, key=key, bad=bad2):
            session(ws)
            result = ws.run("run", "s", "--steps", "1", "--set", f"{key}={bad}", timeout=60)
            return judge(result, "any", names=(f"--set {key}",))
        add(f"--set {key}={bad2}", with_set)
    texts = {
        "empty file": "", "null": "null", "a list": "[1,2]", "a string": '"s"',
        "BOM": "\ufeff" + json.dumps(TINY), "unknown top key": json.dumps({"modle": {}}),
        "unknown nested key": json.dumps(with_key(TINY, "model.dimenson", 16)),
        "duplicate variants": json.dumps(dict(TINY, variants=[{"name": "a", "set": {}},
                                                              {"name": "a", "set": {}}])),
        "variant bad name": json.dumps(dict(TINY, variants=[{"name": "a/b", "set": {}}])),
        "variant bad key": json.dumps(dict(TINY, variants=[{"name": "a", "set": {"x.y": 1}}])),
        "variants not a list": json.dumps(dict(TINY, variants={"a": 1})),
        "deep nesting": "[" * 100000 + "]" * 100000,
        "int past 64 bits": json.dumps(TINY).replace('"seed": 1', '"seed": 18446744073709551616'),
        "data.source unknown": json.dumps(with_key(TINY, "data.source", "imagenet")),
        "data.source coco no files": json.dumps(with_key(TINY, "data", {"source": "coco"})),
        "data.train missing file": json.dumps(with_key(TINY, "data", {
            "source": "json", "images": "img", "train": "no.json", "test": "no.json"})),
        "family clip": json.dumps(with_key(TINY, "model.family", "clip")),
        "dimension not multiple of heads": json.dumps(with_key(TINY, "model.dimension", 17)),
        "queue not multiple of batch": json.dumps(with_key(TINY, "objectives.queueSize", 60)),
        "all objectives off": json.dumps(with_key(TINY, "objectives", {
            "itc": 0, "mlm": 0, "itm": 0})),
        "model past this machine's memory": json.dumps(with_key(with_key(with_key(
            TINY, "model.dimension", 4096), "model.hiddenSize", 65536), "model.textLayers", 48)),
        "trailing garbage": json.dumps(TINY) + "}",
        "comment": "// hi\n" + json.dumps(TINY),
        "not UTF-8": json.dumps(TINY).replace("albef", "alb\udcffef", 1).encode(
            "utf-8", "surrogateescape").decode("latin-1"),
    }
    for title, text in texts.items():
        def fn(ws, text=text):
            session(ws, raw=text)
            return judge(ws.run("run", "s", "--steps", "1", timeout=90), "any",
                         names=("session.json", "configuration field", "data.", "model.",
                                "objectives.", "variant", "memory"))
        add(f"session.json {title}", fn)
    # Names and paths.
    names = ["", ".", "..", "../s", "/", "nonexistent", "a" * 300, "s\nx", "-", "--steps",
             "sessions", "s/session.json", "/dev/null", "/dev/zero", "/proc/self", "s/",
             "./sessions/s", "ünïcödé", "s s", "$(touch pwned)"]
    commands = [("run", "--steps", "1"), ("eval",), ("export", "--curves", "o.csv"),
                ("tsne", "--features", "cls", "--out", "o.csv", "--pairs", "8")]
    for index, name in enumerate(names):
        command = commands[index % len(commands)]
        def fn(ws, name=name, command=command):
            session(ws)
            result = ws.run(command[0], name, *command[1:], timeout=60)
            shown = name.strip() or "SESSION"
            return judge(result, "any", names=(shown[:40], "session", "SESSION", "usage"))
        add(f"name {name[:20]!r} with {command[0]}", fn)
    special_sessions = {
        "session folder is a file": lambda ws: ws.write("sessions/s", "x"),
        "session.json is a folder": lambda ws: os.makedirs(ws.file("sessions/s/session.json")),
        "session.json links to /dev/zero": lambda ws: (
            os.makedirs(ws.file("sessions/s")), os.symlink("/dev/zero", ws.file(
                "sessions/s/session.json"))),
        "session.json is a FIFO": lambda ws: (
            os.makedirs(ws.file("sessions/s")), os.mkfifo(ws.file("sessions/s/session.json"))),
        "session.json dangling link": lambda ws: (
            os.makedirs(ws.file("sessions/s")), os.symlink("nowhere", ws.file(
                "sessions/s/session.json"))),
        "sessions is a file": lambda ws: ws.write("sessions", "x"),
        "checkpoints is a file": lambda ws: (session(ws), ws.write("sessions/s/checkpoints", "")),
        "metrics.jsonl is a folder": lambda ws: (
            session(ws), os.makedirs(ws.file("sessions/s/metrics.jsonl"))),
        "run.log is a folder": lambda ws: (session(ws), os.makedirs(ws.file("sessions/s/run.log"))),
        ".lock is a folder": lambda ws: (session(ws), os.makedirs(ws.file("sessions/s/.lock"))),
    }
    for title, make in special_sessions.items():
        for command in (("run", "s", "--steps", "2"), ("sessions",)):
            def fn(ws, make=make, command=command):
                make(ws)
                return judge(ws.run(*command, timeout=60), "any",
                             names=("session.json", "sessions", "checkpoints", "metrics.jsonl",
                                    "run.log", ".lock", "s:"))
            add(f"{title} ({command[0]})", fn)
    outputs = ["/nonexistent/dir/o.csv", "/dev/full", "/proc/version", "o.txt", ".", "/",
               "dir/", "o.svg/", "", "/dev/null"]
    for out_path in outputs:
        def fn(ws, out_path=out_path):
            ws.copy_fixture("trained", "sessions/s")
            result = ws.run("export", "s", "--curves", out_path, timeout=60)
            return judge(result, "any", names=(out_path or "--curves", "--curves", "out"))
        add(f"export --curves {out_path!r}", fn)
    return out
