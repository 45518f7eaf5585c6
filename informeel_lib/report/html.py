"""Offline HTML export of executed notebooks (nbconvert, all code hidden, nothing from the network).

nbconvert's stock HTML loads require.js and MathJax from a CDN and embeds widget state that needs
a CDN as well. The reports are opened offline, possibly inside a hospital network, so the export
here renders the cells with nbconvert's ``basic`` template (no scripts, no CDN), wraps them in
our own page with inline CSS, removes widget outputs and widget state, hides all input and
prompts, and then verifies that no ``src``/``href``/``url()`` points anywhere
but the page itself or a ``data:`` URI.
"""

from __future__ import annotations

import copy
import html
import re
from pathlib import Path

import nbformat

from ..errors import InformeelError
from ..nl import TABLE_CSS

WIDGET_MIMES = ("application/vnd.jupyter.widget-view+json", "application/vnd.jupyter.widget-state+json")

REPORT_CSS = TABLE_CSS + """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; line-height: 1.5;
       color: #1d1d1d; max-width: 62em; margin: 0 auto; padding: 1em 2em; }
h1, h2, h3 { line-height: 1.2; }
a.anchor-link { display: none; }
img { max-width: 100%; height: auto; }
.output_stdout pre, .output_text pre { white-space: pre-wrap; }
blockquote.citaat { border-left: 3px solid #888; margin: .5em 0; padding: .2em .8em; color: #333; }
p.klein { font-size: .9em; color: #444; }
p.praktijk { background: #eef5fb; border-left: 4px solid #0571b0; padding: .4em .8em; }
p.netwerkbreed { background: #f3f3f3; border-left: 4px solid #757575; padding: .4em .8em; }
p.voorbehoud { border-left: 4px solid #ca0020; padding: .2em .8em; }
ul.kernboodschappen li { margin-bottom: .4em; }
nav.inhoud { border: 1px solid #ddd; padding: .2em 1.2em; margin: 1em 0; }
p.inhoud { font-size: 1.1em; margin-bottom: 0; }
p.navigatie, nav.rondes p { font-size: .95em; }
@page { size: A4; margin: 18mm 16mm 20mm 16mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  table.apa { font-size: 8.5pt; }
  table, figure, img, blockquote, p.apa-note, ul.kernboodschappen li { break-inside: avoid; page-break-inside: avoid; }
  h1, h2, h3, h4, caption { break-after: avoid; page-break-after: avoid; }
  table.apa + p.apa-note { break-before: avoid; page-break-before: avoid; }
  img { max-height: 235mm; }
  p.navigatie, nav.rondes { display: none; }
  #verantwoording { break-before: page; page-break-before: always; }
  a { color: inherit; text-decoration: none; }
}
"""

PAGE = """<!DOCTYPE html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{title}</title>
<style>{css}</style>
</head>
<body>
<main>
{body}
</main>
</body>
</html>
"""


def page(body: str, *, title: str) -> str:
    """Wrap an HTML fragment in a complete, self-contained page (Dutch, UTF-8, inline CSS only)."""
    return PAGE.format(title=html.escape(title), css=REPORT_CSS, body=body)


_URL_ATTR = re.compile(r"""(?:\b(?:src|href|action|poster|data)\s*=\s*["']?|url\(\s*["']?|@import\s+["'])"""
                       r"""\s*([^"'\s>)]+)""", re.IGNORECASE)
_SCRIPT = re.compile(r"<script\b", re.IGNORECASE)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


class ExportError(InformeelError):
    """The exported HTML would not be self-contained (an external URL or a script slipped in)."""


def external_urls(text: str) -> list[str]:
    """URLs in ``src``/``href``/``url()``/``@import`` that leave the report folder.

    Allowed: ``data:`` URIs, in-page anchors and relative links (to the other reports). Anything
    with a scheme (``https:``, ``http:``, ``file:``, ...) or protocol-relative (``//host``) is
    external.

    Examples
    --------
    >>> external_urls('<img src="data:image/png;base64,AA"><a href="zinn.html">x</a><script src="https://cdn/x.js">')
    ['https://cdn/x.js']
    """
    found = []
    for match in _URL_ATTR.finditer(text):
        url = match.group(1)
        if url.lower().startswith("data:"):
            continue
        if url.startswith("//") or _SCHEME.match(url):
            found.append(url)
    return found


def strip_notebook(nb):
    """Copy of ``nb`` without widget outputs, widget state and execution counts (for sharing)."""
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.execution_count = None
        kept = []
        for out in cell.get("outputs", []):
            data = out.get("data")
            if data is not None:
                for mime in WIDGET_MIMES:
                    data.pop(mime, None)
                if not data:
                    continue
                if "text/plain" in data and len(data) == 1 and str(data["text/plain"]).startswith(
                        ("interactive(", "VBox(", "HBox(")):
                    continue
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                continue  # warnings and progress bars are not for readers
            kept.append(out)
        cell.outputs = kept
    return nb


_EXPORTER = None


def _exporter():
    global _EXPORTER
    if _EXPORTER is None:
        from nbconvert import HTMLExporter

        # "basic" renders only the cells: no CDN scripts, no lab CSS; the page shell is ours
        exp = HTMLExporter(template_name="basic")
        exp.exclude_input = True
        exp.exclude_input_prompt = True
        exp.exclude_output_prompt = True
        _EXPORTER = exp
    return _EXPORTER


def notebook_to_html(nb, *, title: str | None = None) -> str:
    """Render an executed notebook to self-contained HTML with every code cell hidden.

    Parameters
    ----------
    nb : NotebookNode or path
        The executed notebook.
    title : str, optional
        The ``<title>`` of the page (default: the notebook's metadata title or name).

    Returns
    -------
    str
        The HTML. Raises :class:`ExportError` if a script or external URL would remain.

    Notes
    -----
    Equivalent command line (which, however, still links the CDN scripts):
    ``jupyter nbconvert --to html --no-input --no-prompt notebook.ipynb``.
    """
    if isinstance(nb, (str, Path)):
        nb = nbformat.read(str(nb), as_version=4)
    nb = strip_notebook(nb)
    body, _ = _exporter().from_notebook_node(nb)
    text = page(body, title=title or nb.metadata.get("title", "Rapport"))
    check_offline(text)
    return text


def check_offline(text: str) -> None:
    """Raise :class:`ExportError` if ``text`` contains a ``<script`` tag or an external URL."""
    if _SCRIPT.search(text):
        raise ExportError("Het HTML-rapport bevat een script; gedeelde rapporten mogen geen scripts bevatten.")
    urls = external_urls(text)
    if urls:
        raise ExportError(f"Het HTML-rapport verwijst naar een externe bron ({urls[0]}); "
                          "gedeelde rapporten moeten offline werken.")


def export_html(nb, out_path, *, title: str | None = None) -> Path:
    """Write :func:`notebook_to_html` of ``nb`` to ``out_path`` (UTF-8) and return the path."""
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(notebook_to_html(nb, title=title), encoding="utf-8")
    return out_path
