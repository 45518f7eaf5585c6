"""The rules that keep the suite honest: it cannot quietly skip, and it does not depend on the clock.

- Hypothesis is derandomised on CI (a red CI run is reproducible) and random locally;
- on CI a skipped test, doctest or notebook counts as a failure (the root conftest.py);
- no test skips because the project's own code fails to import, and none reads today's date or the clock
  to decide what is right.
"""

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import settings

from tests.support.ci import in_ci, load_hypothesis_profile

TESTS = Path(__file__).resolve().parents[1]
THIS = Path(__file__).resolve()


def _test_sources():
    return [(p, p.read_text(encoding="utf-8")) for p in sorted(TESTS.rglob("*.py")) if p.resolve() != THIS]


def test_hypothesis_is_derandomised_exactly_on_ci():
    assert settings.default.derandomize is in_ci()
    assert settings.default.deadline is None  # shared 2-core machine: timing says nothing


@pytest.mark.parametrize(("value", "derandomised"), [("false", False), ("", False), (None, False), ("true", True)])
def test_hypothesis_profile_follows_ci_whatever_hypothesis_loaded_itself(monkeypatch, value, derandomised):
    """Hypothesis loads its own derandomised profile whenever $CI exists (also CI=false); a local run is
    random all the same, CI is derandomised also when Hypothesis had loaded its defaults."""
    settings.register_profile("_guessed", settings.get_profile("default"), derandomize=not derandomised)
    try:
        settings.load_profile("_guessed")  # what Hypothesis chose from the environment at import
        if value is None:
            monkeypatch.delenv("CI", raising=False)
        else:
            monkeypatch.setenv("CI", value)
        assert load_hypothesis_profile() == ("ci" if derandomised else "dev")
        assert settings.default.derandomize is derandomised and settings.default.deadline is None
        assert (settings.default.database is None) is derandomised  # locally the example database is used
    finally:
        monkeypatch.undo()
        load_hypothesis_profile()  # back to this run's profile


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("TRUE", True), ("1", True), ("false", False),
                                                 ("", False), (None, False)])
def test_ci_detection(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)
    assert in_ci() is expected


@pytest.fixture
def root_conftest(pytestconfig):
    """The root conftest.py as pytest loaded it (its rules cover every collected item)."""
    root = TESTS.parent / "conftest.py"
    (module,) = [p for p in pytestconfig.pluginmanager.get_plugins() if getattr(p, "__file__", None) == str(root)]
    return module


def _run_hook(conftest, report):
    hook = conftest.pytest_runtest_makereport.__wrapped__ if hasattr(
        conftest.pytest_runtest_makereport, "__wrapped__") else conftest.pytest_runtest_makereport
    gen = hook(None, None)
    next(gen)
    with pytest.raises(StopIteration):
        gen.send(SimpleNamespace(get_result=lambda: report))
    return report


def test_a_skip_fails_on_ci_and_stays_a_skip_locally(monkeypatch, root_conftest):
    def skipped():
        return SimpleNamespace(skipped=True, outcome="skipped", longrepr=("f.py", 3, "Skipped: geen browser"))

    monkeypatch.setenv("CI", "true")
    report = _run_hook(root_conftest, skipped())
    assert report.outcome == "failed" and "geen browser" in report.longrepr
    monkeypatch.setenv("CI", "false")
    assert _run_hook(root_conftest, skipped()).outcome == "skipped"
    monkeypatch.setenv("CI", "true")
    xfail = SimpleNamespace(skipped=True, outcome="skipped", longrepr="", wasxfail="bekend")
    assert _run_hook(root_conftest, xfail).outcome == "skipped"  # an expected failure is not a skip


def test_no_test_skips_on_the_projects_own_imports():
    for path, text in _test_sources():
        assert not re.search(r"importorskip\(\s*[\"']informeel", text), path
        assert not re.search(r"except\s+ImportError[^\n]*:\s*\n\s*pytest\.skip", text), path


def test_no_test_reads_the_date_or_the_clock_for_its_expectation():
    clock = re.compile(r"\b(?:date\.today|datetime\.now|datetime\.today|datetime\.utcnow|time\.localtime)\(")
    for path, text in _test_sources():
        if path.name == "rendered.py":  # records the days the reports were built on; tests compare with those
            continue
        assert not clock.search(text), path
