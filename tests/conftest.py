"""Fixtures shared by the unit, reference and end-to-end tests."""

import os

import pytest

from tests.support.rendered import build_rendered_round

# Hypothesis: derandomised in CI (reproducible failures), random locally (more inputs over time)
try:
    from hypothesis import settings

    settings.register_profile("ci", derandomize=True, deadline=None)
    settings.register_profile("dev", deadline=None)
    settings.load_profile("ci" if os.environ.get("CI") else "dev")
except ImportError:  # hypothesis is a dev extra; unit tests that need it import it themselves
    pass


@pytest.fixture(scope="session")
def rendered_round(tmp_path_factory):
    """The synthetic network, two cleaned rounds and the rendered reports of one round (built once per run,
    shared by all xdist workers through a file lock)."""
    return build_rendered_round(tmp_path_factory)
