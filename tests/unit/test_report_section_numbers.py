"""The numbers the report sections compute (informeel_lib.report.sections), checked on a small round.

Fast unit tests (no rendering, no papermill): each function that produces a number a reader sees, or decides
what is shown, runs on a synthetic round of 240 respondents (``example_survey``) and is compared with pandas,
scipy or the library function it should call, at full precision. The tables a section hands to ``html_table``
are caught before formatting, so a number is compared, not its rounded Dutch text. These tests are the
mutation-test selection of ``sections.py`` (benchmarks/mutation/run.py).
"""

import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from informeel_lib.analysis.compare import compare_rounds
from informeel_lib.analysis.reliability import reliability
from informeel_lib.errors import AnalysisError, Failure
from informeel_lib.report import sections as rs
from informeel_lib.report.context import FORMS, ReportContext
from tests.support.report_round import CB, ORG, PREVIOUS, REST, ROUND, own_round, report_ctx, scored_round


@pytest.fixture(scope="module")
def current():
    return scored_round(240, 3, ROUND)


@pytest.fixture(scope="module")
def previous():
    return scored_round(200, 4, PREVIOUS)




class _OrganisationPlan:
    """A disclosure plan that publishes the organisations it is given (the real plan takes seconds to build)."""

    def __init__(self, organisations):
        self.organisations = set(organisations)

    def organisation_published(self, organisation):
        return organisation in self.organisations


def _plans(current, previous=None, *, unpublished=(), unpublished_before=()):
    plans = {"round": _OrganisationPlan(set(current["organisation"]) - set(unpublished))}
    if previous is not None:
        plans["previous"] = _OrganisationPlan(set(previous["organisation"]) - set(unpublished_before))
    return plans


@pytest.fixture()
def tables(monkeypatch):
    """Every DataFrame a section hands to html_table, with its keyword arguments (before formatting)."""
    caught = []
    real = rs.html_table

    def catch(frame, **kw):
        caught.append(SimpleNamespace(frame=frame.copy(), **kw))
        return real(frame, **kw)

    monkeypatch.setattr(rs, "html_table", catch)
    return caught


# --- small helpers ------------------------------------------------------------------------------------

def test_group_stats_is_n_and_mean_per_group_with_missing_groups_left_out():
    df = pd.DataFrame({"g": ["a", "b", "a", None, "b", "a"], "h": ["x", "x", "y", "y", "x", "x"],
                       "S": [1.0, 2.0, 4.0, 8.0, np.nan, 3.0], "T": [1.0, 1.0, 1.0, 1.0, 5.0, 2.0]})
    out = rs.group_stats(df, "g", ["S", "T"])
    assert out.columns.tolist() == ["g", "n", "S", "T"]
    assert out["g"].tolist() == ["a", "b"]
    assert out["n"].tolist() == [3, 2]
    assert out["S"].tolist() == [pytest.approx(8 / 3, abs=1e-15), 2.0]
    assert out["T"].tolist() == [pytest.approx(4 / 3, abs=1e-15), 3.0]
    two = rs.group_stats(df, ["g", "h"], ["S"])
    assert two[["g", "h", "n"]].values.tolist() == [["a", "x", 2], ["a", "y", 1], ["b", "x", 2]]
    cat = df.assign(g=pd.Categorical(df["g"], categories=["a", "b", "c"]))
    assert rs.group_stats(cat, "g", ["S"])["g"].tolist() == ["a", "b"]  # no row for an unused category
    named = rs.group_stats(df.rename(columns={"g": "organisation"}), "organisation", ["S"])
    assert named.columns.tolist() == ["organisation", "n", "S"] and named["n"].tolist() == [3, 2]


def test_mean_sd_of_a_column_with_text_and_gaps():
    s = pd.Series([1, "2", None, "x", 6.0])
    mean, sd, n = rs._mean_sd(s)
    assert (mean, n) == (3.0, 3)
    assert sd == pytest.approx(np.std([1, 2, 6], ddof=1), abs=1e-15)
    one = rs._mean_sd(pd.Series([4.0, None]))
    assert one[0] == 4.0 and np.isnan(one[1]) and one[2] == 1
    none = rs._mean_sd(pd.Series([None, "x"], dtype=object))
    assert np.isnan(none[0]) and np.isnan(none[1]) and none[2] == 0
    two = rs._mean_sd(pd.Series([2.0, 4.0]))
    assert two == (3.0, pytest.approx(np.sqrt(2), abs=1e-15), 2)
    assert [type(v) for v in two] == [float, float, int]


def test_shown_groups_drops_the_groups_suppress_small_groups_suppresses():
    from informeel_lib.privacy import suppress_small_groups

    table = pd.DataFrame({"g": ["a", "b", "c", "d", "e"], "n": [10, 3, 12, 7, 2]})
    shown, hidden = rs.shown_groups(table, min_group=5)
    keep = ~suppress_small_groups(table, n_col="n", min_group=5)["suppressed"].to_numpy()
    assert shown.equals(table[keep].reset_index(drop=True))
    assert hidden == int((~keep).sum())
    assert shown["g"].tolist() == ["a", "c", "d"] and hidden == 2
    assert shown.columns.tolist() == ["g", "n"]
    counts = pd.DataFrame({"g": ["a", "b"], "aantal": [3, 9]})
    shown, hidden = rs.shown_groups(counts, min_group=4, n_col="aantal")
    assert shown["g"].tolist() == ["b"] and hidden == 1 and shown.index.tolist() == [0]
    shown, hidden = rs.shown_groups(counts, min_group=3, n_col="aantal")
    assert shown.equals(counts) and hidden == 0 and type(hidden) is int


