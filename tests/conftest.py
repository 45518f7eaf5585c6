"""Fixtures shared by the unit, reference and end-to-end tests, and the Hypothesis profile.

The rule that a skip fails on CI lives in the root conftest.py, so it covers doctests and notebooks too.
"""

import pytest

from tests.support.ci import load_hypothesis_profile
from tests.support.rendered import build_rendered_round

# Hypothesis: derandomised in CI (the same inputs every run, so a red CI is reproducible), random locally
# (more inputs over time), also with CI=false. Loaded here, before any test module builds its @settings, so
# every property test inherits it; tests/unit/test_suite_rules.py checks that it took effect.
load_hypothesis_profile()


@pytest.fixture(scope="session")
def rendered_round(tmp_path_factory):
    """The synthetic network, two cleaned rounds and the rendered reports of one round (built once per run,
    shared by all xdist workers through a file lock)."""
    return build_rendered_round(tmp_path_factory)
