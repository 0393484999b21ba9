# Two commands for users: `make reports` and `make test`. Everything else is for developers.
# The venv is built from requirements/lock.txt (every version pinned; made with `uv pip compile`,
# see `make lock`), then the package itself is installed editable on top, without dependencies.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CACHE  := $(CURDIR)/.cache

# Writable homes for matplotlib/IPython/Jupyter, so no warning leaks into a report.
export MPLCONFIGDIR       := $(CACHE)/matplotlib
export IPYTHONDIR         := $(CACHE)/ipython
export JUPYTER_RUNTIME_DIR := $(CACHE)/jupyter-runtime
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help venv reports extract test test-browser lint lab bench eval lock clean

help:
	@echo "make reports       build every report into reports/ (sets up .venv first)"
	@echo "make test          run the test suite"
	@echo "make test-browser  open the HTML reports in headless Debian chromium (needs apt chromium)"
	@echo "make lab           start JupyterLab on notebooks/"
	@echo "make lint          ruff and the layers contract (import-linter)"
	@echo "make bench         build benchmarks (benchmarks/results/)"
	@echo "make eval          reading benchmark on the labelled corpus (benchmarks/results/)"
	@echo "make extract       regenerate data/processed from data/raw"
	@echo "make lock          re-pin requirements/lock.txt from pyproject.toml (needs network)"

venv: $(STAMP)

$(STAMP): requirements/lock.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements/lock.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

reports: $(STAMP)
	$(BIN)/python -m analysis build

extract: $(STAMP)
	$(BIN)/python -m analysis extract

# The suite runs on every core (pytest-xdist); the notebooks it executes are built once and
# shared (tests/conftest.py: grid).
test: $(STAMP)
	$(BIN)/python -m pytest -m "not browser" -n auto

test-browser: $(STAMP)
	$(BIN)/python -m pytest -m browser

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks notebooks
	$(BIN)/lint-imports

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_build.py

eval: $(STAMP)
	$(BIN)/python benchmarks/eval_reading.py

lock:
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements/lock.txt

clean:
	rm -rf reports/html reports/html-nocode reports/pdf reports/figures reports/executed \
	  reports/failed reports/source reports/screens reports/replication_* reports/index.html \
	  reports/manifest.json reports/.cache .cache
