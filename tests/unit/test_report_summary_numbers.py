"""The key messages at the top of every report (informeel_lib.report.summary): each number equals its source.

Fast unit tests on a synthetic round (``example_survey``, 240 respondents) and on results set by hand where a
decision rule is tested at its boundary (a 95% interval touching 0, g or d exactly at ``SMALL_EFFECT``, a
negative scale). Every sentence is compared word for word with one built here from the library's numbers,
so a wrong number, direction, verdict or source title fails. These tests are the mutation-test selection of
``summary.py`` (benchmarks/mutation/run.py).
"""

import pandas as pd
import pytest

from informeel_lib.analysis.compare import BenchmarkResult, benchmark, compare_rounds
from informeel_lib.errors import Failure
from informeel_lib.nl import integer, number, p_value, percent
from informeel_lib.report import summary as sm
from informeel_lib.report.context import ReportContext
from tests.support.report_round import CB, ORG, PREVIOUS, REST, ROUND, own_round, report_ctx, scored_round

CAUTION = (" Let op: de schalen meten niet in elke organisatie precies hetzelfde (zie Verantwoording); kleine "
           "verschillen tussen organisaties zijn daardoor onzeker.")
POOR_FIT = pd.DataFrame({"cfi": [0.80, 0.79], "rmsea": [0.10, 0.11], "verdict": ["baseline", "acceptable"]})
GOOD_FIT = pd.DataFrame({"cfi": [0.96, 0.96], "rmsea": [0.04, 0.04], "verdict": ["baseline", "acceptable"]})



@pytest.fixture(scope="module")
def current():
    return scored_round(240, 3, ROUND)


@pytest.fixture(scope="module")
def previous():
    return scored_round(200, 4, PREVIOUS)




def _name(code, lower=False):
    name = CB.scales[code].name
    return name[:1].lower() + name[1:] if lower and not name[:2].isupper() else name


# --- small helpers ----------------------------------------------------------------------------------

def test_titles_outcome_and_direction(current, previous):
    ctx = report_ctx(current, previous, ORG)
    assert sm.benchmark_title(ctx) == f"Gemiddelde scores: {ORG} en de {REST}"
    assert sm.change_title(ctx) == f"Gemiddelde scores in ronde {PREVIOUS} en {ROUND} ({ORG})"
    network = report_ctx(current, previous)
    assert sm.change_title(network) == f"Gemiddelde scores in ronde {PREVIOUS} en {ROUND} (het netwerk)"
    assert sm.outcome_code(CB) == CB.main_outcome == "IWL"
    assert sm._favourable(CB, "REFL", 0.1) and not sm._favourable(CB, "REFL", -0.1)
    assert not sm._favourable(CB, "FOUT", 0.1) and sm._favourable(CB, "FOUT", -0.1)
    assert not sm._favourable(CB, "REFL", 0.0)
    assert sm._lower_first("Regelruimte") == "regelruimte" and sm._lower_first("ICT-vaardigheid") == "ICT-vaardigheid"
    assert sm._lower_first("Aa") == "aa" and sm._lower_first("A") == "A"
    assert sm._lower_first("GGz-team") == "GGz-team"
    message = sm.KeyMessage("Tekst.", "Tabel", "response")
    assert repr(message) == "KeyMessage(response: 'Tekst.')"


def test_response_message_counts_the_focus_group_and_its_share(current):
    org = sm.response_message(report_ctx(current, organisation=ORG))
    n = int((current["organisation"] == ORG).sum())
    assert org.text == (f"In ronde mei 2022 vulden {n} medewerkers van {ORG} de vragenlijst in, "
                        f"{percent(n / len(current))} van alle {integer(len(current))} deelnemers in het netwerk.")
    assert (org.source, org.kind) == ("Respondenten per organisatie", "response")
    net = sm.response_message(report_ctx(current))
    assert net.text == (f"In ronde mei 2022 vulden 240 medewerkers uit {current['organisation'].nunique()} "
                        "organisaties de vragenlijst in.")
    assert (net.source, net.kind) == ("Respondenten per organisatie", "response")


# --- differences with the rest of the network -------------------------------------------------------

def test_focus_benchmarks_is_benchmark_per_scale_computed_once(current):
    ctx = report_ctx(current, organisation=ORG, min_group=40)
    results = sm.focus_benchmarks(ctx)
    assert sm.focus_benchmarks(report_ctx(current, organisation=ORG))["REFL"].n_org == 38
    assert list(results) == list(CB.scales)
    for code, b in results.items():
        pd.testing.assert_frame_equal(b.to_frame(), benchmark(current, code, ORG, min_group=40,
                                                              codebook=CB).to_frame())
    assert any(b.suppressed for b in results.values())        # ZINN has 38 < 40 respondents
    assert sm.focus_benchmarks(ctx) is results


