"""One zip per organisation (``informeel report --bundel``): what is theirs, and nothing of the others.

Each zip holds the organisation's report, the network report, the organisation's team pages (and
their PDFs when printed) and an ``index.html`` that lists only those, in the same relative layout
as the round folder so every link inside works after unzipping. Links that would leave the bundle
(the other rounds, the index of all rounds) are taken out of the copies in the zip.
"""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from pathlib import Path

from ..nl import round_label
from .layout import _ROUND_LINKS

_ALL_ROUNDS = re.compile(r'\s*·\s*<a href="\.\./index\.html">Alle rondes</a>')


def bundle_copy(text: str) -> str:
    """A report's HTML as it goes into a bundle: without links out of the bundle."""
    text = _ROUND_LINKS.sub('<nav class="rondes"></nav>', text)
    return _ALL_ROUNDS.sub("", text)


def bundle_index(round_name: str, organisation: str, entries: list[tuple[str, str]]) -> str:
    """The bundle's own index page: ``entries`` = [(title, relative path)]."""
    from .html import page

    items = "".join(f'<li><a href="{html.escape(path)}">{html.escape(title)}</a></li>' for title, path in entries)
    body = (f"<h1>{html.escape(organisation)}: rapporten {html.escape(round_label(round_name))}</h1>"
            "<p>De rapporten van deze ronde voor uw organisatie. Ze werken zonder internetverbinding; open dit bestand "
            f"na het uitpakken.</p><ul>{items}</ul>")
    return page(body, title=f"{organisation}: rapporten {round_label(round_name)}")


def write_bundles(out_dir, round_name: str) -> list[Path]:
    """Write ``<out_dir>/<round>/bundels/<organisation>.zip`` for every organisation report of the round."""
    folder = Path(out_dir) / round_name
    info = json.loads((folder / "rapporten.json").read_text(encoding="utf-8"))
    network = next((e for e in info["rapporten"] if e["organisatie"] is None), None)
    written = []
    for entry in info["rapporten"]:
        org = entry["organisatie"]
        if org is None:
            continue
        files = [(entry["titel"], entry["bestand"])]
        if network is not None:
            files.append((network["titel"], network["bestand"]))
        files += [(f"Team {t}", p) for t, p in sorted(entry.get("teams", {}).items())]
        target = folder / "bundels" / f"{Path(entry['bestand']).stem}.zip"
        target.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            listed = []
            for title, rel in files:
                path = folder / rel
                if not path.exists():
                    continue
                zf.writestr(rel, bundle_copy(path.read_text(encoding="utf-8")))
                listed.append((title, rel))
                pdf = path.with_suffix(".pdf")
                if pdf.exists():
                    zf.write(pdf, str(Path(rel).with_suffix(".pdf")))
                    listed.append((f"{title} (PDF)", str(Path(rel).with_suffix(".pdf"))))
            zf.writestr("index.html", bundle_index(round_name, org, listed))
        from ..files import atomic_write_bytes

        atomic_write_bytes(target, buffer.getvalue())
        written.append(target)
    return written