def test_count_share_and_answers():
    assert rs._count_share(5, 20, 5) == "5 (25%)"
    assert rs._count_share(4, 20, 5) == "< 5"
    assert rs._count_share(1234, 2468, 5) == "1.234 (50%)"
    answers = rs._answers(pd.DataFrame({"q": ["a", None, "  ", "", "b c"]}), "q")
    assert answers.tolist() == ["a", "b c"] and answers.index.tolist() == [0, 4]
    assert rs._answers(pd.DataFrame({"x": [1]}), "q").empty
    assert rs._plan_allows(None, "p", "k", ("a",))


# --- reliability ------------------------------------------------------------------------------------

def _reliability_frame(tables):
    (table,) = [t for t in tables if t.title == "Betrouwbaarheid per schaal"]
    return table


@pytest.mark.parametrize("organisation", [None, ORG])
def test_reliability_table_is_reliability_with_the_codebooks_reverse_keys(current, tables, organisation):
    ctx = report_ctx(current, organisation=organisation)
    section = rs.reliability_section(ctx)
    table = _reliability_frame(tables)
    frame = table.frame
    focus = ctx.focus
    label = organisation or "netwerk"
    expected_columns = ["Schaal", "Items", f"n ({label})", f"α ({label})", "95%-BI", "ω"]
    if organisation:
        expected_columns += ["n (netwerk)", "α (netwerk)"]
    assert frame.columns.tolist() == expected_columns
    assert frame["Schaal"].tolist() == [sc.name for sc in CB.scales.values()]
    low = []
    for (_, row), sc in zip(frame.iterrows(), CB.scales.values()):
        r = reliability(focus[sc.item_codes], reverse=sc.reverse_items)
        assert row["Items"] == len(sc.items)
        assert row[f"n ({label})"] == r.n and type(row[f"n ({label})"]) is int
        assert row[f"α ({label})"] == pytest.approx(r.alpha, abs=1e-12)
        assert row["ω"] == pytest.approx(r.omega_total, abs=1e-12)
        lo, hi = r.alpha_ci
        assert row["95%-BI"] == f"[{rs.number(lo, 2, leading_zero=False)}; {rs.number(hi, 2, leading_zero=False)}]"
        if organisation:
            whole = reliability(current[sc.item_codes], reverse=sc.reverse_items)
            assert row["n (netwerk)"] == whole.n
            assert row["α (netwerk)"] == pytest.approx(whole.alpha, abs=1e-12)
        if r.alpha < 0.7:
            low.append(sc.name)
        if sc.reverse_items:  # forgetting the reverse keys would change the number
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                assert abs(reliability(focus[sc.item_codes], reverse=[]).alpha - row[f"α ({label})"]) > 0.05
    assert table.number == 1
    assert table.no_leading_zero == [f"α ({label})", "ω"] + (["α (netwerk)"] if organisation else [])
    assert table.note == "BI = betrouwbaarheidsinterval (Feldt). Ontbrekende antwoorden: paarsgewijs."
    who = organisation or "het netwerk"
    sentence = ("Cronbachs alfa (α) en omega (ω) geven aan hoe goed de items van een schaal samen één begrip meten; "
                "vanaf ,70 noemen we dat voldoende.")
    sentence += f" Onder ,70 in {who}: {rs.word_list(low)}." if low else \
        f" Alle schalen zijn voldoende betrouwbaar in {who}."
    assert section.title == "Betrouwbaarheid"
    assert section.html.startswith(f"<h2>Betrouwbaarheid</h2><p>{rs.html.escape(sentence)}</p>")


def test_reliability_uses_the_items_the_round_asked(current, tables):
    data = current.drop(columns=["EXPR1"]).assign(REFL4=np.nan)   # not asked this round (codebook 'since')
    ctx = report_ctx(data, organisation=ORG)
    rs.reliability_section(ctx)
    table = _reliability_frame(tables)
    frame = table.frame.set_index("Schaal")
    asked = {"REFL": (["REFL1", "REFL2", "REFL3", "REFL5"], []), "EXPR": (["EXPR2", "EXPR3", "EXPR4"], ["EXPR4"]),
             "VEIL": (CB.scales["VEIL"].item_codes, CB.scales["VEIL"].reverse_items)}
    for code, (items, reverse) in asked.items():
        row = frame.loc[CB.scales[code].name]
        assert row["Items"] == len(items)
        for label, df in ((ORG, ctx.focus), ("netwerk", data)):
            r = reliability(df[items], reverse=reverse)
            assert row[f"n ({label})"] == r.n
            assert row[f"α ({label})"] == pytest.approx(r.alpha, abs=1e-12)
    assert table.note == ("BI = betrouwbaarheidsinterval (Feldt). Ontbrekende antwoorden: paarsgewijs. Reflectie op "
                          "het werk en Ruimte voor experimenteren: alleen de items die in deze ronde gevraagd zijn.")


