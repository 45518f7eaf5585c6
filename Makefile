# Two commands: `make demo` and `make test`. Both (re)create .venv from pyproject.toml first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lab venv benchmark clean-demo mutate git-filter

# uv installs the dependencies (parallel downloads and bytecode compilation: about a minute less than pip on a
# fresh machine); pip does it when uv cannot be installed or cannot reach the index. The bytecode is compiled
# at install time because a machine may set PYTHONDONTWRITEBYTECODE (this one does): without .pyc files every
# kernel, worker and CLI run would compile pandas, scipy and matplotlib again.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv || true
	$(BIN)/python -m uv pip install --quiet --compile-bytecode --python $(BIN)/python --upgrade-package pip pip -e '.[dev]' || { \
	  $(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip && \
	  $(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'; }
	$(BIN)/python -m ipykernel install --sys-prefix --name informeel --display-name "informeel (Python 3)" >/dev/null
	touch $(STAMP)

# deduce's lookup tables: built once per environment (1-2 minutes, one core), never inside a report
DEDUCE := $(VENV)/.deduce-tables-compact
$(DEDUCE): $(STAMP)
	$(BIN)/python -m informeel_lib.deidentify
	touch $(DEDUCE)

venv: $(DEDUCE) git-filter

# Notebook outputs never reach git: a clean filter (see .gitattributes) strips them when a notebook is
# staged, with the system python3 and only the standard library, so it works in every checkout.
# Idempotent; silently skipped outside a git checkout (e.g. an unpacked release).
git-filter:
	@if git rev-parse --git-dir >/dev/null 2>&1; then \
	  git config filter.notebook-uitvoer.clean "python3 informeel_lib/report/strip_outputs.py" && \
	  git config filter.notebook-uitvoer.smudge cat && \
	  git config filter.notebook-uitvoer.required true; fi

demo: $(DEDUCE) git-filter
	$(BIN)/informeel demo --workdir .

# Branch coverage of every process the tests start (xdist workers, report workers, papermill kernels): each
# writes .coverage.* (pyproject.toml [tool.coverage.run]); combined and reported after the run. pytest's
# summary line is repeated last, so it stays the closing line of the output.
# deduce's tables are built in the background beside the lint and the first tests instead of before them
# (a single-threaded minute and a half that would leave the second core idle); a test that needs them
# waits for the build through a file lock (informeel_lib/deidentify.py).
test: $(STAMP) git-filter
	@($(MAKE) -s $(DEDUCE) > $(VENV)/deduce-tabellen.log 2>&1 &)
	$(BIN)/ruff check .
	@rm -f .coverage .coverage.* .pytest-out .pytest-status
	@{ COVERAGE_FILE=$(CURDIR)/.coverage $(BIN)/python -m coverage run -m pytest -n 2 --dist loadfile -q; \
	   echo $$? > .pytest-status; } | tee .pytest-out; \
	COVERAGE_FILE=$(CURDIR)/.coverage $(BIN)/python -m coverage combine -q 2> .coverage-combine.log; \
	echo "Dekking (branch coverage, alle processen; alleen bestanden onder 100%):"; \
	broken=$$(grep -c "isn't a coverage data file" .coverage-combine.log); grep -v "isn't a coverage data file\|data._warn" .coverage-combine.log; \
	[ "$$broken" = 0 ] || echo "($$broken onvolledige meetbestanden overgeslagen: processen die de kill-tests met opzet stoppen)"; \
	rm -f .coverage-combine.log .coverage.*; \
	COVERAGE_FILE=$(CURDIR)/.coverage $(BIN)/python -m coverage report | tail -n 30; \
	echo; tail -n 1 .pytest-out; status=$$(cat .pytest-status); rm -f .pytest-out .pytest-status; exit $$status

# Mutation testing (slow, not part of make test): one module at a time with its focused tests,
# results in benchmarks/mutation/ and the README. `make mutate MODULES="privacy nl"` runs some modules only.
mutate: $(DEDUCE)
	$(BIN)/python benchmarks/mutation/run.py $(MODULES)

# Jupyter refuses to run as root without --allow-root (containers, CI machines)
lab: $(DEDUCE) git-filter
	$(BIN)/jupyter lab --notebook-dir=notebooks $$([ "$$(id -u)" = 0 ] && echo --allow-root)

benchmark: $(DEDUCE)
	$(BIN)/python benchmarks/run.py

clean-demo:
	rm -rf data/raw/20* data/raw/truth.json data/processed/*.parquet data/processed/*.csv data/processed/*.pkl reports/*
