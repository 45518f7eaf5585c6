"""Privacy helpers used by every report table, figure and quoted open answer.

Two rules hold for everything the network shares:

1. Open answers are shown only after :func:`scrub_text`: HTML removed, e-mail addresses,
   phone numbers, web addresses and person names replaced by a placeholder.
2. Statistics of groups with fewer than :data:`MIN_GROUP` respondents are masked by
   :func:`suppress_small_groups` (the row is kept and marked, so nothing disappears silently).
"""

from __future__ import annotations

import html
import math
import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .errors import AnalysisError

_DATA_DIR = Path(__file__).resolve().parent / "data"

MIN_GROUP = 5
"""Smallest group whose statistics may be shown (respondents)."""

PLACEHOLDER_EMAIL = "[e-mail]"
PLACEHOLDER_PHONE = "[telefoonnummer]"
PLACEHOLDER_URL = "[website]"
PLACEHOLDER_NAME = "[naam]"
PLACEHOLDERS = (PLACEHOLDER_EMAIL, PLACEHOLDER_PHONE, PLACEHOLDER_URL, PLACEHOLDER_NAME)

SUPPRESSED_NOTE = "minder dan {min_group} respondenten: niet getoond ter bescherming van de privacy"

# --- patterns ----------------------------------------------------------------

_SCRIPT_RE = re.compile(r"<\s*(script|style|iframe|object|embed|noscript)\b[^>]*>.*?<\s*/\s*\1\s*>",
                        re.IGNORECASE | re.DOTALL)
# an opening script/style tag that is never closed: drop everything after it
_OPEN_SCRIPT_RE = re.compile(r"<\s*(script|style|iframe|object|embed|noscript)\b.*\Z", re.IGNORECASE | re.DOTALL)
_COMMENT_RE = re.compile(r"<!--.*?(-->|\Z)", re.DOTALL)
_TAG_RE = re.compile(r"<\s*/?\s*[A-Za-z!?][^<>]*(>|\Z)")
_BR_RE = re.compile(r"<\s*(br|/p|/div|/li)\b[^>]*>", re.IGNORECASE)

_EMAIL_RE = re.compile(r"[\w.+%-]+\s?(@|\(at\)|\[at\])\s?[\w-]+(\.[\w-]+)*\.[A-Za-z]{2,}", re.IGNORECASE)
_URL_RE = re.compile(
    r"\b(?:(?:https?|ftp)://|www\.)[^\s<>\"']+"
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:nl|com|org|net|eu|be|de|info|io|zorg)(?:/[^\s<>\"']*)?(?![\w@])",
    re.IGNORECASE,
)
# Dutch phone numbers: 0 + 9 digits, or +31 / 0031 (optionally "(0)") + 9 digits, with single
# spaces, hyphens or dots between digit groups: 06-12345678, 06 1234 5678, +31 6 12345678,
# +31 (0)6 12345678, 0031 6 12345678, 050-1234567, 0591-123456, 0800-1234.
_SEP = r"[ .\-]?"
_PHONE_RE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)\s?31" + _SEP + r"(?:\(0\)" + _SEP + r")?|0)"
    r"(?:\d" + _SEP + r"){8}\d(?!\d)"
    r"|\(0\d{2,3}\)\s?(?:\d" + _SEP + r"){5,6}\d(?!\d)"
    r"|(?<![\w+])0800" + _SEP + r"\d{4}(?!\d)"
)
_NAME_PARTICLES = (r"(?:(?:[Vv]an|[Vv]on|[Dd]e|[Dd]er|[Dd]en|het|[Tt]er|[Tt]en|[Tt]e|in|op|'t|[Ll]a|[Ll]e|du|da|del|di)"
                   r"\s+){0,3}")
