# newsarchive: the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test test-postgres lint typecheck unit bench constraints schema-snapshot clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,postgres,render]'
	touch $(STAMP)

setup: $(STAMP)

## Offline demo: a bundled news site on 127.0.0.1 is archived, edited, archived again.
demo: setup
	$(BIN)/python -m demosite

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

unit: setup
	$(BIN)/pytest

## What CI runs (.ci/run): lint, type check, the whole test suite.
test: lint typecheck unit

## The test suite again on PostgreSQL. Uses $NEWSARCHIVE_TEST_POSTGRES if set, else starts a
## throwaway server (.ci/postgres.sh: Debian's postgresql, initdb in a temporary directory).
test-postgres: setup
	@if [ -n "$$NEWSARCHIVE_TEST_POSTGRES" ]; then \
	  NEWSARCHIVE_TEST_BACKEND=postgresql $(BIN)/pytest; \
	else \
	  NEWSARCHIVE_TEST_BACKEND=postgresql .ci/postgres.sh $(BIN)/pytest; \
	fi

bench: setup
	$(BIN)/python benchmarks/extraction.py

## After adding a migration: rewrite the schema a new SQLite archive is created from in one step
## (storage/head_schema.sqlite.sql; tests/storage/test_head_schema.py fails until this is run).
schema-snapshot: setup
	$(BIN)/python -m storage.head_schema

## Re-pin the versions the tests pass with.
constraints:
	$(BIN)/pip freeze --exclude-editable | grep -v '^newsarchive' > constraints.txt

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
