"""The rendered reports in headless Chromium: every link works offline, no console errors, no network.

Uses Debian's ``/usr/bin/chromium`` through the ``playwright`` package (never ``playwright install``).
On CI (``CI=true``) a missing browser is a failure, not a skip.
"""

import shutil
from pathlib import Path
from urllib.parse import urldefrag

import pytest

from tests.support import browser as support_browser

pytestmark = pytest.mark.slow

CHROMIUM = support_browser.CHROMIUM
ARGS = support_browser.ARGS


def _require_browser():
    return support_browser.require_browser(CHROMIUM)


def test_reports_open_offline_in_chromium(rendered_round, tmp_path):
    sync_playwright = _require_browser()
    index = (rendered_round.reports / "index.html").resolve()
    errors, requests, visited = [], [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
                                     args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("console", lambda msg: errors.append(f"{msg.type}: {msg.text}") if msg.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
            page.on("request", lambda req: requests.append(req.url))
            queue, seen = [index.as_uri()], set()
            while queue:
                url = urldefrag(queue.pop(0))[0]
                if url in seen:
                    continue
                seen.add(url)
                response = page.goto(url)
                assert response is None or response.ok, f"{url} laadt niet"
                visited.append(url)
                for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
                    target = urldefrag(href)[0]
                    if target.startswith("file://") and target.endswith(".html"):
                        assert Path(target.removeprefix("file://")).exists(), f"dode link {href} op {url}"
                        queue.append(target)
                # every figure has alt text and is an embedded image that actually decoded
                for img in page.query_selector_all("img"):
                    assert (img.get_attribute("alt") or "").strip(), f"figuur zonder alt-tekst op {url}"
                    assert img.evaluate("i => i.complete && i.naturalWidth > 0"), f"figuur laadt niet op {url}"
                if url.endswith("/netwerk.html"):
                    page.screenshot(path=str(tmp_path / "netwerk.png"), full_page=True)
        finally:
            browser.close()
    expected = {f"{rendered_round.round_name}/{name}" for name in rendered_round.expected_files}
    assert {v.split("/reports/", 1)[1] for v in visited if "/reports/" in v} >= expected | {"index.html"}
    outside = [u for u in requests if not u.startswith(("file://", "data:"))]
    assert not outside, f"verzoeken buiten file:// en data: {outside[:5]}"
    assert not errors, errors
    assert (tmp_path / "netwerk.png").stat().st_size > 10_000


def test_missing_browser_fails_on_ci(monkeypatch):
    import test_browser

    monkeypatch.setattr(test_browser, "CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="Chromium ontbreekt"):
        test_browser._require_browser()
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception):
        test_browser._require_browser()
