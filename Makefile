# Two entry points: `make run` (dashboard on the shipped data) and `make test` (every check CI runs).
# Each creates or refreshes the local virtual environment first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8501
ARGS ?=

.PHONY: run test venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed: set PYTHON=python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/themescope dashboard --port $(PORT) $(ARGS)

test: $(STAMP)
	$(BIN)/ruff check core dashboard tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest -q $(ARGS)

clean:
	rm -rf $(VENV) .themescope-cache
