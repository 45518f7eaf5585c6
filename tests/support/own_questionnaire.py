"""The tests' own questionnaire (tests/support/questionnaire/): exports of all four tools, and the edits
a researcher makes to a drafted codebook.

``wijkzorg_ronde1.yaml`` and ``wijkzorg_ronde2.yaml`` are the *truth* the exports are generated from
(:mod:`informeel_lib.synth.generic`); the tests draft their own codebook from the exports and never give
these files to the cleaning or the reports.
"""

from __future__ import annotations

import re
from pathlib import Path

from informeel_lib.codebook import load_codebook

HERE = Path(__file__).resolve().parent / "questionnaire"
ROUND_1, ROUND_2 = "2024-03", "2024-10"
TRUTH = {ROUND_1: HERE / "wijkzorg_ronde1.yaml", ROUND_2: HERE / "wijkzorg_ronde2.yaml"}
SCALE_NAMES = {"WDR": "Werkdruk", "STEUN": "Steun van collega's", "ONTW": "Ontwikkelactiviteiten",
               "BEVL": "Bevlogenheid"}
OUTCOME = "BEVL"
DEMO_SCALES = ("REFL", "EXPR", "LEID", "ZICHT", "VEIL", "FOUT", "AUTO", "COMP", "IWL", "DUUR", "BIND")


def truth(round_name: str):
    return load_codebook(TRUTH[round_name])


def write_exports(folder, round_name: str, *, n_per_organisation: int = 40) -> list[Path]:
    """One export per organisation of the round (LimeSurvey, Qualtrics, SPSS, Forms in turn); LimeSurvey with
    its default subquestion codes (``WDR[SQ001]``), which no codebook knows until the draft lists them."""
    from informeel_lib.synth.generic import write_generic_round

    seed = {ROUND_1: 3, ROUND_2: 4}[round_name]
    return write_generic_round(folder, truth(round_name), round_name=round_name, seed=seed,
                               n_per_organisation=n_per_organisation, sq_codes=True)


def name_scales(path) -> None:
    """What the researcher does after `codebook draft`: name the scales and mark the outcome."""
    text = Path(path).read_text(encoding="utf-8")
    for code, name in SCALE_NAMES.items():
        text, n = re.subn(rf'(\n  {code}:\n    name: )"[^"\n]*"', lambda m, name=name: f'{m.group(1)}"{name}"', text)
        assert n == 1, code
    text, n = re.subn(rf"(\n  {OUTCOME}:\n    name: [^\n]*\n    role: )predictor", r"\1outcome", text)
    assert n == 1
    Path(path).write_text(text, encoding="utf-8")


def edit_for_round_2(path, out) -> None:
    """The codebook of round 2: BEVL5 added (asked ``since`` round 2), STEUN2 reworded (old wording under `was`),
    Zorgpunt Oost joined."""
    new = truth(ROUND_2)
    old = truth(ROUND_1)
    text = Path(path).read_text(encoding="utf-8")
    old_text, new_text = old.item("STEUN2").text, new.item("STEUN2").text
    text = text.replace(f'text: "{old_text}"', f'text: "{new_text}", was: ["{old_text}"]', 1)
    bevl4 = re.search(r"\n      - \{code: BEVL4[^\n]*", text).group(0)
    text = text.replace(bevl4, bevl4 + f'\n      - {{code: BEVL5, text: "{new.item("BEVL5").text}", '
                                       f'aliases: ["BEVL[SQ005]", "bevl_5"], since: {ROUND_2}}}', 1)
    text = text.replace("\nroles:", '\n  - {name: "Zorgpunt Oost", aliases: []}\n\nroles:', 1)
    Path(out).write_text(text, encoding="utf-8")
