"""Every number a reader sees in a rendered report equals the library's on the same data.

The reports of the shared rendered round (tests/support/rendered.py) are read back with
tests/support/report_reader.py (tables, figure alt texts, sentences) and each number is compared, at the
precision it is printed with, to the library function run here on the cleaned data of that round:
reliability with the codebook's reverse keys, scale means and n per group, the benchmark against the rest
(Welch), the change since the previous round, CFA fit indices and the multilevel model's coefficients.
The generated sentences must repeat the numbers of their tables.
"""

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from informeel_lib.analysis.compare import compare_rounds
from informeel_lib.analysis.multilevel import icc, influence_model
from informeel_lib.analysis.reliability import reliability
from informeel_lib.analysis.scoring import score_scales
from informeel_lib.codebook import load_codebook
from tests.support.rendered import MIN_GROUP, PREVIOUS, ROUND
from tests.support.report_reader import bound, matches, number, numbers_in, read_report

pytestmark = pytest.mark.slow

ORG = "ZINN"
REPORTS = [("netwerk.html", None), ("zinn.html", ORG)]
REST = "rest van het netwerk"
CB = load_codebook()
BY_NAME = {sc.name: code for code, sc in CB.scales.items()}


def _scored(data: pd.DataFrame) -> pd.DataFrame:
    scores = score_scales(data)
    return pd.concat([data.drop(columns=[c for c in scores.columns if c in data.columns]), scores], axis=1)


@pytest.fixture(scope="module")
def rounds(rendered_round):
    return {r: _scored(pd.read_parquet(rendered_round.data / f"{r}.parquet")) for r in (PREVIOUS, ROUND)}


@pytest.fixture(scope="module")
def reports(rendered_round):
    return {name: read_report(rendered_round.html(name)) for name, _ in REPORTS}


def _focus(data, org):
    return data if org is None else data[data["organisation"] == org]


def _label(org):
    return org or "netwerk"


def _same(text, value, places=None):
    assert matches(text, value, places=places), f"getoond {text!r}, bibliotheek {value!r}"


