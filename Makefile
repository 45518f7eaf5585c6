# Two commands: `make demo` and `make test`. Both (re)create .venv from pyproject.toml first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lab venv benchmark clean-demo

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name informeel --display-name "informeel (Python 3)" >/dev/null
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/informeel demo --workdir .

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile -q

# Jupyter refuses to run as root without --allow-root (containers, CI machines)
lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks $$([ "$$(id -u)" = 0 ] && echo --allow-root)

benchmark: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean-demo:
	rm -rf data/raw/20* data/raw/truth.json data/processed/*.parquet data/processed/*.csv data/processed/*.pkl reports/*
