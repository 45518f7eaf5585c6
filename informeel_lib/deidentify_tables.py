"""deduce's lookup tables in a compact form: the same lookups in about a tenth of the memory.

deduce (via docdeid) keeps its lookup lists of token sequences (street names, care institutions,
place names, names, ...) as tries of ``LookupTrie`` objects: one Python object with a ``__dict__`` and
a ``children`` dict per token, about 1.9 million nodes and 1 GB of memory once loaded. That is most
of the memory of ``informeel clean`` on a large round.

:class:`CompactTrie` holds the same sequences as one sorted tuple of strings (the tokens of a sequence
joined by ``"\\x00"``) and answers the lookups deduce makes (``longest_matching_prefix``,
``children``, ``in``) with a binary search, with exactly the results of the trie it was made from:
because ``"\\x00"`` sorts before every other character, the first stored string at or after a key is
the key itself (a complete sequence) or starts with the key and ``"\\x00"`` (a longer sequence), if
either exists. :func:`write_compact_tables` turns deduce's own table cache into such a cache once
(``python -m informeel_lib.deidentify`` in ``make venv``); deduce then loads it as its cache
(``Deduce(cache_path=...)``, a documented option) and builds its annotators from it as usual.

Notes
-----
A trie that cannot be represented exactly (a token that is empty or contains ``"\\x00"``, a leaf that
ends no sequence, a matching pipeline below the root) is kept as it is. There is no R equivalent.

Examples
--------
>>> from docdeid.ds import LookupTrie
>>> trie = LookupTrie()
>>> for item in (["Laan", "van", "Meerdervoort"], ["Laan"], ["Lage", "Weg"]):
...     trie.add_item(item)
>>> compact = CompactTrie.from_trie(trie)
>>> compact.longest_matching_prefix(["Laan", "van", "Meerdervoort", "12"])
['Laan', 'van', 'Meerdervoort']
>>> compact.longest_matching_prefix(["Laan", "van", "Oostende"])
['Laan']
>>> sorted(compact.children)
['Laan', 'Lage']
"""

from __future__ import annotations

import json
import os
import pickle
from bisect import bisect_left
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from docdeid.ds import LookupStructure, LookupTrie

SEPARATOR = "\x00"  # sorts before every other character (see the module docstring)
FORMAT = 1  # of the compact cache; a cache of another format is rebuilt


class CompactTrie(LookupTrie):
    """A read-only :class:`docdeid.ds.LookupTrie` stored as a sorted tuple of joined token sequences.

    Parameters
    ----------
    items : tuple of str
        Every sequence of the trie, its tokens joined by :data:`SEPARATOR`, sorted.
    first_tokens : tuple of str
        The distinct first tokens (the root's children), kept so deduce can list them at once.
    matching_pipeline : list, optional
        As in ``LookupTrie``: applied to every token of a text before it is looked up.
    prefix : str
        The node this object stands for ("" for the root); :attr:`children` gives such views.
    """

    def __init__(self, items: tuple, first_tokens: tuple = (), matching_pipeline=None, prefix: str = "") -> None:
        LookupStructure.__init__(self, matching_pipeline)  # not LookupTrie's: no children dict, no flag
        self._items = items
        self._first_tokens = first_tokens
        self._prefix = prefix

    @classmethod
    def from_trie(cls, trie: LookupTrie) -> CompactTrie | None:
        """The compact form of ``trie``, or None if it cannot hold exactly the same lookups."""
        items, stack = [], [((), trie)]
        while stack:
            path, node = stack.pop()
            if node is not trie and node.matching_pipeline is not None:
                return None  # LookupTrie.__contains__ would apply it below the root
            if node.is_terminal:
                items.append(SEPARATOR.join(path))
            elif not node.children and node is not trie:
                return None  # a node that ends no sequence: it would not be found here
            for token, child in node.children.items():
                if not isinstance(token, str) or not token or SEPARATOR in token:
                    return None
                stack.append(((*path, token), child))
        items.sort()
        return cls(tuple(items), tuple(sorted(trie.children)), trie.matching_pipeline)

    def _find(self, key: str) -> tuple[bool, bool]:
        """(a node with this key exists, a sequence ends there)."""
        items = self._items
        pos = bisect_left(items, key)
        if pos == len(items):
            return False, False
        found = items[pos]
        if found == key:
            return True, True
        return found.startswith(key + SEPARATOR) or key == "", False

    def _child_key(self, node: str, token) -> str | None:
        if not isinstance(token, str) or not token or SEPARATOR in token:
            return None  # no stored token is empty or holds the separator
        return f"{node}{SEPARATOR}{token}" if node else token

    @property
    def is_terminal(self) -> bool:
        """Whether a sequence ends at this node."""
        return self._find(self._prefix)[1]

    @property
    def children(self) -> Mapping:
        """The next tokens from this node, each to a view of its node (read only)."""
        return _Children(self)

    def _next_tokens(self) -> tuple:
        if not self._prefix:
            return self._first_tokens
        start = self._prefix + SEPARATOR
        pos, tokens = bisect_left(self._items, start), {}
        while pos < len(self._items) and self._items[pos].startswith(start):
            tokens[self._items[pos][len(start):].split(SEPARATOR, 1)[0]] = None
            pos += 1
        return tuple(tokens)

    def add_item(self, item: list[str]) -> None:
        raise TypeError("CompactTrie is read only; build a LookupTrie and convert it with CompactTrie.from_trie")

    def __contains__(self, item: list[str]) -> bool:
        """As ``LookupTrie``: the matching pipeline is applied to the first token only."""
        if len(item) == 0:
            return self.is_terminal
        key = self._child_key(self._prefix, self._apply_matching_pipeline(item[0]))
        for token in item[1:]:
            if key is None:
                return False
            key = self._child_key(key, token)
        return key is not None and self._find(key)[1]

    def longest_matching_prefix(self, item: list[str], start_i: int = 0) -> list[str] | None:
        """The longest sequence of this trie at ``item[start_i:]``, tokens as matched; None if there is none.

        Same result as :meth:`docdeid.ds.LookupTrie.longest_matching_prefix` (the root's matching
        pipeline applied to every token)."""
        node, terminal, longest, i = self._prefix, self.is_terminal, None, 0
        while True:
            if terminal:
                longest = i
            if start_i + i >= len(item):
                break
            key = self._child_key(node, self._apply_matching_pipeline(item[start_i + i]))
            if key is None:
                break
            exists, terminal = self._find(key)
            if not exists:
                break
            node, i = key, i + 1
        if not longest:
            return None
        return [self._apply_matching_pipeline(token) for token in item[start_i:start_i + longest]]

    def __len__(self) -> int:
        return len(self._items)


