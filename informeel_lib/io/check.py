"""How exports map onto a codebook (``informeel codebook check``).

For every column of every export: what it becomes (item, background question, open question,
meta, identifier, ignored) and what does not fit: columns the codebook does not know (with the
nearest item text), answer labels that are not in the codebook, organisations and roles the
codebook does not know (with the nearest known one). Something that would stop ``informeel
clean`` (a missing required column, an unknown organisation, an unreadable file) is *blocking*.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from ..codebook import Codebook, normalise_text
from ..errors import InputError
from .columns import _BRACKET, _DASH, NegatedHeading, _display, _match_column, build_index
from .readers import _detect_tool, _is_blank, _read_table, _squash
from .values import _apply_value_labels, convert_item

_KINDS = {"item": "item", "background": "achtergrondvraag", "open": "open vraag", "meta": "metakolom",
          "identifier": "identificerend (wordt verwijderd)", "ignore": "genegeerd"}


@dataclass
class FileCheck:
    """The check of one export: one line per column and the problems found."""

    file: str
    tool: str = ""
    lines: list = field(default_factory=list)
    unmapped: list = field(default_factory=list)
    problems: list = field(default_factory=list)     # not blocking (values set to missing)
    blocking: list = field(default_factory=list)     # would stop 'informeel clean'


@dataclass
class CheckReport:
    """Result of :func:`check_exports`; ``blocking`` is True when cleaning would fail."""

    codebook: Codebook
    files: list

    @property
    def blocking(self) -> bool:
        return any(f.blocking for f in self.files)

    def text(self) -> str:
        """The Dutch report printed by ``informeel codebook check``."""
        out = [f"Codeboek: {self.codebook.name or self.codebook.source} ({len(self.codebook.item_codes)} items)."]
        for f in self.files:
            out.append(f"\n{f.file} ({f.tool or 'onleesbaar'}):")
            out += [f"  {line}" for line in f.lines]
            for title, entries in (("Niet herkend", f.unmapped), ("Let op", f.problems), ("BLOKKEERT", f.blocking)):
                out += [f"  {title}: {e}" for e in entries]
        n_unmapped = sum(len(f.unmapped) for f in self.files)
        if self.blocking:
            out.append("\nUitkomst: 'informeel clean' zou stoppen; los de regels met BLOKKEERT eerst op.")
        else:
            from ..nl import plural

            rest = (f"{plural(n_unmapped, 'niet herkende kolom wordt', 'niet herkende kolommen worden')} niet "
                    "meegenomen" if n_unmapped else "alle kolommen herkend")
            out.append(f"\nUitkomst: de exports passen op het codeboek ({rest}).")
        return "\n".join(out)


def _nearest_item(heading: str, texts: list, cb: Codebook) -> str:
    candidates = {normalise_text(t): code for code in cb.item_codes for t in cb.item_texts(code)}
    best, score = None, 0.0
    for text in [heading, *texts]:
        key = normalise_text(text)
        for cand, code in candidates.items():
            ratio = difflib.SequenceMatcher(None, key, cand).ratio()
            if ratio > score:
                best, score = code, ratio
    if best is None:
        return ""
    return f"; lijkt het meest op {best} \u201c{cb.item(best).text}\u201d ({score:.0%} overeenkomst)"


def _statement(text: str) -> str:
    """The statement of a heading or label: inside LimeSurvey's brackets, after Qualtrics' dash, else all."""
    m = _BRACKET.match(str(text))
    return m.group(2).strip() if m else _DASH.split(str(text))[-1].strip()


def _reworded(heading: str, texts: list, cb: Codebook, code: str, index) -> str | None:
    """A note when a column was matched to item ``code`` only by a close (not equal) text: the item may have
    been reworded, which the codebook records (new text under ``text``, the old one under ``was``)."""
    candidates = [heading, *texts]
    candidates += [_statement(s) for s in candidates]
    if any(_squash(s) in index.names or normalise_text(s) in index.texts for s in candidates if s):
        return None
    statement = _statement(texts[0] if texts else heading)
    return (f"kolom '{heading}' ({code}) lijkt op de tekst van het codeboek maar is niet gelijk: \u201c{statement}"
            f"\u201d tegenover \u201c{cb.item(code).text}\u201d. Anders geformuleerd? Zet de nieuwe tekst onder "
            "'text' en de oude onder 'was: [...]'.")


def _nearest_category(value, categories) -> str:
    names = {normalise_text(a): c.code for c in categories for a in (c.code, c.label, *c.aliases)}
    close = difflib.get_close_matches(normalise_text(value), list(names), n=1, cutoff=0.5)
    return f" (lijkt op '{names[close[0]]}')" if close else ""


SHOWN_ROWS = 5
"""Rows named per wrong value in the check (the rest counted)."""
SHOWN_VALUES = 8
"""Wrong values named per column in the check (the rest counted)."""


def _rows_text(found: list) -> str:
    """``rij 4`` / ``rijen 4, 9 en 12`` / ``rijen 4, 9, 12, 15, 20 en nog 3``."""
    from ..nl import word_list

    shown = [str(r) for r in found[:SHOWN_ROWS]]
    if len(found) > SHOWN_ROWS:
        shown.append(f"nog {len(found) - SHOWN_ROWS}")
    return ("rij " if len(found) == 1 else "rijen ") + word_list(shown)


def _wrong_values_note(file: str, heading: str, canon: str, wrong: dict, what: str) -> str:
    """Dutch: file, column, how many cells, and per wrong value its rows (the first few, then a count)."""
    n = sum(len(r) for r in wrong.values())
    values = sorted(wrong, key=lambda v: wrong[v][0])
    parts = [f"{v!r} ({_rows_text(wrong[v])})" for v in values[:SHOWN_VALUES]]
    if len(values) > SHOWN_VALUES:
        parts.append(f"en nog {len(values) - SHOWN_VALUES} andere waarde(n)")
    return (f"bestand '{file}', kolom '{heading}' ({canon}): {n} {what}, worden ontbrekend: " + "; ".join(parts))


def _check_values(cb: Codebook, canon: str, heading: str, cells: list, result: FileCheck, rows=None) -> None:
    """Answers and categories of one column that the codebook does not know. ``cells`` are the values as
    cleaning sees them (SPSS value labels applied); ``rows`` the spreadsheet row of each cell. Each wrong
    answer is named with the file, the column and its rows (the first few, then how many more)."""
    from .schema import numeric_background
    from .values import convert_number

    rows = list(rows) if rows is not None else list(range(2, len(cells) + 2))
    numeric = numeric_background(cb)
    if canon in cb.item_codes or canon in numeric:
        def problem(v):
            return (convert_item(v, cb, canon) if canon in cb.item_codes else convert_number(v, numeric[canon], cb))[1]

        wrong: dict = {}
        for v, row in zip(cells, rows):
            if not _is_blank(v) and problem(v) is not None:
                wrong.setdefault(str(v).strip(), []).append(row)
        if wrong:
            what = ("antwoord(en) die niet in het codeboek staan of buiten het antwoordbereik liggen"
                    if canon in cb.item_codes else "waarde(n) die geen getal zijn of buiten het bereik liggen")
            result.problems.append(_wrong_values_note(result.file, heading, canon, wrong, what))
    kinds = {"organisation": ("organisatie", cb.organisations, cb.resolve_organisation),
             "role": ("rol", cb.roles, cb.resolve_role)}
    if canon in kinds:
        what, categories, resolve = kinds[canon]
        first_row = {}
        for v, row in zip(cells, rows):
            if not _is_blank(v) and resolve(v) is None:
                first_row.setdefault(str(v).strip(), row)
        for value in sorted(first_row):
            result.blocking.append(f"kolom '{heading}', rij {first_row[value]}: onbekende {what} '{value}'"
                                   f"{_nearest_category(value, categories)}: voeg haar (of een alias) toe aan het "
                                   "codeboek")


def check_file(path, cb: Codebook, *, round_name=None) -> FileCheck:
    """Check one export against ``cb`` (see the module docstring).

    An item the codebook asks only ``since`` a later round than ``round_name`` may be missing; without
    ``round_name`` every item with a ``since`` may be, with a note saying so.
    """
    from .intake import read_exports

    result = FileCheck(path.name)
    try:
        table = _read_table(path)
    except InputError as exc:
        result.blocking.append(str(exc))
        return result
    result.tool = _detect_tool(table, path)
    index = build_index(cb)
    for i, heading in enumerate(table.headings):
        texts = table.texts[i] if i < len(table.texts) else []
        label = _display(heading, i)
        try:
            hit = _match_column(heading, texts, index)
        except NegatedHeading as neg:
            result.lines.append(f"'{label}' -> NIET HERKEND (tegenovergestelde betekenis)")
            result.blocking.append(str(InputError(neg.message(), file=path.name, column=label)))
            continue
        if hit is None:
            result.lines.append(f"'{label}' -> NIET HERKEND")
            shown = f"'{label}'" + (f" (\u201c{texts[0]}\u201d)" if texts and texts[0] != heading else "")
            result.unmapped.append(f"{shown}{_nearest_item(heading, texts, cb)}")
            continue
        canon, kind, _ = hit
        where = f" {canon}" if canon else ""
        if kind == "item":
            where += f" (schaal {cb.scale_of(canon)})"
            note = _reworded(heading, texts, cb, canon, index)
            if note:
                result.problems.append(note)
        result.lines.append(f"'{label}' -> {_KINDS.get(kind, kind)}{where}")
        if canon:
            cells = _apply_value_labels([r[i] if i < len(r) else None for r in table.rows], table.value_labels.get(i))
            _check_values(cb, canon, label, cells, result, table.row_numbers)
    not_asked = cb.items_not_asked(round_name) if round_name else [it.code for it in cb.items if it.since]
    try:
        exports = read_exports(path, codebook=cb, not_asked=not_asked)
    except InputError as exc:  # missing required columns, two columns for one item, ...
        if str(exc) not in result.blocking:
            result.blocking.append(str(exc))
        return result
    held = {c for e in exports for c in e.data.columns}
    result.problems += [f"kolom {code} ontbreekt: goed als deze export van een ronde vóór {cb.item(code).since} is "
                        "(het item blijft daar leeg)" for code in not_asked if code not in held and round_name is None]
    # lines not in UTF-8, formula cells without a value, worksheets not read (or read as exports of their own)
    result.problems += [f"{note.reason} ({e.source_file})" for e in exports for note in e.notices]
    result.problems += [f"'{e.source_file}' heeft dezelfde kolomkoppen en wordt als aparte export ingelezen"
                        for e in exports[1:]]
    return result


def check_exports(paths, *, codebook: Codebook, round_name=None) -> CheckReport:
    """How every column of the exports in ``paths`` (files or folders) maps onto ``codebook``.

    ``round_name``: the round of the exports, for items the codebook asks only ``since`` a later round.

    Examples
    --------
    On a folder of exports (a plain example, not run as a doctest: a doctest that is always skipped
    counts as a failure on CI)::

        report = check_exports(["data/raw/2024-03"], codebook=cb)
        print(report.text()); report.blocking
    """
    from .cleaning import _collect_paths

    return CheckReport(codebook, [check_file(p, codebook, round_name=round_name) for p in _collect_paths(paths)])
