"""Recognising export columns: headings matched to codebook items, background, meta and identifier columns."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from ..codebook import Codebook, normalise_text
from ..errors import InputError
from .readers import _squash

FUZZY_CUTOFF = 0.9

# Common names the codebook need not spell out (the codebook's own aliases come first).
_BUILTIN_BACKGROUND_NAMES = {
    "personal_code": ["persoonlijke code", "personal code", "deelnemerscode", "respondentcode", "code"],
    "organisation": ["organisatie", "organisation", "zorgorganisatie", "werkgever", "instelling"],
    "team": ["team", "teamnaam", "team naam", "afdeling", "afdeling/team"],
    "role": ["rol", "functie", "role", "functie/rol", "functie of rol"],
    "sector": ["sector", "type zorg", "soort zorg", "werkveld"],
    "team_size": ["teamgrootte", "team size", "grootte team", "aantal collega's"],
    "tenure": ["dienstjaren", "jaren in dienst", "tenure", "dienstverband jaren"],
    "contract_hours": ["contracturen", "contract uren", "uren per week", "contract hours"],
}
_BUILTIN_META = {
    "respondent_id": ["response id", "responseid", "id"],
    "submitted": ["tijd van voltooien", "voltooid", "tijdstip van voltooiing", "einddatum", "completion time"],
    "started": ["begintijd", "starttijd", "startdatum", "start time"],
    "duration_s": ["duur (in seconden)", "duur in seconden", "duration (in seconds)"],
    "ignore": ["tijd laatst gewijzigd", "last modified time", "recorded date", "q_recaptchascore",
               "total points", "quiz feedback", "punten", "lastpage", "startlanguage"],
}
_BUILTIN_IDENTIFIERS = ["ip", "ip address", "ip adres", "ipadres", "latitude", "longitude", "locatie", "location",
                        "e mail", "mailadres", "e-mail adres", "telefoon", "mobiel", "gsm", "postcode",
                        "adres", "geboortedatum", "recipient last name", "recipient first name",
                        "recipient email", "location latitude", "location longitude", "external reference"]



NEGATIONS = frozenset({"niet", "geen", "nooit", "nergens", "niets", "niemand"})
"""Words that turn a statement into its opposite: a heading that matches an item text only when such a word
is ignored says the opposite of the item and is never matched to it."""


class NegatedHeading(Exception):
    """A heading that is close to a codebook text but differs from it in a negation ('niet', 'geen', ...)."""

    def __init__(self, heading: str, canonical: str, text: str, words: list):
        super().__init__(heading)
        self.heading, self.canonical, self.text, self.words = heading, canonical, text, words

    def message(self) -> str:
        words = ", ".join(f"'{w}'" for w in self.words)
        return (f"de kop lijkt op '{self.canonical}' (“{self.text}”), maar verschilt daarvan in {words}: "
                "hij zegt het tegenovergestelde en wordt daarom niet aan die vraag gekoppeld. Hoort de kolom toch "
                "bij die vraag, zet de kop dan als alias in het codeboek; anders hoort hij bij een andere vraag.")


def _negation_words(text: str) -> list:
    return sorted(w for w in re.findall(r"\w+", text) if w in NEGATIONS)


def _opposite_words(key: str, target: str) -> list:
    """Negation words that one of two normalised texts has and the other has not (counted)."""
    a, b = _negation_words(key), _negation_words(target)
    return sorted({w for w in a + b if a.count(w) != b.count(w)})


_BRACKET = re.compile(r"^(.*?)\s*\[([^\[\]]+)\]\s*$", re.S)
_DASH = re.compile(r"\s+[-\u2013\u2014]\s+")


# --- column recognition ---------------------------------------------------------




@dataclass
class _Index:
    names: dict        # squashed name -> (canonical, kind)
    texts: dict        # normalised text -> (canonical, kind)
    kinds: dict        # canonical -> kind


def _add(mapping, key, target):
    if key and key not in mapping:
        mapping[key] = target


def build_index(cb: Codebook) -> _Index:
    """Index of every name and text that identifies a canonical column."""
    names, texts, kinds = {}, {}, {}
    for item in cb.items:
        t = (item.code, "item")
        kinds[item.code] = "item"
        _add(names, _squash(item.code), t)
        _add(texts, normalise_text(item.text), t)
        for earlier in item.previous_texts:  # an export of an earlier round still uses the old wording
            _add(texts, normalise_text(earlier), t)
        for alias in item.aliases:
            _add(names, _squash(alias), t)
            _add(texts, normalise_text(alias), t)
    for code, text in cb.open_questions.items():
        t = (code, "open")
        kinds[code] = "open"
        _add(names, _squash(code), t)
        _add(texts, normalise_text(text), t)
        for alias in cb.open_question_aliases.get(code, ()):
            _add(names, _squash(alias), t)
    for fld, spec in cb.background.items():
        t = (fld, "background")
        kinds[fld] = "background"
        _add(names, _squash(fld), t)
        if spec.get("text"):
            _add(texts, normalise_text(spec["text"]), t)
        for alias in list(spec.get("aliases") or []):
            _add(names, _squash(alias), t)
            _add(texts, normalise_text(alias), t)
    for fld, aliases in _BUILTIN_BACKGROUND_NAMES.items():
        if fld in cb.background or fld == "personal_code":
            kinds.setdefault(fld, "background")
            for alias in aliases:
                _add(names, _squash(alias), (fld, "background"))
    for meta, aliases in list(cb.meta_columns.items()) + list(_BUILTIN_META.items()):
        kind = "ignore" if meta == "ignore" else "meta"
        target = ("" if kind == "ignore" else meta, kind)
        for alias in aliases:
            _add(names, _squash(alias), target)
    for ident in list(cb.identifier_columns) + _BUILTIN_IDENTIFIERS:
        names[_squash(ident)] = ("", "identifier")
    return _Index(names, texts, kinds)


_CODE_PREFIX = re.compile(r"^\s*([A-Za-z_][\w]*(?:\[[\w]+\])?|\d+[a-z]?)\s*[.):]\s+(\S.*)$", re.S)


def _candidates(heading: str, extra: list):
    """Texts that may identify one column, strongest first: the heading, extra texts (Qualtrics' second
    header row, SPSS variable label), and for "CODE. question" / "3. question" headings both parts."""
    out = [heading] + [t for t in extra if t]
    for text in list(out):
        m = _CODE_PREFIX.match(str(text))
        if m:
            out += [m.group(1), m.group(2)]
    return [s for s in out if s and str(s).strip()]


def _match_text(text: str, index: _Index):
    """Exact then fuzzy match of a long text against item/question texts."""
    key = normalise_text(text)
    if not key:
        return None
    if key in index.texts:
        return index.texts[key]
    if str(text).rstrip().endswith(("...", "\u2026")) and len(key) >= 15:
        # LimeSurvey "abbreviated question text" headings: a unique prefix of a known text
        targets = {index.texts[t] for t in index.texts if t.startswith(key)}
        if len(targets) == 1:
            return targets.pop()
    if len(key) < 12:
        return None
    close = difflib.get_close_matches(key, list(index.texts), n=2, cutoff=FUZZY_CUTOFF)
    if not close:
        return None
    best = index.texts[close[0]]
    if len(close) > 1 and index.texts[close[1]] != best:
        r0 = difflib.SequenceMatcher(None, key, close[0]).ratio()
        r1 = difflib.SequenceMatcher(None, key, close[1]).ratio()
        if abs(r0 - r1) < 0.02:
            return None  # ambiguous: do not guess
    opposite = _opposite_words(key, close[0])
    if opposite:
        raise NegatedHeading(str(text), best[0], close[0], opposite)
    return best


def _match_column(heading: str, extra: list, index: _Index):
    """Recognise one column: ``(canonical, kind, strength)`` or None. Strength 2 = sure, 1 = weak."""
    cands = _candidates(heading, extra)
    # 1. by name (code, field name, meta, identifier, alias)
    for s in cands:
        hit = index.names.get(_squash(s))
        if hit:
            return hit + (2,)
    # 2. LimeSurvey brackets: ANY[REFL1] or "question [statement]"
    for s in cands:
        m = _BRACKET.match(str(s))
        if m:
            inner = m.group(2)
            hit = index.names.get(_squash(inner))
            if hit and hit[1] == "item":
                return hit + (2,)
            hit = _match_text(inner, index)
            if hit:
                return hit + (2,)
    # 3. Qualtrics "stem - statement": the statement after the last dash
    for s in cands:
        parts = _DASH.split(str(s))
        if len(parts) > 1:
            hit = _match_text(parts[-1], index)
            if hit:
                return hit + (2,)
    # 4. full text (exact, then close)
    for s in cands:
        hit = _match_text(s, index)
        if hit:
            return hit + (2,)
    # 5. weak: the question part of "question [other]" or "question - Selected Choice"
    for s in cands:
        m = _BRACKET.match(str(s))
        pieces = [m.group(1)] if m else []
        parts = _DASH.split(str(s))
        if len(parts) > 1:
            pieces.append(parts[0])
        for piece in pieces:
            try:
                hit = index.names.get(_squash(piece)) or _match_text(piece, index)
            except NegatedHeading:
                continue
            if hit and hit[1] in ("background", "open"):
                return hit + (1,)
    return None


def _display(heading: str, i: int) -> str:
    return heading if heading else f"(kolom {i + 1} zonder kop)"


def recognise_columns(headings, texts, cb: Codebook, *, file=None):
    """Map raw headings to canonical columns.

    Returns
    -------
    mapping : dict
        column position -> canonical column (kept columns only)
    identifiers, unmapped : list of int
        Positions of identifier columns and of unrecognised columns.
    """
    index = build_index(cb)
    matches = {}
    identifiers, unmapped = [], []
    for i, heading in enumerate(headings):
        try:
            hit = _match_column(heading, texts[i] if i < len(texts) else [], index)
        except NegatedHeading as neg:
            raise InputError(neg.message(), file=file, column=_display(heading, i)) from None
        if hit is None:
            unmapped.append(i)
        elif hit[1] == "identifier":
            identifiers.append(i)
        elif hit[1] == "ignore":
            continue
        else:
            matches[i] = hit
    by_target = {}
    for i, (canon, kind, strength) in matches.items():
        by_target.setdefault(canon, []).append((i, kind, strength))
    mapping = {}
    for canon, hits in by_target.items():
        strong = [h for h in hits if h[2] == 2]
        keep = strong or hits[:1]
        if len(keep) > 1 and keep[0][1] in ("item", "background", "open"):
            a, b = keep[0][0], keep[1][0]
            raise InputError(f"de kolommen '{_display(headings[a], a)}' en '{_display(headings[b], b)}' worden allebei "
                             f"herkend als '{canon}'. Verwijder of hernoem één van beide.", file=file, column=canon)
        mapping[keep[0][0]] = canon
        unmapped += [h[0] for h in hits if h[0] != keep[0][0]]
    return dict(sorted(mapping.items())), identifiers, sorted(unmapped)


