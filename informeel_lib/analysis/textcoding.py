"""Coding open answers into forms of informal learning, and frequent terms per group.

The coding is rule based and transparent: ``informeel_lib/data/coding_scheme.yaml`` lists, per
form (zelfgestuurd, incidenteel, tacit), a Dutch description and weighted cue words and phrases
that a researcher can read and extend. Matching uses Dutch Snowball stems, so conjugations match.
Every coded answer reports which cues matched, so each code can be checked by hand.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd
import snowballstemmer
import yaml

from ..errors import AnalysisError, InputError
from ..privacy import MIN_GROUP, PLACEHOLDERS, scrub_text

_DATA_DIR = Path(__file__).resolve().parents[1] / "data"

FORMS = ("zelfgestuurd", "incidenteel", "tacit")
UNKNOWN = "onbekend"
CODES = (*FORMS, UNKNOWN)

_TOKEN_RE = re.compile(r"[a-zà-ÿ]+(?:[-'][a-zà-ÿ]+)*", re.IGNORECASE)


@lru_cache(maxsize=1)
def _stemmer():
    return snowballstemmer.stemmer("dutch")


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens of ``text`` (placeholders such as ``[naam]`` are dropped)."""
    for ph in PLACEHOLDERS:
        text = text.replace(ph, " ")
    text = text.replace("\u2019", "'").replace("n.v.t.", "nvt").replace("N.v.t.", "nvt")
    return [t.lower() for t in _TOKEN_RE.findall(text)]


@lru_cache(maxsize=50_000)
def _stem_word(token: str) -> str:
    return _stemmer().stemWord(token.replace("ï", "i").replace("ë", "e").replace("é", "e"))


def stem(tokens) -> list[str]:
    """Dutch Snowball stems (``snowballstemmer.stemmer('dutch')``) of lower-cased tokens."""
    return [_stem_word(t) for t in tokens]


@dataclass(frozen=True)
class CodingScheme:
    """A parsed coding scheme: stemmed cue words and phrases with weights per form."""

    words: dict = field(repr=False)          # form -> {stem: (weight, original word)}
    phrases: dict = field(repr=False)        # form -> [(stem tuple, weight, original phrase)]
    descriptions: dict = field(repr=False)
    labels: dict = field(repr=False)
    negations: frozenset = field(repr=False)
    unknown_phrases: tuple = field(repr=False)
    min_tokens: int = 2
    min_tokens_unknown: int = 6
    min_score: float = 1.0
    negation_window: int = 2
    tie_break: tuple = FORMS
    source: str = ""

    def __repr__(self) -> str:
        counts = ", ".join(f"{f}: {len(self.words[f])} woorden/{len(self.phrases[f])} zinsdelen" for f in FORMS)
        return f"CodingScheme({counts})"


def _parse_weighted(raw, where, source):
    if raw is None:
        return {}
    if isinstance(raw, list):
        raw = {str(k): 1.0 for k in raw}
    if not isinstance(raw, dict):
        raise InputError(f"'{where}' moet een lijst of een verzameling 'woord: gewicht' zijn.", file=source)
    out = {}
    for k, v in raw.items():
        try:
            out[str(k)] = float(1.0 if v is None else v)
        except (TypeError, ValueError) as exc:
            raise InputError(f"gewicht van '{k}' in '{where}' is geen getal.", file=source) from exc
    return out


def parse_scheme(raw: dict, source: str = "") -> CodingScheme:
    """Build a :class:`CodingScheme` from a parsed YAML mapping (see the shipped scheme for the layout)."""
    if not isinstance(raw, dict) or "forms" not in raw:
        raise InputError("het codeerschema moet een sleutel 'forms' hebben.", file=source or None)
    forms = raw["forms"]
    missing = [f for f in FORMS if f not in (forms or {})]
    if missing:
        raise InputError(f"het codeerschema mist de vorm(en) {', '.join(missing)}.", file=source or None)
    words, phrases, descriptions, labels = {}, {}, {}, {}
    for form in FORMS:
        spec = forms[form] or {}
        descriptions[form] = str(spec.get("description", "")).strip()
        labels[form] = str(spec.get("label", form))
        words[form] = {}
        phrases[form] = []
        entries = {**_parse_weighted(spec.get("words"), f"forms.{form}.words", source),
                   **_parse_weighted(spec.get("phrases"), f"forms.{form}.phrases", source)}
        for text, weight in entries.items():
            stems = tuple(stem(tokenize(text)))
            if not stems:
                continue
            if len(stems) == 1:
                old = words[form].get(stems[0])
                if old is None or weight > old[0]:
                    words[form][stems[0]] = (weight, text)
            else:
                phrases[form].append((stems, weight, text))
        phrases[form].sort(key=lambda p: -len(p[0]))
    tie = tuple(raw.get("tie_break", FORMS))
    if sorted(tie) != sorted(FORMS):
        raise InputError("'tie_break' moet precies de vormen zelfgestuurd, incidenteel en tacit noemen.",
                         file=source or None)
    unknown = tuple(tuple(stem(tokenize(p))) for p in raw.get("onbekend_phrases", []) or [])
    return CodingScheme(
        words=words, phrases=phrases, descriptions=descriptions, labels=labels,
        negations=frozenset(stem([str(n).lower() for n in raw.get("negations", []) or []])),
        unknown_phrases=tuple(u for u in unknown if u),
        min_tokens=int(raw.get("min_tokens", 2)), min_tokens_unknown=int(raw.get("min_tokens_unknown", 6)),
        min_score=float(raw.get("min_score", 1.0)), negation_window=int(raw.get("negation_window", 2)),
        tie_break=tie, source=source,
    )


