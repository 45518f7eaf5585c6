"""The sections of the report notebook: each takes the report context and returns Dutch HTML."""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pandas as pd

from ..analysis.cfa.invariance import Verdict
from ..errors import AnalysisError, Failure, InformeelError, InputError
from ..nl import EMPTY, from_to, html_table, integer, number, p_value, percent, plural, round_label, word_list
from ..privacy import MIN_GROUP, suppress_small_groups
from .context import (
    FORM_NONE as _FORM_NONE,
    FORMS,
    NETWORK,
    REST,
    ReportContext,
    Section,
    _invariance_result,
    _read_round,
    _scored,
    answered_items,
    core_model,
    core_scope,
    estimator_options,  # noqa: F401 - notebooks call rs.estimator_options
)
from .quotes import quotes_html
from .summary import benchmark_title, change_title, focus_benchmarks, focus_changes

# --- helpers ------------------------------------------------------------------------------------

def scale_name(code: str, codebook) -> str:
    """The codebook's Dutch name of a scale code."""
    return codebook.scales[code].name


def _h2(title: str) -> str:
    return f"<h2>{html.escape(title)}</h2>"


def _p(text: str) -> str:
    return f"<p>{html.escape(text)}</p>"


def _note_hidden(n_hidden: int, what: str, min_group: int) -> str:
    if not n_hidden:
        return ""
    return (f"{plural(n_hidden, what[0], what[1])} {'is' if n_hidden == 1 else 'zijn'} niet getoond: minder dan "
            f"{min_group} respondenten, of nodig om te voorkomen dat een kleinere groep uit de andere cijfers "
            "af te leiden is.")


def shown_groups(table: pd.DataFrame, *, min_group: int, n_col: str = "n") -> tuple[pd.DataFrame, int]:
    """Drop the groups that :func:`~informeel_lib.privacy.suppress_small_groups` suppresses.

    Returns the shown rows (without the helper columns) and the number of hidden groups.
    """
    marked = suppress_small_groups(table, n_col=n_col, min_group=min_group)
    keep = ~marked["suppressed"].to_numpy()
    shown = table[keep].reset_index(drop=True)
    return shown, int((~keep).sum())


def group_stats(df: pd.DataFrame, by, scales) -> pd.DataFrame:
    """n, and mean per scale, per group (``by`` a column name or list of names)."""
    by = [by] if isinstance(by, str) else list(by)
    g = df.groupby(by, dropna=True, observed=True)
    out = g.size().rename("n").to_frame()
    out = out.join(g[list(scales)].mean())
    return out.reset_index()


def _mean_sd(series: pd.Series) -> tuple[float, float, int]:
    s = pd.to_numeric(series, errors="coerce").dropna()
    return (float(s.mean()) if len(s) else float("nan"), float(s.std(ddof=1)) if len(s) > 1 else float("nan"),
            int(len(s)))


# --- sections -----------------------------------------------------------------------------------

def title_block(ctx: ReportContext) -> str:
    """The report's heading and a one-paragraph introduction (Dutch)."""
    who = ctx.organisation or "het leernetwerk"
    title = (f"{ctx.organisation} en het netwerk" if ctx.organisation else "Netwerkrapport") + \
        f" — ronde {round_label(ctx.round_name)}"
    name = (ctx.codebook.name or "").strip()
    questionnaire = f"de vragenlijst ‘{name}’" if name else "de vragenlijst"
    intro = (f"Dit rapport beschrijft {questionnaire} voor {who} "
             f"(ronde {ctx.round_name}, {plural(len(ctx.focus), 'respondent', 'respondenten')}). ")
    if ctx.organisation:
        intro += "Elke uitkomst wordt vergeleken met de rest van het netwerk (de andere organisaties samen). "
    intro += (f"Het rapport bevat alleen groepscijfers; groepen met minder dan {ctx.min_group} respondenten "
              "worden niet getoond.")
    return f"<h1>{html.escape(title)}</h1>{_p(intro)}"


def response(ctx: ReportContext) -> Section:
    """Respons: respondents per organisation (and role), with suppression."""
    title = "Respons"
    d = ctx.data
    counts = d.groupby("organisation").size().rename("n").reset_index()
    counts["aandeel"] = counts["n"] / len(d)
    teams = d.groupby(["organisation", "team"]).size()
    plan = ctx.plan
    counts["teams"] = [sum(plan.published("team", t, within=o) for t in teams.loc[o].index)
                       for o in counts["organisation"]]
    shown, hidden = plan.filter(counts, "organisation", "organisation")
    tab = shown.rename(columns={"organisation": "Organisatie", "aandeel": "Aandeel", "teams": "Teams getoond"})
    tab["Aandeel"] = [percent(x) for x in tab["Aandeel"]]
    parts = [_h2(title)]
    sentence = (f"In ronde {ctx.round_name} vulden {plural(len(d), 'medewerker', 'medewerkers')} uit "
                f"{plural(d['organisation'].nunique(), 'organisatie', 'organisaties')} de vragenlijst in.")
    if ctx.organisation:
        sentence += f" Uit {ctx.organisation} deden {integer(len(ctx.focus))} medewerkers mee."
    if ctx.previous is not None:
        sentence += f" In de vorige ronde ({ctx.previous_round_name}) waren dat er {integer(len(ctx.previous))}."
    parts.append(_p(sentence))
    parts.append(html_table(tab, title="Respondenten per organisatie", number=ctx.table_number(),
                            note=_note_hidden(hidden, ("organisatie", "organisaties"), ctx.min_group) or None))
    roles = ctx.focus.groupby("role").size().rename("n").reset_index()
    roles_shown, roles_hidden = plan.filter(roles, "role", "role", within=ctx.organisation)
    roles_shown = ctx.codebook.labelled(roles_shown.sort_values("n", ascending=False), "role")
    roles_shown = roles_shown.rename(columns={"role": "Rol"})
    parts.append(html_table(roles_shown, title=f"Respondenten per rol ({ctx.focus_name})", number=ctx.table_number(),
                            note=_note_hidden(roles_hidden, ("rol", "rollen"), ctx.min_group) or None))
    return Section(title, "".join(parts))


def reliability_section(ctx: ReportContext) -> Section:
    """Betrouwbaarheid: Cronbach's alpha (95%-CI) and omega per scale, in the focus group and network."""
    from ..analysis.reliability import reliability

    title = "Betrouwbaarheid"
    cb = ctx.codebook
    rows, low, fewer = [], [], []
    for code in ctx.scales:
        sc = cb.scales[code]
        items = answered_items(ctx.data, sc.item_codes)  # the items this round asked
        if len(items) < len(sc.items):
            fewer.append(sc.name)
        row = {"Schaal": sc.name, "Items": len(items)}
        groups = [(ctx.focus_name if ctx.organisation else "netwerk", ctx.focus)]
        if ctx.organisation:
            groups.append(("netwerk", ctx.data))
        for label, df in groups:
            try:
                r = reliability(df[items], reverse=[i for i in sc.reverse_items if i in items], codebook=cb)
                row[f"n ({label})"] = int(r.n)
                row[f"α ({label})"] = float(r.alpha)
                if label == groups[0][0]:
                    lo, hi = (number(v, 2, leading_zero=False) for v in r.alpha_ci)
                    row["95%-BI"] = f"[{lo}; {hi}]"
                    row["ω"] = float(r.omega_total)
            except InformeelError:
                row[f"n ({label})"] = int(df[items].dropna(how="all").shape[0])
                row[f"α ({label})"] = float("nan")
        rows.append(row)
        a = row.get(f"α ({groups[0][0]})")
        if a is not None and not np.isnan(a) and a < 0.7:
            low.append(sc.name)
    tab = pd.DataFrame(rows)
    if ctx.focus.shape[0] < ctx.min_group:
        return Section(title, _h2(title) + _p("Te weinig respondenten om de betrouwbaarheid te tonen."))
    alpha_cols = [c for c in tab.columns if c.startswith("α") or c == "ω"]
    text = ("Cronbachs alfa (α) en omega (ω) geven aan hoe goed de items van een schaal samen één begrip meten; "
            "vanaf ,70 noemen we dat voldoende.")
    text += (f" Onder ,70 in {ctx.focus_name}: {word_list(low)}." if low else
             f" Alle schalen zijn voldoende betrouwbaar in {ctx.focus_name}.")
    return Section(title, _h2(title) + _p(text) + html_table(
        tab, title="Betrouwbaarheid per schaal", number=ctx.table_number(), no_leading_zero=alpha_cols,
        note="BI = betrouwbaarheidsinterval (Feldt). Ontbrekende antwoorden: paarsgewijs."
             + (f" {word_list(fewer)}: alleen de items die in deze ronde gevraagd zijn." if fewer else "")))