def _fake_reliability(values):
    """reliability() stand-in: alpha per first item code, CI and omega fixed (to test the decision rules)."""
    def fake(items, *, reverse=None, codebook=None):
        alpha = values[items.columns[0]]
        if alpha is None:
            raise AnalysisError("te weinig")
        return SimpleNamespace(n=len(items), alpha=alpha, alpha_ci=(alpha - 0.1, alpha + 0.05), omega_total=0.5)
    return fake


def test_reliability_calls_a_scale_sufficient_from_70_on_and_shows_a_failure_as_empty(current, tables, monkeypatch):
    import informeel_lib.analysis.reliability as rel

    codes = list(CB.scales)
    values = {CB.scales[c].item_codes[0]: 0.8 for c in codes}
    values[CB.scales[codes[0]].item_codes[0]] = 0.7          # exactly ,70: sufficient
    values[CB.scales[codes[1]].item_codes[0]] = 0.6999999    # just under
    values[CB.scales[codes[2]].item_codes[0]] = None         # reliability refuses
    monkeypatch.setattr(rel, "reliability", _fake_reliability(values))
    data = current.copy()
    first = CB.scales[codes[2]].item_codes
    data.loc[data.index[:7], first] = np.nan                 # 7 rows without any answer on that scale
    data.loc[data.index[7:9], first[0]] = np.nan             # 2 rows with one answer missing (still counted)
    section = rs.reliability_section(report_ctx(data, organisation=None))
    frame = _reliability_frame(tables).frame
    assert f"Onder ,70 in het netwerk: {CB.scales[codes[1]].name}." in section.html
    failed = frame.iloc[2]
    assert np.isnan(failed["α (netwerk)"]) and failed["n (netwerk)"] == len(data) - 7
    assert pd.isna(failed["95%-BI"]) and pd.isna(failed["ω"])
    assert frame.iloc[0]["95%-BI"] == "[,60; ,75]" and frame.iloc[0]["ω"] == 0.5


@pytest.mark.filterwarnings("ignore:Item")  # five respondents: some items load negatively
def test_reliability_of_too_few_respondents_is_not_shown(current, tables):
    ctx = report_ctx(current.iloc[:5], min_group=5)
    assert "Te weinig" not in rs.reliability_section(ctx).html
    tables.clear()
    small = report_ctx(current.iloc[:4], min_group=5)
    section = rs.reliability_section(small)
    assert section.html == ("<h2>Betrouwbaarheid</h2><p>Te weinig respondenten om de betrouwbaarheid te "
                            "tonen.</p>")
    assert section.title == "Betrouwbaarheid"
    assert not tables


# --- invariance ------------------------------------------------------------------------------------

def _inv(cfi, rmsea, verdicts):
    """An invariance table whose first (configural) row has this fit; the later rows fit the other way."""
    later = len(verdicts) - 1
    return pd.DataFrame({"cfi": [cfi] + [0.99 if cfi < 0.9 else 0.5] * later,
                         "rmsea": [rmsea] + [0.01 if not rmsea <= 0.08 else 0.5] * later, "verdict": verdicts})


def test_invariance_ok_follows_the_verdicts_and_the_configural_fit():
    ok = ["baseline", "acceptable", "acceptable"]
    assert rs.invariance_ok(_inv(0.95, 0.05, ok)) is True
    assert rs.invariance_ok(_inv(0.95, 0.05, ["baseline", "acceptable", "doubtful"])) is False
    assert rs.invariance_ok(_inv(0.95, 0.05, ["baseline", "rejected", "acceptable"])) is False
    assert rs.invariance_ok(_inv(0.89, 0.081, ok)) is False       # configural fit already poor
    assert rs.invariance_ok(_inv(0.89, 0.08, ok)) is True         # RMSEA at ,08 saves it
    assert rs.invariance_ok(_inv(0.90, 0.20, ok)) is True         # CFI at ,90 saves it
    assert rs.invariance_ok(_inv(0.89, float("nan"), ok)) is False
    assert rs.invariance_ok(_inv(0.95, 0.05, ["baseline", "acceptable"])) is True
    assert rs.invariance_ok(_inv(0.95, 0.05, ["baseline"])) is None
    assert rs.invariance_ok(_inv(0.95, 0.05, ok).drop(columns="verdict")) is None
    assert rs.invariance_ok(None) is None
    assert rs.invariance_ok(Failure("error", "niet geschat")) is None
    assert rs.invariance_ok({"verdict": ok}) is None


# --- benchmark ---------------------------------------------------------------------------------------

def test_benchmark_table_is_the_mean_and_t_interval_of_both_groups(current):
    from scipy import stats

    ctx = report_ctx(current, organisation=ORG)
    table = rs.benchmark_table(ctx)
    assert table.columns.tolist() == ["scale", "group", "n", "mean", "ci_low", "ci_high"]
    assert table["scale"].tolist() == [sc.name for sc in CB.scales.values() for _ in range(2)]
    assert table["group"].tolist() == [ORG, REST] * len(CB.scales)
    for (_, row), code in zip(table.iterrows(), [c for c in CB.scales for _ in range(2)]):
        part = current["organisation"] == ORG
        x = current.loc[part if row["group"] == ORG else ~part, code].dropna()
        half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
        assert row["n"] == len(x) and type(row["n"]) is int
        assert row["mean"] == pytest.approx(x.mean(), abs=1e-12)
        assert row["ci_low"] == pytest.approx(x.mean() - half, abs=1e-12)
        assert row["ci_high"] == pytest.approx(x.mean() + half, abs=1e-12)


