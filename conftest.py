"""Root conftest: the rules for every collected item (tests, doctests, notebooks), and the data nbval uses.

On CI a skipped item is a failure, whatever collected it (a test, a doctest with ``+SKIP``, a notebook):
the suite must not go quietly green by skipping what it cannot run.

nbval runs the notebooks in notebooks/ as they are, on the synthetic network.

The notebooks' parameter ``data_map = None`` means "this project's processed data"; the library
resolves it through the environment variable ``INFORMEEL_DATA_MAP`` first
(:func:`informeel_lib.report.notebook.resolve_data_map`). Before nbval starts a notebook's
kernel, this hook builds the synthetic rounds once per run (shared with the report tests) and
points the variable at them, so the kernel, which inherits the environment, reads test data and
never a researcher's real data in data/processed.
"""

import os
from pathlib import Path

import pytest

from tests.support.ci import in_ci


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if item.path.suffix != ".ipynb" or os.environ.get("INFORMEEL_DATA_MAP"):
        return
    from informeel_lib.report.notebook import DATA_ENV
    from tests.support.rendered import build_rendered_round

    # the tmp_path_factory fixture is this object; nbval's items are not functions and take no fixtures
    rendered = build_rendered_round(item.config._tmp_path_factory)
    os.environ[DATA_ENV] = str(rendered.data)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On CI a skipped item is a failure (an expected failure, xfail, is not a skip)."""
    outcome = yield
    report = outcome.get_result()
    if in_ci() and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"Overgeslagen op CI (CI=true), dat telt als fout: {reason}"


# --- the order of the files --------------------------------------------------------------------------
# make test runs the files on two xdist workers (--dist loadfile), in this order, so that a core is rarely idle:
# first what needs neither deduce's lookup tables (built in the background when make test starts, about a
# minute and a half on one core) nor the rendered round (about a minute, partly on one core); then the
# unit tests that may load deduce; then the end-to-end tests that clean their own data; then everything
# that reads the rendered round, its builder and the largest files first (so both workers finish together)
# and the notebooks last. Within a file the order is unchanged.
ROOT = Path(__file__).resolve().parent
MAY_LOAD_DEDUCE = {"test_architecture.py", "test_check.py", "test_cleaning.py", "test_cli_codebook.py",
                   "test_deidentify_tables.py", "test_draft.py", "test_files.py", "test_intake_properties.py",
                   "test_item_since.py", "test_report_codebook.py", "test_deidentify.py"}
READS_ROUND_LARGEST_FIRST = ("test_reports.py", "test_notebooks.py", "test_report_kill.py", "test_lab_browser.py",
                             "test_dask.py", "test_install.py")
OWN_DATA_LARGEST_FIRST = ("test_own_questionnaire.py", "test_error_paths.py")


def _file_rank(path: Path, reads_round: bool) -> tuple:
    parts = path.relative_to(ROOT).parts if path.is_relative_to(ROOT) else path.parts
    if path.suffix == ".ipynb":
        return (4, 0)
    if reads_round:
        return (3, READS_ROUND_LARGEST_FIRST.index(path.name) if path.name in READS_ROUND_LARGEST_FIRST else 99)
    if "e2e" in parts:
        return (2, OWN_DATA_LARGEST_FIRST.index(path.name) if path.name in OWN_DATA_LARGEST_FIRST else 99)
    return (1 if path.name in MAY_LOAD_DEDUCE else 0, 0)


def pytest_collection_modifyitems(config, items):
    reads_round = {item.path for item in items if "rendered_round" in getattr(item, "fixturenames", ())}
    items.sort(key=lambda item: _file_rank(item.path, item.path in reads_round))  # stable: files stay whole
