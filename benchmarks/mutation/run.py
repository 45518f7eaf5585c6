"""Mutation testing of the modules whose numbers a reader sees (``make mutate``): mutmut, one module at a time.

Each module is mutated in its own scratch copy of the project (``build/mutate/<name>``) and checked by the
focused test selection that should catch its bugs (MODULES below), so a run per module takes minutes, not
hours. Results: ``benchmarks/mutation/<name>.txt`` (every surviving mutant with its diff) and
``benchmarks/mutation/summary.json`` (killed/survived per module). Each survivor is explained in
``benchmarks/mutation/survivors.md`` (equivalent mutant, or the test that now kills it).

Mutants that no input can tell from the original are listed, each with a one-line reason, in
``benchmarks/mutation/equivalent.txt``; the kill rate per module is ``killed / (mutants - equivalent)``.

Usage::

    python benchmarks/mutation/run.py                 # all modules
    python benchmarks/mutation/run.py reliability     # one or more modules by name
    python benchmarks/mutation/run.py --recheck nl    # after adding tests: rerun only the last run's survivors
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
SCRATCH = ROOT / "build" / "mutate"
EQUIVALENT = OUT / "equivalent.txt"

# Tests that cannot pass under mutmut's trampoline (they check that a warning points at the caller's line:
# the trampoline adds a stack frame); they are left out of the mutation runs only.
DESELECT = [
    "tests/reference/test_reliability.py::test_omega_does_not_depend_on_reverse_keying_but_alpha_does",
]

# module name -> (file to mutate, focused tests that must kill its mutants, functions to mutate or None for all).
# compare and cleaning are large (850+ mutants, mostly Dutch messages and table layout): their statistical
# and rule functions (and, for compare, the result's sentence) are mutated, the rest is covered by the
# report-number and CLI tests.
MODULES = {
    "reliability": ("informeel_lib/analysis/reliability.py",
                    ["tests/reference/test_reliability.py", "tests/reference/test_ordinal_reliability.py",
                     "tests/unit/test_inference.py"], None),
    "privacy": ("informeel_lib/privacy.py",
                ["tests/unit/test_privacy.py", "tests/unit/test_privacy_suppression.py"], None),
    "nl": ("informeel_lib/nl.py", ["tests/unit/test_nl.py"], None),
    "compare": ("informeel_lib/analysis/compare.py",
                ["tests/unit/test_compare_edges.py", "tests/unit/test_compare.py", "tests/unit/test_inference.py",
                 # the two tests on a generated network (20 s fixture) are left out to keep a run in minutes
                 "--deselect", "tests/unit/test_compare.py::test_compare_rounds_recovers_true_change",
                 "--deselect", "tests/unit/test_compare.py::test_benchmark_against_rest"],
                ["*x_welch__*", "*x__t_result__*", "*x_partially_paired__*", "*x__pooled_sd__*",
                 "*x__compare_pair__*", "*x_benchmark__*", "*x_compare_rounds__*", "*BenchmarkResult*"]),
    "cleaning": ("informeel_lib/io/cleaning.py", ["tests/unit/test_cleaning.py"],
                 ["*x__duplicate_mask__*", "*x_speeder_threshold__*", "*x_straightliner_mask__*", "*x__drop__*",
                  "*x__account__*"]),
    "describe": ("informeel_lib/analysis/describe.py",
                 ["tests/unit/test_describe.py", "tests/unit/test_inference.py"], None),
    # report/sections.py is 1180 lines, most of it Dutch HTML and sentence layout (checked by the rendered-report
    # tests, too slow to run per mutant). Mutated: the functions that compute a number a reader sees or decide
    # what is shown (group sizes and means, suppression, reliability with reverse keys and its ,70 rule, the
    # invariance verdict, benchmark and change tables, fit values and verdict, model coefficients, open-answer
    # counts and words, response per round), checked by fast unit tests on a synthetic round.
    "sections": ("informeel_lib/report/sections.py",
                 ["tests/unit/test_report_section_numbers.py", "tests/unit/test_report_estimator.py"],
                 ["*x_shown_groups__*", "*x_group_stats__*", "*x__mean_sd__*", "*x_reliability_section__*",
                  "*x_invariance_ok__*", "*x_benchmark_table__*", "*x__shared_data__*", "*x_comparable_scales__*",
                  "*x_change_by_organisation__*", "*x_change_sentences__*", "*x_reported_fit__*", "*x__fit_row__*",
                  "*x_fit_sentence__*", "*x_model_table__*", "*x__answers__*", "*x__plan_allows__*",
                  "*x_coded_counts__*", "*x__count_share__*", "*x_frequent_terms_table__*",
                  "*x_open_answer_counts__*", "*x_response_by_round__*"]),
    # report/summary.py (the key messages: every sentence carries numbers from a table) is mutated whole.
    "summary": ("informeel_lib/report/summary.py", ["tests/unit/test_report_summary_numbers.py"], None),
    # the attacker test (tests/e2e/test_disclosure_attack.py) renders reports, far too slow per mutant: the
    # unit tests call the audit and the plan directly on small hand-made rounds
    "disclosure": ("informeel_lib/disclosure.py",
                   ["tests/unit/test_disclosure.py", "tests/unit/test_disclosure_edges.py"], None),
}


def _project_copy(name: str, target: str, tests: list[str]) -> Path:
    work = SCRATCH / name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")
    shutil.copytree(ROOT / "informeel_lib", work / "informeel_lib", ignore=ignore)
    shutil.copytree(ROOT / "tests", work / "tests", ignore=ignore)
    config = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    config += "\n[tool.mutmut]\n" + "\n".join([
        'source_paths = ["informeel_lib"]',
        f"only_mutate = [{json.dumps(target)}]",
        f"pytest_add_cli_args_test_selection = {json.dumps(tests + [a for d in DESELECT for a in ('--deselect', d)])}",
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "-p", "no:randomly", "-q"]',
        "",
    ])
    (work / "pyproject.toml").write_text(config, encoding="utf-8")
    return work


def _results(work: Path, mutmut: str) -> dict[str, str]:
    text = subprocess.run([mutmut, "results", "--all", "true"], cwd=work, capture_output=True, text=True).stdout
    out = {}
    for line in text.splitlines():
        m = re.match(r"\s*(\S+):\s*(\w[\w ]*)$", line)
        if m:
            out[m.group(1)] = m.group(2).strip()
    return out


def equivalent_mutants() -> dict[str, str]:
    """Mutant name -> why no input can tell it from the original (``equivalent.txt``: ``name | reason``)."""
    if not EQUIVALENT.exists():
        return {}
    out = {}
    for line in EQUIVALENT.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, reason = line.partition("|")
            out[key.strip()] = reason.strip()
    return out


def _refresh_tests(work: Path) -> None:
    """Copy the current tests into an earlier scratch copy (and mutmut's own copy of it) for a recheck."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")
    for dest in (work / "tests", work / "mutants" / "tests"):
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(ROOT / "tests", dest, ignore=ignore)


def _last_survivors(name: str) -> list[str]:
    path = OUT / f"{name}.txt"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    return re.findall(r"^## (\S+) \(", text, flags=re.MULTILINE)


def run_module(name: str, recheck: bool = False) -> dict:
    target, tests, functions = MODULES[name]
    work = SCRATCH / name
    mutmut = str(Path(sys.executable).with_name("mutmut"))
    env = {**os.environ, "CI": "true", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    if recheck and (work / "mutants").is_dir():
        if (ROOT / target).read_bytes() != (work / target).read_bytes():
            print(f"  let op: {target} is veranderd sinds de vorige run; de hercontrole geldt alleen als de "
                  "gemuteerde functies gelijk bleven (anders: de module opnieuw draaien)", flush=True)
        _refresh_tests(work)
        selection = _last_survivors(name)
    else:
        work = _project_copy(name, target, tests)
        selection = functions or []
    start = time.time()
    log = OUT / f"{name}.log"
    with open(log, "a" if recheck else "w") as fh:
        if selection or not recheck:
            subprocess.run([mutmut, "run", "--max-children", os.environ.get("MUTATE_JOBS", "2"), *selection],
                           cwd=work, env=env, stdout=fh, stderr=subprocess.STDOUT)
    status = {k: v for k, v in _results(work, mutmut).items() if v != "not checked"}
    counts: dict[str, int] = {}
    for s in status.values():
        counts[s] = counts.get(s, 0) + 1
    survivors = sorted(k for k, s in status.items() if s in ("survived", "no tests"))
    equivalent = equivalent_mutants()
    lines = [f"# {target}: {len(survivors)} surviving mutants (tests: {' '.join(tests)})", ""]
    for key in survivors:
        diff = subprocess.run([mutmut, "show", key], cwd=work, capture_output=True, text=True).stdout
        why = f"equivalent: {equivalent[key]}" if key in equivalent else "OPEN: no test kills it yet"
        lines += [f"## {key} ({status[key]})", why, diff.strip(), ""]
    (OUT / f"{name}.txt").write_text("\n".join(lines), encoding="utf-8")
    killed = counts.get("killed", 0) + counts.get("timeout", 0) + counts.get("segfault", 0)
    n_equivalent = sum(1 for key in survivors if key in equivalent)
    relevant = len(status) - n_equivalent
    return {"module": target, "functions": functions or "alle", "tests": tests, "mutants": len(status),
            "killed": killed,
            "survived": len(survivors), "equivalent": n_equivalent,
            "kill_rate": round(killed / relevant, 3) if relevant else None,
            "other": {k: v for k, v in counts.items() if k not in ("killed", "survived", "no tests", "timeout")},
            "seconds": round(time.time() - start)}


def main(names: list[str]) -> None:
    recheck = "--recheck" in names
    names = [n for n in names if n != "--recheck"]
    summary_path = Path(os.environ.get("MUTATE_SUMMARY", OUT / "summary.json"))
    for name in names or list(MODULES):
        print(f"mutmut: {name} ...", flush=True)
        result = run_module(name, recheck=recheck)
        summary = json.loads(summary_path.read_text()) if summary_path.exists() else {}  # another run may have written
        summary[name] = result
        summary_path.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        r = summary[name]
        rate = "–" if r["kill_rate"] is None else f"{100 * r['kill_rate']:.0f} %"
        print(f"  {r['killed']}/{r['mutants']} gedood, {r['survived']} overleefd, "
              f"waarvan {r['equivalent']} equivalent: {rate} van de niet-equivalente mutanten gedood "
              f"({r['seconds']} s)", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