def test_benchmark_table_leaves_out_a_scale_a_group_cannot_show(current):
    data = current.copy()
    code = list(CB.scales)[1]
    org = data["organisation"] == ORG
    data.loc[org[org].index[4:], code] = np.nan                    # 4 answers left in the organisation
    other = list(CB.scales)[2]
    data.loc[~org, other] = np.nan                                  # no answers in the rest
    table = rs.benchmark_table(report_ctx(data, organisation=ORG, min_group=5))
    assert CB.scales[code].name not in set(table["scale"]) and CB.scales[other].name not in set(table["scale"])
    assert len(table) == 2 * (len(CB.scales) - 2)
    table = rs.benchmark_table(report_ctx(data, organisation=ORG, min_group=4))
    assert CB.scales[code].name in set(table["scale"])
    assert table[(table["scale"] == CB.scales[code].name) & (table["group"] == ORG)]["n"].tolist() == [4]
    with pytest.raises(AnalysisError, match="^Een vergelijking met de rest van het netwerk kan alleen in een "
                                            "organisatierapport.$"):
        rs.benchmark_table(report_ctx(data))
    empty = rs.benchmark_table(report_ctx(data.assign(**{c: np.nan for c in CB.scales}), organisation=ORG))
    assert empty.columns.tolist() == ["scale", "group", "n", "mean", "ci_low", "ci_high"] and empty.empty


# --- change since the previous round ---------------------------------------------------------------

def test_comparable_scales_are_scored_in_both_rounds(current, previous):
    codes = list(CB.scales)
    assert rs.comparable_scales(report_ctx(current)) == []
    assert rs.comparable_scales(report_ctx(current, previous)) == codes
    prev = previous.drop(columns=[codes[0]])
    assert rs.comparable_scales(report_ctx(current, prev)) == codes[1:]
    shared = current.drop(columns=[codes[1]])
    ctx = report_ctx(current, previous, data_shared_items=shared)
    assert rs.comparable_scales(ctx) == [c for c in codes if c != codes[1]]
    assert rs._shared_data(ctx) is shared
    assert rs._shared_data(report_ctx(current, previous)) is current


def test_change_by_organisation_is_compare_rounds_per_organisation_and_network(current, previous):
    ctx = report_ctx(current, previous, _plans=_plans(current, previous))
    table, significant, hidden = rs.change_by_organisation(ctx)
    core = [c for c in CB.core_scales]
    both = pd.concat([previous, current], ignore_index=True)
    orgs = sorted(set(current["organisation"]))
    assert table.columns.tolist() == ["Organisatie", f"n ({PREVIOUS})", f"n ({ROUND})", *core]
    assert table["Organisatie"].tolist() == orgs + ["netwerk"]
    assert hidden == 0
    n_prev, n_cur = previous.groupby("organisation").size(), current.groupby("organisation").size()
    expected_significant = {c: [] for c in core}
    for code in core:
        per_org = compare_rounds(both, code, by="organisation", rounds=[PREVIOUS, ROUND], min_group=5)
        per_org = per_org.set_index("organisation")
        net = compare_rounds(both, code, by=None, rounds=[PREVIOUS, ROUND], min_group=5).iloc[0]
        for o in orgs:
            r = per_org.loc[o]
            cell = table.set_index("Organisatie").loc[o, code]
            assert cell == rs.number(r["diff"], 2, sign=True) + ("*" if r["p"] < 0.05 else "")
            if r["p"] < 0.05:
                expected_significant[code].append(o)
                (shown,) = [row for org, row in significant[code] if org == o]
                assert shown["diff"] == pytest.approx(r["diff"], abs=1e-12)
        assert table.iloc[-1][code] == rs.number(net["diff"], 2, sign=True) + ("*" if net["p"] < 0.05 else "")
    assert {c: [o for o, _ in v] for c, v in significant.items()} == expected_significant
    assert any(expected_significant.values()) and not all(expected_significant.values())
    for o in orgs:
        row = table.set_index("Organisatie").loc[o]
        assert (row[f"n ({PREVIOUS})"], row[f"n ({ROUND})"]) == (n_prev[o], n_cur[o])
    assert table.iloc[-1][[f"n ({PREVIOUS})", f"n ({ROUND})"]].tolist() == [len(previous), len(current)]


