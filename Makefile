# VLP Workbench. `make help` lists the targets.
SWIFT ?= swift
# Release builds target this machine's CPU (AVX-512 here: ~1.5x on the kernels).
# `make release PORTABLE=1` builds for any x86-64 CPU with AVX2 and FMA (x86-64-v3: Intel since
# 2013, AMD since 2015) or, on arm64, for the architecture's baseline (which always has FMA).
# Without FMA in the target, Swift's fused multiply-add becomes a library call (docs/benchmarks.md).
# x86-64-v3 is Package.swift's own default for release builds (as `-target-cpu haswell`, since
# Swift rejects the name x86-64-v3), so PORTABLE=1 adds nothing and a plain
# `swift build -c release` gets the same. The -D defines record the level for `vlp --version`
# and `vlp bench` (Tensor's CompiledCPU): `-target-cpu native` comes after Package.swift's flag
# on the command line and wins.
ARCH := $(shell uname -m)
ifeq ($(PORTABLE),1)
  CPU_FLAGS :=
else
  CPU_FLAGS := -Xswiftc -target-cpu -Xswiftc native -Xswiftc -DVLP_CPU_NATIVE
  # The GEMM micro-kernel holds a 6x32 tile in zmm registers where the CPU has AVX-512, and in
  # two 6x16 halves of ymm registers where it has not (a zmm-shaped tile spills on AVX2).
  ifneq ($(shell grep -qw avx512f /proc/cpuinfo 2>/dev/null && echo yes),)
    CPU_FLAGS += -Xswiftc -DVLP_AVX512
  endif
endif
RELEASE := -c release $(CPU_FLAGS)
# Tests run optimised (numeric loops are 10-50x slower in debug) with @testable imports, in a
# build folder of their own: -enable-testing changes every module's flags, and sharing .build
# with `make release` would rebuild everything each time one follows the other.
TEST_FLAGS := $(RELEASE) -Xswiftc -enable-testing --scratch-path .build-test
VLP := .build/release/vlp
PYTHON ?= python3
THREADS ?= 2

.PHONY: help run build release test fuzz bench bench-tsne format clean prerequisites coco-world torch-venv

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'
	@echo "  variables: PORTABLE=1 (x86-64-v3 instead of native), THREADS=N (bench), SWIFT=path"

prerequisites: ## check the toolchain and libraries a fresh machine needs
	@command -v $(SWIFT) >/dev/null 2>&1 || { \
	  echo "error: the Swift toolchain (6.0 or newer) is not on PATH."; \
	  echo "  install it from https://www.swift.org/install/linux/ and add its usr/bin to PATH"; exit 1; }
	@test -f /usr/include/ncursesw/curses.h || test -f /usr/include/ncurses.h || { \
	  echo "error: the ncurses development files are missing."; \
	  echo "  install them with: sudo apt-get update && sudo apt-get install -y libncurses-dev"; exit 1; }
	@test -f /usr/include/jpeglib.h || test -f /usr/include/$(ARCH)-linux-gnu/jpeglib.h || { \
	  echo "error: the libjpeg development files are missing (Imaging decodes JPEG with libjpeg-turbo)."; \
	  echo "  install them with: sudo apt-get update && sudo apt-get install -y libjpeg-dev"; \
	  echo "  (Debian's libjpeg-dev installs libjpeg62-turbo-dev)"; exit 1; }
	@test -f /usr/include/png.h || test -f /usr/include/libpng16/png.h || { \
	  echo "error: the libpng development files are missing (Imaging reads and writes PNG with libpng)."; \
	  echo "  install them with: sudo apt-get update && sudo apt-get install -y libpng-dev"; exit 1; }

build: prerequisites ## debug build
	$(SWIFT) build

release: prerequisites ## optimised build for this CPU (PORTABLE=1 for any CPU)
	$(SWIFT) build $(RELEASE)

run: release ## build and open the workbench
	$(VLP)