def direction_note(ctx: ReportContext) -> str:
    """Reading aid: which scales are negative (lower is better), from the codebook's ``direction``."""
    negative = [ctx.codebook.scales[s].name for s in ctx.scales if not ctx.codebook.scales[s].higher_is_better]
    if not negative:
        return "Bij alle schalen is een hogere score gunstiger."
    return (f"Bij {word_list(negative)} is een lagere score gunstiger (een negatieve schaal); bij de andere schalen "
            "is hoger gunstiger.")


def invariance_ok(inv) -> bool | None:
    """Whether an invariance result allows comparing means (None: not tested or not estimable)."""
    if inv is None or isinstance(inv, Failure) or not hasattr(inv, "columns"):
        return None
    if "verdict" not in inv.columns or len(inv) < 2:
        return None
    if float(inv["cfi"].iloc[0]) < 0.90 and not float(inv["rmsea"].iloc[0]) <= 0.08:
        return False
    return all(Verdict(v) is Verdict.ACCEPTABLE for v in inv["verdict"].iloc[1:])


def comparison_caution(shared: dict | None) -> str:
    """The invariance verdict where the comparison is made: how to read differences between organisations."""
    ok = invariance_ok((shared or {}).get("invariance_organisations"))
    if ok is False:
        return ("Voorbehoud: de schalen meten niet in elke organisatie precies hetzelfde (zie Verantwoording, "
                "meetinvariantie). Lees daarom alleen verschillen waarvan het interval ver van 0 ligt en het effect "
                "niet klein is (g ≥ 0,5) als echte verschillen; kleinere verschillen kunnen door de meting komen.")
    if ok is True:
        return ("De schalen meten in alle organisaties hetzelfde (zie Verantwoording): de gemiddelden mogen "
                "vergeleken worden.")
    return ""


def scale_scores(ctx: ReportContext, shared: dict | None = None) -> Section:
    """Schaalscores: the focus group against the rest (or per organisation), teams and roles."""
    title = "Schaalscores"
    parts = [_h2(title), _p(direction_note(ctx))]
    caution = comparison_caution(shared)
    if caution:
        parts.append(f'<p class="voorbehoud">{html.escape(caution)}</p>')
    scales = ctx.scales
    parts += _benchmark_parts(ctx, scales) if ctx.organisation else _network_parts(ctx, scales)
    # teams (organisation report) and roles, suppressed
    if ctx.organisation:
        from .teams import team_plan, team_table

        teams, hidden = team_table(ctx, team_plan(ctx))
        note = _note_hidden(hidden, ("team", "teams"), ctx.min_group).replace("met minder dan",
                                                                              "met (samen met andere kleine teams) "
                                                                              "minder dan")
        parts.append(html_table(teams, title=f"Gemiddelde score per team in {ctx.organisation}",
                                number=ctx.table_number(),
                                note=(_codes_note(scales, ctx.codebook) + " " + note
                                      + f" {EMPTY} = te weinig antwoorden om veilig te tonen.").strip()))
    parts.append(per_group_table(ctx, "role", "Rol", ("rol", "rollen"),
                                 f"Gemiddelde score per rol ({ctx.focus_name})"))
    return Section(title, "".join(parts))


def per_group_table(ctx: ReportContext, column: str, header: str, names: tuple[str, str], title: str) -> str:
    """n and mean per scale per group of ``column`` in the focus group, as a numbered table.

    Groups the round's disclosure plan does not publish are left out (and counted in the note);
    a categorical column (role, sector) shows the codebook's labels, not the codes.
    """
    scales = ctx.scales
    shown, hidden = ctx.plan.filter(group_stats(ctx.focus, column, scales), column, column, within=ctx.organisation)
    shown = ctx.codebook.labelled(shown, column)
    return html_table(shown.rename(columns={column: header}), title=title, number=ctx.table_number(),
                      note=(_codes_note(scales, ctx.codebook) + " "
                            + _note_hidden(hidden, names, ctx.min_group)).strip())


def _benchmark_parts(ctx: ReportContext, scales) -> list[str]:
    """Organisation report: the organisation against the rest of the network, per scale (bullets, table, figure)."""
    from .figures import comparison_means, img_html

    parts = []
    rows, sentences = [], []
    for s, b in focus_benchmarks(ctx).items():
        better = "" if ctx.codebook.scales[s].higher_is_better else " (lager is beter)"
        sentences.append(b.sentence() + better)
        if b.suppressed:
            continue
        rows.append({"Schaal": b.scale_name, "n": b.n_org, "M": b.mean_org, f"n ({REST})": b.n_rest,
                     f"M ({REST})": b.mean_rest, "Verschil": b.diff,
                     "95%-BI": f"[{number(b.ci_low, 2)}; {number(b.ci_high, 2)}]", "p": b.p, "g": b.hedges_g})
    tab = pd.DataFrame(rows)
    parts.append("<ul>" + "".join(f"<li>{html.escape(t)}</li>" for t in sentences) + "</ul>")
    parts.append(html_table(tab, title=benchmark_title(ctx), number=ctx.table_number(),
                            no_leading_zero=["p"], decimals={"p": 3},
                            note=f"{score_note(ctx.codebook, scales)} Verschil = organisatie min rest, met "
                                 "Welch-betrouwbaarheidsinterval; g = Hedges' g."))
    plot_tab = benchmark_table(ctx)
    if len(plot_tab):
        fig = comparison_means(plot_tab, groups=(ctx.organisation, REST),
                               title=f"Gemiddelde scores: {ctx.organisation} en de {REST}")
        parts.append(img_html(fig, alt=benchmark_alt(plot_tab, ctx.organisation)))
    return parts


def _network_parts(ctx: ReportContext, scales) -> list[str]:
    """Network report: the spread between organisations, per scale (bullets, table, dot plot of the outcome)."""
    from .figures import group_means, img_html

    parts = []
    per_org = group_stats(ctx.data, "organisation", scales)
    shown, hidden = ctx.plan.filter(per_org, "organisation", "organisation")
    net = {s: _mean_sd(ctx.data[s])[0] for s in scales}
    parts.append("<ul>" + "".join(
        f"<li>{html.escape(scale_name(s, ctx.codebook))}: netwerk {number(net[s], 1)} (van "
        f"{number(shown[s].min(), 1)} tot "
        f"{number(shown[s].max(), 1)} tussen organisaties)</li>" for s in scales if len(shown)) + "</ul>")
    tab = shown.rename(columns={"organisation": "Organisatie", **{s: s for s in scales}})
    parts.append(html_table(tab, title="Gemiddelde score per organisatie", number=ctx.table_number(),
                            note=(_codes_note(scales, ctx.codebook) + " "
                                  + _note_hidden(hidden, ("organisatie", "organisaties"), ctx.min_group)).strip()))
    from ..analysis.describe import describe_by

    key = ctx.codebook.main_outcome if ctx.codebook.main_outcome in scales else scales[0]
    desc = describe_by(ctx.data, "organisation", value=key, min_group=ctx.min_group)
    desc = desc[~desc["suppressed"].astype(bool)].reset_index(drop=True)
    desc = ctx.plan.filter(desc, "organisation", "organisation")[0]
    desc["half_ci"] = (desc["ci_high"] - desc["ci_low"]) / 2
    fig = group_means(desc, group="organisation", ci="half_ci",
                      title=f"{scale_name(key, ctx.codebook)} per organisatie (met 95%-BI)")
    parts.append(img_html(fig, alt=f"Stippendiagram van {scale_name(key, ctx.codebook)} per organisatie: "
                          + "; ".join(
        f"{o} {number(m, 1)}" for o, m in zip(desc["organisation"], desc["mean"]))))
    return parts

