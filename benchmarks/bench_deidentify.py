"""De-identification measured on hand-written Dutch sentences with planted identifiers.

``benchmarks/data/deidentify_nl.txt`` holds 100+ sentences; identifiers are marked ``{like this}``
(names, surnames after a title, addresses, postcodes, places, dates, birth dates, ages, BSN and other
9-digit numbers, phone numbers in Dutch, dotted, bracketed and foreign forms, e-mail addresses plain and
obfuscated, IP addresses, URLs, institutions, the respondent's own personal code). Sentences without
marks are harmless. For :func:`informeel_lib.deidentify.deidentify` (deduce + our own patterns) and, as a
baseline, the old report scrubber :func:`informeel_lib.privacy.scrub_text` alone, it reports:

* recall: the share of planted identifiers of which no identifying word survives;
* harmless words removed: words outside the marks that disappear (the cost in readability).

Writes ``benchmarks/results/deidentify.json``. The README quotes the numbers.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from informeel_lib.deidentify import deidentify  # noqa: E402
from informeel_lib.privacy import scrub_text  # noqa: E402

# words inside a mark that identify nobody (titles, units, particles)
NOT_IDENTIFYING = {"mevrouw", "de", "heer", "dokter", "zuster", "dhr", "mw", "jaar", "van", "der", "den", "familie",
                   "het", "postbus", "maandag", "in", "www", "https", "nl", "com", "at", "punt", "dot", "wijkteam"}
WORD = re.compile(r"[A-Za-zÀ-ÿ0-9]+")


def load(path=HERE / "data" / "deidentify_nl.txt"):
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code = None
        if line.startswith("code="):
            code, line = line[5:].split("|", 1)
        spans = re.findall(r"\{([^}]*)\}", line)
        cases.append({"text": line.replace("{", "").replace("}", ""), "spans": spans, "code": code,
                      "outside": WORD.findall(re.sub(r"\{[^}]*\}", " ", line))})
    return cases


def identifying_words(span: str) -> list[str]:
    return [w for w in WORD.findall(span) if w.lower() not in NOT_IDENTIFYING]


def measure(cases, fn):
    caught = total = removed = outside_total = 0
    misses = []
    start = time.perf_counter()
    for case in cases:
        out = fn(case)
        out_words = Counter(w.lower() for w in WORD.findall(out))
        for span in case["spans"]:
            words = identifying_words(span)
            total += 1
            if all(out_words[w.lower()] == 0 for w in words):
                caught += 1
            else:
                misses.append(f"{span!r} in: {out}")
        kept = Counter(w.lower() for w in case["outside"])
        outside_total += sum(kept.values())
        removed += sum((kept - out_words).values())
    seconds = time.perf_counter() - start
    return {"identifiers": total, "caught": caught, "recall": caught / total, "harmless_words": outside_total,
            "harmless_removed": removed, "ms_per_sentence": 1000 * seconds / len(cases), "misses": misses}


def main() -> int:
    cases = load()
    deidentify("Opwarmen: Marieke de Vries woont in Assen.")  # deduce's tables loaded before timing
    ours = measure(cases, lambda c: deidentify(c["text"], personal_codes=[c["code"]] if c["code"] else [])[0])
    old = measure(cases, lambda c: scrub_text(c["text"]))
    n_clean = sum(1 for c in cases if not c["spans"])
    print(f"{len(cases)} zinnen ({n_clean} zonder identificerende gegevens), {ours['identifiers']} geplante gegevens")
    for name, r in (("deduce + eigen patronen", ours), ("alleen scrub_text (oud)", old)):
        print(f"{name:>26}: recall {r['recall']:.1%} ({r['caught']}/{r['identifiers']}), onschuldige woorden "
              f"verwijderd {r['harmless_removed']} van {r['harmless_words']}, {r['ms_per_sentence']:.1f} ms/zin")
    for miss in ours["misses"]:
        print("  gemist:", miss)
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    (results / "deidentify.json").write_text(json.dumps({"sentences": len(cases), "deidentify": ours,
                                                          "scrub_text_only": old}, ensure_ascii=False, indent=1))
    return 0 if ours["recall"] >= 0.98 else 1


if __name__ == "__main__":
    sys.exit(main())