def test_change_by_organisation_hides_small_or_unpublished_organisations_and_suppressed_cells(current, previous):
    counts = previous["organisation"].value_counts()
    small = counts.index[-1]                           # the smallest organisation of the previous round
    few = previous[previous["organisation"] == small].iloc[:6]
    prev = pd.concat([previous[previous["organisation"] != small], few], ignore_index=True)
    code = CB.core_scales[0]
    orgs = sorted(set(current["organisation"]))
    other, hidden_now, hidden_before = [o for o in orgs if o != small][:3]
    rows = prev.index[prev["organisation"] == other]
    prev.loc[rows[5:], code] = np.nan                  # 5 answers left: compare_rounds suppresses the cell (min 6)
    plans = _plans(current, prev, unpublished=[hidden_now], unpublished_before=[hidden_before])
    ctx = report_ctx(current, prev, min_group=6, _plans=plans)
    table, significant, hidden = rs.change_by_organisation(ctx, scales=[code, "NIETS"])
    assert table.columns.tolist() == ["Organisatie", f"n ({PREVIOUS})", f"n ({ROUND})", code]
    assert table["Organisatie"].tolist() == [o for o in orgs if o not in (hidden_now, hidden_before)] + ["netwerk"]
    assert hidden == 2                                 # exactly min_group respondents: shown
    assert table.set_index("Organisatie").loc[other, code] == rs.EMPTY
    assert all(o != other for o, _ in significant[code])
    sparse = CB.core_scales[1]
    prev.loc[prev.index[6:], sparse] = np.nan          # 6 answers in the whole previous round
    ctx = report_ctx(current, prev, min_group=7, _plans=_plans(current, prev))
    table, significant, hidden = rs.change_by_organisation(ctx, scales=[code, sparse])
    assert table["Organisatie"].tolist() == [o for o in orgs if o != small] + ["netwerk"] and hidden == 1
    assert set(table[sparse]) == {rs.EMPTY}            # the network's cell too: 6 < 7 answers
    # an organisation in only one of the rounds is left out (and counted); exactly min_group now: shown
    cur = current[current["organisation"] != small]
    cur = pd.concat([cur[cur["organisation"] != hidden_now], cur[cur["organisation"] == hidden_now].iloc[:6]])
    new = current[current["organisation"] == ORG].iloc[:8].assign(organisation="Nieuw")
    cur = pd.concat([cur, new])
    ctx = report_ctx(cur, prev, min_group=6, _plans=_plans(cur, prev))
    table, _, hidden = rs.change_by_organisation(ctx, scales=[code])
    assert table["Organisatie"].tolist() == [o for o in orgs if o != small] + ["netwerk"]
    assert hidden == 2                                 # 'small' (previous round only) and 'Nieuw' (this round only)
    ctx = report_ctx(cur, prev, min_group=1, _plans=_plans(cur, prev))
    shown = rs.change_by_organisation(ctx, scales=[code])[0]["Organisatie"].tolist()
    assert "Nieuw" not in shown and small not in shown
    with pytest.raises(AnalysisError, match="^Er is geen vorige ronde om mee te vergelijken.$"):
        rs.change_by_organisation(report_ctx(current))


def test_change_by_organisation_marks_p_below_05_only(current, previous, monkeypatch):
    import informeel_lib.analysis.compare as compare

    p_of = {"Interzorg": 0.05, "Treant": 0.0499, None: 0.05}

    def fake(data, scale, *, by="organisation", rounds=None, min_group=5, codebook=None):   # the real defaults
        keys = sorted(set(data["organisation"])) if by else [None]
        return pd.DataFrame([{**({"organisation": k} if by else {}), "diff": 0.25, "p": p_of.get(k, 0.5),
                              "suppressed": False} for k in keys])

    monkeypatch.setattr(compare, "compare_rounds", fake)
    code = CB.core_scales[0]
    table, significant, _ = rs.change_by_organisation(report_ctx(current, previous, _plans=_plans(current, previous)),
                                                      scales=[code])
    cells = dict(zip(table["Organisatie"], table[code]))
    assert cells["Interzorg"] == "+0,25" and cells["Treant"] == "+0,25*" and cells["netwerk"] == "+0,25"
    assert [o for o, _ in significant[code]] == ["Treant"]


def test_change_sentences_name_each_significant_organisation():
    r = pd.Series({"diff": 0.25, "mean_from": 3.0, "mean_to": 3.25, "p": 0.012})
    down = pd.Series({"diff": -0.5, "mean_from": 3.5, "mean_to": 3.0, "p": 0.0004})
    codes = list(CB.scales)
    out = rs.change_sentences({codes[0]: [("A", r), ("B", down)], codes[1]: [], codes[2]: []},
                              previous_round_name=PREVIOUS, codebook=CB)
    names = [CB.scales[c].name for c in codes[:3]]
    assert out == [
        f"{names[0]} veranderde sinds {PREVIOUS} duidelijk in A (hoger: {rs.from_to(3.0, 3.25)}, p = ,012) en "
        f"B (lager: {rs.from_to(3.5, 3.0)}, p < ,001).",
        f"Op {names[1]} en {names[2]} veranderde geen enkele organisatie duidelijk (p < ,05)."]
    zero = pd.Series({"diff": 0.0, "mean_from": 3.0, "mean_to": 3.0, "p": 0.01})
    assert "(lager:" in rs.change_sentences({codes[0]: [("A", zero)]}, previous_round_name=PREVIOUS,
                                            codebook=CB)[0]
    assert rs.change_sentences({}, previous_round_name=PREVIOUS, codebook=CB) == []


# --- fit and model tables ---------------------------------------------------------------------------

FIT = {"chi2": 310.25, "df": 120.0, "p": 0.001, "cfi": 0.951, "tli": 0.94, "rmsea": 0.049,
       "rmsea_ci": (0.041, 0.057), "srmr": 0.05, "estimator": "ML"}