def _b(code, diff, lo, hi, g, *, suppressed=False, mean_org=3.5):
    return BenchmarkResult(code, CB.scales[code].name, ORG, 40, 200, mean_org, mean_org - diff, diff, lo, hi, 100.0,
                           0.01, g, suppressed)


def _with_benchmarks(current, results):
    ctx = report_ctx(current, organisation=ORG)
    ctx._memo["benchmarks"] = results
    return ctx


def _difference(b, verdict, reading=""):
    word = "hoger" if b.diff > 0 else "lager"
    return (f"{b.scale_name}: {ORG} scoort {word} dan de {REST}{reading}, {number(b.mean_org)} tegen "
            f"{number(b.mean_rest)} (verschil {number(b.diff, sign=True)}; 95%-BI {number(b.ci_low)} tot "
            f"{number(b.ci_high)}; g = {number(b.hedges_g)}); dat is {verdict}.")


def test_difference_messages_name_clear_differences_strongest_first(current):
    results = {
        "REFL": _b("REFL", 0.30, 0.05, 0.55, 0.35),
        "EXPR": _b("EXPR", -0.40, -0.70, -0.10, -0.45),
        "LEID": _b("LEID", 0.20, 0.0, 0.40, 0.9),             # interval touches 0: not clear
        "ZICHT": _b("ZICHT", 0.20, 0.01, 0.40, 0.2),          # g exactly 0,2: clear
        "VEIL": _b("VEIL", 0.20, 0.01, 0.40, 0.1999),         # g just under: not clear
        "FOUT": _b("FOUT", 0.35, 0.10, 0.60, 0.30),           # negative scale, higher: unfavourable
        "AUTO": _b("AUTO", 0.9, 0.5, 1.3, 2.0, suppressed=True),
        "COMP": _b("COMP", -0.2, -0.4, 0.0, -0.9),            # interval touches 0 from below
        "IWL": _b("IWL", 0.1, float("nan"), float("nan"), float("nan")),
    }
    ctx = _with_benchmarks(current, results)
    out = sm.difference_messages(ctx, {})
    source = f"Gemiddelde scores: {ORG} en de {REST}"
    assert [(m.source, m.kind) for m in out] == [(source, "difference")] * 3
    assert [m.text for m in out] == [
        _difference(results["EXPR"], "een aandachtspunt"),
        _difference(results["REFL"], "gunstig"),
        _difference(results["FOUT"], "een aandachtspunt", " (bij deze schaal is lager beter)")]
    results["ZICHT"] = _b("ZICHT", 0.20, 0.01, 0.40, 0.5)
    out = sm.difference_messages(_with_benchmarks(current, results), {"invariance_organisations": POOR_FIT})
    assert out[0].text == _difference(results["ZICHT"], "gunstig")
    assert out[-1].text == _difference(results["REFL"], "gunstig") + CAUTION
    assert [(m.source, m.kind) for m in out] == [(source, "difference")] * 3
    assert [m.text for m in sm.difference_messages(_with_benchmarks(current, results),
                                                   {"invariance_organisations": GOOD_FIT})][-1] == \
        _difference(results["REFL"], "gunstig")
    (message,) = sm.difference_messages(_with_benchmarks(current, {"ZICHT": _b("ZICHT", 0.20, 0.01, 0.40, 0.2)}), {})
    assert message.text == _difference(_b("ZICHT", 0.20, 0.01, 0.40, 0.2), "gunstig")   # g exactly 0,2
    # a suppressed or uncomputable scale first does not stop the others
    lower_negative = {"AUTO": results["AUTO"], "IWL": results["IWL"], "FOUT": _b("FOUT", -0.35, -0.60, -0.10, -0.30)}
    (message,) = sm.difference_messages(_with_benchmarks(current, lower_negative), {})
    assert message.text == _difference(lower_negative["FOUT"], "gunstig", " (bij deze schaal is lager beter)")


