# Two commands on a fresh machine: `make run` and `make test`. Each makes .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# ical.js, the feed tests' parser from outside Python (npm); skipped with a note where there is no npm
PARSERS := tests/parsers/node_modules/.package-lock.json

.PHONY: run test test-under-load bench bench-start bench-screens torture clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

$(PARSERS): tests/parsers/package.json tests/parsers/package-lock.json
	@if command -v npm >/dev/null; then npm ci --prefix tests/parsers --no-audit --no-fund --loglevel=error \
	    || echo "ical.js could not be installed: the feed tests skip it"; \
	else echo "no npm: the feed tests skip ical.js"; fi

run: $(STAMP)
	$(BIN)/tui-scheduler --demo

test: $(STAMP) $(PARSERS)
	$(BIN)/python -m pytest

# The whole suite ten times in a row beside four busy CPU loops, as on CI's shared machines (RUNS=N to change).
test-under-load: $(STAMP) $(PARSERS)
	$(BIN)/python tests/under_load.py

# The clinic-scale benchmark (several minutes): prints the table and writes bench/results.md.
bench: $(STAMP)
	$(BIN)/python -m bench.run

# Only the start-up rows of the bench (about a minute): printed, results.md untouched.
bench-start: $(STAMP)
	$(BIN)/python -m bench.run --start-only

# Only the screens' opening times against bare modals (a minute or two); prints, writes nothing.
bench-screens: $(STAMP)
	$(BIN)/python -m bench.screens

# The torture suite at full size (make test runs it small).
torture: $(STAMP)
	TORTURE_SCALE=big $(BIN)/python -m pytest tests/torture

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