coco-world: release ## export the scene world as COCO JSON with JPEG images for sessions/coco-world
	$(VLP) data export --format coco-json --images --pairs 4000 --out sessions/coco-world/data --force

test: prerequisites ## build optimised and run every test (the end-to-end test drives vlp in tmux)
	@command -v tmux >/dev/null 2>&1 || { \
	  echo "error: tmux is missing: the end-to-end test runs the workbench in it."; \
	  echo "  install it with: sudo apt-get update && sudo apt-get install -y tmux"; exit 1; }
	$(SWIFT) build --build-tests $(TEST_FLAGS)
	VLP_PYTHON="$(VLP_PYTHON)" $(SWIFT) test --skip-build $(TEST_FLAGS)

# The PyTorch tests (parity, DDP; docs/scale-out.md) use VLP_PYTHON, else the venv that
# `make torch-venv` builds, else python3 when it imports torch; without one they are skipped.
TORCH_VENV ?= $(HOME)/.cache/vlp/torch-venv
VLP_PYTHON ?= $(shell test -x $(TORCH_VENV)/bin/python && echo $(TORCH_VENV)/bin/python)
torch-venv: ## CPU PyTorch and tensorboard in a venv outside the repository, for the PyTorch tests
	python3 -m venv $(TORCH_VENV)
	@wheel=$$(find / -maxdepth 3 -name 'torch-*+cpu*.whl' 2>/dev/null | head -n 1); \
	if [ -n "$$wheel" ]; then echo "installing $$wheel"; $(TORCH_VENV)/bin/pip install "$$wheel" tensorboard; \
	else $(TORCH_VENV)/bin/pip install --index-url https://download.pytorch.org/whl/cpu torch && \
	  $(TORCH_VENV)/bin/pip install tensorboard; fi
	@echo "$(TORCH_VENV)/bin/python: make test runs the PyTorch tests with it"

# The suite fuzzes every reader a few thousand times; this runs many more per reader
# (docs/reliability.md). A failing seed reruns alone with VLP_FUZZ_SEED=N.
FUZZ_CASES ?= 100000
FUZZ_SECONDS ?= 600
fuzz: prerequisites ## fuzz every file reader with many more inputs (FUZZ_CASES, FUZZ_SECONDS per reader)
	$(SWIFT) build --build-tests $(TEST_FLAGS)
	VLP_FUZZ_CASES=$(FUZZ_CASES) VLP_FUZZ_SECONDS=$(FUZZ_SECONDS) \
	  $(SWIFT) test --skip-build $(TEST_FLAGS) --filter 'Fuzz|Mutat|Special'