def test_without_a_clear_difference_the_largest_is_named_as_small_or_uncertain(current):
    results = {"REFL": _b("REFL", 0.30, -0.05, 0.55, 0.35), "EXPR": _b("EXPR", -0.40, -0.70, -0.10, -0.15),
               "LEID": _b("LEID", 0.9, 0.5, 1.3, -2.0, suppressed=True),
               "ZICHT": _b("ZICHT", 0.1, float("nan"), float("nan"), float("nan")),
               "VEIL": _b("VEIL", -0.1, -0.3, 0.1, -0.36)}
    rule = ("(duidelijk: het 95%-betrouwbaarheidsinterval van het verschil omvat 0 niet en het effect is minstens "
            "g = 0,2).")
    (message,) = sm.difference_messages(_with_benchmarks(current, results), {})
    assert message.text == (f"{ORG} verschilt op geen enkele schaal duidelijk van de {REST}; het grootste verschil, "
                            f"bij psychologische veiligheid (g = −0,36), is klein of onzeker {rule}")
    assert (message.source, message.kind) == (f"Gemiddelde scores: {ORG} en de {REST}", "difference")
    (message,) = sm.difference_messages(_with_benchmarks(current, {"LEID": results["LEID"]}),
                                        {"invariance_organisations": POOR_FIT})
    assert message.text == f"{ORG} verschilt op geen enkele schaal duidelijk van de {REST} {rule}{CAUTION}"


def test_difference_messages_on_real_data_repeat_the_benchmarks(current):
    ctx = report_ctx(current, organisation="Zonnehuisgroep Noord")
    out = sm.difference_messages(ctx, {})
    results = {c: benchmark(current, c, "Zonnehuisgroep Noord", min_group=5, codebook=CB) for c in CB.scales}
    for message in out:
        code = next(c for c in CB.scales if message.text.startswith(CB.scales[c].name + ":"))
        b = results[code]
        assert (b.ci_low > 0 or b.ci_high < 0) and abs(b.hedges_g) >= 0.2
        assert f"{number(b.mean_org)} tegen {number(b.mean_rest)}" in message.text
        assert f"g = {number(b.hedges_g)})" in message.text


def test_caution_only_when_invariance_fails():
    assert sm._caution({"invariance_organisations": POOR_FIT}) == CAUTION
    assert sm._caution({"invariance_organisations": GOOD_FIT}) == ""
    assert sm._caution({}) == ""


def test_network_spread_message_names_the_highest_and_lowest_organisation(current):
    (message,) = sm.network_spread_message(report_ctx(current))
    means = current.groupby("organisation")["IWL"].mean()
    assert message.text == (f"Op informeel leergedrag lopen de organisaties uiteen van {number(means.min())} "
                            f"({means.idxmin()}) tot {number(means.max())} ({means.idxmax()}); elk "
                            "organisatierapport zegt of het eigen verschil met de rest van het netwerk duidelijk is.")
    assert (message.source, message.kind) == ("Gemiddelde score per organisatie", "difference")
    # a group too small to show is left out: the lowest organisation drops out
    low = means.idxmin()
    data = pd.concat([current[current["organisation"] != low], current[current["organisation"] == low].iloc[:3]])
    (message,) = sm.network_spread_message(report_ctx(data))
    assert f"({low})" not in message.text
    two = current[current["organisation"].isin(means.index[:2])]
    assert len(sm.network_spread_message(report_ctx(two))) == 1
    assert sm.network_spread_message(report_ctx(current[current["organisation"] == ORG])) == []
    assert sm.network_spread_message(report_ctx(current.drop(columns=["IWL"]))) == []


# --- change since the previous round -----------------------------------------------------------------

@pytest.mark.parametrize("organisation", [None, ORG])
def test_focus_changes_is_compare_rounds_of_the_focus_group(current, previous, organisation):
    ctx = report_ctx(current, previous, organisation, min_group=5)
    changes = sm.focus_changes(ctx)
    both = pd.concat([previous, current], ignore_index=True)
    if organisation:
        both = both[both["organisation"] == organisation]
    assert list(changes) == list(CB.scales)
    for code, row in changes.items():
        expected = compare_rounds(both, code, by=None, rounds=[PREVIOUS, ROUND], min_group=5).iloc[0]
        pd.testing.assert_series_equal(row, expected)
    assert sm.focus_changes(ctx) is changes


