# The two commands a newcomer needs: `make run` and `make test`. Both set everything up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export PORTAL_ENV ?= development

.PHONY: run test install install-test browser-deps bench assets migration clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

run: install
	$(BIN)/flask --app portal db-upgrade
	$(BIN)/flask --app portal demo-data --if-empty
	$(BIN)/flask --app portal run --host 127.0.0.1 --port $(PORT)

test: install-test
	PORTAL_ENV=test $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install-test
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

assets:
	scripts/build-assets.sh

migration: install
	scripts/regen-initial-migration.sh

clean:
	rm -rf $(VENV) instance .pytest_cache