def test_reported_fit_shows_the_scaled_values_when_there_are_any():
    scaled = dict(FIT, chi2_scaled=250.5, cfi_scaled=0.97, tli_scaled=0.96, rmsea_scaled=0.03, p_scaled=0.2,
                  rmsea_ci_scaled=(0.02, 0.04), estimator="MLR")
    shown = rs.reported_fit(scaled)
    assert {k: shown[k] for k in ("chi2", "cfi", "tli", "rmsea", "p", "rmsea_ci")} == {
        "chi2": 250.5, "cfi": 0.97, "tli": 0.96, "rmsea": 0.03, "p": 0.2, "rmsea_ci": (0.02, 0.04)}
    assert scaled["cfi"] == 0.951 and shown["srmr"] == 0.05       # the input is not changed
    partial = dict(FIT, chi2_scaled=250.5)
    shown = rs.reported_fit(partial)
    assert (shown["chi2"], shown["cfi"], shown["rmsea_ci"]) == (250.5, 0.951, (0.041, 0.057))
    no_ci = {k: v for k, v in partial.items() if k != "rmsea_ci"}
    assert rs.reported_fit(no_ci)["rmsea_ci"] is None
    assert rs.reported_fit(FIT) is FIT


def test_fit_row_and_sentence():
    row = rs._fit_row("codeboekmodel", FIT)
    assert row == {"Model": "codeboekmodel", "χ²": 310.25, "df": 120, "CFI": 0.951, "TLI": 0.94, "RMSEA": 0.049,
                   "90%-BI RMSEA": "[,041; ,057]", "SRMR": 0.05}
    assert type(row["df"]) is int
    scaled = dict(FIT, chi2_scaled=250.5, rmsea_ci_scaled=(0.02, 0.04))
    assert rs._fit_row("MLR", scaled)["χ²"] == 250.5 and rs._fit_row("MLR", scaled)["90%-BI RMSEA"] == "[,020; ,040]"
    bare = rs._fit_row("x", {"chi2": 1.0})
    assert bare["df"] is None and bare["90%-BI RMSEA"] == "[–; –]" and bare["CFI"] is None
    assert rs.fit_sentence(FIT) == ("Het meetmodel van het codeboek past goed bij de data (CFI = ,951, "
                                    "RMSEA = ,049).")
    verdicts = {(0.95, 0.06): "goed", (0.9499, 0.06): "acceptabel", (0.95, 0.0601): "acceptabel",
                (0.90, 0.08): "acceptabel", (0.8999, 0.08): "onvoldoende", (0.90, 0.0801): "onvoldoende"}
    for (cfi, rmsea), word in verdicts.items():
        assert f"past {word} bij" in rs.fit_sentence({"cfi": cfi, "rmsea": rmsea}), (cfi, rmsea)
    assert "past onvoldoende" in rs.fit_sentence({"cfi": 0.99})
    assert rs.fit_sentence({"rmsea": 0.01}) == ("Het meetmodel van het codeboek past onvoldoende bij de data "
                                                "(CFI = –, RMSEA = ,010).")
    assert rs.fit_sentence(dict(FIT, chi2_scaled=1.0, cfi_scaled=0.85)).startswith(
        "Het meetmodel van het codeboek past onvoldoende bij de data (CFI = ,850,")


class _Model:
    def __init__(self, frame):
        self.frame = frame

    def to_frame(self):
        return self.frame


def _coefficients():
    return pd.DataFrame({
        "label": ["Intercept", "Reflectie op het werk", "Teamgrootte", "Leergericht leidinggeven", "x"],
        "estimate": [3.0, 0.25, 0.01, -0.125, 1],
        "ci_low": [2.8, 0.1, -0.02, -0.25, 0], "ci_high": [3.2, 0.4, 0.04, -0.01, 2],
        "p": [0.0, 0.001, 0.5, 0.04, 0.1],
        "kind": ["intercept", "predictor", "covariate", "between", "within"]},
        index=["Intercept", "REFL", "team_size", "LEID", "X"])


def test_model_table_keeps_the_factors_with_their_interval():
    out = rs.model_table(_Model(_coefficients()))
    assert out.columns.tolist() == ["Factor", "b", "ci_low", "ci_high", "p"]
    assert out["Factor"].tolist() == ["Reflectie op het werk", "Leergericht leidinggeven", "x"]
    assert out["b"].tolist() == [0.25, -0.125, 1.0] and out["b"].dtype == float
    assert out["ci_low"].tolist() == [0.1, -0.25, 0.0] and out["ci_high"].tolist() == [0.4, -0.01, 2.0]
    assert out["p"].tolist() == [0.001, 0.04, 0.1]
    plain = _coefficients().drop(columns="kind")
    plain.index = ["const", "REFL", "team_size", "LEID", "Intercept"]
    assert rs.model_table(_Model(plain))["Factor"].tolist() == ["Reflectie op het werk", "Teamgrootte",
                                                                 "Leergericht leidinggeven"]
    whole = _coefficients().astype({"estimate": int, "ci_low": int, "ci_high": int, "p": int})
    assert [str(dtype) for dtype in rs.model_table(_Model(whole)).dtypes.iloc[1:]] == ["float64"] * 4
    upper = plain.copy()
    upper.index = ["CONST", "REFL", "team_size", "LEID", "INTERCEPT"]
    assert len(rs.model_table(_Model(upper))) == 3


# --- open answers ------------------------------------------------------------------------------------

TEXTS = {
    "zelfgestuurd": "ik heb zelf opgezocht hoe je een drukverband aanlegt, poging {k}",
    "incidenteel": "door een fout bij de overdracht kwam ik erachter hoe het moet, keer {k}",
    "tacit": "je kijkt het af van collega's zonder dat je het doorhebt, ook nu weer {k}",
    "onbekend": "geen idee {k}",
}


def _answers_frame(org, counts, *, round_name=ROUND):
    rows = [{"round": round_name, "organisation": org, "OPEN": TEXTS[form].format(k=k)}
            for form, n in counts.items() for k in range(n)]
    return pd.DataFrame(rows)