def test_focus_changes_uses_the_shared_items_and_leaves_out_suppressed_scales(current, previous):
    shared = current.assign(REFL=current["REFL"] + 1.0)
    prev = previous.copy()
    prev.loc[prev.index[3:], "EXPR"] = float("nan")         # three answers left: suppressed
    prev = prev.drop(columns=["LEID"])
    ctx = report_ctx(current, prev, min_group=5, data_shared_items=shared)
    changes = sm.focus_changes(ctx)
    assert "EXPR" not in changes and "LEID" not in changes and "REFL" in changes
    assert changes["REFL"]["mean_to"] == pytest.approx(current["REFL"].mean() + 1.0, abs=1e-12)
    assert sm.focus_changes(report_ctx(current)) == {}
    odd = previous.assign(ZICHT="x")                        # compare_rounds refuses text: the scale is skipped
    assert list(sm.focus_changes(report_ctx(current, odd))) == [c for c in CB.scales if c != "ZICHT"]
    four = previous.copy()
    four.loc[four.index[4:], "EXPR"] = float("nan")         # four answers: shown only with a minimum of 4
    assert "EXPR" in sm.focus_changes(report_ctx(current, four, min_group=4))
    assert "EXPR" not in sm.focus_changes(report_ctx(current, four, min_group=5))


def _change(diff, d, p, mean_from=3.0):
    return pd.Series({"diff": diff, "cohen_d": d, "p": p, "mean_from": mean_from, "mean_to": mean_from + diff})


def _with_changes(current, previous, changes, organisation=ORG):
    ctx = report_ctx(current, previous, organisation)
    ctx._memo["focus_changes"] = changes
    return ctx


def test_change_messages_name_clear_changes_strongest_first(current, previous):
    changes = {"REFL": _change(0.30, 0.35, 0.01), "EXPR": _change(-0.50, -0.6, 0.0004),
               "LEID": _change(0.20, 0.9, 0.05),          # p exactly ,05: not clear
               "ZICHT": _change(0.20, 0.2, 0.049),        # d exactly 0,2: clear
               "VEIL": _change(0.20, 0.1999, 0.001),      # d just under: not clear
               "FOUT": _change(0.40, 0.5, 0.02)}          # negative scale, higher: unfavourable
    (message,) = sm.change_messages(_with_changes(current, previous, changes))
    assert message.text == (
        f"Sinds november 2021 is in {ORG} ruimte voor experimenteren gedaald van 3,00 naar 2,50 "
        "(p < ,001; d = −0,60; ongunstig), "
        "foutvermijdend klimaat gestegen van 3,00 naar 3,40 (p = ,020; d = 0,50; ongunstig) en "
        "reflectie op het werk gestegen van 3,00 naar 3,30 (p = ,010; d = 0,35; gunstig).")
    assert (message.source, message.kind) == (f"Gemiddelde scores in ronde {PREVIOUS} en {ROUND} ({ORG})", "change")
    changes = {"ZICHT": _change(0.20, 0.2, 0.049), "FOUT": _change(-0.40, -0.5, 0.02)}
    (message,) = sm.change_messages(_with_changes(current, previous, changes, None))
    assert message.text == ("Sinds november 2021 is in het netwerk foutvermijdend klimaat gedaald van 3,00 naar "
                            "2,60 (p = ,020; d = −0,50; gunstig) en leren zichtbaar maken gestegen van 3,00 naar 3,20 "
                            "(p = ,049; d = 0,20; gunstig).")


def test_without_a_clear_change_the_largest_is_named_or_nothing_is_said(current, previous):
    changes = {"REFL": _change(0.30, 0.35, 0.06), "EXPR": _change(-0.50, -0.6, 0.07, mean_from=3.25),
               "LEID": _change(0.1, 0.1, 0.01)}
    (message,) = sm.change_messages(_with_changes(current, previous, changes))
    assert message.text == (f"Sinds november 2021 is in {ORG} geen enkele schaal duidelijk veranderd; de grootste, "
                            "bij ruimte voor experimenteren (3,25 naar 2,75; d = −0,60), is klein of kan toeval zijn.")
    assert (message.source, message.kind) == (f"Gemiddelde scores in ronde {PREVIOUS} en {ROUND} ({ORG})", "change")
    (message,) = sm.change_messages(_with_changes(current, previous, {}))
    assert message.text == f"Sinds november 2021 is in {ORG} geen verandering te tonen."
    assert (message.source, message.kind) == (f"Gemiddelde scores in ronde {PREVIOUS} en {ROUND} ({ORG})", "change")
    (message,) = sm.change_messages(report_ctx(current))
    assert (message.text, message.source, message.kind) == (
        "Dit is de eerste ronde: over veranderingen is nog niets te zeggen.", "", "change")


