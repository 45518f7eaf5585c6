"""Printed reports: `--pdf` prints each report with headless Debian Chromium; the PDF is opened and read back.

Checks the page count against the footers ("Pagina i van n"), that no table is split over two pages (its
caption and every row on one page), and that no page ends with a heading. The split check is itself
tested on a page whose table must split (print stylesheet overridden), so it can fail.
"""

import re
import shutil
import unicodedata
from pathlib import Path

import pytest

from informeel_lib.nl import html_table
from informeel_lib.report.html import page
from tests.support.ci import in_ci
from tests.support.report_reader import read_report

pytestmark = pytest.mark.slow


def _require_pdf_tools():
    from informeel_lib.errors import InformeelError
    from informeel_lib.report.pdf import chromium_path

    try:
        chromium_path()
        import playwright.sync_api  # noqa: F401
        import pypdf  # noqa: F401
    except (InformeelError, ImportError) as exc:
        msg = f"PDF-test kan niet draaien: {exc} (installeer chromium en de dev-extra)."
        pytest.fail(msg) if in_ci() else pytest.skip(msg)


def _flat(text: str) -> str:
    """Text for comparison: ligatures undone (NFKC), no whitespace (PDF text wraps cells over lines)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def pdf_pages(path) -> list[str]:
    import pypdf

    return [p.extract_text() or "" for p in pypdf.PdfReader(str(path)).pages]


def split_tables(pages: list[str], html_text: str) -> list[str]:
    """Titles of the tables whose caption and rows are not all on one page of the PDF."""
    flat = [_flat(p) for p in pages]
    split = []
    for table in read_report(html_text).tables:
        label = _flat(f"Tabel {table.number}{table.title}") if table.number else _flat(table.title)
        where = [i for i, p in enumerate(flat) if label in p]
        if not where:
            split.append(f"{table.title} (bijschrift niet gevonden)")
            continue
        text = flat[where[0]]
        start = text.index(label)
        rest = text[start:]
        cells = [_flat(c) for row in table.rows for c in row if _flat(c)]
        pos = 0
        for cell in cells:  # the rows follow the caption, in order, on the same page
            found = rest.find(cell, pos)
            if found < 0:
                split.append(table.title)
                break
            pos = found + len(cell)
    return split


def _print(paths):
    from informeel_lib.report.pdf import print_pdfs

    return print_pdfs(paths)


def test_reports_print_to_pdf_without_split_tables(rendered_round, tmp_path):
    _require_pdf_tools()
    copies = []
    for name in ("zinn.html", "netwerk.html"):
        target = tmp_path / name
        shutil.copy(rendered_round.reports / rendered_round.round_name / name, target)
        copies.append(target)
    pdfs = _print(copies)
    for html_path, pdf in zip(copies, pdfs):
        pages = pdf_pages(pdf)
        n = len(pages)
        assert 4 <= n <= 40, (pdf.name, n)
        for i, text in enumerate(pages, start=1):  # page numbers in the footer
            assert f"Pagina {i} van {n}" in text, (pdf.name, i)
        html_text = html_path.read_text(encoding="utf-8")
        report = read_report(html_text)
        assert len(report.tables) >= 10
        assert split_tables(pages, html_text) == [], pdf.name
        headings = {_flat(h) for h in report.sections}
        for i, text in enumerate(pages, start=1):  # no heading alone at the foot of a page
            lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("Pagina ")]
            assert not lines or _flat(lines[-1]) not in headings, (pdf.name, i, lines[-1])
        # the Verantwoording starts on a new page
        starts = [i for i, text in enumerate(pages) if _flat(text).startswith(_flat("Verantwoording"))]
        assert starts, pdf.name


def test_split_check_finds_a_split_table(tmp_path):
    _require_pdf_tools()
    import pandas as pd

    filler = "".join(f"<p>Regel {i} van een lange inleiding die de eerste pagina bijna vult.</p>" for i in range(38))
    table = html_table(pd.DataFrame({"Groep": [f"groep {i}" for i in range(30)], "n": range(30)}),
                       title="Een lange tabel", number=1)
    text = page(filler + table, title="proef").replace("</style>", "table, tr { break-inside: auto !important; "
                                                       "}</style>")
    path = tmp_path / "proef.html"
    path.write_text(text, encoding="utf-8")
    (pdf,) = _print([path])
    pages = pdf_pages(pdf)
    assert len(pages) >= 2
    assert split_tables(pages, text) == ["Een lange tabel"]
    assert Path(pdf).exists()
