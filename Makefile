# ratekit: run `make` (or `make help`) to list the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JOBS ?=
export PYDEVD_DISABLE_FILE_VALIDATION := 1

$(STAMP): requirements.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11 or run 'make PYTHON=python3 ...'"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $(STAMP)

## Create or refresh .venv from requirements.txt (run by the targets below when needed)
setup: $(STAMP)

## Set up, then render every sample client's report to reports/<client_id>/
reports: $(STAMP)
	$(BIN)/ratekit render --all $(if $(JOBS),--jobs $(JOBS),)

## Set up, then run the whole test suite (and list the 15 slowest tests)
test: $(STAMP)
	$(BIN)/python -m pytest --durations=15

## Set up, then check the code with ruff (pyproject.toml [tool.ruff]: line length 120, rules E, F, W, B)
lint: $(STAMP)
	$(BIN)/ruff check ratekit tests benchmarks

## Set up, then open JupyterLab on notebooks/explore.ipynb (the interactive explorer)
lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/explore.ipynb $(if $(filter 0,$(shell id -u)),--allow-root,)

## Set up, then rebuild data/reference/ from the raw public files (RATEKIT_PUBLIC_DATA): python -m ratekit.build
reference: $(STAMP)
	$(BIN)/python -m ratekit.build

## Set up, then run the benchmark scripts in benchmarks/
bench: $(STAMP)
	@for f in benchmarks/[!_]*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

## Remove rendered reports and caches (keeps .venv; `make distclean` removes it too)
clean:
	rm -rf reports .pytest_cache .hypothesis
	find . -name __pycache__ -type d -not -path './.venv/*' -prune -exec rm -rf {} +

## clean, and remove .venv
distclean: clean
	rm -rf $(VENV)

## List the targets
help:
	@awk '/^## /{doc=substr($$0,4); next} /^[a-zA-Z_-]+:/{if(doc){split($$0,t,":"); printf "  make %-10s %s\n", t[1], doc}; doc=""}' $(MAKEFILE_LIST)

.PHONY: setup reports test lint reference lab bench clean distclean help
