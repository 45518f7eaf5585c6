"""A reader sees the codebook's labels of roles (and other categories), never their codes.

Found in the acceptance test with a questionnaire other than the demo: the role tables read
``verzorgende_ig`` where the codebook says ``Verzorgende IG``.
"""

import numpy as np
import pandas as pd
import pytest

from informeel_lib.analysis.multilevel import _covariate_columns
from informeel_lib.codebook import load_codebook
from informeel_lib.report.context import ReportContext
from informeel_lib.report.notebook import Notebook
from informeel_lib.report.sections import per_group_table, response
from tests.support.own_questionnaire import ROUND_1, truth

ROLES = {"wijkverpleegkundige": 12, "verzorgende_ig": 9, "teamcoach": 6}


@pytest.fixture(scope="module")
def codebook():
    return truth(ROUND_1)


def _round(codebook) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    roles = [r for r, n in ROLES.items() for _ in range(n)]
    n = len(roles)
    frame = pd.DataFrame({"respondent": [f"r{i}" for i in range(n)], "round": ROUND_1,
                          "organisation": ["Zorgbrug", "De Kustlijn", "Wijkzorg Drenthe"] * (n // 3),
                          "team": ["Noord"] * n, "role": roles})
    for code in codebook.scales:
        frame[code] = rng.uniform(1, 5, n)
    return frame


def _context(codebook) -> ReportContext:
    return ReportContext(ROUND_1, _round(codebook), None, None, None, min_group=5, codebook=codebook)


def test_the_codebook_names_its_categories(codebook):
    assert codebook.category_label("role", "verzorgende_ig") == "Verzorgende IG"
    assert codebook.category_label("team", "Noord") == "Noord"              # no value labels: as it is
    assert codebook.category_label("role", "onbekend") == "onbekend"
    demo = load_codebook()
    assert demo.value_labels("role")["opleidingsadviseur"] == "Opleidingsadviseur / L&O"
    assert demo.value_labels("sector")["wijkverpleging"] == "Wijkverpleging / thuiszorg"


def test_the_response_table_names_roles_by_their_label(codebook):
    html = response(_context(codebook)).html
    for code, label in codebook.value_labels("role").items():
        assert f"<td>{label}</td>" in html and code not in html.replace(label, "")


def test_the_mean_score_table_per_role_names_roles_by_their_label(codebook):
    html = per_group_table(_context(codebook), "role", "Rol", ("rol", "rollen"), "Gemiddelde score per rol")
    assert "Verzorgende IG" in html and "verzorgende_ig" not in html
    assert "Wijkverpleegkundige" in html and "Teamcoach" in html


def test_the_notebooks_scale_scores_carry_role_labels(codebook, tmp_path):
    ctx = _context(codebook)
    nb = Notebook(ROUND_1, None, tmp_path, 5, codebook, False, ctx.data, ctx)
    assert set(nb.scale_scores()["Rol"]) == {"Wijkverpleegkundige", "Verzorgende IG", "Teamcoach"}


def test_role_dummies_of_the_influence_model_are_named_by_label(codebook):
    labels, kind = {}, {}
    col = pd.Series(["wijkverpleegkundige"] * 5 + ["verzorgende_ig"] * 3)
    out = _covariate_columns(col, "role", False, labels, kind, codebook.value_labels("role"))
    assert list(out) == ["role=verzorgende_ig"]                            # the term keeps the code
    assert labels["role=verzorgende_ig"] == "rol: Verzorgende IG (t.o.v. Wijkverpleegkundige)"
