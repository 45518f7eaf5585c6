"""A synthetic network with two cleaned rounds and one rendered round of reports, plus HTML table parsing."""

import datetime as dt
import fcntl
import json
import os
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from informeel_lib.report import batch as reports

ROUND, PREVIOUS, SEED, MIN_GROUP = "2022-05", "2021-11", 2021, 5


@dataclass(frozen=True)
class Rendered:
    root: Path
    data: Path
    reports: Path
    round_name: str
    ok: bool
    truth: dict
    expected_files: tuple
    built_on: tuple = ()  # the dates (datetime.date) the reports were rendered on

    def html(self, name: str) -> str:
        return (self.reports / self.round_name / name).read_text(encoding="utf-8")

    def all_html(self) -> dict:
        files = sorted((self.reports / self.round_name).glob("*.html")) + [self.reports / "index.html"]
        return {p.name if p.parent.name == self.round_name else f"top/{p.name}": p.read_text(encoding="utf-8")
                for p in files}


def _build(base: Path) -> None:
    from informeel_lib.codebook import load_codebook
    from informeel_lib.io.cleaning import clean_files
    from informeel_lib.report.quotes import update_approval_file
    from informeel_lib.synth import write_network

    # Run from inside the project folder with relative paths, as `informeel report` is used
    # (this also keeps the pseudonym salt file out of the checkout).
    cwd = os.getcwd()
    started = dt.date.today()
    os.chdir(base)
    try:
        write_network("raw", seed=SEED)
        for r in (PREVIOUS, ROUND):
            clean_files([Path("raw") / r], round_name=r, out="processed")
        # the approval file the demo writes (quotes approved in place of a researcher), so reports show quotes
        update_approval_file(ROUND, data_dir="processed", codebook=load_codebook(), demo=True)
        # team pages and bundles too (cheap next to the notebooks): the team and bundle tests read them
        ok = reports.render_round(ROUND, data_dir="processed", out_dir="reports", jobs=2, progress=False, teams=True,
                                  bundle=True)
    finally:
        os.chdir(cwd)
    # the days the build ran on (two when it crossed midnight): the index pages carry one of them
    days = sorted({started.isoformat(), dt.date.today().isoformat()})
    (base / "done.json").write_text(json.dumps({"ok": ok, "built_on": days}))


class _Tables(HTMLParser):
    """Collect every <table> as (headers, rows of cell texts)."""

    def __init__(self):
        super().__init__()
        self.tables, self._cell, self._row, self._in = [], None, None, None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append(([], []))
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell, self._in = [], tag

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(("".join(self._cell).strip(), self._in))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            headers, rows = self.tables[-1]
            if all(kind == "th" for _, kind in self._row):
                headers.extend(text for text, _ in self._row)
            else:
                rows.append([text for text, _ in self._row])
            self._row = None


def tables(text: str):
    parser = _Tables()
    parser.feed(text)
    return parser.tables


def cell_int(text: str):
    text = text.replace(".", "").replace("\xa0", "")
    return int(text) if text.isdigit() else None


# --- the rendered round ----------------------------------------------------------------------------


def build_rendered_round(tmp_path_factory):
    """The synthetic network, two cleaned rounds and the rendered reports of ROUND (built once per run).

    ``INFORMEEL_RENDERED_ROUND=/some/folder`` reuses a round rendered there by an earlier run (remove the folder
    after changing report code); without it every run renders afresh in its temporary folder.
    """
    reuse = os.environ.get("INFORMEEL_RENDERED_ROUND")
    if reuse:  # developers: keep one rendered round between runs (built there the first time); CI never sets it
        base = Path(reuse).resolve()
        root = base.parent
        base.mkdir(parents=True, exist_ok=True)
    else:
        root = tmp_path_factory.getbasetemp()
        if os.environ.get("PYTEST_XDIST_WORKER"):
            root = root.parent  # shared by all workers of this run
        base = root / "informeel-rapporten"
    with open(root / f"{base.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (base / "done.json").exists():
            base.mkdir(exist_ok=True)
            _build(base)
    done = json.loads((base / "done.json").read_text())
    ok, built_on = done["ok"], tuple(dt.date.fromisoformat(d) for d in done["built_on"])
    truth = json.loads((base / "raw" / "truth.json").read_text(encoding="utf-8"))
    counts = reports.organisation_counts(base / "processed", ROUND)
    files = ("index.html", "netwerk.html", *(f"{reports.slugify(o)}.html" for o, n in counts.items() if n >= MIN_GROUP))
    return Rendered(base, base / "processed", base / "reports", ROUND, ok, truth, files, built_on)
