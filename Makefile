# Frontline: `make run` for the site and a worker, `make test` for the test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 2

.PHONY: run test lint bench install install-test clean

# The venv is rebuilt when pyproject.toml changes.
$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(BIN)/.installed-test: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed
install-test: $(BIN)/.installed-test

run: install
	$(FLASK) db upgrade
	$(FLASK) demo
	$(FLASK) geo build
	HOST=$(HOST) PORT=$(PORT) $(FLASK) serve --workers $(WORKERS)

test: install-test
	@if command -v npm >/dev/null; then npm install --prefix tests/browser --no-audit --no-fund --silent; \
	  else echo "npm not found: the accessibility and HTML checks will be skipped"; fi
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Figures, not a test (bench/README.md): needs PostgreSQL on 127.0.0.1:5432 and Redis on
# 127.0.0.1:6379 (database 14 is flushed); uses wrk if installed. Options go in BENCH_ARGS,
# e.g. make bench BENCH_ARGS="--seconds 10 --concurrency 16".
bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