def benchmark_table(ctx: ReportContext) -> pd.DataFrame:
    """Mean and 95%-CI per scale for the organisation and for the rest of the network (long format).

    Scales on which either group has fewer than ``min_group`` answers are left out entirely.
    Columns: ``scale`` (name), ``group`` (organisation or :data:`REST`), ``n``, ``mean``,
    ``ci_low``, ``ci_high``.
    """
    from ..analysis.describe import describe_by

    if ctx.organisation is None:
        raise AnalysisError("Een vergelijking met de rest van het netwerk kan alleen in een organisatierapport.")
    group = np.where(ctx.data["organisation"] == ctx.organisation, ctx.organisation, REST)
    desc = describe_by(ctx.data[ctx.scales].assign(_group=group), "_group", columns=ctx.scales, min_group=ctx.min_group)
    rows = []
    for s in ctx.scales:
        sub = desc[desc["variable"] == s].set_index("_group")
        if set(sub.index) != {ctx.organisation, REST} or sub["suppressed"].astype(bool).any():
            continue
        for g in (ctx.organisation, REST):
            r = sub.loc[g]
            rows.append({"scale": scale_name(s, ctx.codebook), "group": g, "n": int(r["n"]), "mean": float(r["mean"]),
                         "ci_low": float(r["ci_low"]), "ci_high": float(r["ci_high"])})
    return pd.DataFrame(rows, columns=["scale", "group", "n", "mean", "ci_low", "ci_high"])


def benchmark_alt(table: pd.DataFrame, organisation: str) -> str:
    """Alt text of the benchmark figure: every scale with both means and intervals, in Dutch."""
    parts = []
    for name, sub in table.groupby("scale", sort=False):
        vals = {r.group: r for r in sub.itertuples()}
        parts.append(f"{name}: " + ", ".join(
            f"{g} {number(vals[g].mean, 1)} (95%-BI {number(vals[g].ci_low, 1)} tot {number(vals[g].ci_high, 1)})"
            for g in (organisation, REST) if g in vals))
    return (f"Stippendiagram per schaal: de gemiddelde score van {organisation} en van de {REST} naast elkaar, elk "
            "met een 95%-betrouwbaarheidsinterval. " + "; ".join(parts) + ".")




def item_label(item, *, width: int = 42, max_lines: int = 2) -> str:
    """Y-axis label of an item: code, '(omgekeerd)' for reversed items, and its text wrapped (shortened with …)."""
    import textwrap

    label = f"{item.code}{' (omgekeerd)' if item.reverse else ''}: {item.text}"
    return "\n".join(textwrap.wrap(label, width=width, max_lines=max_lines, placeholder=" …"))


def likert_alt(dist: pd.DataFrame, *, scale: str, where: str, lo: int = 1, hi: int = 5, labels=None) -> str:
    """Alt text of a Likert figure: per item the shares below, at and above the middle, in Dutch.

    ``labels`` (value -> label, from the codebook) names the two ends; default agreement wording.
    """
    low_end = f"'{labels[lo]}'" if labels else "(helemaal) mee oneens"
    high_end = f"'{labels[hi]}'" if labels else "(helemaal) mee eens"
    mid = (lo + hi) / 2
    disagree = [v for v in range(lo, hi + 1) if v < mid]
    agree = [v for v in range(lo, hi + 1) if v > mid]
    neutral = [v for v in range(lo, hi + 1) if v == mid]
    parts = []
    for code, row in dist.iterrows():
        text = (f"{code}: {percent(row[agree].sum())} aan de kant van {high_end}, "
                + (f"{percent(row[neutral].sum())} in het midden, " if neutral else "")
                + f"{percent(row[disagree].sum())} aan de kant van {low_end}")
        parts.append(text)
    return (f"Gestapeld staafdiagram van de antwoorden op de items van {scale} ({where}), gecentreerd op "
            f"het midden: links de lage, rechts de hoge antwoorden. " + "; ".join(parts) + ".")


def _middle_answer_clause(cb, scales) -> str:
    """Where the middle answer goes in the diverging bars: only a scale with an odd number of answers has one."""
    odd = [(hi - lo) % 2 == 0 for lo, hi in (cb.response_scale(code).range for code in scales)]
    if odd and all(odd):
        return "; het middelste antwoord ligt over het midden"
    if any(odd):
        return "; bij een oneven aantal antwoorden ligt het middelste antwoord over het midden"
    return ""


def item_distributions(ctx: ReportContext, *, scales=None) -> Section:
    """Antwoorden per item: diverging stacked bars (Likert) per scale for the focus group.

    Each item's answers from the lowest to the highest label of its scale's response scale,
    centred on the middle (:func:`~informeel_lib.report.figures.likert_bars`); items with fewer than
    ``min_group`` answers are not drawn. Reversed items are shown as answered (before reverse
    scoring). ``scales`` defaults to the codebook's core scales (the research question).
    """
    scales = ctx.codebook.core_scales if scales is None else scales
    from .figures import img_html, likert_bars, likert_distribution

    title = "Antwoorden per item"
    parts = [_h2(title)]
    if len(ctx.focus) < ctx.min_group:
        return Section(title, "".join(parts) + _p("Te weinig respondenten om de antwoorden per item te tonen."))
    cb = ctx.codebook
    shown = [code for code in scales if code in ctx.scales]
    names = word_list([cb.scales[c].name for c in shown])
    parts.append(_p(f"Hoe antwoordden medewerkers in {ctx.focus_name} op de afzonderlijke items van {names}? Per "
                    "item staat links het aandeel met een antwoord onder het midden van de antwoordschaal, rechts het "
                    f"aandeel erboven{_middle_answer_clause(cb, shown)}. Bij items met '(omgekeerd)' "
                    "betekent een hoog antwoord een lagere score op de schaal."))
    for code in shown:
        sc = cb.scales[code]
        response_scale = cb.response_scale(code)
        lo, hi = response_scale.range
        items = ctx.focus[[i for i in sc.item_codes if ctx.focus[i].notna().any()]]
        if items.shape[1] == 0:
            continue
        dist = likert_distribution(items, scale_range=(lo, hi), min_group=ctx.min_group)
        if dist.empty:
            continue
        fig = likert_bars(items, labels={it.code: item_label(it) for it in sc.items if it.code in items.columns},
                          value_labels=response_scale.labels, scale_range=(lo, hi), min_group=ctx.min_group,
                          title=f"{sc.name} ({ctx.focus_name})")
        parts.append(img_html(fig, alt=likert_alt(dist, scale=sc.name, where=ctx.focus_name, lo=lo, hi=hi,
                                                  labels=response_scale.labels)))
    return Section(title, "".join(parts))


def _codes_note(scales, codebook) -> str:
    return "Kolommen zijn de schaalcodes: " + "; ".join(f"{s} = {scale_name(s, codebook)}" for s in scales) + "."


def score_note(codebook, scales) -> str:
    """Dutch note on the response scale(s) of ``scales`` and reverse scoring."""
    described = {codebook.response_scale(s).describe() for s in scales}
    if len(described) == 1:
        text = f"Scores van {described.pop()}"
    else:
        text = "Scores op de eigen antwoordschaal van elke schaal (" + "; ".join(
            f"{scale_name(s, codebook)}: {codebook.response_scale(s).describe()}" for s in scales) + ")"
    return text + "; omgekeerd geformuleerde items zijn omgescoord."


def change_section(ctx: ReportContext) -> Section:
    """Verandering sinds de vorige ronde: mean per scale, previous vs this round (focus group)."""
    title = "Verandering sinds de vorige ronde"
    if ctx.previous is None:
        return Section(title, _h2(title) + _p("Dit is de eerste ronde: er is nog geen eerdere meting om mee te "
                                              "vergelijken."))
    changed = questionnaire_changes_html(ctx)
    prev = ctx.previous if ctx.organisation is None else ctx.previous[ctx.previous["organisation"] == ctx.organisation]
    if len(prev) < ctx.min_group or len(ctx.focus) < ctx.min_group or (
            ctx.organisation is not None and not ctx.previous_plan.organisation_published(ctx.organisation)):
        return Section(title, _h2(title) + changed + _p(f"In een van beide rondes deden minder dan {ctx.min_group} "
                                                        "medewerkers mee; de verandering wordt daarom niet getoond."))
    rows, sentences = [], []
    for s, r in focus_changes(ctx).items():
        rows.append({"Schaal": scale_name(s, ctx.codebook), f"n ({ctx.previous_round_name})": int(r["n_from"]),
                     f"M ({ctx.previous_round_name})": r["mean_from"], f"n ({ctx.round_name})": int(r["n_to"]),
                     f"M ({ctx.round_name})": r["mean_to"], "Verschil": r["diff"], "p": float(r["p"]),
                     "d": r["cohen_d"]})
        if r["p"] < 0.05:
            direction = "hoger" if r["diff"] > 0 else "lager"
            sentences.append(f"{scale_name(s, ctx.codebook)} is in {ctx.focus_name} {direction} dan in de vorige ronde "
                             f"({from_to(r['mean_from'], r['mean_to'])}, {p_value(r['p'])}).")
    tab = pd.DataFrame(rows)
    text = " ".join(sentences) or (f"Geen van de schalen verschilt duidelijk (p < ,05) van de vorige ronde "
                                   f"({ctx.previous_round_name}).")
    html_out = _h2(title) + changed + _p(text) + html_table(
        tab, title=change_title(ctx),
        number=ctx.table_number(), no_leading_zero=["p"], decimals={"p": 3},
        note="Verschil = nieuwe min vorige ronde; toets voor (deels) gepaarde metingen waar dezelfde "
             "medewerkers in beide rondes meededen, anders Welch; d = Cohens d.")
    if ctx.organisation is None:
        html_out += change_by_organisation_html(ctx)
    return Section(title, html_out)


def _shared_data(ctx: ReportContext) -> pd.DataFrame:
    """This round scored on the items it shares with the previous round."""
    return ctx.data if ctx.data_shared_items is None else ctx.data_shared_items


def comparable_scales(ctx: ReportContext) -> list[str]:
    """Scales scored in both rounds (on their shared items)."""
    shared = _shared_data(ctx)
    return [s for s in ctx.scales if ctx.previous is not None and s in ctx.previous.columns and s in shared.columns]


def _item_mention(cb, code: str) -> str:
    try:
        return f"{code} (\u201c{cb.item(code).text}\u201d)"
    except KeyError:
        return code


def questionnaire_changes_html(ctx: ReportContext) -> str:
    """Dutch paragraph on the items added, removed and reworded since the previous round ('' if none)."""
    ch = ctx.changes
    if not ch:
        return ""
    cb, parts = ctx.codebook, []
    if ch.added:
        parts.append(f"nieuw: {word_list([_item_mention(cb, c) for c in ch.added])}")
    if ch.removed:
        parts.append(f"vervallen: {word_list(ch.removed)}")
    if ch.reworded:
        parts.append("anders geformuleerd: " + word_list(
            [f"{c} (was \u201c{old}\u201d, nu \u201c{new}\u201d)" for c, (old, new) in ch.reworded.items()]))
    return _p(f"De vragenlijst is sinds ronde {ctx.previous_round_name} veranderd; " + "; ".join(parts) + ". "
              "Vergelijkingen met de vorige ronde gebruiken alleen de items die in beide rondes gesteld zijn"
              + (" (een anders geformuleerd item telt als hetzelfde item)." if ch.reworded else "."))


def change_by_organisation(ctx: ReportContext, *, scales=None) -> tuple[pd.DataFrame, dict, int]:
    """Change since the previous round per organisation (and the whole network), per scale.

    Returns
    -------
    table : DataFrame
        One row per organisation with at least ``min_group`` respondents in BOTH rounds, then a
        row ``netwerk``: ``Organisatie``, ``n (<previous>)``, ``n (<round>)`` and per scale code the
        difference (new minus previous) as Dutch text with sign, ``*`` when p < ,05, and an en
        dash where :func:`~informeel_lib.analysis.compare.compare_rounds` suppressed the scale.
    significant : dict
        Scale code -> list of (organisation, compare_rounds row) with p < ,05 (shown organisations only).
    hidden : int
        Number of organisations left out (fewer than ``min_group`` respondents in a round).
    """
    from ..analysis.compare import compare_rounds

    if ctx.previous is None:
        raise AnalysisError("Er is geen vorige ronde om mee te vergelijken.")
    scales = [s for s in (ctx.codebook.core_scales if scales is None else scales) if s in comparable_scales(ctx)]
    prev, cur = ctx.previous_round_name, ctx.round_name
    both = pd.concat([ctx.previous, _shared_data(ctx)], ignore_index=True)
    n_prev = ctx.previous.groupby("organisation").size()
    n_cur = ctx.data.groupby("organisation").size()
    orgs = sorted(set(n_prev.index) | set(n_cur.index))
    shown = [o for o in orgs if n_prev.get(o, 0) >= ctx.min_group and n_cur.get(o, 0) >= ctx.min_group
             and ctx.plan.organisation_published(o) and ctx.previous_plan.organisation_published(o)]
    cb = ctx.codebook
    per_org = {s: compare_rounds(both, s, by="organisation", rounds=[prev, cur], min_group=ctx.min_group, codebook=cb)
               .set_index("organisation") for s in scales}
    network = {s: compare_rounds(both, s, by=None, rounds=[prev, cur], min_group=ctx.min_group, codebook=cb).iloc[0]
               for s in scales}

    def cell(r) -> str:
        if bool(r["suppressed"]) or pd.isna(r["diff"]):
            return EMPTY
        return number(r["diff"], 2, sign=True) + ("*" if r["p"] < 0.05 else "")

    rows, significant = [], {s: [] for s in scales}
    for o in shown:
        row = {"Organisatie": o, f"n ({prev})": int(n_prev[o]), f"n ({cur})": int(n_cur[o])}
        for s in scales:
            r = per_org[s].loc[o]
            row[s] = cell(r)
            if not bool(r["suppressed"]) and r["p"] < 0.05:
                significant[s].append((o, r))
        rows.append(row)
    rows.append({"Organisatie": NETWORK, f"n ({prev})": len(ctx.previous), f"n ({cur})": len(ctx.data),
                 **{s: cell(network[s]) for s in scales}})
    return pd.DataFrame(rows), significant, len(orgs) - len(shown)


def change_sentences(significant: dict, *, previous_round_name: str, codebook) -> list[str]:
    """Dutch sentences naming the organisations whose score changed significantly, per scale."""
    out, quiet = [], []
    for s, hits in significant.items():
        if not hits:
            quiet.append(scale_name(s, codebook))
            continue
        parts = [f"{o} ({'hoger' if r['diff'] > 0 else 'lager'}: {from_to(r['mean_from'], r['mean_to'])}, "
                 f"{p_value(r['p'])})" for o, r in hits]
        out.append(f"{scale_name(s, codebook)} veranderde sinds {previous_round_name} duidelijk in {word_list(parts)}.")
    if quiet:
        out.append(f"Op {word_list(quiet)} veranderde geen enkele organisatie duidelijk (p < ,05).")
    return out


def change_by_organisation_html(ctx: ReportContext) -> str:
    """Network report: the per-organisation change table with its Dutch sentences."""
    tab, significant, hidden = change_by_organisation(ctx)
    sentences = change_sentences(significant, previous_round_name=ctx.previous_round_name, codebook=ctx.codebook)
    scales = [c for c in tab.columns if c in ctx.scales]
    note = (f"Verschil = gemiddelde in {ctx.round_name} min gemiddelde in {ctx.previous_round_name}; * p < ,05 (toets "
            f"als in de "
            f"vorige tabel); {EMPTY} = te weinig antwoorden. " + _codes_note(scales, ctx.codebook) + " Bij zoveel "
            "vergelijkingen "
            "kan een enkel verschil toeval zijn. " + _note_hidden(hidden, ("organisatie", "organisaties"),
                                                                  ctx.min_group)).strip()
    return ("<h3>Verandering per organisatie</h3>" + _p(" ".join(sentences)) + html_table(
        tab, title=f"Verandering per organisatie sinds ronde {ctx.previous_round_name}", number=ctx.table_number(),
        note=note))


#: Dutch description of each CFA estimator, for the sentence that says which one a report used
ESTIMATOR_NL = {
    "ML": "maximum likelihood (ML), met de antwoorden als getallen",
    "MLR": "robuuste maximum likelihood (MLR): ML-schattingen met standaardfouten en toets (Yuan-Bentler) "
           "die niet uitgaan van normaal verdeelde antwoorden",
    "WLSMV": "WLSMV, met de antwoorden als geordende categorieën (polychorische correlaties); χ² en fit-indices "
             "zijn de geschaalde (scaled-shifted)",
    "DWLS": "DWLS, met de antwoorden als geordende categorieën",
}


def estimator_comparison_html(items: pd.DataFrame, model, codebook, *, number: int = 8) -> str:
    """ML and WLSMV fits of the same model side by side, with the standardised loadings per scale
    (scale names from ``codebook``)."""
    cb = codebook
    from ..analysis.cfa.estimate import cfa

    fits, loadings = {}, {}
    for est, options in (("ML", {}), ("WLSMV", {"ordered": True})):
        try:
            res = cfa(items, model, modification_indices=False, **options)
        except InformeelError as exc:
            return _p(f"De vergelijking van ML en WLSMV kon niet worden gemaakt: {exc}")
        fits[est] = _fit_row(est, res.fit)
        lt = res.loading_table.reset_index()
        loadings[est] = lt.groupby("factor", sort=False)["std_all"].apply(lambda v: float(np.mean(np.abs(v))))
    fit_tab = pd.DataFrame(list(fits.values()))
    load_tab = pd.DataFrame({"Schaal": [scale_name(f, cb) for f in loadings["ML"].index],
                             "ML": loadings["ML"].to_numpy(), "WLSMV": loadings["WLSMV"].to_numpy()})
    return (html_table(fit_tab, title=f"Fit van het meetmodel met ML en met WLSMV (n = {integer(len(items))})",
                       number=number, decimals={"χ²": 1, "CFI": 3, "TLI": 3, "RMSEA": 3, "SRMR": 3},
                       no_leading_zero=["CFI", "TLI", "RMSEA", "SRMR"],
                       note="WLSMV: geschaalde (scaled-shifted) χ², CFI, TLI en RMSEA. De vuistregels van Hu & "
                            "Bentler (1999) zijn voor ML bedoeld; bij WLSMV vallen CFI en RMSEA vaak gunstiger uit.")
            + html_table(load_tab, title="Gemiddelde gestandaardiseerde lading (absoluut) per schaal",
                         number=number + 1, decimals={"ML": 2, "WLSMV": 2}, no_leading_zero=["ML", "WLSMV"],
                         note="WLSMV-ladingen gaan over de onderliggende (latente) antwoordneiging en zijn daardoor "
                              "meestal wat hoger dan ML-ladingen op de antwoorden zelf."))


def reported_fit(fit: dict) -> dict:
    """The fit values a report shows: for MLR and WLSMV the scaled χ², CFI, TLI and RMSEA (what
    lavaan users report), otherwise the ML ones."""
    if "chi2_scaled" not in fit:
        return fit
    shown = dict(fit)
    for key in ("chi2", "cfi", "tli", "rmsea", "p"):
        shown[key] = fit.get(f"{key}_scaled", fit[key])
    shown["rmsea_ci"] = fit.get("rmsea_ci_scaled", fit.get("rmsea_ci"))
    return shown


def estimator_sentence(fit: dict) -> str:
    """Dutch sentence naming the CFA estimator (the report states which one was used)."""
    est = fit.get("estimator", "ML")
    extra = " Ontbrekende antwoorden tellen mee via full-information ML (FIML)." if fit.get("missing") == "fiml" else ""
    return f"Schatter: {ESTIMATOR_NL.get(est, est)}.{extra}"


def _fit_row(label: str, fit: dict) -> dict:
    fit = reported_fit(fit)
    lo, hi = (fit.get("rmsea_ci") or (float("nan"), float("nan")))
    return {"Model": label, "χ²": fit.get("chi2"), "df": int(fit["df"]) if fit.get("df") is not None else None,
            "CFI": fit.get("cfi"), "TLI": fit.get("tli"), "RMSEA": fit.get("rmsea"),
            "90%-BI RMSEA": f"[{number(lo, 3, leading_zero=False)}; {number(hi, 3, leading_zero=False)}]",
            "SRMR": fit.get("srmr")}


def fit_sentence(fit: dict) -> str:
    """Plain-Dutch verdict on CFA fit (Hu & Bentler, 1999 cut-offs)."""
    fit = reported_fit(fit)
    cfi, rmsea = fit.get("cfi", float("nan")), fit.get("rmsea", float("nan"))
    if cfi >= 0.95 and rmsea <= 0.06:
        oordeel = "goed"
    elif cfi >= 0.90 and rmsea <= 0.08:
        oordeel = "acceptabel"
    else:
        oordeel = "onvoldoende"
    return (f"Het meetmodel van het codeboek past {oordeel} bij de data (CFI = {number(cfi, 3, leading_zero=False)}, "
            f"RMSEA = {number(rmsea, 3, leading_zero=False)}).")


LEVELS_NL = {"configural": "configureel", "metric": "metrisch", "scalar": "scalair", "strict": "strikt",
             "thresholds": "drempels", "loadings": "drempels + ladingen",
             "intercepts": "drempels + ladingen + intercepten"}   # the last three: ordinal items (Wu & Estabrook)


def _invariance_html(inv, what: str, table_number, *, scope: str = "") -> str:
    """Sentence and table of an invariance result; ``table_number`` is a number or a callable giving one
    (called only when a table is actually shown)."""
    if inv is None:
        return _p(f"Meetinvariantie tussen {what}: niet getoetst (te weinig groepen van voldoende omvang).")
    if isinstance(inv, Failure):
        return _p(f"Meetinvariantie tussen {what} kon niet worden getoetst: {inv.message}")
    scope = f", {scope}" if scope else ""
    tab = _robust_invariance_columns(inv) if inv.attrs.get("estimator") == "MLR" else inv.copy()
    tab.index = [LEVELS_NL.get(str(i), str(i)) for i in tab.index]
    tab.index.name = "Model"
    verdicts = [Verdict(v) for v in tab["verdict"].iloc[1:]] if "verdict" in tab.columns else []
    configural_cfi = float(tab["cfi"].iloc[0]) if "cfi" in tab.columns else float("nan")
    configural_rmsea = float(tab["rmsea"].iloc[0]) if "rmsea" in tab.columns else float("nan")
    cols = [c for c in ("chi2", "df", "cfi", "tli", "rmsea", "srmr", "delta_cfi", "delta_rmsea") if c in tab.columns]
    tab = tab[cols].reset_index().rename(columns={
        "chi2": "χ²", "df": "df", "cfi": "CFI", "tli": "TLI", "rmsea": "RMSEA", "srmr": "SRMR", "delta_cfi": "ΔCFI",
        "delta_rmsea": "ΔRMSEA"})
    if "df" in tab.columns:
        tab["df"] = [None if pd.isna(v) else int(v) for v in tab["df"]]
    verdict = ""
    fit0 = (f"CFI = {number(configural_cfi, 3, leading_zero=False)}, "
            f"RMSEA = {number(configural_rmsea, 3, leading_zero=False)}")
    if configural_cfi < 0.90 and not configural_rmsea <= 0.08:
        verdict = (f" Het basismodel (configureel) past al niet goed ({fit0}):"
                   f" per groep zijn er te weinig respondenten voor een betrouwbare toets. Vergelijk gemiddelden "
                   f"tussen "
                   f"{what} daarom met voorzichtigheid; bij de vergelijkingen in dit rapport staat dat voorbehoud.")
    else:
        if configural_cfi < 0.90:
            verdict = f" Het basismodel (configureel) past matig ({fit0})."
        if verdicts and all(v is Verdict.ACCEPTABLE for v in verdicts):
            verdict += f" De schalen meten hetzelfde tussen {what}: gemiddelden mogen vergeleken worden."
        elif verdicts:
            verdict += (f" Tussen {what} verschilt de betekenis van sommige items (ΔCFI ≤ −,010 of ΔRMSEA ≥ ,015 bij "
                        "een stap): vergelijk gemiddelden met voorzichtigheid; bij de vergelijkingen in dit rapport "
                        "staat dat voorbehoud.")
    return _p(f"Meetinvariantie tussen {what}{scope}.{verdict}") + html_table(
        tab, title=f"Meetinvariantie tussen {what}", number=table_number() if callable(table_number) else table_number,
        decimals={"χ²": 1, "CFI": 3, "TLI": 3, "RMSEA": 3, "SRMR": 3, "ΔCFI": 3, "ΔRMSEA": 3},
        no_leading_zero=[c for c in tab.columns if c in ("CFI", "TLI", "RMSEA", "SRMR", "ΔCFI", "ΔRMSEA")],
        note=_invariance_note(inv))


def _robust_invariance_columns(inv: pd.DataFrame) -> pd.DataFrame:
    """An MLR invariance table with the indices its ΔCFI/ΔRMSEA (and verdicts) come from: the scaled χ²
    and the robust CFI, TLI and RMSEA in the columns the report shows."""
    tab = inv.copy()
    for shown, robust in (("chi2", "chi2_scaled"), ("cfi", "cfi_robust"), ("tli", "tli_robust"),
                          ("rmsea", "rmsea_robust")):
        if robust in tab.columns:
            tab[shown] = tab[robust]
    return tab


def _invariance_note(inv) -> str:
    """The table note: what each step constrains (ordinal items: the Wu & Estabrook steps, WLSMV)."""
    if inv.attrs.get("estimator") == "WLSMV":
        return ("Antwoorden als geordende categorieën (WLSMV). Configureel: zelfde structuur; drempels: ook gelijke "
                "drempels tussen de antwoordcategorieën; daarna ook gelijke ladingen en gelijke intercepten (Wu & "
                "Estabrook, 2016). ΔCFI en ΔRMSEA uit de geschaalde fitmaten (Chen, 2007).")
    steps = ("Configureel: zelfde structuur; metrisch: ook gelijke ladingen; scalair: ook gelijke intercepten "
             "(Chen, 2007).")
    if inv.attrs.get("estimator") == "MLR":
        steps += (" Robuuste ML (MLR): geschaalde χ² (Yuan-Bentler) en robuuste CFI, TLI en RMSEA (Brosseau-Liard "
                  "& Savalei, 2014); ΔCFI en ΔRMSEA uit de robuuste fitmaten.")
    return steps


def factor_section(ctx: ReportContext, shared: dict) -> Section:
    """Factorstructuur: CFA fit of the codebook model and measurement invariance (network-wide)."""
    title = "Factorstructuur"
    parts = [_h2(title), _p("Past de indeling van de items in schalen (het codeboek) bij de antwoorden? "
                            "Dit wordt voor het hele netwerk getoetst met een confirmatieve factoranalyse.")]
    cfa_res = shared.get("cfa") or {}
    if isinstance(cfa_res, Failure):
        parts.append(_p(f"De factoranalyse kon niet worden uitgevoerd: {cfa_res.message}"))
    elif "fit" in cfa_res:
        parts.append(fit_table_html(cfa_res["fit"], n=cfa_res["n"], number=ctx.table_number()))
    if ctx.previous is None:
        parts.append(_p("Meetinvariantie tussen rondes: niet getoetst (dit is de eerste ronde)."))
    else:
        parts.append(_invariance_html(shared.get("invariance_rounds"), "rondes", ctx.table_number))
    parts.append(_invariance_html(shared.get("invariance_organisations"), "organisaties", ctx.table_number,
                                  scope=core_scope(ctx.codebook)))
    return Section(title, "".join(parts))


def influence_section(ctx: ReportContext, shared: dict) -> Section:
    """Invloedsfactoren: ICC per scale and the multilevel model of informal learning, in plain Dutch."""
    from .figures import coefficient_plot, img_html

    title = "Invloedsfactoren"
    res = shared.get("influence") or {}
    cb = ctx.codebook
    outcome = cb.main_outcome
    outcome_name = _in_sentence(scale_name(outcome, cb)) if outcome else "de uitkomst"
    parts = [_h2(title), _p(f"Welke factoren gaan samen met {outcome_name} in een team? Het model houdt "
                            "rekening met het feit dat medewerkers in teams en organisaties werken (multilevelmodel, "
                            "geschat over het hele netwerk; de tabellen met alle schattingen staan in de "
                            "Verantwoording).")]
    model = res.get("model")
    if model is None and outcome is None:
        parts.append(_p("Het codeboek noemt geen schaal met de rol 'outcome'; er is daarom geen model van "
                        "invloedsfactoren geschat."))
    elif isinstance(model, Failure):
        parts.append(_p(f"Het multilevelmodel kon niet worden geschat: {model.message}"))
    elif model is not None:
        for sentence in _model_sentences(model):
            parts.append(_p(sentence))
        coefs = model_table(model)
        if len(coefs) and getattr(model, "converged", True):   # an unreliable fit shows no estimates
            fig = coefficient_plot(coefs, term="Factor", estimate="b", lower="ci_low", upper="ci_high",
                                   title=f"Effecten op {outcome_name} (netwerkbreed)")
            parts.append(img_html(fig, alt="Effectendiagram: " + "; ".join(
                f"{t} {number(b, 2)}" for t, b in zip(coefs["Factor"], coefs["b"]))))
    return Section(title, "".join(parts))


def effects_title(ctx: ReportContext) -> str:
    """Start of the title of the influence model's coefficient table (the key messages name it)."""
    outcome = ctx.codebook.main_outcome
    return f"Effecten op {_in_sentence(scale_name(outcome, ctx.codebook)) if outcome else 'de uitkomst'}"


def influence_details(ctx: ReportContext, shared: dict) -> Section:
    """Het invloedsmodel in detail (Verantwoording): ICC per scale and the model's coefficient table."""
    title = "Invloedsmodel in detail"
    res = shared.get("influence") or {}
    cb = ctx.codebook
    parts = [_h2(title)]
    iccs = res.get("icc") or {}
    if iccs:
        tab = pd.DataFrame({"Schaal": [scale_name(s, cb) for s in iccs], "ICC(1) team": list(iccs.values())})
        parts.append(html_table(tab, title="Deel van de verschillen dat tussen teams ligt", number=ctx.table_number(),
                                decimals=2,
                                no_leading_zero=["ICC(1) team"],
                                note="ICC(1): aandeel van de variantie tussen teams (binnen organisaties), "
                                     "zonder voorspellers (leeg model)."))
    model = res.get("model")
    if model is not None and not isinstance(model, Failure):
        coefs = model_table(model)
        if len(coefs) and getattr(model, "converged", True):   # an unreliable fit shows no estimates
            sym = "β" if getattr(model, "standardized", False) else "b"
            shown = coefs.rename(columns={"b": sym, "ci_low": "95%-BI laag", "ci_high": "95%-BI hoog"})
            parts.append(html_table(shown, title=f"{effects_title(ctx)} (n = {integer(model.n)}, "
                                    f"{integer(model.n_teams)} teams)", number=ctx.table_number(), decimals={"p": 3},
                                    no_leading_zero=["p"]))
    if len(parts) == 1:
        parts.append(_p("Het model kon deze ronde niet worden geschat (zie Invloedsfactoren)."))
    return Section(title, "".join(parts))


def _in_sentence(name: str) -> str:
    """A scale name inside a sentence: first letter lower case unless it is an acronym."""
    return name if name[:2].isupper() else name[:1].lower() + name[1:]


def _model_sentences(model) -> list[str]:
    text = model.summary_nl() if hasattr(model, "summary_nl") else ""
    return [text] if text else []


def model_table(model) -> pd.DataFrame:
    """Coefficients of an influence model (no intercept, no covariates) with Dutch labels."""
    frame = model.to_frame()
    if "kind" in frame.columns:
        frame = frame[frame["kind"].isin(["predictor", "between", "within"])]
    frame = frame[[str(i).lower() not in ("intercept", "const") for i in frame.index]]
    out = pd.DataFrame({"Factor": frame["label"].astype(str).to_numpy(), "b": frame["estimate"].to_numpy(float),
                        "ci_low": frame["ci_low"].to_numpy(float), "ci_high": frame["ci_high"].to_numpy(float),
                        "p": frame["p"].to_numpy(float)})
    return out


FORM_NONE = _FORM_NONE
"""Column for answers that the coding scheme assigns to none of the three forms."""


def _answer_groups(ctx: ReportContext) -> list[tuple[str, pd.DataFrame, tuple]]:
    """Network report: each published organisation, then the whole network; organisation report: it and the rest.

    The third element says which cells of the disclosure plan the group's numbers are: an
    organisation is itself, the network is the network, the rest of the network is the network
    minus the organisation (so both must be published).
    """
    if ctx.organisation:
        return [(ctx.organisation, ctx.focus, (ctx.organisation,)), (REST, ctx.rest, (None, ctx.organisation))]
    orgs = sorted(o for o in ctx.data["organisation"].dropna().unique() if ctx.plan.organisation_published(o))
    return [(o, ctx.data[ctx.data["organisation"] == o], (o,)) for o in orgs] + [(NETWORK, ctx.data, (None,))]


def _plan_allows(plan, partition: str, key, withins) -> bool:
    return plan is None or all(plan.published(partition, key, within=w) for w in withins)


def _answers(df: pd.DataFrame, column: str) -> pd.Series:
    texts = df[column].dropna() if column in df.columns else pd.Series(dtype=object)
    return texts[texts.astype(str).str.strip() != ""]


def coded_counts(groups, *, column: str, min_group: int = MIN_GROUP, plan=None) -> tuple[pd.DataFrame, int]:
    """Coded open answers per group: n answers and, per form, the count with its share.

    Parameters
    ----------
    groups : list of (label, DataFrame) or (label, DataFrame, withins)
        The groups in display order (e.g. every organisation, then the network); ``withins`` names
        the disclosure-plan cells the group's numbers derive from (see :func:`_answer_groups`).
    plan : DisclosurePlan, optional
        With a plan, a group is shown only if its number of answers is a published cell and a
        form count only if it is a published ``answer_form:<column>`` cell (else an en dash);
        without one, the simple rule (groups and counts below ``min_group`` hidden) is used.

    Returns
    -------
    table : DataFrame
        ``Groep``, ``n`` (non-empty answers), one column per form and :data:`FORM_NONE`, each
        ``"count (share%)"``; a count below ``min_group`` is shown as ``"< min_group"``.
    hidden : int
        Groups left out because they gave fewer than ``min_group`` answers.
    """
    from ..analysis.textcoding import code_open_answers

    rows, hidden = [], 0
    answered, category = f"answered:{column}", f"answer_form:{column}"
    for label, df, *rest in groups:
        withins = rest[0] if rest else (label,)
        texts = _answers(df, column)
        if len(texts) < min_group or not _plan_allows(plan, answered, None, withins):
            hidden += 1
            continue
        coded = code_open_answers(texts)
        row = {"Groep": label, "n": int(len(texts))}
        known = np.zeros(len(texts), bool)
        for form in FORMS:
            mask = _form_mask(coded, form).to_numpy()
            known |= mask
            row[form] = _count_share(int(mask.sum()), len(texts), min_group) \
                if _plan_allows(plan, category, form, withins) else EMPTY
        row[FORM_NONE] = _count_share(int((~known).sum()), len(texts), min_group) \
            if _plan_allows(plan, category, FORM_NONE, withins) else EMPTY
        rows.append(row)
    return pd.DataFrame(rows, columns=["Groep", "n", *FORMS, FORM_NONE]), hidden


def _count_share(count: int, n: int, min_group: int) -> str:
    return f"{integer(count)} ({percent(count / n)})" if count >= min_group else f"< {min_group}"


WEAK_WORDS = frozenset({
    "gebeurt", "gemaakt", "komt", "staat", "via", "vind", "vindt", "hoor", "werkt", "denk", "denken", "verder",
    "tijdens", "mag", "sinds", "gezegd", "voorbij", "gegaan", "meestal", "sprake", "ter", "mee", "merkt", "weinig",
    "prima", "hoog", "beetje", "volgens", "breng", "gaat", "doet", "wel", "echt", "zeker", "vaak", "soms", "nieuwe",
})
"""Frequent but contentless words (verbs, adverbs) left out of the report's word table, on top of the
stop words of :mod:`informeel_lib.analysis.textcoding` (which this list does not replace)."""


def frequent_terms_table(groups, *, column: str, min_group: int = MIN_GROUP,
                         n_terms: int = 5) -> tuple[pd.DataFrame, int]:
    """The most frequent meaningful words per group (:func:`~informeel_lib.analysis.textcoding.frequent_terms`).

    Returns
    -------
    table : DataFrame
        ``Groep``, ``n`` (non-empty answers) and ``Meest genoemde woorden``: ``"word (share%)"``,
        the share of the group's answers that use the word (each word in at least two answers).
    hidden : int
        Groups suppressed by ``frequent_terms`` (fewer than ``min_group`` answers).
    """
    from ..analysis.textcoding import frequent_terms

    rows, hidden = [], 0
    for label, df, *_ in groups:
        texts = _answers(df, column)
        terms = frequent_terms(texts, by=None, n=n_terms + len(WEAK_WORDS), min_group=min_group)
        if terms.empty or bool(terms["suppressed"].astype(bool).any()):
            hidden += 1
            continue
        terms = terms[~terms["term"].str.lower().isin(WEAK_WORDS)].head(n_terms)
        words = "; ".join(f"{t} ({percent(sh)})" for t, sh in zip(terms["term"], terms["share"]))
        n_group = int(frequent_terms(texts, by=None, n=1, min_group=min_group, min_count=1)["n_group"].iloc[0]) \
            if terms.empty else int(terms["n_group"].iloc[0])
        rows.append({"Groep": label, "n": n_group, "Meest genoemde woorden": words or EMPTY})
    return pd.DataFrame(rows, columns=["Groep", "n", "Meest genoemde woorden"]), hidden


def open_answers_section(ctx: ReportContext, *, examples_per_form: int = 2) -> Section:
    """Open antwoorden: coded counts per form and group, frequent words, and the quotes a researcher approved.

    Which open question gets which treatment is codebook data (``open_questions.<code>.analysis``):
    ``vormen`` questions are coded into the three forms of informal learning (counts and quotes),
    ``woorden`` questions get a table of frequent words. Network report: every organisation and the
    network total; organisation report: the organisation and the rest of the network. Groups with
    fewer than ``min_group`` answers are left out. Quotes come only from the round's approval file
    (:mod:`~informeel_lib.report.quotes`, ``informeel citaten``): approved, unedited, still in the data,
    de-identified again with :func:`~informeel_lib.privacy.scrub_text` and escaped; without approved
    quotes the section says so and shows none.
    """
    title = "Open antwoorden"
    cb = ctx.codebook
    present = [q for q in cb.open_questions if q in ctx.data.columns]
    forms = [q for q in present if cb.open_question_analysis.get(q) == "vormen"]
    words = [q for q in present if cb.open_question_analysis.get(q) == "woorden"]
    parts = [_h2(title)]
    if not forms and not words:
        return Section(title, "".join(parts) + _p("Deze vragenlijst heeft geen open vragen die in het rapport worden "
                                                  "samengevat."))
    if forms:
        parts.append(_p("De antwoorden op de open vragen zijn automatisch ingedeeld in de drie vormen van "
                        "informeel leren: zelfgestuurd (bewust), incidenteel (al doende, niet gepland) en tacit "
                        "(onbewust). Citaten staan er alleen in als een onderzoeker ze heeft gelezen en "
                        "goedgekeurd; ze zijn ontdaan van namen, plaatsen, e-mailadressen en telefoonnummers."))
    groups = _answer_groups(ctx)
    what = ("organisatie", "organisaties") if ctx.organisation is None else ("groep", "groepen")
    for column in forms:
        parts.append(_forms_table_html(ctx, groups, column, what))
    for column in words:
        parts.append(_words_table_html(ctx, groups, column, what))
    if forms:
        parts.append(quotes_html(ctx, forms, per_form=examples_per_form))
    return Section(title, "".join(parts))


def _forms_table_html(ctx: ReportContext, groups, column: str, what) -> str:
    tab, hidden = coded_counts(groups, column=column, min_group=ctx.min_group, plan=ctx.plan)
    if ctx.organisation is None:
        hidden += ctx.data["organisation"].nunique() - (len(groups) - 1)
    question = ctx.codebook.open_questions[column]
    return html_table(
        tab, title="Voorbeelden van informeel leren per vorm: aantal antwoorden (aandeel)", number=ctx.table_number(),
        note=(f"n = aantal ingevulde antwoorden; elk antwoord krijgt één vorm of '{FORM_NONE}'. {EMPTY} = niet "
              f"getoond, omdat het aantal zelf of via aftrekken van andere cijfers minder dan {ctx.min_group} "
              "personen zou betreffen. " + _note_hidden(hidden, what, ctx.min_group)
              + f" Vraag: \u201c{question}\u201d").strip())


def _words_table_html(ctx: ReportContext, groups, column: str, what) -> str:
    terms, hidden = frequent_terms_table(groups, column=column, min_group=ctx.min_group)
    if not len(terms):
        return ""
    question = ctx.codebook.open_questions[column]
    return _p(f"Welke woorden gebruiken medewerkers bij de vraag \u201c{question}\u201d?") + html_table(
        terms, title="Meest genoemde woorden bij een open vraag", number=ctx.table_number(),
        note=("n = aantal ingevulde antwoorden. Tussen haakjes: het aandeel antwoorden met dat woord; alleen "
              "woorden die in minstens twee antwoorden voorkomen, zonder stopwoorden. "
              + _note_hidden(hidden, what, ctx.min_group) + f" Vraag: \u201c{question}\u201d").strip())