# --- reliability -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "org"), REPORTS)
def test_reliability_table_is_reliability_with_the_codebooks_reverse_keys(reports, rounds, name, org):
    report, data = reports[name], rounds[ROUND]
    table = report.table("Betrouwbaarheid per schaal")
    groups = [(_label(org), _focus(data, org))] + ([("netwerk", data)] if org else [])
    assert table.keys() == [sc.name for sc in CB.scales.values()]
    low = []
    for row in table.records():
        sc = CB.scales[BY_NAME[row["Schaal"]]]
        assert number(row["Items"]) == len(sc.items)
        for i, (label, df) in enumerate(groups):
            r = reliability(df[sc.item_codes], reverse=sc.reverse_items)
            assert number(row[f"n ({label})"]) == r.n
            _same(row[f"α ({label})"], r.alpha)
            if i == 0:
                lo, hi = row["95%-BI"].strip("[]").split(";")
                _same(lo, r.alpha_ci[0])
                _same(hi, r.alpha_ci[1])
                _same(row["ω"], r.omega_total)
                low += [sc.name] if r.alpha < 0.70 else []
    # the sentence names exactly the scales under ,70
    text = report.text_of("Betrouwbaarheid")
    named = text.split("Onder ,70", 1)[1] if "Onder ,70" in text else ""
    assert [s for s in BY_NAME if s in named] == low
    # forgetting the reverse keys would show a reader other numbers (so this test can see it)
    focus = groups[0][1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # reliability rightly warns that the items load negatively
        assert any(not matches(table.cell(sc.name, f"α ({groups[0][0]})"), reliability(focus[sc.item_codes],
                                                                                       reverse=[]).alpha)
                   for sc in CB.scales.values() if sc.reverse_items)


# --- response and scale scores ------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "org"), REPORTS)
def test_response_tables_and_sentence(reports, rounds, name, org):
    report, data, prev = reports[name], rounds[ROUND], rounds[PREVIOUS]
    counts = data["organisation"].value_counts()
    table = report.table("Respondenten per organisatie")
    assert set(table.keys()) == set(counts[counts >= MIN_GROUP].index)
    for row in table.records():
        n = counts[row["Organisatie"]]
        assert number(row["n"]) == n
        _same(row["Aandeel"], 100 * n / len(data), places=0)
    focus = _focus(data, org)
    roles = focus["role"].value_counts()
    role_table = report.table("Respondenten per rol")
    # the rows name each role with the codebook's label, not its code
    assert {k: number(v) for k, v in zip(role_table.keys(), role_table.column("n"))} == \
        {CB.category_label("role", code): n for code, n in roles[roles >= MIN_GROUP].items()}
    (sentence,) = [s for s in report.sentences if s.section == "Respons" and not s.text.startswith("Voor de praktijk")]
    assert f"ronde {ROUND}" in sentence.text and f"({PREVIOUS})" in sentence.text
    expected = [len(data), data["organisation"].nunique()] + ([len(focus)] if org else []) + [len(prev)]
    assert numbers_in(sentence.text.replace(ROUND, "").replace(PREVIOUS, "")) == expected, sentence.text


def _check_mean_table(table, data, column):
    """A table of n and the mean per scale code, one row per group of ``column`` with n >= the minimum.

    Groups of a categorical column (role) are named with the codebook's label, others as they are.
    """
    sizes = data.groupby(column).size()
    code_of = {CB.category_label(column, code): code for code in sizes.index}
    assert set(table.keys()) == {label for label, code in code_of.items() if sizes[code] >= MIN_GROUP}
    means = data.groupby(column)[list(CB.scales)].mean()
    for row in table.records():
        key = code_of[row[table.headers[0]]]
        assert number(row["n"]) == sizes[key]
        for code in CB.scales:
            _same(row[code], means.loc[key, code])


def test_network_scale_scores_per_organisation_and_role(reports, rounds):
    report, data = reports["netwerk.html"], rounds[ROUND]
    _check_mean_table(report.table("Gemiddelde score per organisatie"), data, "organisation")
    _check_mean_table(report.table("Gemiddelde score per rol"), data, "role")
    sizes = data.groupby("organisation").size()
    big = data[data["organisation"].isin(sizes[sizes >= MIN_GROUP].index)]
    shown = big.groupby("organisation")[list(CB.scales)].mean()
    bullets = [s for s in report.sentences if s.section == "Schaalscores" and s.kind == "li"]
    assert [b.text.split(":")[0] for b in bullets] == [sc.name for sc in CB.scales.values()]
    for b, code in zip(bullets, CB.scales):
        net, lo, hi = (re.search(r"netwerk (\S+) \(van (\S+) tot (\S+) ", b.text).groups())
        _same(net, data[code].mean())
        _same(lo, shown[code].min())
        _same(hi, shown[code].max())
    (figure,) = report.figures_in("Schaalscores")
    iwl = data.groupby("organisation")["IWL"].mean()
    for piece in figure.pieces():
        org, value = piece.rsplit(" ", 1)
        _same(value, iwl[org])


def test_organisation_scale_scores_per_team_and_role(reports, rounds):
    report, data = reports["zinn.html"], rounds[ROUND]
    focus = data[data["organisation"] == ORG]
    _check_mean_table(report.table(f"Gemiddelde score per team in {ORG}"), focus, "team")
    _check_mean_table(report.table(f"Gemiddelde score per rol ({ORG})"), focus, "role")


def test_benchmark_rows_are_welch_against_the_rest_and_the_sentences_repeat_them(reports, rounds):
    report, data = reports["zinn.html"], rounds[ROUND]
    table = report.table(f"Gemiddelde scores: {ORG} en de {REST}")
    assert table.keys() == [sc.name for sc in CB.scales.values()]
    bullets = {b.text.split(":")[0]: b for b in report.sentences if b.section == "Schaalscores" and b.kind == "li"}
    for row in table.records():
        code = BY_NAME[row["Schaal"]]
        x = data.loc[data["organisation"] == ORG, code].dropna()
        y = data.loc[data["organisation"] != ORG, code].dropna()
        test = stats.ttest_ind(x, y, equal_var=False)
        ci = test.confidence_interval(0.95)
        pooled = np.sqrt(((len(x) - 1) * x.var() + (len(y) - 1) * y.var()) / (len(x) + len(y) - 2))
        g = (x.mean() - y.mean()) / pooled * (1 - 3 / (4 * (len(x) + len(y)) - 9))
        assert (number(row["n"]), number(row[f"n ({REST})"])) == (len(x), len(y))
        _same(row["M"], x.mean())
        _same(row[f"M ({REST})"], y.mean())
        _same(row["Verschil"], x.mean() - y.mean())
        lo, hi = row["95%-BI"].strip("[]").split(";")
        _same(lo, ci.low)
        _same(hi, ci.high)
        _check_p(row["p"], test.pvalue)
        _same(row["g"], g)
        # the sentence above the table: both means, the difference and its interval, one decimal
        shown = bullets[row["Schaal"]].numbers()
        assert len(shown) == 6 and shown[3] == 95, bullets[row["Schaal"]].text  # ... 95%-BI a tot b
        for text_value, value in zip(re.findall(r"−?\d+,\d", bullets[row["Schaal"]].text),
                                     [x.mean(), y.mean(), x.mean() - y.mean(), ci.low, ci.high]):
            _same(text_value, value)


def _check_p(text, p):
    """A printed p-value: three decimals without leading zero, or ``< ,001``."""
    if bound(text) == "<":
        assert p < number(text), (text, p)
    else:
        _same(text, p)


# --- change since the previous round ------------------------------------------------------------------

@pytest.mark.parametrize(("name", "org"), REPORTS)
def test_change_table_is_compare_rounds_and_the_sentences_repeat_it(reports, rounds, name, org):
    report = reports[name]
    both = pd.concat([rounds[PREVIOUS], rounds[ROUND]], ignore_index=True)
    table = report.table(f"Gemiddelde scores in ronde {PREVIOUS} en {ROUND}")
    sentences = report.text_of("Verandering sinds de vorige ronde")
    significant = 0
    for row in table.records():
        code = BY_NAME[row["Schaal"]]
        res = compare_rounds(both, code, by=None if org is None else "organisation", rounds=[PREVIOUS, ROUND])
        r = (res if org is None else res[res["organisation"] == org]).iloc[0]
        assert (number(row[f"n ({PREVIOUS})"]), number(row[f"n ({ROUND})"])) == (r["n_from"], r["n_to"])
        _same(row[f"M ({PREVIOUS})"], r["mean_from"])
        _same(row[f"M ({ROUND})"], r["mean_to"])
        _same(row["Verschil"], r["diff"])
        _same(row["d"], r["cohen_d"])
        _check_p(row["p"], r["p"])
        said = re.search(re.escape(row["Schaal"]) + r" is in .*? (hoger|lager) dan in de vorige ronde "
                         r"\((\S+) → (\S+), p (=|<) (\S+)\)", sentences)
        assert bool(said) == (r["p"] < 0.05), (row["Schaal"], r["p"], sentences)
        if said:
            significant += 1
            assert said.group(1) == ("hoger" if r["diff"] > 0 else "lager")
            _same(said.group(2), r["mean_from"])
            _same(said.group(3), r["mean_to"])
            _check_p(("< " if said.group(4) == "<" else "") + said.group(5), r["p"])
    assert len(table.rows) >= 5


# --- factor structure ---------------------------------------------------------------------------------

def test_fit_table_is_the_cfa_of_the_codebook_model_and_the_sentence_repeats_it(reports, rounds, rendered_round):
    from informeel_lib.analysis.cfa.estimate import cfa

    data = pd.read_parquet(rendered_round.data / f"{ROUND}.parquet")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = cfa(data[CB.item_codes], CB.model_dict()).fit
    for name, _ in REPORTS:
        report = reports[name]
        table = report.table("Fit van het meetmodel")
        assert f"(n = {len(data)})" in table.title
        (row,) = table.records()
        _same(row["χ²"], fit["chi2"])
        assert number(row["df"]) == fit["df"]
        for col, key in (("CFI", "cfi"), ("TLI", "tli"), ("RMSEA", "rmsea"), ("SRMR", "srmr")):
            _same(row[col], fit[key])
        lo, hi = row["90%-BI RMSEA"].strip("[]").split(";")
        _same(lo, fit["rmsea_ci"][0])
        _same(hi, fit["rmsea_ci"][1])
        sentence = re.search(r"CFI = (\S+), RMSEA = (\S+)\)", report.text_of("Factorstructuur"))
        assert sentence.groups() == (row["CFI"], row["RMSEA"])


@pytest.mark.parametrize(("name", "org"), REPORTS)
def test_invariance_tables_are_internally_consistent(reports, name, org):
    for table in reports[name].tables_in("Factorstructuur"):
        if not table.title.startswith("Meetinvariantie"):
            continue
        rows = table.records()
        assert [r["Model"] for r in rows][:2] == ["configureel", "metrisch"]
        assert number(rows[0]["ΔCFI"]) is None
        for before, after in zip(rows, rows[1:]):  # each step's delta is the change against the step before
            for col in ("CFI", "RMSEA"):
                delta = number(after[col]) - number(before[col])
                assert abs(number(after[f"Δ{col}"]) - delta) <= 0.0015, (table.title, after)
            assert number(after["df"]) > number(before["df"])


# --- influence factors --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def influence(rounds):
    """The codebook's research model (outcome and predictors) on the round, as the report fits it."""
    return influence_model(rounds[ROUND], CB.main_outcome, list(CB.predictors))


@pytest.mark.parametrize(("name", "org"), REPORTS)
def test_model_coefficients_and_sentences_are_the_multilevel_model(reports, influence, name, org):
    report = reports[name]
    table = report.table("Effecten op informeel leergedrag")
    assert f"n = {influence.n}," in table.title and f"{influence.n_teams} teams" in table.title
    frame = influence.to_frame()
    frame = frame[frame["kind"] != "intercept"].set_index("label")
    assert table.keys() == list(frame.index)
    sym = table.headers[1]
    assert sym == ("β" if influence.standardized else "b")
    for row in table.records():
        c = frame.loc[row["Factor"]]
        _same(row[sym], c["estimate"])
        _same(row["95%-BI laag"], c["ci_low"])
        _same(row["95%-BI hoog"], c["ci_high"])
        _check_p(row["p"], c["p"])
        _check_p_against_interval(row[sym], row["95%-BI laag"], row["95%-BI hoog"], row["p"])
    # the effect diagram's alt text shows the same estimates
    (figure,) = report.figures_in("Invloedsfactoren")
    for piece in figure.pieces():
        label, value = piece.rsplit(" ", 1)
        _same(value, frame.loc[label, "estimate"])
    # every "β = x; 95%-BI a tot b" in the sentences is a row of the table
    text = report.text_of("Invloedsfactoren")
    quoted = re.findall(r"(?:β|b) = (\S+); 95%-BI (\S+) tot ([^)\s]+)\)", text)
    assert quoted
    rows = {(r[sym], r["95%-BI laag"], r["95%-BI hoog"]) for r in table.records()}
    assert set(quoted) <= rows


def _check_p_against_interval(estimate, low, high, p):
    """A two-sided Wald p follows from the printed estimate and 95% interval: z = b / ((hi - lo) / 2 / 1.96).

    Interval arithmetic over the rounding of the printed numbers (half a unit of the last digit each):
    the shown p must lie in the range the printed estimate and interval allow.
    """
    b, lo, hi = number(estimate), number(low), number(high)
    e = 0.5 * 10.0 ** -2
    half_lo, half_hi = max((hi - lo) / 2 - e, 1e-9), (hi - lo) / 2 + e
    z_max = (abs(b) + e) / (half_lo / stats.norm.ppf(0.975))
    z_min = max(abs(b) - e, 0) / (half_hi / stats.norm.ppf(0.975))
    p_lo, p_hi = 2 * stats.norm.sf(z_max), 2 * stats.norm.sf(z_min)
    if bound(p) == "<":
        assert p_lo < number(p), (estimate, low, high, p)
    else:
        assert p_lo - 0.0005 <= number(p) <= p_hi + 0.0005, (estimate, low, high, p, p_lo, p_hi)


def test_icc_table_is_icc_per_scale(reports, rounds):
    table = reports["netwerk.html"].table("Deel van de verschillen dat tussen teams ligt")
    for row in table.records():
        code = BY_NAME[row["Schaal"]]
        _same(row["ICC(1) team"], icc(rounds[ROUND], code, ["organisation", "team"]))