def test_the_answer_texts_are_coded_as_their_form():
    from informeel_lib.analysis.textcoding import code_open_answers

    codes = code_open_answers([t.format(k=1) for t in TEXTS.values()])["code"].tolist()
    assert codes == list(TEXTS)


def test_coded_counts_per_group_with_shares_and_small_counts_masked():
    a = _answers_frame("A", {"zelfgestuurd": 6, "incidenteel": 4, "tacit": 5, "onbekend": 5})
    a.loc[len(a)] = {"round": ROUND, "organisation": "A", "OPEN": "  "}
    b = _answers_frame("B", {"zelfgestuurd": 2, "incidenteel": 1})
    c = _answers_frame("C", {"tacit": 5})
    groups = [("A", a), ("B", b, ("B",)), ("C", c), ("D", b)]
    table, hidden = rs.coded_counts(groups, column="OPEN", min_group=5)
    assert table.columns.tolist() == ["Groep", "n", *FORMS, rs.FORM_NONE]
    assert table.values.tolist() == [["A", 20, "6 (30%)", "< 5", "5 (25%)", "5 (25%)"],
                                     ["C", 5, "< 5", "< 5", "5 (100%)", "< 5"]]
    assert hidden == 2
    table, hidden = rs.coded_counts(groups, column="OPEN", min_group=3)
    assert table["Groep"].tolist() == ["A", "B", "C", "D"] and hidden == 0
    assert table.iloc[1].tolist() == ["B", 3, "< 3", "< 3", "< 3", "< 3"]
    empty, hidden = rs.coded_counts([("A", a.iloc[:2])], column="OPEN", min_group=3)
    assert empty.columns.tolist() == ["Groep", "n", *FORMS, rs.FORM_NONE] and empty.empty and hidden == 1


class _Plan:
    """A disclosure plan that publishes what ``allowed`` lists: (partition, key, within)."""

    def __init__(self, allowed):
        self.allowed = set(allowed)

    def published(self, partition, key, *, within=None):
        return (partition, key, within) in self.allowed


def test_coded_counts_shows_only_the_cells_a_plan_publishes():
    a = _answers_frame("A", {"zelfgestuurd": 6, "incidenteel": 6, "tacit": 6, "onbekend": 6})
    plan = _Plan({("answered:OPEN", None, "A"), ("answered:OPEN", None, None), ("answered:OPEN", None, "B"),
                  ("answer_form:OPEN", "zelfgestuurd", "A"), ("answer_form:OPEN", rs.FORM_NONE, "A"),
                  ("answer_form:OPEN", "tacit", None), ("answer_form:OPEN", "tacit", "A")})
    groups = [("A", a), ("rest", a, (None, "A")), ("B", a, ("B", "C"))]
    table, hidden = rs.coded_counts(groups, column="OPEN", min_group=5, plan=plan)
    assert table.values.tolist() == [["A", 24, "6 (25%)", rs.EMPTY, "6 (25%)", "6 (25%)"],
                                     ["rest", 24, rs.EMPTY, rs.EMPTY, "6 (25%)", rs.EMPTY]]
    assert hidden == 1


def test_frequent_terms_table_shares_per_group_without_weak_words():
    from informeel_lib.analysis.textcoding import frequent_terms

    texts = ["wondzorg geleerd van collega", "wondzorg bij een cliënt", "collega liet wondzorg zien",
             "nieuwe tillift uitgeprobeerd", "tillift met collega", "gebeurt vaak bij wondzorg"]
    a = pd.DataFrame({"OPEN": texts + [None, ""]})
    few = pd.DataFrame({"OPEN": texts[:2]})
    groups = [("A", a), ("B", few, ("B",)), ("C", a)]
    table, hidden = rs.frequent_terms_table(groups, column="OPEN", min_group=3, n_terms=2)
    assert table.columns.tolist() == ["Groep", "n", "Meest genoemde woorden"]
    terms = frequent_terms(pd.Series(texts), n=20, min_group=3)
    terms = terms[~terms["term"].isin(rs.WEAK_WORDS)].head(2)
    words = "; ".join(f"{t} ({rs.percent(s)})" for t, s in zip(terms["term"], terms["share"]))
    assert words == "wondzorg (67%); collega (50%)"
    assert table.values.tolist() == [["A", 6, words], ["C", 6, words]]
    assert hidden == 1
    three = rs.frequent_terms_table([("A", a)], column="OPEN", min_group=3, n_terms=3)[0]
    assert three.iloc[0]["Meest genoemde woorden"] == words + "; tillift (33%)"
    unique = pd.DataFrame({"OPEN": ["appel", "peer", "banaan", "gebeurt gebeurt", "gebeurt soms"]})
    table, hidden = rs.frequent_terms_table([("D", unique)], column="OPEN", min_group=3)
    assert table.values.tolist() == [["D", 5, rs.EMPTY]] and hidden == 0
    empty, hidden = rs.frequent_terms_table([("B", few)], column="OPEN", min_group=3)
    assert empty.columns.tolist() == ["Groep", "n", "Meest genoemde woorden"] and empty.empty and hidden == 1