_CAP_WORD = r"[A-ZÀ-Ý][a-zà-ÿ'\-]+"
_TITLE_RE = re.compile(
    r"\b((?i:meneer|mevrouw|mevr\.|mw\.|mw|dhr\.|dhr|de heer|juffrouw|dokter|dr\.|zuster|broeder))\s+"
    r"(" + _NAME_PARTICLES + _CAP_WORD + r")"
)


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """The shipped list of common Dutch first names (``data/first_names_nl.txt``)."""
    text = (_DATA_DIR / "first_names_nl.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=1)
def _name_re() -> re.Pattern:
    names = "|".join(sorted((re.escape(n) for n in first_names()), key=len, reverse=True))
    # First name (case-sensitive, as written in text), optionally a second first name or initial,
    # then an optional surname: tussenvoegsel(s) + capitalised word, or a capitalised word directly.
    return re.compile(
        r"(?<![\w\[])(?:" + names + r")(?![\w\]])"
        r"(?:\s+(?:[A-Z]\.\s*)*" + _NAME_PARTICLES + r"(?!(?:Ik|Je|We|Wij|Zij|Ze|Hij|Het|De|Dat|Die|En|Maar)\b)"
        + _CAP_WORD + r")?"
    )


def first_name_pattern() -> re.Pattern:
    """The compiled pattern of a first name from the shipped list, with an optional surname."""
    return _name_re()


def strip_html(text: str) -> str:
    """Remove HTML: script/style blocks with their content, comments and all other tags; unescape entities.

    Repeated until stable, so ``&lt;script&gt;`` (escaped markup) cannot reappear as a tag.
    """
    previous = None
    for _ in range(5):
        if text == previous:
            break
        previous = text
        text = _SCRIPT_RE.sub(" ", text)
        text = _OPEN_SCRIPT_RE.sub(" ", text)
        text = _COMMENT_RE.sub(" ", text)
        text = _BR_RE.sub(" ", text)
        text = _TAG_RE.sub(" ", text)
        text = html.unescape(text)
    # anything that still looks like a tag opener after the loop is dropped
    return text.replace("<", " ").replace(">", " ")


def scrub_text(text) -> str:
    """Make an open answer safe to show: plain text without identifying details.

    Parameters
    ----------
    text : str or None
        An open answer. ``None``/NaN give an empty string.

    Returns
    -------
    str
        Plain text (no HTML, single-spaced) in which e-mail addresses become ``[e-mail]``,
        phone numbers ``[telefoonnummer]``, web addresses ``[website]`` and person names
        ``[naam]``. The result still needs ``html.escape`` before it is put into HTML
        (it may contain ``&``), but it contains no markup.

    Notes
    -----
    Steps, in order: (1) ``<script>``, ``<style>``, ``<iframe>`` ... blocks are removed with their
    content, comments and other tags are removed, entities unescaped (repeated until stable);
    (2) e-mail addresses (also ``naam(at)zorg.nl``); (3) URLs (``http(s)://``, ``www.``, bare
    domains ending in .nl/.com/...); (4) Dutch phone numbers: ``0`` + 9 digits or ``+31``/``0031``
    (+ optional ``(0)``) + 9 digits, digit groups separated by single spaces, hyphens or dots;
    (5) names: a capitalised first name from ``data/first_names_nl.txt``, optionally followed by
    a tussenvoegsel and a capitalised surname ("Marieke de Vries", "Jan van der Berg"), and a
    capitalised surname after a title ("mevrouw Jansen", "dhr. de Boer" → "mevrouw [naam]").
    Names not in the list and lower-case names are NOT found: the list is a safety net, not a
    guarantee, so reports show only a few quotes, chosen by a researcher.

    Examples
    --------
    >>> scrub_text("Ik vroeg het aan Marieke de Vries (06-12345678) <script>alert(1)</script>")
    'Ik vroeg het aan [naam] ([telefoonnummer])'
    """
    if text is None or (isinstance(text, float) and math.isnan(text)) or text is pd.NA:
        return ""
    text = strip_html(str(text))
    from .deidentify import own_patterns  # obfuscated e-mail, IP, foreign/dotted phones, dates, BSN

    text = own_patterns(text)[0]
    text = _EMAIL_RE.sub(PLACEHOLDER_EMAIL, text)
    text = _URL_RE.sub(PLACEHOLDER_URL, text)
    text = _PHONE_RE.sub(PLACEHOLDER_PHONE, text)
    text = _TITLE_RE.sub(lambda m: f"{m.group(1)} {PLACEHOLDER_NAME}", text)
    text = _name_re().sub(PLACEHOLDER_NAME, text)
    return re.sub(r"\s+", " ", text).strip()


def suppress_small_groups(table: pd.DataFrame, n_col: str = "n", min_group: int = MIN_GROUP,
                          value_cols=None) -> pd.DataFrame:
    """Mask the statistics of groups with fewer than ``min_group`` respondents.

    Parameters
    ----------
    table : DataFrame
        One row per group, with a count column ``n_col``.
    n_col : str
        Column with the number of respondents of the group.
    min_group : int
        Smallest group size shown (default :data:`MIN_GROUP` = 5).
    value_cols : list of str, optional
        Columns to mask. Default: every numeric column except ``n_col`` (booleans excluded).

    Returns
    -------
    DataFrame
        A copy with the value columns set to NaN in small groups, plus the columns
        ``suppressed`` (bool) and ``note`` (Dutch explanation, empty string where shown).
        Rows are never dropped, and ``n`` stays visible so a reader sees why a row is empty.

    Notes
    -----
    A missing ``n`` counts as 0 (suppressed). Suppression is by the group's own n; it does not
    protect against differencing (network total minus the other groups), which is why reports
    show only groups and the network, never "network minus one group" for small groups.

    Examples
    --------
    >>> t = pd.DataFrame({"team": ["A", "B"], "n": [12, 3], "mean": [3.4, 4.1]})
    >>> suppress_small_groups(t)["mean"].tolist()
    [3.4, nan]
    """
    if not isinstance(table, pd.DataFrame):
        raise AnalysisError("Onderdrukken van kleine groepen kan alleen op een tabel (DataFrame).")
    if n_col not in table.columns:
        raise AnalysisError(f"De tabel heeft geen kolom '{n_col}' met het aantal respondenten per groep.")
    if not isinstance(min_group, (int,)) or isinstance(min_group, bool) or min_group < 1:
        raise AnalysisError(f"De minimale groepsgrootte moet een geheel getal van minstens 1 zijn, niet {min_group!r}.")
    out = table.copy()
    if value_cols is None:
        value_cols = [c for c in out.columns
                      if c != n_col and c not in ("suppressed",) and pd.api.types.is_numeric_dtype(out[c])
                      and not pd.api.types.is_bool_dtype(out[c])]
    else:
        value_cols = list(value_cols)
        missing = [c for c in value_cols if c not in out.columns]
        if missing:
            raise AnalysisError(f"Kolom(men) {', '.join(map(str, missing))} staan niet in de tabel.")
    n = pd.to_numeric(out[n_col], errors="coerce").fillna(0)
    small = (n < min_group).to_numpy()
    for col in value_cols:
        if small.any():
            if not (pd.api.types.is_float_dtype(out[col]) or out[col].dtype == object):
                numeric = pd.api.types.is_numeric_dtype(out[col])
                out[col] = out[col].astype("float64") if numeric else out[col].astype(object)
            out.loc[small, col] = float("nan") if pd.api.types.is_numeric_dtype(out[col]) else None
    previous = out["suppressed"].astype(bool).to_numpy() if "suppressed" in out.columns else False
    out["suppressed"] = small | previous
    note = SUPPRESSED_NOTE.format(min_group=min_group)
    old_note = out["note"].fillna("").astype(str) if "note" in out.columns else pd.Series("", index=out.index)
    out["note"] = [note if s and not o else o for s, o in zip(small, old_note)]
    return out
