"""deduce's lookup tables: built by one process while the others wait, and rebuilt when the cache is truncated."""

import subprocess
import sys

import pytest

from informeel_lib import deidentify


@pytest.fixture
def tables_in(tmp_path, monkeypatch):
    cache = tmp_path / "cache" / "lookup_structs.pickle"
    cache.parent.mkdir()
    monkeypatch.setattr(deidentify, "_tables_file", lambda: cache)
    return cache


class FakeDeduce:
    """Stands in for deduce.Deduce: fails to load a truncated cache, builds when asked."""

    calls = []

    def __init__(self, build_lookup_structs=False):
        FakeDeduce.calls.append(build_lookup_structs)
        if not build_lookup_structs:
            raise EOFError("Ran out of input")


def test_a_truncated_cache_is_rebuilt_not_fatal(tables_in):
    tables_in.write_bytes(b"\x80\x04\x95")  # a build killed while writing
    FakeDeduce.calls = []
    assert isinstance(deidentify._load_deduce(FakeDeduce), FakeDeduce)
    assert FakeDeduce.calls == [False, True]


def test_a_reader_waits_while_another_process_builds(tables_in):
    probe = (f"import fcntl; f = open({str(tables_in.parent / '.informeel-bouw.lock')!r}, 'a')\n"
             "try:\n    fcntl.flock(f, fcntl.LOCK_SH | fcntl.LOCK_NB); print('gelezen')\n"
             "except BlockingIOError:\n    print('wacht')")
    with deidentify._tables_lock(build=True):
        assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout.strip() == "wacht"
    with deidentify._tables_lock(build=False):  # readers share the lock
        assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout.strip() == "gelezen"