def test_change_messages_need_enough_respondents_in_the_previous_round(current, previous):
    few = pd.concat([previous[previous["organisation"] != ORG], previous[previous["organisation"] == ORG].iloc[:4]])
    (message,) = sm.change_messages(_with_changes(current, few, {"REFL": _change(0.3, 0.4, 0.01)}))
    assert (message.text, message.source, message.kind) == (
        f"In november 2021 deden te weinig medewerkers van {ORG} mee om een verandering te tonen.", "", "change")
    five = pd.concat([few, previous[previous["organisation"] == ORG].iloc[4:5]])
    (message,) = sm.change_messages(_with_changes(current, five, {"REFL": _change(0.3, 0.4, 0.01)}))
    assert "gestegen" in message.text
    (message,) = sm.change_messages(_with_changes(current, few.iloc[:4], {"REFL": _change(0.3, 0.4, 0.01)}, None))
    assert message.text == ("In november 2021 deden te weinig medewerkers van het netwerk mee om een verandering te "
                            "tonen.")


def test_change_messages_on_real_data_repeat_compare_rounds(current, previous):
    ctx = report_ctx(current, previous, "Zonnehuisgroep Noord")
    (message,) = sm.change_messages(ctx)
    both = pd.concat([previous, current], ignore_index=True)
    both = both[both["organisation"] == "Zonnehuisgroep Noord"]
    rows = {c: compare_rounds(both, c, by=None, rounds=[PREVIOUS, ROUND], min_group=5).iloc[0] for c in CB.scales}
    clear = sorted((c for c, r in rows.items() if r["p"] < 0.05 and abs(r["cohen_d"]) >= 0.2),
                   key=lambda c: -abs(rows[c]["cohen_d"]))[:3]
    assert clear
    for code in clear:
        r = rows[code]
        assert (f"{_name(code, lower=True)} {'gestegen' if r['diff'] > 0 else 'gedaald'} van "
                f"{number(r['mean_from'])} naar {number(r['mean_to'])} ({p_value(r['p'])}; "
                f"d = {number(r['cohen_d'])};") in message.text


# --- the network-wide model ---------------------------------------------------------------------------

class _Model:
    def __init__(self, estimates, *, converged=True, standardized=False, lows=None, highs=None):
        labels = list(estimates)
        est = list(estimates.values())
        self.frame = pd.DataFrame({
            "label": labels, "estimate": est,
            "ci_low": lows or [e - 0.1 for e in est], "ci_high": highs or [e + 0.1 for e in est],
            "p": [0.01] * len(est), "kind": ["predictor"] * len(est)}, index=[f"T{i}" for i in range(len(est))])
        self.converged = converged
        self.standardized = standardized

    def to_frame(self):
        return self.frame


def test_model_message_names_the_three_strongest_clear_factors(current):
    model = _Model({"Reflectie op het werk": 0.30, "Ruimte voor experimenteren": -0.45, "Regelruimte": 0.05,
                    "Leren zichtbaar maken": 0.2, "ICT": 0.11, "Teamgrootte": 0.12},
                   lows=[0.2, -0.55, -0.05, 0.1, 0.0, 0.02], highs=[0.4, -0.35, 0.15, 0.3, 0.2, 0.22])
    (message,) = sm.model_message(report_ctx(current), {"influence": {"model": model}})
    assert message.text == ("Netwerkbreed gaat informeel leergedrag het sterkst samen met ruimte voor experimenteren "
                            "(b = −0,45), reflectie op het werk (b = 0,30) en leren zichtbaar maken (b = 0,20). "
                            "Dit geldt voor het netwerk als geheel.")
    assert (message.source, message.kind) == ("Effecten op informeel leergedrag", "model")
    model.standardized = True
    (message,) = sm.model_message(report_ctx(current, organisation=ORG), {"influence": {"model": model}})
    assert message.text.endswith("(β = 0,20). Dit geldt voor het netwerk als geheel, niet specifiek voor ZINN.")
    assert "regelruimte" not in message.text and "teamgrootte" not in message.text
    below = _Model({"Regelruimte": -0.2}, lows=[-0.3], highs=[-0.0001])
    assert "regelruimte (b = −0,20)" in sm.model_message(report_ctx(current), {"influence": {"model": below}})[0].text


