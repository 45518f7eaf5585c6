"""A round's report folder is replaced as a whole: rendered beside it, swapped in when complete.

``informeel report`` renders into a staging folder next to the target (same file system), named
``<out>/.informeel-<round>-<pid>.tmp/<round>/``. It starts as a copy of the current round folder (so a
run for one organisation keeps the other reports, as before) and receives every page, the index, the
manifest, team pages, PDFs and bundles. Only when all of that is written is it swapped in:

* on Linux with one atomic ``renameat2(RENAME_EXCHANGE)``: the target path holds the complete old folder
  up to that instant and the complete new folder after it;
* elsewhere (or on a file system without exchange) with two renames: the old folder moves into the
  staging folder, the new one moves to the target. A marker file ``klaar`` written before the swap says
  the staged folder is complete; a run killed between the two renames leaves no folder at the target,
  and the next run (:func:`recover`) moves the complete staged folder in (or the old one back).

A kill at any other point leaves the old folder untouched and a stale staging folder, which the next run
for that round removes (:func:`recover`; folders of a run that is still alive are left alone). The staging
folders start with a dot, so the index pages (which look for ``*/rapporten.json``) never list them.

Examples
--------
>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> with staged_round(out, "2022-05") as stage:
...     _ = (stage.folder / "index.html").write_text("nieuw")
...     stage.commit()
>>> (out / "2022-05" / "index.html").read_text(), [p.name for p in out.iterdir()]
('nieuw', ['2022-05'])
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

COMPLETE_MARKER = "klaar"
"""File in the staging folder written just before the swap: the staged round folder is complete."""

OLD_NAME = "oud"
"""Where the two-rename swap parks the old round folder (inside the staging folder)."""

_RENAME_EXCHANGE = 2  # linux/fs.h
_AT_FDCWD = -100


def staging_root(out_dir, round_name: str, pid: int | None = None) -> Path:
    """``<out_dir>/.informeel-<round>-<pid>.tmp`` (the folder that holds the staged ``<round>/``)."""
    return Path(out_dir) / f".informeel-{round_name}-{os.getpid() if pid is None else pid}.tmp"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some file systems refuse fsync on a folder; the renames are still atomic
        pass
    finally:
        os.close(fd)


def exchange(a, b) -> bool:
    """Swap two paths atomically with Linux ``renameat2(RENAME_EXCHANGE)``; False where that is unavailable."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):  # glibc < 2.28, musl without renameat2
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(str(a)), _AT_FDCWD, os.fsencode(str(b)), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
        return False
    raise OSError(code, os.strerror(code), str(a))


def swap_in(staged: Path, target: Path) -> None:
    """Put the complete folder ``staged`` at ``target``; the old ``target`` (if any) ends up inside the
    staging folder (``staged`` itself after an exchange, else ``<staging>/oud``), to be removed."""
    marker = staged.parent / COMPLETE_MARKER
    marker.write_bytes(b"")
    _fsync_dir(staged.parent)
    if target.exists() and exchange(staged, target):
        _fsync_dir(target.parent)
        return
    if target.exists():
        os.rename(target, staged.parent / OLD_NAME)  # rename old away ...
    os.rename(staged, target)  # ... and the new one in
    _fsync_dir(target.parent)


def recover(out_dir, round_name: str) -> list[Path]:
    """Clean up after runs for ``round_name`` that were killed; returns the staging folders removed.

    A run killed between the two renames of :func:`swap_in` left no folder at the target: the staged
    folder goes in when it was complete (marker written), else the old folder goes back. Staging folders
    of a process that is still running (another run of the same round) are left alone.
    """
    out_dir = Path(out_dir)
    target = out_dir / round_name
    pattern = re.compile(rf"\.informeel-{re.escape(round_name)}-(\d+)\.tmp")
    removed = []
    for root in sorted(out_dir.glob(f".informeel-{round_name}-*.tmp")):
        found = pattern.fullmatch(root.name)
        if not found or not root.is_dir():
            continue
        pid = int(found.group(1))
        if pid != os.getpid() and _pid_alive(pid):
            continue
        if not target.exists():
            staged, old = root / round_name, root / OLD_NAME
            if (root / COMPLETE_MARKER).exists() and staged.is_dir():
                os.rename(staged, target)
            elif old.is_dir():
                os.rename(old, target)
        shutil.rmtree(root, ignore_errors=True)
        removed.append(root)
    return removed


@dataclass
class Stage:
    """A staged round folder: write into ``folder`` (``root/<round>``), then :meth:`commit`."""

    root: Path
    folder: Path
    target: Path
    committed: bool = False

    def commit(self) -> None:
        """Swap the staged folder in (see :func:`swap_in`) and remove the old one."""
        swap_in(self.folder, self.target)
        self.committed = True
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def staged_round(out_dir, round_name: str):
    """Stage ``<out_dir>/<round_name>``: yields a :class:`Stage` whose folder is a copy of the current round
    folder (or empty); nothing at the target changes until ``stage.commit()``. On any exception (also
    KeyboardInterrupt) the staging folder is removed and the old round folder stays as it was.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    recover(out_dir, round_name)
    root = staging_root(out_dir, round_name)
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir()
    stage = Stage(root, root / round_name, out_dir / round_name)
    try:
        if stage.target.is_dir():
            shutil.copytree(stage.target, stage.folder, symlinks=True)
        else:
            stage.folder.mkdir()
        yield stage
    finally:
        if not stage.committed:
            _abandon(stage)


def _abandon(stage: Stage) -> None:
    """Remove an unfinished staging folder; should a swap have failed halfway (the old folder moved away,
    the new one not in), the old folder goes back first."""
    old = stage.root / OLD_NAME
    if not stage.target.exists() and old.is_dir():
        os.rename(old, stage.target)
    shutil.rmtree(stage.root, ignore_errors=True)