def test_frequent_terms_table_looks_past_many_weak_words_and_small_groups():
    weak = ["gebeurt", "komt", "staat", "werkt", "denk", "vaak"]
    content = ["wondzorg", "tillift", "overdracht", "medicatie", "valpreventie", "decubitus"]
    texts = [" ".join(weak + content[:k]) for k in range(1, 8)]  # weak words in every answer, content less often
    table, hidden = rs.frequent_terms_table([("A", pd.DataFrame({"OPEN": texts}))], column="OPEN", min_group=3)
    words = table.iloc[0]["Meest genoemde woorden"].split("; ")
    assert [w.split(" ")[0] for w in words] == content[:5]   # five words by default, none of them weak
    assert words[0] == "wondzorg (100%)" and words[4] == "valpreventie (43%)"   # decubitus (2 answers) is sixth
    four = pd.DataFrame({"OPEN": texts[:4]})
    only_weak = pd.DataFrame({"OPEN": ["gebeurt hier", "gebeurt daar", "komt", "staat"]})
    one = pd.DataFrame({"OPEN": ["wondzorg", "wondzorg geleerd", "appel", "peer"]})
    table, hidden = rs.frequent_terms_table([("B", four), ("C", only_weak), ("D", one)], column="OPEN", min_group=4)
    assert table.values.tolist() == [["B", 4, "wondzorg (100%); tillift (75%); overdracht (50%)"],
                                     ["C", 4, rs.EMPTY], ["D", 4, "wondzorg (50%)"]]
    assert hidden == 0
    small, hidden = rs.frequent_terms_table([("B", four.iloc[:3]), ("C", only_weak.iloc[:3])], column="OPEN",
                                            min_group=4)
    assert small.empty and hidden == 2


def test_open_answer_counts_per_round_and_organisation_add_up_to_n():
    data = pd.concat([
        _answers_frame("B", {"zelfgestuurd": 5, "incidenteel": 5, "tacit": 2, "onbekend": 1}),
        _answers_frame("A", {"zelfgestuurd": 1, "incidenteel": 6, "tacit": 5, "onbekend": 5}),
        _answers_frame("A", {"zelfgestuurd": 5, "onbekend": 5}, round_name=PREVIOUS),
        _answers_frame("C", {"tacit": 4}),
        _answers_frame("AB", {"tacit": 2}),                # sorts between A and B, too small
    ], ignore_index=True)
    table = rs.open_answer_counts(data, column="OPEN", min_group=5)
    assert table.columns.tolist() == ["Ronde", "Organisatie", "n", *FORMS, rs.FORM_NONE]
    assert table.values.tolist() == [[PREVIOUS, "A", 10, 5, "< 5", "< 5", 5],
                                     [ROUND, "A", 17, "< 5", 6, 5, 5],
                                     [ROUND, "B", 13, 5, 5, "< 5", "< 5"]]
    assert rs.open_answer_counts(data, column="OPEN", min_group=4).iloc[-1].tolist() == \
        [ROUND, "C", 4, "< 4", "< 4", 4, "< 4"]
    empty = rs.open_answer_counts(data, column="OPEN", min_group=18)
    assert empty.empty and empty.columns.tolist() == ["Ronde", "Organisatie", "n", *FORMS, rs.FORM_NONE]


def test_response_by_round_masks_small_cells_but_counts_them_in_the_network():
    data = pd.DataFrame({"organisation": ["A"] * 7 + ["B"] * 4 + ["A"] * 5 + ["C"] * 1,
                         "round": [ROUND] * 11 + [PREVIOUS] * 6})
    out = rs.response_by_round(data, min_group=5)
    assert out.columns.tolist() == ["Organisatie", PREVIOUS, ROUND]
    assert out.values.tolist() == [["A", 5, 7], ["B", "< 5", "< 5"], ["C", "< 5", "< 5"], ["netwerk", 6, 11]]
    assert rs.response_by_round(data, min_group=4).values.tolist()[1] == ["B", "< 4", 4]
    assert [type(v) for v in out[ROUND]] == [int, str, str, int]   # shown as 7, not 7.0


def test_sections_use_the_reports_own_codebook(tables):
    current, cb = own_round(150, 1, ROUND)
    previous, _ = own_round(150, 2, PREVIOUS)
    ctx = ReportContext(ROUND, current, previous, PREVIOUS, None, 5, cb, _plans=_plans(current, previous))
    table, _, _ = rs.change_by_organisation(ctx)
    assert table.columns.tolist()[3:] == cb.core_scales == list(cb.scales)
    both = pd.concat([previous, current], ignore_index=True)
    for code in cb.scales:
        net = compare_rounds(both, code, by=None, rounds=[PREVIOUS, ROUND], min_group=5, codebook=cb).iloc[0]
        assert table.iloc[-1][code] == rs.number(net["diff"], 2, sign=True) + ("*" if net["p"] < 0.05 else "")
    rs.reliability_section(ctx)
    frame = _reliability_frame(tables).frame
    assert frame["Schaal"].tolist() == [sc.name for sc in cb.scales.values()]
    for (_, row), sc in zip(frame.iterrows(), cb.scales.values()):
        r = reliability(current[sc.item_codes], reverse=sc.reverse_items, codebook=cb)
        assert row["α (netwerk)"] == pytest.approx(r.alpha, abs=1e-12)
    ctx = ReportContext(ROUND, current, None, None, "De Kustlijn", 5, cb)
    bench = rs.benchmark_table(ctx)
    assert bench["scale"].unique().tolist() == [sc.name for sc in cb.scales.values()]
