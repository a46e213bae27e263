# Two commands on a fresh machine: `make run` and `make test`. Each makes .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench bench-screens torture clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/tui-scheduler --demo

test: $(STAMP)
	$(BIN)/python -m pytest

# The clinic-scale benchmark (several minutes): prints the table and writes bench/results.md.
bench: $(STAMP)
	$(BIN)/python -m bench.run

# Only the screens' opening times against bare modals (a minute or two); prints, writes nothing.
bench-screens: $(STAMP)
	$(BIN)/python -m bench.screens

# The torture suite at full size (make test runs it small).
torture: $(STAMP)
	TORTURE_SCALE=big $(BIN)/python -m pytest tests/torture

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
