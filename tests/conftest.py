"""Fixtures shared by the unit, reference and end-to-end tests, and the rules that keep the suite honest."""

import pytest
from hypothesis import settings

from tests.support.ci import in_ci
from tests.support.rendered import build_rendered_round

# Hypothesis: derandomised in CI (the same inputs every run, so a red CI is reproducible), random locally
# (more inputs over time). Loaded here, before any test module builds its @settings, so every property test
# inherits it; tests/unit/test_suite_rules.py checks that it took effect.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if in_ci() else "dev")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On CI a skipped test is a failure: the suite must not go quietly green by skipping what it cannot run."""
    outcome = yield
    report = outcome.get_result()
    if in_ci() and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"Overgeslagen op CI (CI=true), dat telt als fout: {reason}"


@pytest.fixture(scope="session")
def rendered_round(tmp_path_factory):
    """The synthetic network, two cleaned rounds and the rendered reports of one round (built once per run,
    shared by all xdist workers through a file lock)."""
    return build_rendered_round(tmp_path_factory)
