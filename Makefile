# netlab — type `make help` for the list of targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
KERNEL := netlab
# Exact versions of every package (uv pip compile); `make lock` regenerates it.
LOCK := requirements.lock
# The lowest versions pyproject.toml allows, for the minimum-versions tests.
MIN_VENV := .venv-min
MIN_STAMP := $(MIN_VENV)/.installed
MIN_LOG := $(VENV)/min-install.log
SHARED ?= ../shared/data/public/florida-fafsa-2024

.DEFAULT_GOAL := help
.PHONY: help demo test lab florida lint format bench clean setup browser lock test-min tier coverage

help: ## List the targets
	@grep -E '^[a-z][a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# The lock constrains every package it names to its exact version; a dependency added to
# pyproject.toml since the lock was made still installs (then run `make lock`).
$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	@# pip installs uv (at the lock's pin); uv installs the rest at the lock's pins, compiled (as pip does)
	$(BIN)/pip install --quiet -c $(LOCK) uv
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -c $(LOCK) -e ".[dev]"
	$(BIN)/python -m ipykernel install --user --name $(KERNEL) --display-name "Python (netlab)"
	touch $(STAMP)

setup: $(STAMP) ## Create .venv, install netlab (versions from requirements.lock) and its Jupyter kernel

lock: $(STAMP) ## Regenerate requirements.lock from pyproject.toml (keeps pins; UPGRADE=1 takes the newest)
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
	  --quiet --custom-compile-command "make lock" $(if $(UPGRADE),--upgrade) -o $(LOCK)
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -c $(LOCK) -e ".[dev]"
	touch $(STAMP)

$(MIN_STAMP): pyproject.toml | $(STAMP)
	rm -rf $(MIN_VENV)
	$(BIN)/uv venv --quiet --python $(PYTHON) $(MIN_VENV)
	VIRTUAL_ENV=$(CURDIR)/$(MIN_VENV) $(BIN)/uv pip install --quiet --compile-bytecode --resolution lowest-direct -e ".[dev]"
	touch $(MIN_STAMP)

test-min: $(MIN_STAMP) ## The fast tier on the lowest versions pyproject.toml allows (.venv-min)
	@VIRTUAL_ENV=$(CURDIR)/$(MIN_VENV) $(BIN)/uv pip list --quiet 2>/dev/null \
	  | grep -iE '^(pandas|numpy|scipy|statsmodels|pandera|pyarrow|nbconvert|papermill) ' | tr -s ' ' | paste -sd ',' | sed 's/,/, /g' \
	  | sed 's/^/minimum versions: /'
	$(MIN_VENV)/bin/python -m pytest -q -n 2 -m fast -p no:cacheprovider --durations=5 \
	  --basetemp=$(MIN_VENV)/pytest-tmp

# One tier of the suite: `make tier T=render` (fast, render, browser, faults, stats, public, slow).
tier: $(STAMP) ## One tier of the tests: make tier T=fast (or render, browser, faults, stats, public, slow)
	@test -n "$(T)" || { echo "Name the tier: make tier T=fast (or render, browser, faults, stats, public, slow)"; exit 2; }
	$(BIN)/python -m pytest -q -n 2 -m "$(T)" --durations=10

coverage: $(STAMP) ## Every tier with coverage of src/netlab (coverage.py through pytest-cov)
	$(BIN)/python -m pytest -q -n 2 --cov=netlab --cov-report=term:skip-covered

browser: ## Install Debian's chromium for the browser tests (needs root or sudo)
	@if [ -x /usr/bin/chromium ]; then echo "chromium present: /usr/bin/chromium"; \
	else SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; fi

demo: $(STAMP) ## Generate the synthetic demo networks and render all their reports
	$(BIN)/netlab demo

test: $(STAMP) browser ## The whole test suite (every tier: fast, render, browser, faults, stats, public, slow), and test-min beside it
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@# meanwhile the minimum-versions environment installs, then runs its fast tier at the
	@# lowest priority: it takes the CPU the main suite leaves idle while its workers wait
	@rm -f $(MIN_LOG).rc; ( if $(MAKE) --no-print-directory $(MIN_STAMP) > $(MIN_LOG) 2>&1; then \
	    start=$$(date +%s); nice -n 19 $(MAKE) --no-print-directory test-min >> $(MIN_LOG) 2>&1; \
	    rc=$$?; echo "fast tier on the minimum versions: $$(( $$(date +%s) - start )) s," \
	      "beside the main suite" >> $(MIN_LOG); \
	  else echo "installing $(MIN_VENV) failed (above)" >> $(MIN_LOG); rc=1; fi; \
	  echo $$rc > $(MIN_LOG).rc ) &
	$(BIN)/mypy
	@# three workers on two cores: while one waits for a build another worker makes once
	@# for all of them (and its single-threaded steps), the third has a test to run
	@start=$$(date +%s); $(BIN)/python -m pytest -q -n 3 --durations=15; rc=$$?; \
	  echo "main suite: $$(( $$(date +%s) - start )) s"; exit $$rc
	@while [ ! -f $(MIN_LOG).rc ]; do sleep 1; done; cat $(MIN_LOG); \
	  test "$$(cat $(MIN_LOG).rc)" = 0

lab: $(STAMP) ## Start JupyterLab on the netlab kernel with the notebooks folder open
	$(BIN)/jupyter lab --notebook-dir=notebooks $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

florida: $(STAMP) ## Import Florida's public FAFSA and school files, then render the Hillsborough network
	@if [ ! -d "$(SHARED)" ]; then echo "The public files are not here: expected $(SHARED) (see README, 'Public files')."; exit 2; fi
	$(BIN)/netlab import-public florida --source "$(SHARED)" --out data/raw/florida-2024
	$(BIN)/netlab build params/florida-2024.yaml

bench: $(STAMP) ## Run the benchmarks in bench/ (slow; prints ratios against baselines)
	for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

lint: $(STAMP) ## ruff check and format check, and mypy
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

format: $(STAMP) ## Format the code with ruff
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

clean: ## Remove processed data, reports and the virtual environment
	rm -rf data/processed/* reports/* $(VENV) $(MIN_VENV)
	touch reports/.gitkeep data/processed/.gitkeep
