# SIAPMAS Sync — developer and operator shortcuts.
#   make install   runtime only, into .venv (what a production server needs)
#   make demo      install, then one sync cycle on the bundled sample
#   make test      install plus the test tools (pytest, hypothesis, …), then the suite
#   make lint      the linter (ruff) and the type checker (mypy), both at 0 findings (CI runs it first)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# the demo's configuration: it writes only under var/demo/, which no production config uses
CONFIG ?= config/demo.toml

.PHONY: all install venv demo test lint clean

all: test

# runtime dependencies only
$(BIN)/siapmas-sync: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

# the test extras on top (developers and CI), re-installed when pyproject.toml changes
$(VENV)/.test-extras: $(BIN)/siapmas-sync
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

install: $(BIN)/siapmas-sync

venv: install  # the former name of `install`

demo: install
	$(BIN)/siapmas-sync --config $(CONFIG) sync

lint: $(VENV)/.test-extras
	$(BIN)/ruff check siapmas_sync tests benchmarks scripts
	$(BIN)/mypy siapmas_sync

test: $(VENV)/.test-extras
	$(BIN)/python -m pytest -q -n auto --dist loadfile

# the demo's files only: a production ledger under var/ is never removed here
clean:
	rm -rf var/demo .pytest_cache build *.egg-info
