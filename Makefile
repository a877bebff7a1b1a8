# netlab — type `make help` for the list of targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
KERNEL := netlab
SHARED ?= ../shared/data/public/florida-fafsa-2024

.DEFAULT_GOAL := help
.PHONY: help demo test lab florida lint format bench clean setup browser

help: ## List the targets
	@grep -E '^[a-z][a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (netlab)"
	touch $(STAMP)

setup: $(STAMP) ## Create .venv, install netlab and its Jupyter kernel

browser: ## Install Debian's chromium for the browser tests (needs root or sudo)
	@if [ -x /usr/bin/chromium ]; then echo "chromium present: /usr/bin/chromium"; \
	else SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; fi

demo: $(STAMP) ## Generate the synthetic demo networks and render all their reports
	$(BIN)/netlab demo

test: $(STAMP) browser ## Run the whole test suite (lint, unit, statistics, notebooks, browser)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q

lab: $(STAMP) ## Start JupyterLab on the netlab kernel with the notebooks folder open
	$(BIN)/jupyter lab --notebook-dir=notebooks $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

florida: $(STAMP) ## Import Florida's public FAFSA and school files, then render the Hillsborough network
	@if [ ! -d "$(SHARED)" ]; then echo "The public files are not here: expected $(SHARED) (see README, 'Public files')."; exit 2; fi
	$(BIN)/netlab import-public florida --source "$(SHARED)" --out data/raw/florida-2024
	$(BIN)/netlab build params/florida-2024.yaml

bench: $(STAMP) ## Run the benchmarks in bench/ (slow; prints ratios against baselines)
	for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

lint: $(STAMP) ## ruff check and format check
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: $(STAMP) ## Format the code with ruff
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

clean: ## Remove processed data, reports and the virtual environment
	rm -rf data/processed/* reports/* $(VENV)
	touch reports/.gitkeep data/processed/.gitkeep
