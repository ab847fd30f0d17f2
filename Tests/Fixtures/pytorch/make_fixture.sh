#!/bin/sh
# Makes Tests/Fixtures/pytorch/run: the tiny session in session.json exported with
# `vlp export --pytorch` and trained for 2 steps by the exported train.py (torch, CPU), keeping
# what `vlp import` reads: session.json, runs/main/log.jsonl and the step-2 checkpoint.
# Usage (from the repository root): VLP=.build/release/vlp PYTHON=python3 sh Tests/Fixtures/pytorch/make_fixture.sh
set -eu
VLP=${VLP:-.build/release/vlp}
PYTHON=${PYTHON:-python3}
here=Tests/Fixtures/pytorch
work=$(mktemp -d)
mkdir -p "$work/sessions/fixture"
cp "$here/session.json" "$work/sessions/fixture/session.json"
"$VLP" export "$work/sessions/fixture" --pytorch "$work/export" --init initial
(cd "$work/export" && "$PYTHON" train.py --out runs/main --steps 2 --threads 1 --checkpoint-every 2)
rm -rf "$here/run"
mkdir -p "$here/run/runs/main/checkpoints"
cp "$work/export/session.json" "$here/run/session.json"
cp "$work/export/runs/main/log.jsonl" "$here/run/runs/main/log.jsonl"
cp "$work/export/runs/main/checkpoints/step-00000002.safetensors" "$here/run/runs/main/checkpoints/"
rm -rf "$work"
echo "wrote $here/run"
