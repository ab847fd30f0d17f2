#!/usr/bin/env python3
"""The hostile-user matrix of issue 22, against a release binary:

    swift build -c release -Xswiftc -target-cpu -Xswiftc native
    python3 Tests/Fixtures/hostile/run_matrix.py --vlp .build/release/vlp [--jobs 2]
        [--only FAMILY,...] [--match TEXT] [--report FILE]

Builds its fixtures with the binary itself (a tiny session trained to step 20, COCO / Karpathy
/ JSON-list / Oscar exports, images, npy and csv points, event files), then runs every case of
cases_config.py, cases_sessions.py and cases_data.py in a fresh folder and classifies it
(harness.py: crash, hang, data, vague, wrong, ok). Prints each case that is not ok and the
counts; exits 1 when a crash, hang or data case is found or more than 5 vague messages.
Needs Python 3 and numpy; takes about 10-20 minutes on two busy cores.
"""

import argparse
import collections
import concurrent.futures
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import cases_config  # noqa: E402
import cases_data  # noqa: E402
import cases_sessions  # noqa: E402
from harness import Workspace  # noqa: E402


def build_fixtures(vlp, root):
    """The valid inputs every case starts from, made by the binary under test."""
    ws = Workspace(vlp, root, root)
    cases_config.session(ws, "s")
    shutil.copytree(ws.file("sessions/s"), ws.file("fresh"))
    result = ws.run("run", "s", timeout=600)
    if result.rc != 0:
        sys.exit(f"training the fixture session failed:\n{result.text}")
    shutil.copytree(ws.file("sessions/s"), ws.file("trained"))
    if ws.run("export", "s", "--tensorboard", "tb", timeout=120).rc != 0:
        sys.exit("exporting event files failed")
    for fmt, out, extra in (("coco-json", "coco", ["--images"]), ("oscar-tsv", "oscar", [])):
        result = ws.run("data", "export", "--format", fmt, "--out", out, "--pairs", "60", *extra,
                        timeout=300)
        if result.rc != 0:
            sys.exit(f"vlp data export {fmt} failed:\n{result.text}")
    caption_lists(ws)
    os.makedirs(ws.file("vocabfolder"))
    shutil.copy(os.path.join(os.path.dirname(__file__), "..", "bert_small_vocab.txt"),
                ws.file("vocabfolder/vocab.txt"))
    images = sorted(cases_data.files_under(ws.file("coco"), (".jpg",)))
    shutil.copy(ws.file(os.path.join("coco", images[0])), ws.file("image.jpg"))
    rng = np.random.default_rng(1)
    points = rng.normal(size=(60, 8)).astype(np.float32)
    np.save(ws.file("points.npy"), points)
    np.savetxt(ws.file("points.csv"), points, delimiter=",", header="a,b,c,d,e,f,g,h",
               comments="")
    np.save(ws.file("init.npy"), rng.normal(size=(60, 2)).astype(np.float32))
    with open(ws.file("labels.txt"), "w") as handle:
        handle.write("\n".join(f"class{i % 4}" for i in range(60)) + "\n")
    result = ws.run("data", "show", "image.jpg", "--out", "image.png", timeout=60)
    if result.rc != 0:
        sys.exit(f"vlp data show failed:\n{result.text}")


def caption_lists(ws):
    """Karpathy's dataset_coco.json and ALBEF's JSON lists over the COCO export's images."""
    pairs = []
    for split in ("train", "test"):
        for name in cases_data.files_under(ws.file("coco"), (f"_{split}.json", f"{split}.json")):
            data = json.load(open(ws.file(os.path.join("coco", name))))
            files = {image["id"]: image["file_name"] for image in data["images"]}
            pairs += [(split, files[a["image_id"]], a["caption"]) for a in data["annotations"]]
    image_root = cases_data.files_under(ws.file("coco"), (".jpg",))[0].split("/")[0]
    for target in ("jsonlist", "karpathy"):
        shutil.copytree(ws.file(os.path.join("coco", image_root)), ws.file(f"{target}/images"))
    located = {os.path.basename(p): p.split("/", 1)[1] for p in cases_data.files_under(
        ws.file("coco"), (".jpg",))}
    for split in ("train", "test"):
        entries = [{"image": located[f], "caption": c} for s, f, c in pairs if s == split]
        json.dump(entries, open(ws.file(f"jsonlist/{split}.json"), "w"), indent=1)
    karpathy = collections.OrderedDict()
    for split, name, caption in pairs:
        path = located[name]
        entry = karpathy.setdefault(path, {"filepath": os.path.dirname(path),
                                           "filename": os.path.basename(path),
                                           "split": "val" if split == "test" else split,
                                           "sentences": []})
        entry["sentences"].append({"raw": caption})
    json.dump({"images": list(karpathy.values())}, open(ws.file("karpathy/dataset_coco.json"),
                                                         "w"), indent=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vlp", required=True)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", default="")
    parser.add_argument("--match", default="")
    parser.add_argument("--report", default="")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    options = parser.parse_args()
    vlp = os.path.abspath(options.vlp)
    work = tempfile.mkdtemp(prefix="vlp-hostile-")
    began = time.time()
    fixtures = os.path.join(work, "fixtures")
    print(f"fixtures in {fixtures} ...", flush=True)
    build_fixtures(vlp, fixtures)
    everything = (cases_config.cases(fixtures) + cases_sessions.cases(fixtures)
                  + cases_data.cases(fixtures))
    families = set(filter(None, options.only.split(",")))
    chosen = [case for case in everything
              if (not families or case[0] in families) and options.match in case[1]]
    print(f"{len(chosen)} cases, {options.jobs} at a time", flush=True)

    def run(indexed):
        index, (family, name, fn) = indexed
        ws = Workspace(vlp, os.path.join(work, f"case-{index}"), fixtures)
        try:
            verdict, detail = fn(ws)
        except Exception as error:  # the case itself failed: count it, never hide it
            verdict, detail = "error", f"{type(error).__name__}: {error}"
        if verdict == "ok" and not options.keep:
            shutil.rmtree(ws.path, ignore_errors=True)
        return index, family, name, verdict, detail

    results = []
    with concurrent.futures.ThreadPoolExecutor(options.jobs) as pool:
        for index, family, name, verdict, detail in pool.map(run, enumerate(chosen)):
            results.append((family, name, verdict, detail))
            if verdict != "ok":
                print(f"{verdict:6} [{family}] {name} (case-{index}): {detail}", flush=True)
    counts = collections.Counter(verdict for _, _, verdict, _ in results)
    by_family = collections.Counter(family for family, _, _, _ in results)
    print(f"\n{len(results)} cases in {time.time() - began:.0f} s: "
          + ", ".join(f"{counts.get(k, 0)} {k}" for k in
                      ("crash", "hang", "data", "vague", "wrong", "error", "ok")))
    print("by family: " + ", ".join(f"{f} {n}" for f, n in sorted(by_family.items())))
    if options.report:
        json.dump([dict(zip(("family", "name", "verdict", "detail"), r)) for r in results],
                  open(options.report, "w"), indent=1)
    if not options.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"work folder kept: {work}")
    bad = counts["crash"] + counts["hang"] + counts["data"] + counts["error"]
    sys.exit(1 if bad or counts["vague"] > 5 else 0)


if __name__ == "__main__":
    main()
