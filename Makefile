# ComCO builder. `make demo` and `make test` work on a fresh machine with Python 3.11 and apt.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# a second environment for the open_clip backend: it needs torchvision, which pins another torch
OPENCLIP_VENV ?= .venv-openclip
N ?= 8000
SEED ?= 0
WORKERS ?= 2
RESOLUTION ?= 512
SAMPLES ?= 32
LIBRARY ?= assets/library
# ENGINE=ray renders on a Ray cluster (README "Scaling out"): ADDRESS of its head, GPU share per
# worker; WORKERS then defaults to as many as the cluster holds
ENGINE ?= local
ADDRESS ?= auto
GPUS_PER_WORKER ?= 0.25
RAY_ARGS = --address $(ADDRESS) --gpus-per-worker $(GPUS_PER_WORKER) \
	$(if $(filter command line,$(origin WORKERS)),--workers $(WORKERS))
export COMCO_LIBRARY := $(abspath $(LIBRARY))
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: setup library verify-library browser test-openclip sample render demo test test-fast lint bench clean-renders

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# torch first, pinned: the CPU build; a bare `torch` requirement would pull CUDA wheels
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[render,export,eval,analyze,dev,ray]'
	touch $@

setup: $(BIN)/.installed  ## install everything into .venv

$(LIBRARY)/manifest.json: | $(BIN)/.installed
	@# apt-get download needs package lists; a fresh machine has none
	@ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1 || $(SUDO) apt-get update -qq
	$(BIN)/comco assets fetch
	$(BIN)/comco assets build --library $(LIBRARY)

library: $(LIBRARY)/manifest.json  ## fetch the source packages and build the asset library

verify-library: library  ## render every asset, write the contact sheet, fail on broken assets
	$(BIN)/comco assets verify --library $(LIBRARY)

sample: setup  ## e.g. make sample OBJECTS=4 LARGE=1 N=1000
	$(BIN)/comco sample --objects $(or $(OBJECTS),4) --large $(or $(LARGE),1) -n $(N) \
		--seed $(SEED) --resolution $(RESOLUTION) --samples $(SAMPLES) \
		--out scene_specs/o$(or $(OBJECTS),4)-large$(or $(LARGE),1)-n$(N)-s$(SEED).jsonl

scene_specs/paper-n$(N)-s$(SEED)-r$(RESOLUTION).jsonl: | $(BIN)/.installed
	$(BIN)/comco suite -n $(N) --seed $(SEED) --resolution $(RESOLUTION) --samples $(SAMPLES) --out $@

render: library scene_specs/paper-n$(N)-s$(SEED)-r$(RESOLUTION).jsonl  ## the paper's 8 configurations, N scenes
	$(BIN)/comco render --specs scene_specs/paper-n$(N)-s$(SEED)-r$(RESOLUTION).jsonl \
		--out renders/paper-n$(N)-s$(SEED)-r$(RESOLUTION) --engine $(ENGINE) \
		$(if $(filter ray,$(ENGINE)),$(RAY_ARGS),--workers $(WORKERS))

demo: library  ## sample and render a handful of scenes on this machine (CPU unless a GPU is found)
	$(BIN)/comco sample --objects 4 --large 1 -n 6 --seed 0 --resolution 224 --samples 16 \
		--out scene_specs/demo.jsonl --overwrite
	$(BIN)/comco render --specs scene_specs/demo.jsonl --out renders/demo --workers 1
	$(BIN)/comco sheet --dataset renders/demo
	@echo "images and annotations: renders/demo/images/00000/, gallery: renders/demo/gallery/"

$(OPENCLIP_VENV)/bin/.installed: pyproject.toml
	$(PYTHON) -m venv $(OPENCLIP_VENV)
	$(OPENCLIP_VENV)/bin/pip install -q --upgrade pip
	$(OPENCLIP_VENV)/bin/pip install -q torch==2.14.1 torchvision==0.29.1
	$(OPENCLIP_VENV)/bin/pip install -q -e '.[eval,openclip,dev]'
	touch $@

test-openclip: $(OPENCLIP_VENV)/bin/.installed  ## the openclip: encoder end to end on a random open_clip model
	$(OPENCLIP_VENV)/bin/python -m pytest -q -p no:cacheprovider tests/test_eval_openclip.py

browser:  ## headless Chromium from Debian, for the dataset browser's test
	@command -v chromium >/dev/null || { ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1 || $(SUDO) apt-get update -qq; $(SUDO) apt-get install -y -qq chromium; }

test: verify-library browser  ## install, build and verify the library, run every test
	$(BIN)/ruff check generator tests benchmarks
	$(BIN)/ruff format --check generator tests benchmarks
	$(BIN)/lint-imports
	$(MAKE) test-openclip
	set +e; $(BIN)/python -m pytest -q; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; rc=0; fi; exit $$rc

test-fast: setup  ## the tests that need neither Blender nor the asset library (no build)
	set +e; $(BIN)/python -m pytest -q -m "not blender and not library"; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; rc=0; fi; exit $$rc

lint: setup  ## style, formatting and the layer contract (pyproject's importlinter)
	$(BIN)/ruff check generator tests benchmarks && $(BIN)/ruff format --check generator tests benchmarks
	$(BIN)/lint-imports

bench: library  ## print sampling, rendering, embedding and probe-training throughput
	$(BIN)/python benchmarks/sample_throughput.py 50000
	$(BIN)/python benchmarks/render_throughput.py --n 60
	$(BIN)/python benchmarks/binding_render_rate.py --n 24
	$(BIN)/python benchmarks/embed_throughput.py
	$(BIN)/python benchmarks/analyze_throughput.py
	$(BIN)/python benchmarks/probe_throughput.py
