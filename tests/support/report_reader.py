"""Read a rendered HTML report back into data, as a reader sees it: sections, tables, figures, sentences.

Report tests use this to check every number a reader sees against the library on the same data.
It parses by structure only (headings, ``<table>`` with ``<caption>``, ``<thead>``/``<tbody>``,
``<img alt>``, ``<p>``/``<li>``/``<blockquote>`` text), never by CSS classes or exact layout, so a
new layout (other wrappers, other order of sections) keeps working as long as tables stay tables,
figures keep their alt text and headings stay headings.

Examples
--------
>>> report = read_report(html_text)                                     # doctest: +SKIP
>>> table = report.table("Betrouwbaarheid per schaal")                  # doctest: +SKIP
>>> table.cell("Reflectie op het werk", "α (netwerk)")                  # doctest: +SKIP
',82'
>>> number(',82'), number('−0,12*'), number('1.234'), interval('[,78; ,85]')
(0.82, -0.12, 1234, (0.78, 0.85))
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

MINUS = "\u2212"
EMPTY = "\u2013"  # the en dash the reports print for "nothing to show" (nl.LEEG)
_NUMBER = re.compile(r"[<>≤≥]?\s*[+\u2212-]?(?:\d{1,3}(?:\.\d{3})+|\d+)?(?:,\d+)?")
_NUMBER_IN_TEXT = re.compile(r"(?<![\w,])[+\u2212-]?(?:\d{1,3}(?:\.\d{3})+(?!\d)|\d+)?(?:,\d+)?(?![\w])")


# --- numbers as a Dutch reader sees them ---------------------------------------------------------------

def number(text: str):
    """A Dutch number as printed in a report, as int or float; None for an empty cell.

    ``,82`` -> 0.82; ``−0,12`` (U+2212) -> -0.12; ``+0,12*`` -> 0.12 (significance star ignored);
    ``1.234`` (thousands point) -> 1234; ``40%`` -> 40; ``< ,001`` -> 0.001 (the bound: use :func:`bound`
    to tell it from an exact value); ``–`` or ``< 5`` (a suppressed count) -> None.

    Raises ValueError for text that is not a number, so a test never compares a word by accident.
    """
    t = html.unescape(text).replace("\xa0", " ").strip().rstrip("*").rstrip("%").strip()
    if t in ("", EMPTY, "—", "-"):
        return None
    if re.fullmatch(r"<\s*\d+", t):  # a count below the privacy minimum
        return None
    t = re.sub(r"^[<>≤≥]\s*", "", t)
    if not re.fullmatch(r"[+\u2212-]?(?:\d{1,3}(?:\.\d{3})+|\d+)?(?:,\d+)?", t) or not re.search(r"\d", t):
        raise ValueError(f"geen getal: {text!r}")
    sign = -1 if t[0] in (MINUS, "-") else 1
    t = t.lstrip("+" + MINUS + "-")
    if "," in t:
        whole, frac = t.split(",")
        return sign * float(f"{whole.replace('.', '') or '0'}.{frac}")
    return sign * int(t.replace(".", ""))


def bound(text: str) -> str | None:
    """The comparison a cell prints before its number (``<`` in ``< ,001``), or None for an exact value."""
    m = re.match(r"\s*([<>≤≥])", html.unescape(text))
    return m.group(1) if m else None


def decimals(text: str) -> int:
    """How many decimals a printed number has (``,820`` -> 3; ``12`` -> 0): the rounding to compare at."""
    t = html.unescape(text).strip().rstrip("*%")
    return len(t.split(",", 1)[1]) if "," in t else 0


def interval(text: str) -> tuple[float, float]:
    """``[,78; ,85]`` or ``,78 tot ,85`` -> (0.78, 0.85)."""
    t = html.unescape(text).replace("\xa0", " ").strip()
    m = re.fullmatch(r"\[?\s*(.+?)\s*(?:;|\btot\b)\s*(.+?)\s*\]?", t)
    if not m:
        raise ValueError(f"geen interval: {text!r}")
    return number(m.group(1)), number(m.group(2))


def numbers_in(text: str) -> list:
    """Every number in a sentence, in order (Dutch notation; years and counts included)."""
    out = []
    for m in _NUMBER_IN_TEXT.finditer(html.unescape(text)):
        token = m.group(0)
        if re.search(r"\d", token):
            out.append(number(token))
    return out


def matches(text: str, value: float, *, places: int | None = None) -> bool:
    """Whether a printed number equals ``value`` rounded as printed (``places`` defaults to the printed decimals).

    Half-way cases are accepted both ways (Python rounds half to even, the report may round half up).
    """
    shown = number(text)
    if shown is None:
        return False
    places = decimals(text) if places is None else places
    step = 10.0 ** -places
    return abs(shown - value) <= step / 2 + 1e-9


# --- the report's structure ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Table:
    """One table: its number, title (caption), headers, rows of cell texts, note, and where it stands."""

    number: int | None
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""
    section: str = ""
    subsection: str = ""

    def column(self, header: str) -> list[str]:
        i = self._index(header)
        return [row[i] for row in self.rows]

    def records(self) -> list[dict]:
        """Rows as {header: cell text}."""
        return [dict(zip(self.headers, row)) for row in self.rows]

    def row(self, key: str) -> dict:
        """The row whose first cell is ``key``, as {header: cell text}."""
        found = [r for r in self.records() if r[self.headers[0]] == key]
        if len(found) != 1:
            raise KeyError(f"{key!r} staat {len(found)} keer in de eerste kolom van {self.title!r}: "
                           f"{[r[0] for r in self.rows]}")
        return found[0]

    def cell(self, key: str, header: str) -> str:
        return self.row(key)[self.headers[self._index(header)]]

    def keys(self) -> list[str]:
        """The first cell of every row (group, scale or model names)."""
        return [r[0] for r in self.rows]

    def _index(self, header: str) -> int:
        if header not in self.headers:
            raise KeyError(f"kolom {header!r} ontbreekt in {self.title!r}: {self.headers}")
        return self.headers.index(header)


@dataclass(frozen=True)
class Figure:
    alt: str
    section: str = ""
    subsection: str = ""

    def pieces(self) -> list[str]:
        """The alt text's data: the ``;``-separated pieces after its introduction.

        The introduction ends at the first ``. `` when data follow it (``Intro. a: 1; b: 2.``), else at the
        first ``: `` (``Diagram van x: a 1; b 2``).
        """
        alt = self.alt.strip()
        head, dot, rest = alt.partition(". ")
        body = rest if dot and ("; " in rest or ": " in rest) else alt.partition(": ")[2]
        return [p.strip() for p in body.rstrip(".").split("; ") if p.strip()]

    def parts(self) -> dict[str, str]:
        """The pieces written as ``label: values``, as {label: values}."""
        return dict(tuple(p.split(": ", 1)) for p in self.pieces() if ": " in p)


@dataclass(frozen=True)
class Sentence:
    text: str
    section: str = ""
    subsection: str = ""
    kind: str = "p"  # p, li or blockquote

    def numbers(self) -> list:
        return numbers_in(self.text)


@dataclass(frozen=True)
class Report:
    title: str
    sections: tuple[str, ...]
    tables: tuple[Table, ...]
    figures: tuple[Figure, ...]
    sentences: tuple[Sentence, ...] = field(default=())

    def table(self, title: str, *, section: str | None = None) -> Table:
        """The one table whose caption title starts with ``title`` (optionally within a section)."""
        found = [t for t in self.tables if t.title.startswith(title) and (section is None or t.section == section)]
        if len(found) != 1:
            raise KeyError(f"{len(found)} tabellen met titel {title!r}; er zijn: {[t.title for t in self.tables]}")
        return found[0]

    # ``section`` names an h2 section or an h3 part of one (e.g. "Factorstructuur" inside the Verantwoording)
    def tables_in(self, section: str) -> list[Table]:
        return [t for t in self.tables if section in (t.section, t.subsection)]

    def figures_in(self, section: str) -> list[Figure]:
        return [f for f in self.figures if section in (f.section, f.subsection)]

    def text_of(self, section: str, *, kinds=("p", "li")) -> str:
        """All generated sentences of one section (h2) or part (h3), joined by spaces (notes under tables
        not included)."""
        return " ".join(s.text for s in self.sentences if section in (s.section, s.subsection) and s.kind in kinds)


class _Reader(HTMLParser):
    """Walks the document once, keeping the current h2/h3 and collecting tables, figures and text blocks."""

    BLOCKS = ("p", "li", "blockquote")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.title, self.section, self.subsection = "", "", ""
        self.sections, self.tables, self.figures, self.sentences = [], [], [], []
        self._heading = None  # (tag, [text])
        self._table = None  # dict while inside <table>
        self._cell = None
        self._row = None
        self._caption = None
        self._block = None  # (tag, [text], css class)
        self._skip = 0  # inside <style>/<script>/<title>

    # --- tags
    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("style", "script", "title", "head"):
            self._skip += 1
        elif tag in ("h1", "h2", "h3"):
            self._heading = (tag, [])
        elif tag == "table":
            self._table = {"rows": [], "headers": [], "caption": None, "section": self.section,
                           "subsection": self.subsection}
        elif tag == "caption" and self._table is not None:
            self._caption = []
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = ([], tag)
        elif tag == "br" and self._caption is not None:
            self._caption.append("\n")
        elif tag == "img":
            self.figures.append(Figure(html.unescape(attrs.get("alt") or ""), self.section, self.subsection))
        elif tag in self.BLOCKS and self._table is None and self._block is None:
            self._block = (tag, [], attrs.get("class") or "")

    def handle_endtag(self, tag):
        if tag in ("style", "script", "title", "head"):
            self._skip = max(0, self._skip - 1)
        elif tag in ("h1", "h2", "h3") and self._heading is not None:
            text = _clean("".join(self._heading[1]))
            if tag == "h1":
                self.title = self.title or text
            elif tag == "h2":
                self.section, self.subsection = text, ""
                self.sections.append(text)
            else:
                self.subsection = text
            self._heading = None
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append((_clean("".join(self._cell[0])), self._cell[1]))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._row and all(kind == "th" for _, kind in self._row) and not self._table["rows"]:
                self._table["headers"].extend(text for text, _ in self._row)
            else:
                self._table["rows"].append(tuple(text for text, _ in self._row))
            self._row = None
        elif tag == "caption" and self._caption is not None:
            self._table["caption"] = "".join(self._caption)
            self._caption = None
        elif tag == "table" and self._table is not None:
            self._finish_table()
        elif self._block is not None and tag == self._block[0]:
            kind, parts, css = self._block
            text = _clean("".join(parts))
            self._block = None
            if not text:
                return
            if css == "apa-note" or text.startswith("Noot."):
                self._attach_note(text)
            else:
                self.sentences.append(Sentence(text, self.section, self.subsection, kind))

    def handle_data(self, data):
        if self._skip:
            return
        if self._heading is not None:
            self._heading[1].append(data)
        if self._cell is not None:
            self._cell[0].append(data)
        elif self._caption is not None:
            self._caption.append(data)
        elif self._block is not None:
            self._block[1].append(data)

    # --- helpers
    def _finish_table(self):
        t, self._table = self._table, None
        caption = (t["caption"] or "").strip()
        m = re.match(r"\s*Tabel\s+(\d+)\s*\n?", caption)
        number_ = int(m.group(1)) if m else None
        title = _clean(caption[m.end():] if m else caption)
        self.tables.append(Table(number_, title, tuple(t["headers"]), tuple(t["rows"]), "", t["section"],
                                 t["subsection"]))

    def _attach_note(self, text):
        if self.tables:
            last = self.tables[-1]
            self.tables[-1] = Table(last.number, last.title, last.headers, last.rows,
                                    re.sub(r"^Noot\.\s*", "", text), last.section, last.subsection)


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()


def read_report(text: str) -> Report:
    """Parse a rendered report (the HTML text) into a :class:`Report`."""
    reader = _Reader()
    reader.feed(text)
    reader.close()
    return Report(reader.title, tuple(reader.sections), tuple(reader.tables), tuple(reader.figures),
                  tuple(reader.sentences))
