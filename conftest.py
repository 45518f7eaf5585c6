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
