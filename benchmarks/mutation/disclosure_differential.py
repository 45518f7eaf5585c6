"""Look for a round that tells a surviving disclosure mutant from the original (the open ones in survivors.md).

Runs after ``python benchmarks/mutation/run.py disclosure`` (it needs mutmut's copy of the module in
``build/mutate/disclosure/mutants``): builds random rounds (1-4 organisations, 1-3 teams, 1-3 roles, an answer
column; ``KIND=tiny``: more small organisations and groups) and compares ``disclosure_plan(round).to_frame()``
under each named mutant with the original. Prints the first round that differs per mutant (and pickles it to
build/mutate/disclosure/), or that none did.

Usage::

    python benchmarks/mutation/disclosure_differential.py x_disclosure_plan__mutmut_61 x__answer_family__mutmut_50
    N=400 SEED=3 python benchmarks/mutation/disclosure_differential.py ...
    KIND=tiny N=300 SEED=11 python benchmarks/mutation/disclosure_differential.py ...
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MUTANTS = ROOT / "build" / "mutate" / "disclosure" / "mutants"


def _random_round(rng, kind: str):
    """``mixed``: 1-4 organisations, 1-3 teams and roles, groups of 0-8; ``tiny``: 2-5 organisations of one or two
    roles, more groups of 1-3 people (this one told three of the four last survivors apart)."""
    import pandas as pd

    rows = []
    tiny = kind == "tiny"
    for org in ["A", "B", "C", "D", "E"][: int(rng.integers(2, 6) if tiny else rng.integers(1, 5))]:
        roles = ("r", "m", "s")[: int(rng.integers(1, 3) if tiny else rng.integers(1, 4))]
        for team in range(int(rng.integers(1, 3) if tiny else rng.integers(1, 4))):
            for role in roles:
                sizes = [1, 2, 3, 5, 6, 7] if tiny else [0, 1, 2, 3, 4, 5, 6, 8]
                for _ in range(int(rng.choice(sizes))):
                    rows.append({"organisation": org, "team": f"{org}{team}", "role": role,
                                 "answer_form": rng.choice(["x", "y", None] if tiny else ["x", "y", "z", None])})
    return pd.DataFrame(rows)


def _plan_text(disclosure, mutant: str, data) -> str:
    os.environ["MUTANT_UNDER_TEST"] = mutant
    signal.alarm(10)
    try:
        return disclosure.disclosure_plan(data).to_frame().to_string()
    except BaseException as e:  # noqa: BLE001 - a mutant may raise or loop: that differs from the original too
        return f"fout: {type(e).__name__}: {e}"
    finally:
        signal.alarm(0)
        os.environ["MUTANT_UNDER_TEST"] = ""


def _timeout(*_):
    raise TimeoutError


def main(names: list[str]) -> None:
    if not (MUTANTS / "informeel_lib" / "disclosure.py").exists():
        sys.exit("eerst: python benchmarks/mutation/run.py disclosure")
    os.chdir(MUTANTS)
    sys.path.insert(0, str(MUTANTS))
    os.environ["MUTANT_UNDER_TEST"] = ""
    import numpy as np

    import informeel_lib.disclosure as disclosure

    signal.signal(signal.SIGALRM, _timeout)
    rng = np.random.default_rng(int(os.environ.get("SEED", "0")))
    todo, rounds = set(names), 0
    for i in range(int(os.environ.get("N", "300"))):
        data = _random_round(rng, os.environ.get("KIND", "mixed"))
        if len(data) < 5 or not todo:
            continue
        rounds += 1
        original = _plan_text(disclosure, "", data)
        for name in sorted(todo):
            if _plan_text(disclosure, f"informeel_lib.disclosure.{name}", data) != original:
                path = MUTANTS.parent / f"verschil_{name}.pkl"
                data.to_pickle(path)
                print(f"{name}: ronde {i} verschilt ({path})", flush=True)
                todo.discard(name)
    print(f"{rounds} rondes vergeleken; geen verschil gevonden voor: {', '.join(sorted(todo)) or '-'}")


if __name__ == "__main__":
    main(sys.argv[1:])
