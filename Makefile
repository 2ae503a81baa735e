# SIAPMAS Sync — developer and operator shortcuts.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# the demo's configuration: it writes only under var/demo/, which no production config uses
CONFIG ?= config/demo.toml

.PHONY: all venv demo test sync clean

all: test

$(BIN)/siapmas-sync: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

venv: $(BIN)/siapmas-sync

demo: venv
	$(BIN)/siapmas-sync --config $(CONFIG) sync

test: venv
	$(BIN)/python -m pytest -q

# the demo's files only: a production ledger under var/ is never removed here
clean:
	rm -rf var/demo .pytest_cache build *.egg-info
