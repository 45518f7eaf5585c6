"""Ontwikkeling over de rondes: every round in the data, not only the previous one.

Per scale the focus group's mean with its 95% interval and (organisation report) the rest of the
network's, for every round up to the report's round: a small-multiples figure and a compact
table; paired changes where the same people (pseudonym ``respondent``) answered in consecutive
rounds; scales whose items were not all asked in a round are marked.

A group with fewer than ``min_group`` answers in a round is not shown for that round.
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from ..nl import html_table, number, round_label, word_list
from .context import REST, ReportContext, Section

TITLE = "Ontwikkeling over de rondes"


def rounds_up_to(data_dir, round_name: str) -> list[str]:
    """The processed rounds in ``data_dir`` up to and including ``round_name`` (sorted)."""
    return sorted(p.stem for p in Path(data_dir).glob("*.parquet")
                  if p.stem <= round_name and not p.stem.endswith("_gedeeld"))


def mean_ci(values, *, level: float = 0.95) -> tuple[int, float, float, float]:
    """n, mean and t-based confidence interval of the non-missing values (R: ``t.test(x)$conf.int``)."""
    x = pd.to_numeric(pd.Series(values), errors="coerce").dropna().to_numpy(float)
    n = len(x)
    if n < 2:
        return n, float(x.mean()) if n else float("nan"), float("nan"), float("nan")
    half = stats.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / np.sqrt(n)
    return n, float(x.mean()), float(x.mean() - half), float(x.mean() + half)


def trend_table(ctx: ReportContext, rounds: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Long table: ``scale``, ``round``, ``group``, ``n``, ``mean``, ``ci_low``, ``ci_high`` (suppressed rows left out).

    ``rounds`` maps round name -> scored data. Groups: the focus (organisation or ``netwerk``) and,
    in an organisation report, the rest of the network.
    """
    rows = []
    focus_label = ctx.organisation or "netwerk"
    for r, data in rounds.items():
        groups = [(focus_label, data if ctx.organisation is None else data[data["organisation"] == ctx.organisation])]
        if ctx.organisation:
            groups.append((REST, data[data["organisation"] != ctx.organisation]))
        for code in ctx.scales:
            if code not in data.columns:
                continue
            for label, df in groups:
                n, m, lo, hi = mean_ci(df[code])
                if n < ctx.min_group:
                    continue
                rows.append({"scale": code, "round": r, "group": label, "n": n, "mean": m, "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows, columns=["scale", "round", "group", "n", "mean", "ci_low", "ci_high"])


def paired_changes(ctx: ReportContext, rounds: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Change among the same people (matched by pseudonym) between consecutive rounds, per scale.

    Only pairs of rounds with at least ``min_group`` matched respondents of the focus group; paired
    t interval of the mean change (R: ``t.test(after, before, paired = TRUE)``).
    """
    names = list(rounds)
    rows = []
    for a, b in zip(names[:-1], names[1:]):
        da, db = rounds[a], rounds[b]
        if "respondent" not in da.columns or "respondent" not in db.columns:
            continue
        if ctx.organisation:
            da, db = da[da["organisation"] == ctx.organisation], db[db["organisation"] == ctx.organisation]
        da, db = da.dropna(subset=["respondent"]), db.dropna(subset=["respondent"])
        da = da.drop_duplicates("respondent").set_index("respondent")
        db = db.drop_duplicates("respondent").set_index("respondent")
        common = da.index.intersection(db.index)
        for code in ctx.scales:
            if code not in da.columns or code not in db.columns:
                continue
            diff = (db.loc[common, code] - da.loc[common, code]).dropna()
            n, m, lo, hi = mean_ci(diff)
            if n < ctx.min_group:
                continue
            rows.append({"scale": code, "from": a, "to": b, "n": n, "diff": m, "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows, columns=["scale", "from", "to", "n", "diff", "ci_low", "ci_high"])


def item_coverage(ctx: ReportContext, rounds: dict[str, pd.DataFrame], data_dir=None) -> dict[str, list[str]]:
    """Per scale, Dutch notes on the rounds in which not all of its current items were asked, and on items
    reworded between consecutive rounds (the wording each round's cleaning recorded)."""
    from .context import item_changes, round_items

    notes = {}
    wording = {r: (round_items(data_dir, r, data, ctx.codebook) if data_dir else {}) for r, data in rounds.items()}
    names = list(rounds)
    for code in ctx.scales:
        items = ctx.codebook.scales[code].item_codes
        for r, data in rounds.items():
            missing = [i for i in items if i not in data.columns or not bool(data[i].notna().any())]
            if missing:
                notes.setdefault(code, []).append(f"in ronde {r} ontbrak{'en' if len(missing) > 1 else ''} "
                                                       f"{word_list(missing)}")
        for a, b in zip(names[:-1], names[1:]):
            reworded = [i for i in item_changes(wording[a], wording[b]).reworded if i in items]
            if reworded:
                notes.setdefault(code, []).append(f"in ronde {b} anders geformuleerd: {word_list(reworded)}")
    return notes


def _interval_text(row) -> str:
    return f"{number(row['mean'])} [{number(row['ci_low'])}; {number(row['ci_high'])}]"


def compact_table(ctx: ReportContext, trend: pd.DataFrame, marks: dict) -> pd.DataFrame:
    """One row per scale, per round and group a cell ``M [low; high]`` (en dash when suppressed)."""
    groups = list(dict.fromkeys(trend["group"]))
    rounds = sorted(trend["round"].unique())
    index = trend.set_index(["scale", "round", "group"])
    rows = []
    for code in ctx.scales:
        if code not in set(trend["scale"]):
            continue
        name = ctx.codebook.scales[code].name + (" †" if code in marks else "")
        row = {"Schaal": name}
        for r in rounds:
            for g in groups:
                key = (code, r, g)
                label = f"{'rest' if g == REST else g} {r}"
                row[label] = _interval_text(index.loc[key]) if key in index.index else "–"
        rows.append(row)
    return pd.DataFrame(rows)


def trend_alt(ctx: ReportContext, trend: pd.DataFrame) -> str:
    """Alt text: per scale and round, each group's mean with its interval."""
    pieces = []
    for code in ctx.scales:
        sub = trend[trend["scale"] == code]
        for r, by_round in sub.groupby("round", sort=True):
            values = ", ".join(f"{g} {number(x.mean, 1)} (95%-BI {number(x.ci_low, 1)} tot {number(x.ci_high, 1)})"
                               for g, x in zip(by_round["group"], by_round.itertuples()))
            pieces.append(f"{ctx.codebook.scales[code].name}, ronde {r}: {values}")
    return (f"Lijndiagrammen per schaal: het gemiddelde van {ctx.focus_name}"
            + (f" en van de {REST}" if ctx.organisation else "")
            + " in elke ronde, met 95%-betrouwbaarheidsinterval. " + "; ".join(pieces) + ".")


def trends_section(ctx: ReportContext, *, data_dir=None) -> Section:
    """The trend section: figure, compact table, paired changes and marks for changed item sets."""
    from .context import _read_round, _scored
    from .figures import img_html, trend_panels

    data_dir = data_dir or ctx.data_dir
    parts = [f"<h2>{TITLE}</h2>"]
    names = rounds_up_to(data_dir, ctx.round_name) if data_dir else [ctx.round_name]
    # the previous round is in the context already (scored on its own items when the questionnaire did not change)
    same_items = ctx.data_shared_items is None or ctx.data_shared_items is ctx.data
    rounds = {r: ctx.data if r == ctx.round_name else
              ctx.previous if r == ctx.previous_round_name and same_items else
              _scored(_read_round(data_dir, r), ctx.codebook) for r in names}
    trend = trend_table(ctx, rounds)
    if trend["round"].nunique() < 2:
        parts.append(f"<p>Er is nog maar één ronde met genoeg antwoorden van {html.escape(ctx.focus_name)}; "
                     "een ontwikkeling is er nog niet te zien.</p>")
        return Section(TITLE, "".join(parts))
    marks = item_coverage(ctx, rounds, data_dir)
    labels = [round_label(r) for r in sorted(trend["round"].unique())]
    intro = f"Gemiddelde scores van {ctx.focus_name} in alle {len(labels)} rondes ({word_list(labels)})"
    parts.append(f"<p>{html.escape(intro)}"
                 + (html.escape(f", naast de {REST}") if ctx.organisation else "") + ".</p>")
    negative = {c for c in ctx.scales if not ctx.codebook.scales[c].higher_is_better}
    fig = trend_panels(trend, scales=[c for c in ctx.scales if c in set(trend["scale"])],
                       names={c: ctx.codebook.scales[c].name + (" (lager is beter)" if c in negative else "")
                              for c in ctx.scales},
                       groups=list(dict.fromkeys(trend["group"])))
    parts.append(img_html(fig, alt=trend_alt(ctx, trend)))
    note = "Per cel: gemiddelde [95%-betrouwbaarheidsinterval]; – = minder dan " \
           f"{ctx.min_group} antwoorden in die ronde (niet getoond)."
    if marks:
        note += " † Niet in elke ronde zijn alle items van deze schaal gesteld: " + "; ".join(
            f"{ctx.codebook.scales[c].name}: {word_list(v)}" for c, v in marks.items()) + \
            "; vergelijk die rondes met voorzichtigheid."
    if negative:
        note += " Bij " + word_list([ctx.codebook.scales[c].name for c in sorted(negative)]) + " is lager beter."
    parts.append(html_table(compact_table(ctx, trend, marks), title=f"Gemiddelde scores per ronde ({ctx.focus_name})",
                            number=ctx.table_number(), note=note))
    paired = paired_changes(ctx, rounds)
    if len(paired):
        tab = pd.DataFrame({"Schaal": [ctx.codebook.scales[c].name for c in paired["scale"]],
                            "Rondes": [f"{a} → {b}" for a, b in zip(paired["from"], paired["to"])],
                            "n": paired["n"].astype(int), "Verschil": paired["diff"],
                            "95%-BI": [f"[{number(lo)}; {number(hi)}]" for lo, hi in zip(paired["ci_low"],
                                                                                         paired["ci_high"])]})
        paired_intro = (f"Dezelfde medewerkers van {ctx.focus_name} in twee opeenvolgende rondes (gekoppeld via hun "
                        "pseudoniem): hoe veranderde hun eigen score?")
        parts.append(f"<p>{html.escape(paired_intro)}</p>")
        parts.append(html_table(tab, title=f"Verandering bij dezelfde medewerkers ({ctx.focus_name})",
                                number=ctx.table_number(),
                                note=(f"n = medewerkers die in beide rondes meededen (alleen getoond vanaf "
                                      f"{ctx.min_group}); "
                                      "Verschil = latere min eerdere ronde, gepaarde t-toets.")))
    else:
        parts.append(f"<p>Te weinig medewerkers deden in twee opeenvolgende rondes mee (minder dan {ctx.min_group}) om "
                     f"hun "
                     "eigen verandering te tonen.</p>")
    return Section(TITLE, "".join(parts))
