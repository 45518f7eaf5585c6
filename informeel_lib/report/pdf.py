"""Printing the HTML reports to PDF with headless Chromium (``informeel report --pdf``).

The reports carry a print stylesheet (:data:`~informeel_lib.report.html.REPORT_CSS`: A4 with margins,
tables and figures not split across pages, headings kept with what follows, the Verantwoording on
a new page); Chromium adds page numbers in the footer. No browser is downloaded: the system's
Chromium is used (Debian package ``chromium``, or the path in ``INFORMEEL_CHROMIUM``) through the
``playwright`` package (optional extra ``informeel[pdf]``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ..errors import InformeelError

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
FOOTER = ('<div style="font-size:8px; width:100%; text-align:center; color:#555;">Pagina <span class="pageNumber">'
          '</span> van <span class="totalPages"></span></div>')


def chromium_path() -> str:
    """The Chromium executable: ``INFORMEEL_CHROMIUM``, ``/usr/bin/chromium`` or ``chromium`` on the PATH."""
    candidates = [os.environ.get("INFORMEEL_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                  shutil.which("chromium-browser")]
    for c in candidates:
        if c and Path(c).exists():
            return c
    raise InformeelError("Chromium ontbreekt: installeer het pakket 'chromium' (Debian/Ubuntu) of geef het pad op "
                         "in de omgevingsvariabele INFORMEEL_CHROMIUM; nodig voor --pdf.")


def print_pdfs(html_paths, *, chromium: str | None = None) -> list[Path]:
    """Print every HTML file to a PDF beside it (``x.html`` -> ``x.pdf``); returns the PDF paths.

    Parameters
    ----------
    html_paths : iterable of path
    chromium : str, optional
        Chromium executable (default :func:`chromium_path`).

    Notes
    -----
    One browser for all files; each page is printed with the print media type, A4 from the
    stylesheet's ``@page`` rule and a footer "Pagina n van m". Equivalent by hand:
    ``chromium --headless --print-to-pdf=x.pdf x.html`` (without the page numbers).
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise InformeelError("Voor --pdf is het pakket 'playwright' nodig: pip install 'informeel[pdf]' "
                             "(er wordt geen browser gedownload; de Chromium van het systeem wordt gebruikt).") from exc
    executable = chromium or chromium_path()
    written = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            page.emulate_media(media="print")
            for path in html_paths:
                path = Path(path).resolve()
                out = path.with_suffix(".pdf")
                page.goto(path.as_uri())
                page.pdf(path=str(out), prefer_css_page_size=True, print_background=True, display_header_footer=True,
                         header_template="<span></span>", footer_template=FOOTER)
                written.append(out)
        finally:
            browser.close()
    return written
