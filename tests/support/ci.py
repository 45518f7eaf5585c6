"""Whether the tests run on CI (``.ci/run`` exports ``CI=true``; the CI machine sets it too), and the
Hypothesis profile that follows from it."""

import os


def in_ci() -> bool:
    """True when ``$CI`` says so (``true``, ``1`` or ``yes``, any case); ``CI=false`` is a local run."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def load_hypothesis_profile() -> str:
    """Load Hypothesis's profile for this run: derandomised on CI (a red CI run is reproducible), random locally.

    Both profiles start from Hypothesis's own defaults, not from the profile it chose itself: Hypothesis loads
    its CI profile (derandomised) whenever the variable ``CI`` exists, also for ``CI=false``, and a profile
    registered without a parent inherits from whatever is loaded. Returns the name of the loaded profile.
    """
    from hypothesis import HealthCheck, settings

    base = settings.get_profile("default")
    settings.register_profile("ci", base, derandomize=True, deadline=None, database=None, print_blob=True,
                              suppress_health_check=[HealthCheck.too_slow])
    settings.register_profile("dev", base, derandomize=False, deadline=None)
    name = "ci" if in_ci() else "dev"
    settings.load_profile(name)
    return name
