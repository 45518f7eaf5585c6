"""Headless Debian Chromium through the playwright package (never `playwright install`)."""

import os
import shutil
from pathlib import Path

import pytest

from tests.support.ci import in_ci

CHROMIUM = os.environ.get("INFORMEEL_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def require_browser(chromium: str = CHROMIUM):
    """playwright's ``sync_playwright``; on CI (``CI=true``) a missing browser fails, elsewhere it skips."""
    ci = in_ci()
    if not (Path(chromium).exists() or shutil.which("chromium")):
        msg = f"Chromium ontbreekt ({chromium}); installeer het Debian-pakket 'chromium' (.ci/run doet dat)."
        pytest.fail(msg) if ci else pytest.skip(msg)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        msg = "Het pakket 'playwright' ontbreekt; installeer de dev-extra: pip install -e '.[dev]'."
        pytest.fail(msg) if ci else pytest.skip(msg)
    return sync_playwright


def executable(chromium: str = CHROMIUM) -> str:
    return chromium if Path(chromium).exists() else shutil.which("chromium")
