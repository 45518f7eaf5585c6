"""Whether the tests run on CI (``.ci/run`` exports ``CI=true``; the CI machine sets it too)."""

import os


def in_ci() -> bool:
    """True when ``$CI`` says so (``true``, ``1`` or ``yes``, any case); ``CI=false`` is a local run."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")
