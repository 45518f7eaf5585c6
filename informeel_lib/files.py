"""Safe file handling shared by intake, cleaning and reports (a foundation module, like errors/nl/privacy).

What it guarantees:

* **Names**: round and organisation names are checked against :data:`SAFE_NAME` and every path built
  from them is resolved and checked to lie inside its folder (:func:`safe_name`, :func:`inside`), so
  ``--round ..`` or ``--round ../x`` can never write outside ``--out``/``--data``.
* **Regular files only**: :func:`check_input_file` refuses FIFOs, devices (``/dev/zero`` behind a
  symlink), folders and files larger than :data:`MAX_FILE_BYTES`, before anything is opened.
* **Atomic writes**: :func:`atomic_write_bytes`/:func:`atomic_write_text` write to a temporary file in the
  same folder, ``fsync`` it and ``os.replace`` it into place, so a reader sees the old or the new file,
  never a truncated one.
* **Authenticated caches**: :func:`sign_payload`/:func:`verify_payload` add and check an HMAC-SHA256
  with a key derived from the project's secret (the pseudonym salt), so a file a user drops into the
  data folder is never unpickled (:func:`dump_signed_pickle`, :func:`load_signed_pickle`).

Every refusal is an :class:`~informeel_lib.errors.InputError` with a Dutch message naming the file.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import re
import stat
import tempfile
import zlib
from pathlib import Path

from .errors import InputError
from .nl import integer

SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}")
"""Round names (and other names that become file names): a letter or digit first, then letters, digits,
``_``, ``.`` and ``-``; at most 64 characters; never ``..`` inside."""

MAX_FILE_BYTES = 1024 * 1024 * 1024
"""Largest raw export that is read (1 GiB)."""

MAX_XLSX_UNCOMPRESSED = 512 * 1024 * 1024
"""Largest total uncompressed size of the parts of an XLSX file (a zip bomb is refused before parsing)."""

MAX_XLSX_CELLS = 20_000_000
"""Most cells (counted in the sheet XML, before parsing) an XLSX export may have."""

CACHE_KEY_ENV = "INFORMEEL_CACHE_KEY"
"""Environment variable through which the batch runner hands the cache key to workers and kernels."""

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def printable(value, *, limit: int = 80) -> str:
    """``value`` as text fit to echo in a message: control characters removed, shortened to ``limit``.

    Examples
    --------
    >>> printable("ab\\x1b[31mc")
    'ab[31mc'
    """
    text = _CONTROL.sub("", str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def safe_name(value, *, what: str = "rondenaam") -> str:
    """``value`` if it is a safe file-name component (:data:`SAFE_NAME`), else a Dutch InputError.

    Examples
    --------
    >>> safe_name("2022-05")
    '2022-05'
    """
    text = str(value)
    if not SAFE_NAME.fullmatch(text) or ".." in text:
        raise InputError(f"{what} '{printable(text)}' is ongeldig: gebruik alleen letters, cijfers, '-', '_' en "
                         "'.', begin met een letter of cijfer, geen '..', hoogstens 64 tekens "
                         "(bijvoorbeeld 2022-05).")
    return text


def inside(folder, name: str) -> Path:
    """``folder / name`` resolved; an InputError if it does not lie directly inside ``folder``."""
    base = Path(folder).resolve()
    path = (base / name).resolve()
    if path.parent != base:
        raise InputError(f"'{printable(name)}' verwijst naar een plek buiten de map.", file=str(base))
    return path


def check_input_file(path, *, max_bytes: int | None = None) -> int:
    """Check that ``path`` is a regular file of acceptable size before it is opened; returns its size.

    Symlinks are followed and the target is checked: a link to ``/dev/zero`` or a FIFO named
    ``.csv`` is refused instead of hanging or filling memory.
    """
    path = Path(path)
    max_bytes = MAX_FILE_BYTES if max_bytes is None else max_bytes
    try:
        info = os.stat(path)
    except OSError as exc:
        raise InputError(f"het bestand kan niet gelezen worden ({exc.strerror}).", file=path.name) from exc
    if stat.S_ISDIR(info.st_mode):
        raise InputError("dit is een map, geen bestand.", file=path.name)
    if not stat.S_ISREG(info.st_mode):
        raise InputError("dit is geen gewoon bestand (maar bijvoorbeeld een apparaat of pijp); lever een "
                         "exportbestand aan.", file=path.name)
    if info.st_size > max_bytes:
        raise InputError(f"het bestand is te groot ({info.st_size / 2**20:.0f} MB; hoogstens "
                         f"{max_bytes / 2**20:.0f} MB). Splits de export of neem contact op met het onderzoeksteam.",
                         file=path.name)
    return int(info.st_size)


def check_xlsx_limits(path, *, max_uncompressed: int | None = None, max_cells: int | None = None) -> None:
    """Refuse an XLSX whose parts unpack to more than ``max_uncompressed`` bytes or hold more than
    ``max_cells`` cells, before openpyxl parses anything (a 6 MB zip bomb can hold 60 million cells).

    The cell count streams the worksheet XML in 1 MB blocks and counts ``<c`` elements, so it takes
    bounded memory and stops as soon as the limit is passed.
    """
    import zipfile

    path = Path(path)
    max_uncompressed = MAX_XLSX_UNCOMPRESSED if max_uncompressed is None else max_uncompressed
    max_cells = MAX_XLSX_CELLS if max_cells is None else max_cells
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            total = sum(i.file_size for i in infos)
            if total > max_uncompressed:
                raise InputError(f"het Excel-bestand pakt uit tot {total / 2**20:.0f} MB (hoogstens "
                                 f"{max_uncompressed / 2**20:.0f} MB); sla de export op als CSV.", file=path.name)
            cells = 0
            pattern = re.compile(rb"<(?:\w+:)?c[\s>/]")
            for info in infos:
                if not re.fullmatch(r"xl/worksheets/[^/]+\.xml", info.filename):
                    continue
                tail = b""
                with zf.open(info) as fh:
                    while block := fh.read(1 << 20):
                        chunk = tail + block
                        cells += len(pattern.findall(chunk))
                        tail = chunk[-8:]
                        cells -= len(pattern.findall(tail))  # counted again with the next block
                        if cells > max_cells:
                            raise InputError(f"het Excel-bestand heeft meer dan {integer(max_cells)} cellen; sla de "
                                             "export op als CSV of splits hem.", file=path.name)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
        raise InputError("dit is geen geldig Excel-bestand (.xlsx); het is beschadigd of van een ander type.",
                         file=path.name) from exc


# --- atomic writes --------------------------------------------------------------------------------

def read_parquet(path, *, columns=None):
    """A processed round (``.parquet``) as a DataFrame; a damaged or foreign file is a Dutch InputError.

    R: ``arrow::read_parquet(path)``.
    """
    import pandas as pd

    try:
        return pd.read_parquet(path, columns=columns)
    except Exception as exc:
        raise InputError("dit is geen leesbaar parquet-bestand (beschadigd of van een ander type); maak de ronde "
                         "opnieuw met 'informeel clean'.", file=str(path)) from exc


def _temp_beside(path: Path) -> Path:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    return Path(tmp)


def temp_path(path) -> Path:
    """A new empty temporary file in the folder of ``path`` (same file system, so ``os.replace`` is atomic)."""
    return _temp_beside(Path(path))


def commit(tmp, path) -> None:
    """fsync ``tmp`` and move it over ``path`` atomically."""
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def atomic_write_bytes(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file, fsync, rename)."""
    path = Path(path)
    tmp = _temp_beside(path)
    try:
        tmp.write_bytes(data)
        commit(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def atomic_write_text(path, text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically."""
    return atomic_write_bytes(path, text.encode(encoding))


def sha256_file(path) -> str:
    """Hex SHA-256 of a file, read in 1 MB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


# --- authenticated caches ---------------------------------------------------------------------------

_MAGIC = b"INFORMEEL-HMAC-1\n"


def project_secret(near=None, *, create: bool = False) -> str | None:
    """The salt of the project that ``near`` (a data folder) belongs to; None when there is none.

    Looked up in the order cleaning uses for the pseudonym salt (``informeel clean``): the
    ``salt_file`` of the ``informeel.yaml`` found from ``near`` upwards; ``$INFORMEEL_SALT``;
    ``.informeel_salt`` in ``near`` or up to three folders above it (``data/processed`` -> the project
    root); ``.informeel_salt`` in the working directory. With ``create``, a new salt file is made in the
    working directory when none is found (as cleaning does, :func:`informeel_lib.io.pseudonyms.get_salt`).
    """
    secret = _project_salt_file(near)
    if secret is None:
        salt = os.environ.get("INFORMEEL_SALT", "").strip() or None
        if salt is not None:
            return salt
        places = [Path.cwd()]
        if near is not None:
            folder = Path(near).resolve()
            places = [folder, *list(folder.parents)[:3], Path.cwd()]
        secret = next((p / ".informeel_salt" for p in places if (p / ".informeel_salt").is_file()), None)
    if secret is not None:
        return secret.read_text(encoding="utf-8").strip() or None
    if create:
        from .io.pseudonyms import get_salt  # lazy: files is a foundation module

        return get_salt()
    return None


def _project_salt_file(near) -> Path | None:
    """The existing ``salt_file`` named by the project file found from ``near`` (None without one)."""
    if near is None:
        return None
    from .errors import InformeelError
    from .project import load_project

    try:
        project = load_project(near)
    except InformeelError:  # an invalid informeel.yaml is reported by the command that reads it
        return None
    salt_file = getattr(project, "salt_file", None)
    return salt_file if salt_file is not None and salt_file.is_file() else None


def _derived_key(salt: str) -> bytes:
    return hmac.new(str(salt).encode("utf-8"), b"informeel cache v1", hashlib.sha256).digest()


def handed_cache_key() -> bytes | None:
    """The key the batch runner handed to its workers and kernels (``$INFORMEEL_CACHE_KEY``), if any."""
    env = os.environ.get(CACHE_KEY_ENV, "").strip()
    if not env:
        return None
    try:
        return bytes.fromhex(env)
    except ValueError:
        return None


def cache_key(salt=None, *, create: bool = True, near=None) -> bytes | None:
    """The key that signs caches: HMAC(salt, 'cache') of the project's secret.

    ``salt`` given: its key. ``near`` (the data folder a cache belongs to) given: the key of that
    folder's project (:func:`project_secret`), whatever the working directory or an earlier run handed
    down. Neither: ``$INFORMEEL_CACHE_KEY`` if the batch runner set it, else the secret found from the
    working directory. With ``create=False`` and no secret available, None.
    """
    if salt is None and near is None:
        handed = handed_cache_key()
        if handed is not None:
            return handed
    if salt is None:
        salt = project_secret(near, create=create)
    if salt is None:
        return None
    return _derived_key(salt)


def verification_keys(folder) -> list[bytes]:
    """Every key a cache in ``folder`` may legitimately be signed with.

    The key of the project ``folder`` belongs to (:func:`cache_key` with ``near``), and the key the
    batch runner handed down (it signs with the first, but a data folder outside the project whose
    secret lies in the batch's working directory is only known by the second).
    """
    keys = [cache_key(create=False, near=folder), handed_cache_key()]
    return [k for i, k in enumerate(keys) if k is not None and k not in keys[:i]]


def load_signed_cache(path):
    """The object in the signed cache ``path``, or None when no key of its folder verifies it
    (:func:`verification_keys`) or it cannot be unpickled (e.g. written by another version)."""
    for key in verification_keys(Path(path).parent):
        try:
            value = load_signed_pickle(path, key)
        except Exception:  # noqa: BLE001 - a signed but unreadable cache is recomputed, never a crash
            value = None
        if value is not None:
            return value
    return None


def sign_payload(payload: bytes, key: bytes) -> bytes:
    """``MAGIC + HMAC-SHA256(key, payload) + payload``."""
    return _MAGIC + hmac.new(key, payload, hashlib.sha256).digest() + payload


def verify_payload(blob: bytes, key: bytes) -> bytes | None:
    """The payload of a signed blob, or None when the signature does not verify."""
    if not blob.startswith(_MAGIC) or len(blob) < len(_MAGIC) + 32:
        return None
    mac, payload = blob[len(_MAGIC):len(_MAGIC) + 32], blob[len(_MAGIC) + 32:]
    if not hmac.compare_digest(mac, hmac.new(key, payload, hashlib.sha256).digest()):
        return None
    return payload


def dump_signed_pickle(obj, path, key: bytes) -> Path:
    """Pickle ``obj`` to ``path`` (atomically) with an HMAC that :func:`load_signed_pickle` checks."""
    return atomic_write_bytes(path, sign_payload(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL), key))


def load_signed_pickle(path, key: bytes):
    """Unpickle ``path`` only if its HMAC verifies with ``key``; None (nothing unpickled) otherwise."""
    try:
        blob = Path(path).read_bytes()
    except OSError:
        return None
    payload = verify_payload(blob, key)
    if payload is None:
        return None
    return pickle.loads(payload)  # safe: authenticated with the project's secret above
