"""deduce's lookup tables: built by one process while the others wait, rebuilt when the cache is truncated, and
loaded in their compact form, which answers every lookup exactly as deduce's own tries do."""

import itertools
import json
import random
import subprocess
import sys

import pytest
from docdeid.ds import DsCollection, LookupSet, LookupTrie
from docdeid.str import LowercaseString

from informeel_lib import deidentify
from informeel_lib.deidentify_tables import CompactTrie, cache_file, compact_collection


@pytest.fixture
def tables_in(tmp_path, monkeypatch):
    cache = tmp_path / "cache" / "lookup_structs.pickle"
    cache.parent.mkdir()
    monkeypatch.setattr(deidentify, "_tables_file", lambda: cache)
    return cache


def small_trie(items, pipeline=None) -> LookupTrie:
    trie = LookupTrie(matching_pipeline=pipeline)
    for item in items:
        trie.add_item(list(item))
    return trie


class FakeDeduce:
    """Stands in for deduce.Deduce: fails to load its own truncated cache, builds when asked, loads a compact
    cache from ``cache_path``. Records (compact cache?, build?) per construction."""

    calls = []

    def __init__(self, build_lookup_structs=False, cache_path=None):
        FakeDeduce.calls.append((cache_path is not None, build_lookup_structs))
        if cache_path is None and not build_lookup_structs:
            raise EOFError("Ran out of input")
        self.lookup_structs = DsCollection(street=small_trie([["Laan", "van", "Meerdervoort"], ["Laan"]]),
                                           stop_word=LookupSet())


def test_a_truncated_cache_is_rebuilt_not_fatal(tables_in):
    tables_in.write_bytes(b"\x80\x04\x95")  # a build killed while writing
    FakeDeduce.calls = []
    assert isinstance(deidentify._load_deduce(FakeDeduce), FakeDeduce)
    # deduce's own tables are rebuilt, compacted once, and the compact ones are what is used
    assert FakeDeduce.calls == [(False, False), (False, True), (True, False)]


def test_the_compact_tables_are_made_once_and_remade_when_deduces_tables_change(tables_in):
    tables_in.write_bytes(b"\x80\x04\x95")
    FakeDeduce.calls = []
    deidentify._load_deduce(FakeDeduce)
    written = deidentify._compact_folder()
    assert json.loads(cache_file(written).with_suffix(".informeel.json").read_text())["format"] == 1
    FakeDeduce.calls = []
    deidentify._load_deduce(FakeDeduce)
    assert FakeDeduce.calls == [(True, False)]  # deduce's own 1 GB of tables never loaded again
    tables_in.write_bytes(b"\x80\x04\x95\x00")  # deduce's own cache rebuilt (another size): compact again
    FakeDeduce.calls = []
    deidentify._load_deduce(FakeDeduce)
    assert FakeDeduce.calls == [(False, False), (False, True), (True, False)]
    cache_file(written).write_bytes(b"\x80")  # the compact cache damaged: its stamp no longer matches
    assert not deidentify._compact_ready(written)


ITEMS = [["a"], ["a", "b", "c"], ["ab"], ["a", "bé"], ["Laan", "van", "Meerdervoort"], ["b", "a"], ["a", "b", "c", "d"],
         ["c", "c"], ["ab", "a"]]
TOKENS = ["a", "b", "c", "d", "ab", "bé", "A", "B", "Laan", "van", "Meerdervoort", "", "a\x00b", "ba", "La", "Meer"]


@pytest.mark.parametrize("pipeline", [None, [LowercaseString()]])
def test_a_compact_trie_answers_every_lookup_as_the_trie_it_was_made_from(pipeline):
    items = [[t.lower() for t in item] for item in ITEMS] if pipeline else ITEMS  # as deduce builds them
    trie = small_trie(items, pipeline)
    compact = CompactTrie.from_trie(trie)
    rng = random.Random(3)
    texts = [list(p) for n in range(4) for p in itertools.product(TOKENS[:6], repeat=n)]
    texts += [rng.choices(TOKENS, k=rng.randint(1, 7)) for _ in range(300)]
    for text in texts:
        for start in range(len(text) + 1):
            assert compact.longest_matching_prefix(text, start_i=start) == trie.longest_matching_prefix(text, start)
        assert (text in compact) == (text in trie)

    def same_nodes(a, b):
        assert a.is_terminal == b.is_terminal and sorted(a.children) == sorted(b.children)
        assert [token in a.children for token in TOKENS] == [token in b.children for token in TOKENS]
        for token in a.children:
            same_nodes(a.children[token], b.children[token])

    same_nodes(trie, compact)
    assert len(compact) == len(items)


def test_a_trie_that_cannot_be_held_exactly_stays_as_it_is():
    structures = DsCollection(good=small_trie([["x", "y"]]), separator=small_trie([["x\x00y"]]),
                              empty_token=small_trie([["", "y"]]), words=LookupSet())
    assert compact_collection(structures) == {"good": 1}
    assert type(structures["good"]) is CompactTrie and type(structures["separator"]) is LookupTrie
    with pytest.raises(TypeError):
        structures["good"].add_item(["z"])


def test_a_reader_waits_while_another_process_builds(tables_in):
    probe = (f"import fcntl; f = open({str(tables_in.parent / '.informeel-bouw.lock')!r}, 'a')\n"
             "try:\n    fcntl.flock(f, fcntl.LOCK_SH | fcntl.LOCK_NB); print('gelezen')\n"
             "except BlockingIOError:\n    print('wacht')")
    with deidentify._tables_lock(build=True):
        assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout.strip() == "wacht"
    with deidentify._tables_lock(build=False):  # readers share the lock
        assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout.strip() == "gelezen"
