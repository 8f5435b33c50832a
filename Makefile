# On Track risk model. `make run` and `make test` work on a fresh machine with Python 3.11+.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
WORLD  := data/generated/world
SEED   ?= 7
COHORT ?= 2026
HOST   ?= 127.0.0.1
PORT   ?= 8000

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

# The main job on the embedded defaults: synthetic world -> validate -> train (MLflow, registry,
# champion) -> ranked list and evaluator's report -> demo users -> serve the API and web page.
run: install world
	$(BIN)/ontrack validate --data $(WORLD)
	$(BIN)/ontrack train --data $(WORLD)
	$(BIN)/ontrack rank --cohort $(COHORT) --capacity 100 --out data/generated/ranked_families_$(COHORT).csv
	$(BIN)/ontrack report --run champion --out data/generated/evaluator_report.html
	$(BIN)/ontrack score15 summary --responses $(WORLD)/score15_responses.csv --coding paper \
		--out data/generated/score15_summary.json
	$(BIN)/ontrack users demo
	@echo "Open http://$(HOST):$(PORT)/ and sign in with a token above (API docs: http://$(HOST):$(PORT)/docs)."
	$(BIN)/ontrack serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf data/generated mlruns/*.db mlruns/ontrack-store
