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

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks

benchmark: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean-demo:
	rm -rf data/raw/20* data/processed/*.parquet data/processed/*.csv reports/*