@lru_cache(maxsize=4)
def _load_cached(path: str | None) -> CodingScheme:
    if path is None:
        text = (_DATA_DIR / "coding_scheme.yaml").read_text(encoding="utf-8")
        source = "coding_scheme.yaml"
    else:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"codeerschema kan niet gelezen worden ({exc.strerror}).", file=path) from exc
        source = path
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(f"codeerschema is geen geldige YAML: {exc}", file=source) from exc
    return parse_scheme(raw, source)


def load_coding_scheme(path=None) -> CodingScheme:
    """Load the coding scheme (the package's own ``data/coding_scheme.yaml`` when ``path`` is None)."""
    return _load_cached(None if path is None else str(path))


def _contains(seq, sub) -> list[int]:
    n = len(sub)
    return [i for i in range(len(seq) - n + 1) if tuple(seq[i:i + n]) == sub]


def code_text(text, scheme: CodingScheme) -> dict:
    """Code one (scrubbed) answer; returns code, matched cues and the score per form."""
    tokens = tokenize(text)
    stems = stem(tokens)
    scores = {f: 0.0 for f in FORMS}
    best_cue = {f: 0.0 for f in FORMS}
    cues = []
    result = {"code": UNKNOWN, "cues": "", **{f"score_{f}": 0.0 for f in FORMS}}
    if len(stems) < scheme.min_tokens:
        return result
    if len(stems) <= scheme.min_tokens_unknown:
        for phrase in scheme.unknown_phrases:
            if tuple(stems[:len(phrase)]) == phrase:
                return result
    used = [False] * len(stems)
    for form in FORMS:
        for phrase, weight, _original in scheme.phrases[form]:
            for i in _contains(stems, phrase):
                if any(used[i:i + len(phrase)]):
                    continue
                for j in range(i, i + len(phrase)):
                    used[j] = True
                scores[form] += weight
                best_cue[form] = max(best_cue[form], weight)
                cues.append(f"{form}: '{' '.join(tokens[i:i + len(phrase)])}'")
    for i, s in enumerate(stems):
        if used[i]:
            continue
        window = stems[max(0, i - scheme.negation_window):i]
        negated = any(w in scheme.negations for w in window)
        for form in FORMS:
            hit = scheme.words[form].get(s)
            if hit is None or hit[0] <= 0:
                continue
            if negated:
                cues.append(f"{form}: '{tokens[i]}' (ontkend, telt niet)")
                continue
            scores[form] += hit[0]
            best_cue[form] = max(best_cue[form], hit[0])
            cues.append(f"{form}: '{tokens[i]}'")
    result.update({f"score_{f}": round(scores[f], 3) for f in FORMS})
    result["cues"] = "; ".join(cues)
    top = max(scores.values())
    if top < scheme.min_score:
        return result
    tied = [f for f in FORMS if scores[f] == top]
    if len(tied) > 1:
        strongest = max(best_cue[f] for f in tied)
        tied = [f for f in tied if best_cue[f] == strongest]
    result["code"] = min(tied, key=scheme.tie_break.index)
    return result