# PyTorch eager beside `vlp bench step` (docs/benchmarks.md): the first python of BENCH_PYTHON that
# imports torch (VLP_PYTHON, then the known virtualenvs); without one the steps run alone and a
# line says how to get it. Never a dependency of the project.
BENCH_PYTHON ?= $(VLP_PYTHON) $(TORCH_VENV)/bin/python /work/venv-torch/bin/python
TORCH_ENV := env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE
bench: release ## a training step beside PyTorch eager (where importable), GEMM GFLOP/s (with numpy's), a layer's ms
	@mkdir -p bench-results
	@echo "$$(uptime | sed 's/.*load/load/')"
	$(VLP) bench step bench-small --threads 1,$(THREADS) --json > bench-results/step.json
	@$(VLP) bench step --from bench-results/step.json
	$(VLP) bench step oscar-tags --threads 1,$(THREADS) --json > bench-results/step-oscar.json
	@$(VLP) bench step --from bench-results/step-oscar.json
	@py=$$(for p in $(BENCH_PYTHON); do test -x $$p && $$p -c 'import torch' 2>/dev/null && echo $$p && break; done); \
	if [ -n "$$py" ]; then \
	  echo "PyTorch eager with $$py"; \
	  $(TORCH_ENV) $$py Tests/Bench/torch_bench_step.py --threads 1,$(THREADS) --steps 20 --warmup 3 \
	    --json > bench-results/torch-step.json && \
	  $(TORCH_ENV) $$py Tests/Bench/torch_bench_step.py --last-layer read --threads 1,$(THREADS) --steps 20 \
	    --warmup 3 --json > bench-results/torch-step-read.json && \
	  $(TORCH_ENV) $$py Tests/Bench/torch_bench_step.py --model oscar --threads 1,$(THREADS) \
	    --steps 20 --warmup 3 --json > bench-results/torch-step-oscar.json && \
	  $(VLP) bench step --from bench-results/step.json --compare bench-results/torch-step.json && \
	  $(VLP) bench step --from bench-results/step.json --compare bench-results/torch-step-read.json && \
	  $(VLP) bench step --from bench-results/step-oscar.json --compare bench-results/torch-step-oscar.json && \
	  $(VLP) bench gemm --shapes bench-small --threads 1,$(THREADS) --json > bench-results/gemm-shapes.json && \
	  $(TORCH_ENV) $$py Tests/Bench/torch_gemm_shapes.py bench-results/gemm-shapes.json; \
	else echo "(PyTorch not found, so no comparison: run 'make torch-venv', or set BENCH_PYTHON or" \
	  "VLP_PYTHON to a python that imports torch's CPU wheel; docs/benchmarks.md)"; fi
	$(VLP) bench layer --threads 1,$(THREADS)
	$(VLP) bench tui
	$(VLP) bench layer --threads 1,$(THREADS) --cross
	$(VLP) bench gemm --threads 1,$(THREADS) --json > bench-results/gemm.json
	@$(VLP) bench gemm --from bench-results/gemm.json
	@if $(PYTHON) -c 'import numpy' >/dev/null 2>&1; then \
	  $(TORCH_ENV) $(PYTHON) Tests/Bench/numpy_gemm.py --threads 1 > bench-results/numpy-1.json && \
	  $(TORCH_ENV) $(PYTHON) Tests/Bench/numpy_gemm.py --threads $(THREADS) > bench-results/numpy-$(THREADS).json && \
	  $(VLP) bench gemm --from bench-results/gemm.json --compare bench-results/numpy-1.json,bench-results/numpy-$(THREADS).json && \
	  $(VLP) bench gemm --from bench-results/gemm.json --compare bench-results/numpy-1.json,bench-results/numpy-$(THREADS).json --json > bench-results/gemm-vs-numpy.json; \
	else echo "(python3 with numpy not found: skipping the numpy comparison)"; fi
	@$(MAKE) --no-print-directory bench-tsne

# t-SNE beside openTSNE (docs/benchmarks.md). TSNE_PYTHON: a Python with openTSNE and scikit-learn
# (a virtualenv outside the repository); without them the comparison is skipped with a notice.
TSNE_PYTHON ?= $(PYTHON)
bench-tsne: release ## t-SNE at 5,000, 50,000 and 200,000 points, beside openTSNE where installed
	@mkdir -p bench-results
	@for n in 5000 50000; do \
	  echo "t-SNE $$n x 128, $(THREADS) threads ($$(uptime | sed 's/.*load/load/'))"; \
	  $(VLP) bench tsne --points $$n --threads $(THREADS) --save-data bench-results/tsne-$$n.npy \
	    --save-embedding bench-results/tsne-$$n-vlp.npy || exit 1; \
	  $(TSNE_PYTHON) Tests/Bench/tsne_opentsne.py --data bench-results/tsne-$$n.npy \
	    --ours bench-results/tsne-$$n-vlp.npy --threads $(THREADS) \
	    || echo "(openTSNE comparison skipped: $(TSNE_PYTHON) lacks numpy)"; \
	done
	@echo "t-SNE 200000 x 128 ($$(uptime | sed 's/.*load/load/'))"
	$(VLP) bench tsne --points 200000 --threads $(THREADS)

format: ## format the sources with the toolchain's swift-format
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

clean: ## remove build outputs (never sessions or checkpoints)
	rm -rf .build .build-test bench-results
