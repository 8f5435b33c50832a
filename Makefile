# On Track risk model. `make run` and `make test` work on a fresh machine with Python 3.11+.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
WORLD  := data/generated/world
SEED   ?= 7

.PHONY: run test lint bench install world clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

$(WORLD)/manifest.json: | $(STAMP)
	$(BIN)/ontrack generate --out $(WORLD) --seed $(SEED)

world: $(WORLD)/manifest.json

run: install world
	$(BIN)/ontrack validate --data $(WORLD)

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf data/generated mlruns/*.db mlruns/ontrack-store
