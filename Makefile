# The two commands a newcomer needs: `make demo` and `make test`.
# Both create .venv when it is missing and install what they need into it.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: demo test lint typecheck unit bench worlds clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	@touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[dev]'
	@touch $@ $(VENV)/.run-installed

## make demo: run the US-China trade war (us-china-2018-2019-world-2017) on the bundled real world-2017
## (81 economies x 28 ICIO sectors), with its sensitivity to the eight published elasticity sets; print a summary,
## write out/demo/ with its HTML report (out/demo/report.html, path printed) and record the run in the runs store
## under $TARIFFSIM_DATA_DIR (from the environment or `make demo TARIFFSIM_DATA_DIR=dir`), else the user's data
## directory
demo: $(VENV)/.run-installed
	@echo "runs store: $(if $(TARIFFSIM_DATA_DIR),$(TARIFFSIM_DATA_DIR),the user's data directory (set TARIFFSIM_DATA_DIR to choose))"
	$(BIN)/tariffsim run --demo --sensitivity --out out/demo --report $(if $(TARIFFSIM_DATA_DIR),--data-dir "$(TARIFFSIM_DATA_DIR)")

## make worlds: rebuild the bundled world-2017 (src/tariffsim/data/bundled/) from the shared data, byte for byte;
## SHARED_DATA defaults to ../shared/data
SHARED_DATA ?= ../shared/data
worlds: $(VENV)/.run-installed
	$(BIN)/python -m tariffsim.data.build_world_2017 --shared-data "$(SHARED_DATA)"

## make test: ruff, mypy on src/, pytest
test: $(VENV)/.dev-installed lint typecheck unit

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check src tests benchmarks

typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy

unit: $(VENV)/.dev-installed
	$(BIN)/pytest -q -n 2 --cov --cov-report=term

## make bench: the speed and scale benchmarks (prints figures; installs gegravity in its own venv)
bench: $(VENV)/.dev-installed
	$(BIN)/python benchmarks/ge_speed.py
	$(BIN)/python benchmarks/convergence_sweep.py
	$(BIN)/python benchmarks/multisector_speed.py
	$(BIN)/python benchmarks/pe_speed.py
	$(BIN)/python benchmarks/ppml.py
	$(BIN)/python benchmarks/data_import.py

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache
