"""Kernboodschappen: the 4-6 Dutch sentences at the top of every report, generated from its results.

Every sentence carries its numbers, and every number is the one printed in a table further down
(the sentence names that table's title in :attr:`KeyMessage.source`, so a test can check it):

1. who answered (the response table);
2. where the organisation stands out from the rest of the network: only differences whose 95%
   interval excludes 0 *and* whose effect is not trivial (``|g| >= SMALL_EFFECT``), in the
   direction the codebook gives (for a negative scale a lower score is the favourable one);
   in the network report the organisations highest and lowest on the outcome;
3. what changed since the previous round (p < ,05 *and* ``|d| >= SMALL_EFFECT``);
4. what the network-wide model says goes with informal learning (intervals excluding 0), labelled
   as network-wide.

Where the evidence is weak the sentence says so instead of naming a difference.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import Failure, InformeelError
from ..nl import integer, number, p_value, percent, round_label, word_list
from .context import REST, ReportContext, Section

SMALL_EFFECT = 0.2
"""Smallest standardised difference (Hedges' g, Cohen's d) that a key message calls a difference (Cohen, 1988)."""

MAX_DIFFERENCES = 3
"""At most this many scales are named as standing out (the strongest first)."""

TITLE = "Kernboodschappen"


@dataclass(frozen=True)
class KeyMessage:
    """One sentence of the summary and the title of the table its numbers come from."""

    text: str
    source: str
    kind: str  # response, difference, change, model

    def __repr__(self) -> str:
        return f"KeyMessage({self.kind}: {self.text!r})"


def _lower_first(name: str) -> str:
    return name if name[:2].isupper() else name[:1].lower() + name[1:]


def outcome_code(codebook) -> str | None:
    """The codebook's outcome scale (the research model's), or None."""
    return codebook.main_outcome


def _favourable(codebook, code: str, diff: float) -> bool:
    return (diff > 0) == codebook.scales[code].higher_is_better


def benchmark_title(ctx: ReportContext) -> str:
    """Title of the organisation report's benchmark table (shared with :func:`~.sections.scale_scores`)."""
    return f"Gemiddelde scores: {ctx.organisation} en de {REST}"


def change_title(ctx: ReportContext) -> str:
    """Title of the change table (shared with :func:`~.sections.change_section`)."""
    return f"Gemiddelde scores in ronde {ctx.previous_round_name} en {ctx.round_name} ({ctx.focus_name})"


def response_message(ctx: ReportContext) -> KeyMessage:
    """Who answered: n of the focus group (and its share of the network)."""
    n, total = len(ctx.focus), len(ctx.data)
    if ctx.organisation:
        text = (f"In ronde {round_label(ctx.round_name)} vulden {integer(n)} medewerkers van {ctx.organisation} "
                f"de vragenlijst in, {percent(n / total)} van alle {integer(total)} deelnemers in het netwerk.")
    else:
        text = (f"In ronde {round_label(ctx.round_name)} vulden {integer(total)} medewerkers uit "
                f"{integer(ctx.data['organisation'].nunique())} organisaties de vragenlijst in.")
    return KeyMessage(text, "Respondenten per organisatie", "response")


def focus_benchmarks(ctx: ReportContext) -> dict:
    """Scale code -> :func:`~informeel_lib.analysis.compare.benchmark` of the organisation (once per report)."""
    from ..analysis.compare import benchmark

    return ctx.memo("benchmarks", lambda: {code: benchmark(ctx.data, code, ctx.organisation, min_group=ctx.min_group,
                                                           codebook=ctx.codebook) for code in ctx.scales})


def difference_messages(ctx: ReportContext, shared: dict) -> list[KeyMessage]:
    """Organisation report: the scales on which the organisation clearly differs from the rest."""
    cb, source = ctx.codebook, benchmark_title(ctx)
    clear = []
    for code, b in focus_benchmarks(ctx).items():
        if b.suppressed or np.isnan(b.ci_low):
            continue
        if (b.ci_low > 0 or b.ci_high < 0) and abs(b.hedges_g) >= SMALL_EFFECT:
            clear.append((abs(b.hedges_g), code, b))
    caution = _caution(shared)
    if not clear:
        shown = {c: b for c, b in focus_benchmarks(ctx).items() if not b.suppressed and not np.isnan(b.hedges_g)}
        largest = ""
        if shown:
            code, b = max(shown.items(), key=lambda kv: abs(kv[1].hedges_g))
            largest = (f"; het grootste verschil, bij {_lower_first(cb.scales[code].name)} (g = {number(b.hedges_g)}), "
                       "is klein of onzeker")
        return [KeyMessage(f"{ctx.organisation} verschilt op geen enkele schaal duidelijk van de {REST}{largest} "
                           "(duidelijk: het 95%-betrouwbaarheidsinterval van het verschil omvat 0 niet en het effect "
                           "is "
                           f"minstens g = {number(SMALL_EFFECT, 1)})." + caution, source, "difference")]
    out = []
    for _, code, b in sorted(clear, key=lambda t: -t[0])[:MAX_DIFFERENCES]:
        sc = cb.scales[code]
        good = _favourable(cb, code, b.diff)
        word = "hoger" if b.diff > 0 else "lager"
        verdict = "gunstig" if good else "een aandachtspunt"
        reading = "" if sc.higher_is_better else " (bij deze schaal is lager beter)"
        out.append(KeyMessage(
            f"{sc.name}: {ctx.organisation} scoort {word} dan de {REST}{reading}, {number(b.mean_org)} tegen "
            f"{number(b.mean_rest)} (verschil {number(b.diff, sign=True)}; 95%-BI {number(b.ci_low)} tot "
            f"{number(b.ci_high)}; g = {number(b.hedges_g)}); dat is {verdict}.", source, "difference"))
    if caution:
        out[-1] = KeyMessage(out[-1].text + caution, source, "difference")
    return out


def _caution(shared: dict) -> str:
    """The invariance verdict across organisations, as the caution a comparison needs (or nothing)."""
    from .sections import invariance_ok

    ok = invariance_ok(shared.get("invariance_organisations"))
    if ok is False:
        return (" Let op: de schalen meten niet in elke organisatie precies hetzelfde (zie Verantwoording); "
                "kleine verschillen tussen organisaties zijn daardoor onzeker.")
    return ""


def network_spread_message(ctx: ReportContext) -> list[KeyMessage]:
    """Network report: the organisations highest and lowest on the outcome (from the per-organisation table)."""
    from .sections import group_stats, shown_groups

    code = outcome_code(ctx.codebook)
    if code not in ctx.scales:
        return []
    shown, _ = shown_groups(group_stats(ctx.data, "organisation", ctx.scales), min_group=ctx.min_group)
    if len(shown) < 2:
        return []
    hi, lo = shown.loc[shown[code].idxmax()], shown.loc[shown[code].idxmin()]
    name = _lower_first(ctx.codebook.scales[code].name)
    return [KeyMessage(f"Op {name} lopen de organisaties uiteen van {number(lo[code])} ({lo['organisation']}) tot "
                       f"{number(hi[code])} ({hi['organisation']}); elk organisatierapport zegt of het eigen verschil "
                       "met de rest van het netwerk duidelijk is.",
                       "Gemiddelde score per organisatie", "difference")]


def focus_changes(ctx: ReportContext) -> dict:
    """Scale code -> :func:`~informeel_lib.analysis.compare.compare_rounds` row of the focus group (previous
    round to this one), unsuppressed scales only; computed once per report (the change table shows the same)."""
    from ..analysis.compare import compare_rounds
    from .sections import _shared_data, comparable_scales

    def compute():
        if ctx.previous is None:
            return {}
        # this round on the items it shares with the previous one (a changed questionnaire)
        both = pd.concat([ctx.previous, _shared_data(ctx)], ignore_index=True)
        if ctx.organisation is not None:  # only the organisation's rows: the same result, without the others'
            both = both[both["organisation"] == ctx.organisation]
        out = {}
        for code in comparable_scales(ctx):
            try:
                res = compare_rounds(both, code, by=None, rounds=[ctx.previous_round_name, ctx.round_name],
                                     min_group=ctx.min_group, codebook=ctx.codebook)
            except InformeelError:
                continue
            if not res.empty and not bool(res["suppressed"].iloc[0]):
                out[code] = res.iloc[0]
        return out

    return ctx.memo("focus_changes", compute)


def change_messages(ctx: ReportContext) -> list[KeyMessage]:
    """What changed since the previous round in the focus group (p < ,05 and a non-trivial d)."""
    if ctx.previous is None:
        return [KeyMessage("Dit is de eerste ronde: over veranderingen is nog niets te zeggen.", "", "change")]
    prev = ctx.previous if ctx.organisation is None else ctx.previous[ctx.previous["organisation"] == ctx.organisation]
    if len(prev) < ctx.min_group:
        return [KeyMessage(f"In {round_label(ctx.previous_round_name)} deden te weinig medewerkers van "
                           f"{ctx.focus_name} "
                           "mee om een verandering te tonen.", "", "change")]
    cb = ctx.codebook
    hits = [(abs(r["cohen_d"]), code, r) for code, r in focus_changes(ctx).items()
            if r["p"] < 0.05 and abs(r["cohen_d"]) >= SMALL_EFFECT]
    source = change_title(ctx)
    if not hits:
        changes = focus_changes(ctx)
        if not changes:
            return [KeyMessage(f"Sinds {round_label(ctx.previous_round_name)} is in {ctx.focus_name} geen verandering "
                               "te tonen.", source, "change")]
        code, r = max(changes.items(), key=lambda kv: abs(kv[1]["cohen_d"]))
        return [KeyMessage(f"Sinds {round_label(ctx.previous_round_name)} is in {ctx.focus_name} geen enkele schaal "
                           f"duidelijk veranderd; de grootste, bij {_lower_first(cb.scales[code].name)} "
                           f"({number(r['mean_from'])} naar {number(r['mean_to'])}; d = {number(r['cohen_d'])}), is "
                           f"klein "
                           "of kan toeval zijn.", source, "change")]
    parts = []
    for _, code, r in sorted(hits, key=lambda t: -t[0])[:MAX_DIFFERENCES]:
        sc = cb.scales[code]
        word = "gestegen" if r["diff"] > 0 else "gedaald"
        good = "gunstig" if _favourable(cb, code, r["diff"]) else "ongunstig"
        parts.append(f"{_lower_first(sc.name)} {word} van {number(r['mean_from'])} naar {number(r['mean_to'])} "
                     f"({p_value(r['p'])}; d = {number(r['cohen_d'])}; {good})")
    return [KeyMessage(f"Sinds {round_label(ctx.previous_round_name)} is in {ctx.focus_name} {word_list(parts)}.",
                       source,
                       "change")]


def model_message(ctx: ReportContext, shared: dict) -> list[KeyMessage]:
    """What the network-wide multilevel model says goes with the outcome (intervals excluding 0)."""
    from .sections import effects_title, model_table

    model = (shared.get("influence") or {}).get("model")
    code = outcome_code(ctx.codebook)
    name = _lower_first(ctx.codebook.scales[code].name) if code in ctx.codebook.scales else "informeel leren"
    if model is None or isinstance(model, Failure) or not getattr(model, "converged", True):
        return [KeyMessage(f"Het netwerkbrede model van wat samengaat met {name} kon deze ronde niet betrouwbaar "
                           "worden geschat; daarover is hier dus geen kernboodschap.", "", "model")]
    coefs = model_table(model)
    clear = coefs[(coefs["ci_low"] > 0) | (coefs["ci_high"] < 0)]
    sym = "β" if getattr(model, "standardized", False) else "b"
    scope = (f"Dit geldt voor het netwerk als geheel, niet specifiek voor {ctx.organisation}."
             if ctx.organisation else "Dit geldt voor het netwerk als geheel.")
    if clear.empty:
        return [KeyMessage(f"Netwerkbreed hangt geen van de factoren duidelijk samen met {name} (alle intervallen "
                           f"omvatten 0). {scope}", effects_title(ctx), "model")]
    top = clear.reindex(clear["b"].abs().sort_values(ascending=False).index).head(3)
    parts = [f"{_lower_first(t)} ({sym} = {number(b)})" for t, b in zip(top["Factor"], top["b"])]
    return [KeyMessage(f"Netwerkbreed gaat {name} het sterkst samen met {word_list(parts)}. {scope}",
                       effects_title(ctx), "model")]


def key_messages(ctx: ReportContext, shared: dict) -> list[KeyMessage]:
    """The report's key messages, in order: response, differences, change, network-wide model."""
    messages = [response_message(ctx)]
    messages += difference_messages(ctx, shared) if ctx.organisation else network_spread_message(ctx)
    messages += change_messages(ctx)
    messages += model_message(ctx, shared)
    return messages


def key_messages_section(ctx: ReportContext, shared: dict) -> Section:
    """Kernboodschappen as a section: a short list of sentences, each with its numbers."""
    items = "".join(f"<li>{html.escape(m.text)}</li>" for m in key_messages(ctx, shared))
    intro = ("De belangrijkste uitkomsten in het kort. Elk getal komt uit een tabel verderop in dit rapport; "
             "'duidelijk' betekent: het 95%-betrouwbaarheidsinterval omvat 0 niet en het verschil is niet "
             "verwaarloosbaar.")
    return Section(TITLE, f'<h2>{TITLE}</h2><p>{html.escape(intro)}</p><ul class="kernboodschappen">{items}</ul>')
