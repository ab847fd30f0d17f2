#!/bin/sh
# Makes Tests/Fixtures/pytorch/run (ALBEF, from session.json) and run-oscar (Oscar, from
# oscar-session.json): each tiny session exported with `vlp export --pytorch` and trained for 2
# steps by the exported train.py (torch, CPU), keeping what `vlp import` reads: session.json,
# runs/main/log.jsonl and the step-2 checkpoint.
# Usage (from the repository root): VLP=.build/release/vlp PYTHON=python3 sh Tests/Fixtures/pytorch/make_fixture.sh
set -eu
VLP=${VLP:-.build/release/vlp}
PYTHON=${PYTHON:-python3}
here=Tests/Fixtures/pytorch
for pair in "session.json run" "oscar-session.json run-oscar"; do
  set -- $pair
  work=$(mktemp -d)
  mkdir -p "$work/sessions/fixture"
  cp "$here/$1" "$work/sessions/fixture/session.json"
  "$VLP" export "$work/sessions/fixture" --pytorch "$work/export" --init initial
  (cd "$work/export" && "$PYTHON" train.py --out runs/main --steps 2 --threads 1 --checkpoint-every 2)
  rm -rf "${here:?}/$2"
  mkdir -p "$here/$2/runs/main/checkpoints"
  cp "$work/export/session.json" "$here/$2/session.json"
  cp "$work/export/runs/main/log.jsonl" "$here/$2/runs/main/log.jsonl"
  cp "$work/export/runs/main/checkpoints/step-00000002.safetensors" "$here/$2/runs/main/checkpoints/"
  rm -rf "$work"
  echo "wrote $here/$2"
done
