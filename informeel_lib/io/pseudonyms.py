"""Salted pseudonyms for respondents.

``respondent = "p-" + HMAC-SHA256(salt, key)[:12]`` where ``key`` is the normalised personal code
(upper/lower case, spaces and punctuation do not matter), or, without a personal code, a
source key built from the export tool and the respondent id in that export. A placeholder typed
instead of a code ("nvt", "geen", "-", "x", "onbekend", ...) counts as no code, so two people who
both typed "nvt" never become one person.

The salt comes from (in this order) the ``salt`` argument, the environment variable
``INFORMEEL_SALT``, or the file ``.informeel_salt`` in the working directory, which is created
with :func:`secrets.token_hex` on first use (it is git-ignored and must never be committed:
whoever has it can test guesses of personal codes).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import sys
from pathlib import Path

from ..codebook import normalise_text
from ..errors import InputError

SALT_ENV = "INFORMEEL_SALT"
SALT_FILE = ".informeel_salt"


def get_salt(salt=None, *, directory=None) -> str:
    """The pseudonymisation salt: argument, else ``$INFORMEEL_SALT``, else ``.informeel_salt`` (created if absent)."""
    if salt is not None:
        salt = str(salt)
        if not salt:
            raise InputError("de salt voor pseudoniemen mag niet leeg zijn.")
        return salt
    env = os.environ.get(SALT_ENV, "").strip()
    if env:
        return env
    path = Path(directory or Path.cwd()) / SALT_FILE
    if path.exists():
        value = path.read_text(encoding="utf-8").strip()
        if not value:
            raise InputError("het saltbestand is leeg; verwijder het of zet INFORMEEL_SALT.", file=str(path))
        return value
    value = secrets.token_hex(32)
    path.write_text(value + "\n", encoding="utf-8")
    try:
        path.chmod(0o600)
    except OSError:  # pragma: no cover - e.g. a file system without permissions
        pass
    print(f"Let op: nieuwe salt voor pseudoniemen aangemaakt in {path}. Bewaar dit bestand veilig en zet het "
          "nooit in git: zonder dezelfde salt krijgen respondenten in een volgende ronde andere pseudoniemen.",
          file=sys.stderr)
    return value


def normalise_code(code) -> str:
    """Personal code without case, accents, spaces or punctuation (``'ab-12 cd'`` -> ``'ab12cd'``)."""
    return re.sub(r"[^0-9a-z]", "", normalise_text(code))


PLACEHOLDER_CODES = frozenset({
    "", "nvt", "na", "nb", "nvb", "geen", "geencode", "niet", "nee", "x", "onbekend", "nietbekend", "weetniet",
    "none", "null", "nan", "leeg", "anoniem", "anonymous", "unknown", "nvtt", "nietvantoepassing", "geenidee",
})
"""Normalised "personal codes" that stand for no code ('nvt', 'n.v.t.', 'geen', '-', 'x', 'onbekend', ...)."""


def is_placeholder_code(code) -> bool:
    """True when ``code`` is no real personal code: empty, punctuation only, a word for 'none' such as 'nvt',
    'geen' or 'onbekend' (any case or punctuation), or one character repeated ('xxx', '000').

    Examples
    --------
    >>> [is_placeholder_code(c) for c in ("N.v.t.", " - ", "XXX", "ab-12 cd")]
    [True, True, True, False]
    """
    return code is None or _is_placeholder_key(normalise_code(code))


def _is_placeholder_key(key: str) -> bool:
    """:func:`is_placeholder_code` for a code that is already normalised."""
    return key in PLACEHOLDER_CODES or key[0] in "x0" and key == key[0] * len(key)


def pseudonym(key: str, salt: str) -> str:
    """``'p-'`` + the first 12 hex characters of HMAC-SHA256(salt, key)."""
    digest = hmac.new(salt.encode("utf-8"), key.encode("utf-8"), hashlib.sha256).hexdigest()
    return "p-" + digest[:12]


def respondent_key(personal_code, *, tool: str, source_id) -> str:
    """The string that is hashed: the normalised personal code, else (no code, or a placeholder such as 'nvt':
    :func:`is_placeholder_code`) ``tool`` + source respondent id."""
    code = normalise_code(personal_code) if personal_code is not None else ""
    if not _is_placeholder_key(code):
        return "code:" + code
    return f"bron:{tool}:{source_id}"