def test_model_message_without_clear_factors_or_without_a_model(current, monkeypatch):
    flat = _Model({"Regelruimte": 0.05, "ICT": -0.1}, lows=[0.0, -0.2], highs=[0.1, 0.0])
    (message,) = sm.model_message(report_ctx(current, organisation=ORG), {"influence": {"model": flat}})
    assert message.text == ("Netwerkbreed hangt geen van de factoren duidelijk samen met informeel leergedrag (alle "
                            "intervallen omvatten 0). Dit geldt voor het netwerk als geheel, niet specifiek voor ZINN.")
    assert (message.source, message.kind) == ("Effecten op informeel leergedrag", "model")
    unreliable = ("Het netwerkbrede model van wat samengaat met informeel leergedrag kon deze ronde niet betrouwbaar "
                  "worden geschat; daarover is hier dus geen kernboodschap.")
    for shared in ({}, {"influence": None}, {"influence": {"model": Failure("error", "kapot")}},
                   {"influence": {"model": _Model({"ICT": 0.5}, converged=False)}}):
        (message,) = sm.model_message(report_ctx(current), shared)
        assert (message.text, message.source, message.kind) == (unreliable, "", "model")
    monkeypatch.setattr(sm, "outcome_code", lambda codebook: None)
    (message,) = sm.model_message(report_ctx(current), {})
    assert message.text == unreliable.replace("informeel leergedrag", "informeel leren")
    monkeypatch.undo()
    no_outcome = current.drop(columns=["IWL"])
    (message,) = sm.model_message(report_ctx(no_outcome), {})
    assert message.text == unreliable  # the codebook still names the outcome
    bare = _Model({"ICT": 0.5})                              # a model without the optional attributes
    del bare.converged, bare.standardized
    assert "samen met ICT (b = 0,50)." in sm.model_message(report_ctx(current), {"influence": {"model": bare}})[0].text


# --- all together ------------------------------------------------------------------------------------

def test_key_messages_in_order_and_as_a_section(current, previous):
    ctx = report_ctx(current, previous, ORG)
    shared = {"influence": {"model": _Model({"Regelruimte": 0.3})}}
    messages = sm.key_messages(ctx, shared)
    assert [m.kind for m in messages][0] == "response" and [m.kind for m in messages][-2:] == ["change", "model"]
    assert messages == [sm.response_message(ctx), *sm.difference_messages(ctx, shared), *sm.change_messages(ctx),
                        *sm.model_message(ctx, shared)]
    net = report_ctx(current, previous)
    assert sm.key_messages(net, shared)[1] == sm.network_spread_message(net)[0]
    section = sm.key_messages_section(ctx, shared)
    assert section.title == "Kernboodschappen"
    items = "".join(f"<li>{sm.html.escape(m.text)}</li>" for m in messages)
    assert section.html == (
        "<h2>Kernboodschappen</h2><p>De belangrijkste uitkomsten in het kort. Elk getal komt uit een tabel verderop in "
        "dit rapport; &#x27;duidelijk&#x27; betekent: het 95%-betrouwbaarheidsinterval omvat 0 niet en het verschil "
        f'is niet verwaarloosbaar.</p><ul class="kernboodschappen">{items}</ul>')


# --- a report on another questionnaire ------------------------------------------------------------------

def test_the_key_messages_use_the_reports_own_codebook():
    current, cb = own_round(150, 1, ROUND)
    previous, _ = own_round(150, 2, PREVIOUS)
    org = "De Kustlijn"
    ctx = ReportContext(ROUND, current, previous, PREVIOUS, org, 5, cb)
    results = sm.focus_benchmarks(ctx)
    assert [b.scale_name for b in results.values()] == [sc.name for sc in cb.scales.values()]
    for code, b in results.items():
        pd.testing.assert_frame_equal(b.to_frame(), benchmark(current, code, org, min_group=5, codebook=cb).to_frame())
    changes = sm.focus_changes(ctx)
    both = pd.concat([previous, current], ignore_index=True)
    both = both[both["organisation"] == org]
    assert list(changes) == list(cb.scales)
    for code, row in changes.items():
        pd.testing.assert_series_equal(row, compare_rounds(both, code, by=None, rounds=[PREVIOUS, ROUND], min_group=5,
                                                           codebook=cb).iloc[0])
    model = _Model({"Werkdruk": -0.3})
    (message,) = sm.model_message(ctx, {"influence": {"model": model}})
    assert message.text.startswith("Netwerkbreed gaat bevlogenheid het sterkst samen met werkdruk (b = −0,30).")
    assert message.source == "Effecten op bevlogenheid"
    (spread,) = sm.network_spread_message(ReportContext(ROUND, current, None, None, None, 5, cb))
    assert spread.text.startswith("Op bevlogenheid lopen de organisaties uiteen van ")