class _Children(Mapping):
    """``CompactTrie.children``: token -> the view of that child node."""

    def __init__(self, trie: CompactTrie) -> None:
        self._trie = trie
        self._tokens = trie._next_tokens()

    def __getitem__(self, token):
        key = self._trie._child_key(self._trie._prefix, token)
        if key is None or not self._trie._find(key)[0]:
            raise KeyError(token)
        return CompactTrie(self._trie._items, (), None, key)

    def __contains__(self, token) -> bool:
        key = self._trie._child_key(self._trie._prefix, token)
        return key is not None and self._trie._find(key)[0]

    def __iter__(self):
        return iter(self._tokens)

    def __len__(self) -> int:
        return len(self._tokens)


def compact_collection(structures) -> dict:
    """Replace every ``LookupTrie`` of a deduce table collection by its :class:`CompactTrie` (in place);
    returns {name: (nodes before, sequences after)} for the ones replaced."""
    replaced = {}
    for name, structure in list(structures.items()):
        if type(structure) is LookupTrie:
            compact = CompactTrie.from_trie(structure)
            if compact is not None:
                structures[name] = compact
                replaced[name] = len(compact)
    return replaced


def cache_file(folder: Path) -> Path:
    """Where deduce looks for its table cache when it is given ``cache_path=folder``."""
    return Path(folder) / "cache" / "lookup_structs.pickle"


def _stamp_file(folder: Path) -> Path:
    return cache_file(folder).with_suffix(".informeel.json")


def _file_stamp(path: Path) -> list:
    info = Path(path).stat()
    return [info.st_size, info.st_mtime_ns]


def write_compact_tables(structures, folder: Path, *, deduce_version: str, source: Path) -> Path:
    """Compact ``structures`` (deduce's tables, in place) and write them as a deduce cache in ``folder``.

    Beside it a small JSON stamp (written last, so a cache without one is incomplete) names the
    deduce version, the size and time of deduce's own cache it was made from (``source``) and of the
    pickle itself."""
    compact_collection(structures)
    target = cache_file(folder)
    target.parent.mkdir(parents=True, exist_ok=True)
    saved = str(datetime.now())
    cache = {"deduce_version": deduce_version, "saved_datetime": saved, "lookup_structs": structures}
    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with open(partial, "wb") as fh:
        pickle.dump(cache, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(partial, target)
    stamp = {"format": FORMAT, "deduce_version": deduce_version, "saved_datetime": saved,
             "source": _file_stamp(source), "cache": _file_stamp(target)}
    partial = _stamp_file(folder).with_name(f".{_stamp_file(folder).name}.{os.getpid()}.tmp")
    partial.write_text(json.dumps(stamp))
    os.replace(partial, _stamp_file(folder))
    return target


def compact_tables_valid(folder: Path, *, deduce_version: str, source: Path, lookup_path: Path) -> bool:
    """Whether ``folder`` holds a complete compact cache of the current deduce tables: same deduce version,
    made from the current ``source`` (deduce's own cache), the pickle as written, and no lookup list
    changed since (deduce's own check of its cache)."""
    from deduce.lookup_structs import validate_lookup_struct_cache

    try:
        stamp = json.loads(_stamp_file(folder).read_text())
        current = (_file_stamp(source), _file_stamp(cache_file(folder)))
    except (OSError, ValueError):
        return False
    if stamp.get("format") != FORMAT or current != (stamp.get("source"), stamp.get("cache")):
        return False
    return validate_lookup_struct_cache(stamp, base_path=Path(lookup_path), deduce_version=deduce_version)
