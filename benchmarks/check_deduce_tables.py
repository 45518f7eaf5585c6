"""Check: deduce with the compact lookup tables gives exactly what deduce with its own tables gives.

Loads deduce twice (its own tables, about 1 GB, and the compact ones of
:mod:`informeel_lib.deidentify_tables`) and compares

* every lookup table: the first tokens, and for a sample of up to 50,000 sequences per table (all of
  the smaller ones) ``longest_matching_prefix`` at every position and ``in`` on the sequence and six
  variants (a token added before or after, the last token changed, upper and lower case, a token
  left out);
* the de-identified text of every sentence of ``benchmarks/data/deidentify_nl.txt``, every open answer
  of the synthetic network, and 400 sentences per table built around its own entries.

Writes ``benchmarks/results/deduce_tables.json``; exit 1 on any difference. Usage:
``nice -n 10 python benchmarks/check_deduce_tables.py``.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def compare_tables(full, compact, rng) -> int:
    import docdeid as dd

    from informeel_lib.deidentify_tables import SEPARATOR, CompactTrie

    n = 0
    for name, trie in full.lookup_structs.items():
        if not isinstance(trie, dd.ds.LookupTrie):
            continue
        small = compact.lookup_structs[name]
        assert isinstance(small, CompactTrie), name
        assert set(trie.children) == set(small.children), name
        items = list(small._items)
        for joined in items if len(items) <= 50_000 else rng.sample(items, 50_000):
            tokens = joined.split(SEPARATOR)
            for text in (tokens, tokens + ["x"], ["de"] + tokens, tokens[:-1] + [tokens[-1] + "s"],
                         [t.upper() for t in tokens], [t.lower() for t in tokens], tokens[:1] + tokens[2:]):
                for start in range(len(text)):
                    expected = trie.longest_matching_prefix(text, start_i=start)
                    assert small.longest_matching_prefix(text, start_i=start) == expected, (name, text, start)
                    n += 1
                assert (text in trie) == (text in small), (name, text)
        print(f"  {name}: {len(items)} reeksen, gelijk", flush=True)
    return n


def texts_to_compare(compact, rng) -> list[str]:
    from informeel_lib.deidentify_tables import SEPARATOR
    from informeel_lib.io.intake import read_export
    from informeel_lib.synth import write_network

    lines = (HERE / "data" / "deidentify_nl.txt").read_text(encoding="utf-8").splitlines()
    texts = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    with tempfile.TemporaryDirectory() as tmp:
        write_network(tmp, seed=7)
        for path in sorted(Path(tmp).rglob("*")):
            if path.suffix in (".csv", ".xlsx", ".sav"):
                data = read_export(path).data
                for column in ("OPEN_THEMA", "OPEN_VOORBEELD"):
                    if column in data:
                        texts += [str(x) for x in data[column] if x is not None]
    for name in ("street", "healthcare_institution", "placename", "hospital", "surname", "first_name",
                 "eponymous_disease"):
        for joined in rng.sample(list(compact.lookup_structs[name]._items), 400):
            phrase = " ".join(joined.split(SEPARATOR))
            texts.append(f"Ik werk bij {phrase} en woon aan de {phrase} 12 in Assen, zei Jan {phrase}.")
    return list(dict.fromkeys(texts))


def main() -> int:
    from deduce import Deduce

    from informeel_lib import deidentify

    deidentify._deduce()  # builds the compact tables if they are not there yet
    full, compact = Deduce(), Deduce(cache_path=deidentify._compact_folder())
    rng = random.Random(11)
    print("Opzoektabellen:")
    lookups = compare_tables(full, compact, rng)
    texts = texts_to_compare(compact, rng)
    seconds = {}
    outputs = {}
    for label, model in (("eigen tabellen", full), ("compacte tabellen", compact)):
        start = time.perf_counter()
        outputs[label] = [model.deidentify(text).deidentified_text for text in texts]
        seconds[label] = round(time.perf_counter() - start, 2)
    different = [t for t, a, b in zip(texts, *outputs.values()) if a != b]
    print(f"{lookups} opzoekingen gelijk; {len(texts)} teksten, {len(different)} verschillend "
          f"(tijd: {seconds})")
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "deduce_tables.json").write_text(json.dumps(
        {"lookups_compared": lookups, "texts": len(texts), "texts_different": len(different),
         "examples_different": different[:10], "seconds": seconds, "date": time.strftime("%Y-%m-%d")}, indent=1))
    return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main())
