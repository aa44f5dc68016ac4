# Shelter Bridge: the two quickstart commands are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test install install-test browser lint wheel-check bench bench-ihtc clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'

## Set up, migrate, load demo data (once) and serve on SQLite.
run: install
	$(BIN)/flask --app placement db upgrade
	$(BIN)/flask --app placement demo --if-empty
	@echo "Shelter Bridge is running at http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	SCHEDULER_IN_APP=1 $(BIN)/flask --app placement run --host $(HOST) --port $(PORT)

## Set up and run the whole suite, on SQLite and on PostgreSQL, browser journeys included.
test: install-test browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

## The browser journeys drive Debian's Chromium (Playwright cannot download one here).
browser:
	@command -v chromium >/dev/null || { echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && apt-get install -y -qq chromium; }

lint: install-test
	$(BIN)/ruff check .

## `pip install .` serves pages: build the wheel, install it into a fresh venv outside the
## checkout, migrate a fresh SQLite database there and render the sign-in page (CI runs it).
wheel-check:
	bash .ci/wheel-check $(PYTHON)

## Optimizer benchmarks (never in CI): the emergency suite (minutes), IHTC (about 30 min).
bench: install
	$(BIN)/python -m optimizer bench --suite emergency

bench-ihtc: install
	$(BIN)/python -m optimizer bench --suite ihtc

clean:
	rm -rf $(VENV) instance .pytest_cache