def _form_mask(coded, form: str) -> pd.Series:
    """Boolean mask 'answer coded as form' from whatever shape code_open_answers returns."""
    frame = coded.to_frame() if hasattr(coded, "to_frame") and not isinstance(coded, pd.DataFrame) else coded
    if isinstance(frame, pd.DataFrame):
        if form in frame.columns:
            return frame[form].fillna(False).astype(bool)
        for col in ("form", "vorm", "code"):
            if col in frame.columns:
                return frame[col].astype(str).str.contains(form, na=False)
    if isinstance(frame, pd.Series):
        return frame.astype(str).str.contains(form, na=False)
    raise AnalysisError("De codering van de open antwoorden heeft een onbekende vorm.")


def all_sections(ctx: ReportContext, shared: dict) -> list[Section]:
    """Every section of the report, in order."""
    from .outcomes import outcomes_section

    return [response(ctx), reliability_section(ctx), scale_scores(ctx, shared), item_distributions(ctx),
            change_section(ctx), factor_section(ctx, shared), influence_section(ctx, shared),
            influence_details(ctx, shared), outcomes_section(ctx, shared), open_answers_section(ctx)]


# --- helpers for the exploration notebooks -------------------------------------------------------

def load_all_rounds(data_dir, codebook) -> pd.DataFrame:
    """Every processed round in ``data_dir``, concatenated and scored."""
    rounds = sorted(p.stem for p in Path(data_dir).glob("*.parquet"))
    if not rounds:
        raise InputError("er staan nog geen opgeschoonde rondes in deze map; draai eerst 'make demo' of "
                         "'informeel clean'.", file=str(data_dir))
    return _scored(pd.concat([_read_round(data_dir, r) for r in rounds], ignore_index=True), codebook)


def concept_table(codebook) -> pd.DataFrame:
    """Each scale with its concept (``concept`` in the codebook), influence factor and source."""
    cb = codebook
    return pd.DataFrame([{"Code": s.code, "Schaal": s.name, "Begrip": s.concept,
                          "Invloedsfactor": s.influence_factor or ("uitkomst" if s.role == "outcome" else ""),
                          "Items": len(s.items), "Gebaseerd op": s.modelled_on} for s in cb.scales.values()])


def open_answer_counts(data: pd.DataFrame, *, column: str, min_group: int = MIN_GROUP) -> pd.DataFrame:
    """Coded open answers per round and organisation: n answers, the count per form and :data:`FORM_NONE`.

    Every answer is counted in exactly one column, so a row's counts add up to n (where no count
    is masked: counts below ``min_group`` are shown as ``"< min_group"``).
    """
    from ..analysis.textcoding import code_open_answers

    rows = []
    for (round_name, org), df in data.groupby(["round", "organisation"], sort=True):
        texts = _answers(df, column)
        if len(texts) < min_group:
            continue
        coded = code_open_answers(texts)
        row = {"Ronde": round_name, "Organisatie": org, "n": int(len(texts))}
        known = np.zeros(len(texts), bool)
        for form in FORMS:
            mask = _form_mask(coded, form).to_numpy()
            known |= mask
            row[form] = int(mask.sum()) if mask.sum() >= min_group else f"< {min_group}"
        none = int((~known).sum())
        row[FORM_NONE] = none if none >= min_group else f"< {min_group}"
        rows.append(row)
    return pd.DataFrame(rows, columns=["Ronde", "Organisatie", "n", *FORMS, FORM_NONE])


def response_by_round(data: pd.DataFrame, *, min_group: int = MIN_GROUP) -> pd.DataFrame:
    """Respondents per organisation (rows) and round (columns); cells under ``min_group`` masked."""
    tab = data.groupby(["organisation", "round"]).size().unstack("round").fillna(0).astype(int)
    out = tab.astype(object).where(tab >= min_group, f"< {min_group}")
    out.loc["netwerk"] = tab.sum()
    out.index.name = "Organisatie"
    return out.reset_index()


def scree_figure(pa):
    """Scree plot of a :func:`~informeel_lib.analysis.factors.parallel_analysis` result."""
    from .figures import scree_plot

    ev = pa.eigenvalues
    return scree_plot(ev["factor_observed"], ev["factor_simulated"], n_factors=pa.n_factors,
                      title="Parallelle analyse (factoren)")


def show_figure(fig, *, alt: str) -> None:
    """Show a figure in a notebook as an embedded PNG with alt text (works in HTML exports too)."""
    from IPython.display import HTML, display

    from .figures import img_html

    display(HTML(img_html(fig, alt=alt)))


def fit_table_html(fit: dict, *, n: int, number: int = 8) -> str:
    """Dutch verdict plus APA table of CFA fit indices."""
    tab = pd.DataFrame([_fit_row("codeboekmodel", fit)])
    return _p(fit_sentence(fit) + " " + estimator_sentence(fit)) + html_table(
        tab, title=f"Fit van het meetmodel (n = {integer(n)})", number=number,
        decimals={"χ²": 1, "CFI": 3, "TLI": 3, "RMSEA": 3, "SRMR": 3}, no_leading_zero=["CFI", "TLI", "RMSEA", "SRMR"],
        note=f"{estimator_sentence(fit)} Vuistregels (Hu & Bentler, 1999): CFI ≥ ,95 en RMSEA ≤ ,06 goed; "
             "CFI ≥ ,90 en RMSEA ≤ ,08 acceptabel.")


def invariance_html(data: pd.DataFrame, model, group: str, *, codebook, min_group: int = MIN_GROUP, number: int = 9,
                    cached=None, options: dict | None = None) -> str:
    """Measurement invariance across ``group`` as Dutch HTML (groups too small for a fit left out).

    ``cached`` takes a result computed earlier (e.g. from the report cache) instead of refitting.
    Across organisations the :func:`core_model` is tested, as in the reports. ``options``: the
    estimator's keyword arguments (:func:`~informeel_lib.report.context.estimator_options`).
    """
    what = {"round": "rondes", "organisation": "organisaties"}.get(group, group)
    if group == "organisation":
        model = core_model(model, codebook)
    result = cached if cached is not None else _invariance_result(data, model, group, min_group, options=options)
    return _invariance_html(result, what, number, scope=core_scope(codebook) if group == "organisation" else "")


def agreement_html(ctx: ReportContext, *, scales=None) -> str:
    """Within-team agreement rwg(j) and ICC(1)/ICC(2) per scale (teams with n >= min_group).

    ``scales`` defaults to the codebook's predictor scales (the team climate the research question asks about).
    """
    cb = ctx.codebook
    scales = [s for s in (cb.predictors if scales is None else scales) if s in ctx.scales]
    from ..analysis.multilevel import team_agreement

    sizes = ctx.focus.groupby(["organisation", "team"]).size()
    big = sizes[sizes >= ctx.min_group].index
    sub = ctx.focus.set_index(["organisation", "team"]).loc[big].reset_index()
    rows = []
    for s in scales:
        try:
            r = team_agreement(sub, s, codebook=cb)
        except InformeelError as exc:
            rows.append({"Schaal": scale_name(s, cb), "Teams": None, "mediaan rwg(j)": None, "ICC(1)": None,
                         "ICC(2)": None, "Opmerking": str(exc)})
            continue
        rows.append({"Schaal": scale_name(s, cb), "Teams": int(r.n_teams), "mediaan rwg(j)": r.median_rwg,
                     "ICC(1)": r.icc1, "ICC(2)": r.icc2, "Opmerking": ""})
    tab = pd.DataFrame(rows)
    return _p("rwg(j) ≥ ,70 betekent dat collega's in een team het grotendeels eens zijn; ICC(1) is het deel van de "
              "verschillen dat tussen teams ligt, ICC(2) de betrouwbaarheid van het teamgemiddelde.") + html_table(
        tab,
        title=f"Overeenstemming binnen teams in {ctx.focus_name} (teams met minstens {ctx.min_group} respondenten)",
        number=ctx.table_number(),
        no_leading_zero=["mediaan rwg(j)", "ICC(1)", "ICC(2)"])


def colophon(ctx: ReportContext) -> str:
    """Closing note: how the report was made (Dutch)."""
    import datetime as _dt

    from .. import __version__
    from ..nl import date

    return (f'<hr><p class="klein">Gemaakt op {html.escape(date(_dt.date.today()))} met informeel_lib '
            f"{html.escape(__version__)} (Practoraat Leven Lang Ontwikkelen, Noorderpoort). Alle cijfers zijn "
            f"groepscijfers; groepen met minder dan {ctx.min_group} respondenten worden niet getoond. Open antwoorden "
            "zijn ontdaan van namen, e-mailadressen en telefoonnummers.</p>")