def code_open_answers(texts, *, scheme=None) -> pd.DataFrame:
    """Code open answers into zelfgestuurd, incidenteel, tacit or onbekend.

    Parameters
    ----------
    texts : Series, list of str or str
        Open answers (None/NaN allowed: coded "onbekend").
    scheme : CodingScheme, path or dict, optional
        The coding scheme; default the shipped ``informeel_lib/data/coding_scheme.yaml``.

    Returns
    -------
    DataFrame
        Same index as ``texts`` (a Series) or 0..n−1, with columns ``text`` (scrubbed with
        :func:`informeel_lib.privacy.scrub_text`), ``code``, ``cues`` (matched cues per form,
        "; "-separated; negated cues are listed with "(ontkend, telt niet)"), and
        ``score_zelfgestuurd``, ``score_incidenteel``, ``score_tacit``.

    Notes
    -----
    Each answer is scrubbed, tokenised, lower-cased and stemmed (Snowball, Dutch). Phrase cues
    (stemmed word sequences) are matched first, longest first, and their words are then used up;
    remaining words are matched against the cue words, unless a negation word occurs in the
    ``negation_window`` words before it. The score of a form is the sum of its cue weights. The
    highest score wins if it reaches ``min_score``; ties go to the form with the heaviest single
    cue and then to the ``tie_break`` order of the scheme. Fewer than ``min_tokens`` words, a
    short answer starting with an "onbekend" phrase ("geen idee", "n.v.t."), or no cue at all
    give ``onbekend``. The coder is a transparent first pass: researchers should read a sample.

    Examples
    --------
    >>> code_open_answers(["Ik heb het protocol zelf opgezocht."])["code"].tolist()
    ['zelfgestuurd']
    """
    if isinstance(scheme, CodingScheme):
        sch = scheme
    elif isinstance(scheme, dict):
        sch = parse_scheme(scheme)
    else:
        sch = load_coding_scheme(scheme)
    if isinstance(texts, str):
        texts = [texts]
    series = texts if isinstance(texts, pd.Series) else pd.Series(list(texts))
    rows = []
    for value in series:
        clean = scrub_text(value)
        rows.append({"text": clean, **code_text(clean, sch)})
    cols = ["text", "code", "cues", *[f"score_{f}" for f in FORMS]]
    return pd.DataFrame(rows, index=series.index, columns=cols)


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """The shipped Dutch stop-word list (``data/stopwords_nl.txt``)."""
    text = (_DATA_DIR / "stopwords_nl.txt").read_text(encoding="utf-8")
    return frozenset(w.strip().lower() for w in text.splitlines() if w.strip() and not w.startswith("#"))


def frequent_terms(texts, *, by=None, n: int = 10, min_group: int = MIN_GROUP, min_count: int = 2) -> pd.DataFrame:
    """The most frequent meaningful terms in open answers, per group.

    Parameters
    ----------
    texts : Series or list of str
        Open answers.
    by : Series, array or None
        Group label per answer (e.g. ``data["organisation"]``); None: one group ``"netwerk"``.
    n : int
        Terms per group.
    min_group : int
        Groups with fewer than ``min_group`` non-empty answers are suppressed (one row with
        ``suppressed`` True and a Dutch note).
    min_count : int
        A term must occur in at least this many answers (default 2), so one person's unusual
        word cannot identify them.

    Returns
    -------
    DataFrame
        Columns ``group``, ``rank``, ``term`` (the most common spelling of the stem),
        ``n_answers`` (answers containing it), ``share`` (of the group's non-empty answers),
        ``n_group`` (non-empty answers),
        ``suppressed``, ``note``.

    Notes
    -----
    Answers are scrubbed first. Words are lower-cased; stop words (``data/stopwords_nl.txt``),
    words shorter than 3 letters and placeholders are removed; words are counted per stem at most
    once per answer (document frequency). Ties are ordered alphabetically.
    """
    series = texts if isinstance(texts, pd.Series) else pd.Series(list(texts))
    if by is None:
        groups = pd.Series("netwerk", index=series.index)
    else:
        groups = by if isinstance(by, pd.Series) else pd.Series(list(by), index=series.index)
        if len(groups) != len(series):
            raise AnalysisError("'by' moet evenveel waarden hebben als er antwoorden zijn.")
        groups = groups.reindex(series.index) if isinstance(by, pd.Series) else groups
    stop = stopwords()
    per_group: dict = {}
    for value, group in zip(series, groups):
        if group is None or (isinstance(group, float) and pd.isna(group)):
            continue
        clean = scrub_text(value)
        if not clean.strip():
            continue
        bucket = per_group.setdefault(group, {"n": 0, "docs": Counter(), "forms": {}})
        bucket["n"] += 1
        words = [w for w in tokenize(clean) if len(w) >= 3 and w not in stop]
        stems = stem(words)
        for w, s in zip(words, stems):
            bucket["forms"].setdefault(s, Counter())[w] += 1
        bucket["docs"].update(set(stems))
    rows = []
    for group in sorted(per_group, key=str):
        b = per_group[group]
        if b["n"] < min_group:
            rows.append({"group": group, "rank": pd.NA, "term": None, "n_answers": pd.NA, "share": float("nan"),
                         "n_group": b["n"], "suppressed": True,
                         "note": f"minder dan {min_group} antwoorden: niet getoond ter bescherming van de privacy"})
            continue
        ranked = sorted(((s, c) for s, c in b["docs"].items() if c >= min_count), key=lambda sc: (-sc[1], sc[0]))[:n]
        for rank, (s, c) in enumerate(ranked, start=1):
            term = sorted(b["forms"][s].items(), key=lambda wc: (-wc[1], wc[0]))[0][0]
            rows.append({"group": group, "rank": rank, "term": term, "n_answers": c, "share": c / b["n"],
                         "n_group": b["n"], "suppressed": False, "note": ""})
    cols = ["group", "rank", "term", "n_answers", "share", "n_group", "suppressed", "note"]
    return pd.DataFrame(rows, columns=cols)
