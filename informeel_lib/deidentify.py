"""De-identification of free text: ``deduce`` (Dutch care texts) plus our own patterns.

:func:`deidentify` is applied to every open answer when a round is cleaned (so the processed data
hold no identifiers) and again, together with :func:`~informeel_lib.privacy.scrub_text`, to every
quote a researcher proposes for a report (``informeel citaten``).

Layers, in order:

1. :func:`own_patterns`: what deduce does not cover or misses in survey text: the respondent's
   own personal code, IP addresses (v4 and v6), obfuscated e-mail addresses (``jan [at] zorg
   [punt] nl``, ``jan(at)zorg.nl``, ``jan at zorg dot nl``), phone numbers written with dots
   (``06.12.34.56.78``), an area code in brackets (``(050) 123 45 67``) or a foreign prefix
   (``+32 470 12 34 56``), Dutch postcodes and 9-digit numbers (BSN).
2. ``deduce`` (Menger et al. 2018; LGPL-3.0): names (also surnames without a first name, with
   titles and initials), locations and addresses, institutions, dates, ages, BSN, phone numbers,
   e-mail addresses and URLs; its tags ``[PERSOON-1]`` etc. become our Dutch placeholders.

deduce builds its lookup tables once after installation (about a minute) and we keep a compact form of
them (:mod:`informeel_lib.deidentify_tables`: the same lookups in a tenth of the memory); ``make venv`` does that
(``python -m informeel_lib.deidentify --build``), so no report or clean waits for it. Without
deduce installed, only the first layer runs and :func:`deduce_available` is False.

Measured recall on a hand-written set of Dutch sentences: ``benchmarks/bench_deidentify.py``
(numbers in the README).

References
----------
Menger, V., Scheepers, F., van Wijk, L. M., & Spruit, M. (2018). DEDUCE: A pattern matching method
for automatic de-identification of Dutch medical text. *Telematics and Informatics*, 35(4), 727-736.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import re
import sys
import tempfile
from collections import Counter
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

PLACEHOLDERS = {
    "naam": "[naam]", "plaats": "[plaats]", "datum": "[datum]", "nummer": "[nummer]", "telefoon": "[telefoonnummer]",
    "email": "[e-mail]", "website": "[website]", "instelling": "[instelling]", "leeftijd": "[leeftijd]",
    "ip": "[ip-adres]", "code": "[code]", "postcode": "[postcode]",
}

_DEDUCE_TAGS = {
    "PERSOON": "naam", "PATIENT": "naam", "LOCATIE": "plaats", "DATUM": "datum", "BSN": "nummer", "ID": "nummer",
    "TELEFOONNUMMER": "telefoon", "EMAILADRES": "email", "URL": "website", "ZIEKENHUIS": "instelling",
    "ZORGINSTELLING": "instelling", "INSTELLING": "instelling", "LEEFTIJD": "leeftijd",
}
_TAG_RE = re.compile(r"\[([A-Z]+)(?:-\d+)?\]")

_BRACKET_AT = r"\s*[\[\(\{<]\s*(?:at|apenstaartje|@)\s*[\]\)\}>]\s*"
_BRACKET_DOT = r"\s*[\[\(\{<]\s*(?:punt|dot)\s*[\]\)\}>]\s*"
_OWN = [
    ("ip", re.compile(r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\d.])")),
    ("ip", re.compile(r"(?<![\w:])(?:[0-9a-f]{1,4}:){2,7}[0-9a-f]{1,4}(?![\w:])|(?<![\w:])(?:[0-9a-f]{1,4}:){1,6}:"
                      r"(?:[0-9a-f]{1,4}:?){0,6}(?![\w:])", re.I)),
    ("email", re.compile(r"[\w.+\-]+" + _BRACKET_AT + r"[\w\-]+(?:(?:" + _BRACKET_DOT + r"|\.)[\w\-]+)+", re.I)),
    ("email", re.compile(r"[\w.+\-]+\s+(?:at|apenstaartje)\s+[\w\-]+(?:\s+(?:dot|punt)\s+[\w\-]+)+", re.I)),
    ("email", re.compile(r"[\w.+\-]+\s?@\s?[\w\-]+(?:\.[\w\-]+)*\.[a-z]{2,}", re.I)),
    ("telefoon", re.compile(r"(?<![\w+])\+\s?\d{1,3}(?:[ .\-]?\(?\d{1,4}\)?){2,6}(?!\d)")),
    ("telefoon", re.compile(r"(?<![\w+])00\s?\d{2}(?:[ .\-]?\d{1,4}){2,6}(?!\d)")),
    ("telefoon", re.compile(r"\(\s?0\d{1,3}\s?\)\s?\d(?:[ .\-]?\d){4,7}(?!\d)")),
    ("telefoon", re.compile(r"(?<![\w.])0\d(?:[ .\-]?\d){8}(?![\d])")),
    ("postcode", re.compile(r"\b[1-9]\d{3}\s?(?!SA|SD|SS)[A-Z]{2}\b")),
    ("datum", re.compile(r"\b(?:(?:maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag)\s+)?\d{1,2}\s+"
                         r"(?:januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
                         r"|jan|feb|mrt|apr|jun|jul|aug|sep|sept|okt|nov|dec)\.?(?:\s+\d{4})?\b", re.I)),
    ("website", re.compile(r"\b(?:(?:https?|ftp)://|www\.)[^\s<>\"']+[^\s<>\"'.,;:!?)]"
                           r"|\b[\w-]+(?:\.[\w-]+)*\.(?:nl|com|org|net|eu|be|de|info|io)(?:/[^\s<>\"']*[^\s<>\"'.,;:!?)])?"
                           r"(?![\w@])", re.I)),
    ("nummer", re.compile(r"(?<![\d.,])\d{9}(?![\d.,])")),
    ("datum", re.compile(r"(?<![\d\-/.])\d{1,2}[\-/.]\d{1,2}[\-/.](?:\d{4}|\d{2})(?![\d\-/]|\.\d)")),
    ("leeftijd", re.compile(r"\b\d{1,3}\s+jaar(?:\s+oud)?\b", re.I)),
]


def own_patterns(text: str, *, personal_codes=()) -> tuple[str, Counter]:
    """Replace the identifiers deduce does not cover; returns the text and a count per kind.

    Examples
    --------
    >>> own_patterns("mail jan [at] zorg [punt] nl of bel 06.12.34.56.78")[0]
    'mail [e-mail] of bel [telefoonnummer]'
    """
    counts: Counter = Counter()
    for code in personal_codes:
        code = str(code or "").strip()
        if len(re.sub(r"\W", "", code)) < 3:
            continue
        flexible = r"[\s\-_.]?".join(re.escape(ch) for ch in re.sub(r"[\s\-_.]", "", code))
        text, n = re.subn(r"(?<!\w)" + flexible + r"(?!\w)", PLACEHOLDERS["code"], text, flags=re.I)
        counts["code"] += n
    for kind, pattern in _OWN:
        text, n = pattern.subn(PLACEHOLDERS[kind], text)
        counts[kind] += n
    return text, +counts


def _tables_file() -> Path:
    import deduce

    return Path(deduce.__file__).parent / "data" / "lookup" / "cache" / "lookup_structs.pickle"


@contextmanager
def _tables_lock(*, build: bool):
    """Exclusive while deduce builds its lookup tables, shared while they are loaded: one process builds
    (`make test` starts the build beside the first tests), the others wait for it and never read a cache
    that is half written. Without ``fcntl`` (Windows) there is no lock."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on Linux/macOS
        yield
        return
    folder = _tables_file().parent
    if not os.access(folder, os.W_OK):  # a read-only install: the lock lives in the temporary folder
        folder = Path(tempfile.gettempdir()) / f"informeel-deduce-{hashlib.sha1(bytes(folder)).hexdigest()[:12]}"
        folder.mkdir(exist_ok=True)
    with open(folder / ".informeel-bouw.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX if build else fcntl.LOCK_SH)
        yield


def _compact_folder() -> Path:
    """Where the compact form of deduce's tables is kept (:mod:`informeel_lib.deidentify_tables`): beside
    deduce's own cache, or in the user's cache folder when the installation is read only."""
    folder = _tables_file().parent
    if os.access(folder, os.W_OK):
        return folder / "informeel"
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "informeel" / f"deduce-{hashlib.sha1(bytes(folder)).hexdigest()[:12]}"


def _compact_ready(folder: Path) -> bool:
    from importlib.metadata import version

    from .deidentify_tables import compact_tables_valid

    return compact_tables_valid(folder, deduce_version=version("deduce"), source=_tables_file(),
                                lookup_path=_tables_file().parent.parent)


def _full_deduce(Deduce):
    """deduce with its own tables (built the first time); a truncated cache (a build that was killed while
    writing) is rebuilt instead of failing every later run. The caller holds the lock exclusively."""
    try:
        return Deduce()
    except (EOFError, pickle.UnpicklingError):
        return Deduce(build_lookup_structs=True)


def _load_deduce(Deduce):
    """deduce with the compact form of its lookup tables (a tenth of the memory, the same results). The first
    time, deduce's own tables are loaded (or built) and compacted, under the lock; if the compact tables
    cannot be written, that full deduce is used."""
    from importlib.metadata import version

    from .deidentify_tables import write_compact_tables

    folder = _compact_folder()
    for _ in range(2):
        if not _compact_ready(folder):
            with _tables_lock(build=True):
                if not _compact_ready(folder):
                    full = _full_deduce(Deduce)
                    try:
                        write_compact_tables(full.lookup_structs, folder, deduce_version=version("deduce"),
                                             source=_tables_file())
                    except OSError:
                        return full
                    del full
        with _tables_lock(build=False):
            if _compact_ready(folder):  # never let deduce rebuild its full tables into the compact folder
                return Deduce(cache_path=folder)
    with _tables_lock(build=True):  # pragma: no cover - the tables changed twice while we loaded them
        return _full_deduce(Deduce)


@lru_cache(maxsize=1)
def _deduce():
    try:
        from deduce import Deduce
    except ImportError:  # pragma: no cover - deduce is a dependency; kept for a broken install
        return None
    import logging

    logging.getLogger().setLevel(max(logging.getLogger().level, logging.WARNING))
    # deduce's lookup tables are many small objects (millions in deduce's own form, fewer in the compact form
    # we load). With the cyclic garbage collector running, every allocation burst rescans them (3-4x slower
    # load); afterwards they are frozen so later collections in this process (a report kernel, a cleaning
    # run) never traverse them again.
    enabled = gc.isenabled()
    gc.disable()
    try:
        model = _load_deduce(Deduce)
    finally:
        if enabled:
            gc.enable()
    gc.freeze()
    return model


def deduce_available() -> bool:
    """Whether the deduce library is installed (its tables are built on first use)."""
    return _deduce() is not None


_WORTH_DEDUCE = re.compile(r"@|(?<=.)[A-ZÀ-Ý]|\b(?i:jaar|jarig|geboren)\b", re.S)


def deidentify(text, *, personal_codes=()) -> tuple[str, Counter]:
    """De-identify one free-text answer; returns the text and a count of replacements per kind.

    Parameters
    ----------
    text : str or None
    personal_codes : iterable of str
        The respondent's own personal code(s): replaced by ``[code]`` wherever they appear.

    Returns
    -------
    (str, Counter)
        The text with placeholders (``[naam]``, ``[plaats]``, ``[datum]``, ``[nummer]``,
        ``[telefoonnummer]``, ``[e-mail]``, ``[website]``, ``[instelling]``, ``[leeftijd]``,
        ``[ip-adres]``, ``[code]``, ``[postcode]``) and the number of each.

    Notes
    -----
    Our own patterns run first (they also cover forms that would otherwise be split up by deduce's
    tokeniser), then deduce. deduce runs only on text that could hold something it finds: an ``@``,
    a capital letter after the first character, or a word about age or birth; numbers (dates,
    phones, BSN, ages) are covered by our own patterns, so a lower-case sentence with only numbers
    does not need it (this keeps cleaning fast: most answers never reach deduce).
    """
    if text is None:
        return None, Counter()
    text = str(text)
    out, counts = own_patterns(text, personal_codes=personal_codes)
    engine = _deduce() if _WORTH_DEDUCE.search(out) else None  # deduce is loaded only when it can find something
    if engine is not None:
        done = engine.deidentify(out).deidentified_text

        def replace(match):
            kind = _DEDUCE_TAGS.get(match.group(1))
            if kind is None:
                return match.group(0)
            counts[kind] += 1
            return PLACEHOLDERS[kind]
        out = _TAG_RE.sub(replace, done)
    # last: the shipped first-name list (deduce skips a lone first name at the start of a sentence)
    from .privacy import first_name_pattern

    out, n = first_name_pattern().subn(PLACEHOLDERS["naam"], out)
    counts["naam"] += n
    return out, +counts


# a surname after a removed first name: particles and capitalised words ("[naam] de Vries" -> "[naam]")
_NAME_TAIL = re.compile(r"\[naam\](?:\s+(?:van|de|der|den|ter|ten|te|v\.d\.|vd))*\s+[A-Z][\w'-]+")


_LOWER_PARTICLES = r"(?:van|de|der|den|ter|ten|te|op|in)"
_SURNAME = r"[A-Z][\w'-]+"
# a title or form of address with a surname: "dokter Bakker", "mw. Jansen", "dhr. de Boer"
_TITLE_NAME = re.compile(r"\b(?i:dokter|dr|drs|ir|mr|mw|mevr|mevrouw|dhr|meneer|de heer|zuster|broeder|juf|meester)"
                         rf"\.?\s+(?:{_LOWER_PARTICLES}\s+)*{_SURNAME}")
# initials with a surname: "J. Jansen", "J.H. de Vries"
_INITIALS_NAME = re.compile(rf"(?<![\w.])(?:[A-Z]\.\s?){{1,4}}(?:{_LOWER_PARTICLES}\s+)*{_SURNAME}")
# a surname after lower-case particles: "van Dijk", "de Vries", "van der Berg", "Bakker-de Boer" (a house name takes a
# capital: "De Brink")
_PARTICLE_NAME = re.compile(rf"(?<![\w'-])(?:{_SURNAME}-)?((?:{_LOWER_PARTICLES}\s+)+)({_SURNAME})")
_NOT_A_NAME = frozenset({"Noord", "Zuid", "Oost", "West", "Midden", "Centrum"})


def _particle_name(match) -> str:
    if match.group(2) in _NOT_A_NAME:
        return match.group(0)  # "Team op Zuid": a direction, not a person
    return PLACEHOLDERS["naam"]


def deidentify_label(text) -> tuple[str, Counter]:
    """De-identify a short label such as a team name (shown in the reports).

    Removed: contact details and codes (our own patterns); a first name from the shipped list with the
    surname after it; a title or form of address with a surname ("dokter Bakker", "mw. Jansen"); initials
    with a surname ("J.H. de Vries"); a surname after lower-case particles ("van Dijk", "de Vries"; also
    "van Emmen": many surnames are "van" with a place). Kept: place names ("Emmen-Zuid"), house and department names,
    which start with a capital article ("De Brink", "Het Anker"), directions and numbers. A bare surname
    ("Team Jansen") cannot be told apart from a place or house name ("Team Bos", "Team Haven") and stays:
    the researcher checks team names (README, privacy). Not deduce: in a label every word is capitalised,
    and deduce takes place and house names for person names.

    >>> deidentify_label("Team van Marieke de Vries")[0]
    'Team van [naam]'
    >>> deidentify_label("Wijkteam Emmen-Zuid")[0]
    'Wijkteam Emmen-Zuid'
    >>> [deidentify_label(t)[0] for t in ("Team van Dijk", "Team dokter Bakker", "Team J.H. de Boer", "De Brink 2")]
    ['Team [naam]', 'Team [naam]', 'Team [naam]', 'De Brink 2']
    """
    if text is None:
        return None, Counter()
    from .privacy import first_name_pattern

    out, counts = own_patterns(str(text))
    out, n = first_name_pattern().subn(PLACEHOLDERS["naam"], out)
    counts["naam"] += n
    while True:
        out, n = _NAME_TAIL.subn(PLACEHOLDERS["naam"], out)
        counts["naam"] += n
        if not n:
            break
    for pattern in (_TITLE_NAME, _INITIALS_NAME):
        out, n = pattern.subn(PLACEHOLDERS["naam"], out)
        counts["naam"] += n
    before = out.count(PLACEHOLDERS["naam"])
    out = _PARTICLE_NAME.sub(_particle_name, out)
    counts["naam"] += out.count(PLACEHOLDERS["naam"]) - before
    return out, +counts


def build() -> None:
    """Build deduce's lookup tables now (``make venv`` calls this once), so no later run waits for it."""
    if _deduce() is None:
        print("deduce is niet geïnstalleerd.", file=sys.stderr)
        return
    deidentify("Marieke de Vries woont in Assen.")
    print("deduce is klaar voor gebruik.", file=sys.stderr)


if __name__ == "__main__":  # python -m informeel_lib.deidentify --build
    build()
