# truecount — every target bootstraps its own virtual environment.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?=

.PHONY: install run test lint bench bench-smoke clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## run: install, create the embedded SQLite database with demo data, serve dashboard + API
run: $(STAMP)
	$(BIN)/truecount demo --if-empty
	$(BIN)/truecount users add demo --role admin --password demo-password --if-missing
	@echo "once truecount prints 'serving', sign in at http://$(HOST):$(PORT)/login as demo / demo-password (merchant: default)"
	$(BIN)/truecount serve --host $(HOST) --port $(PORT)

## lint: ruff, mypy and the import-linter layer contracts
lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

## test: install, lint, then the whole suite on SQLite and PostgreSQL
test: lint
	$(BIN)/pytest $(PYTEST_ARGS)

## bench: benchmarks, printing a table and JSON
bench: $(STAMP)
	$(BIN)/python -m benchmarks

## bench-smoke: every benchmark at a tiny size (what CI runs)
bench-smoke: $(STAMP)
	$(BIN)/python -m benchmarks --smoke

clean:
	rm -rf $(VENV) truecount.db truecount.db-wal truecount.db-shm truecount.db-writers
