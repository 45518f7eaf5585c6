"""Static figures for notebooks and reports (matplotlib, Dutch labels, embeddable as PNG).

Every function returns a :class:`matplotlib.figure.Figure` and takes *aggregates* (or, for the
Likert bars, item answers with a minimum group size), so a figure can never show a group that
the tables suppress. :func:`img_html` turns a figure into ``<img alt=... src="data:image/png...">``
for the offline reports.
"""

from __future__ import annotations

import base64
import html
import io

import matplotlib
import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..errors import AnalysisError
from ..nl import number
from ..privacy import MIN_GROUP

# colour-blind safe diverging palette (ColorBrewer RdBu, 5 classes) for 1..5
LIKERT_COLOURS = ("#ca0020", "#f4a582", "#d9d9d9", "#92c5de", "#0571b0")
HIGHLIGHT, OTHER = "#0571b0", "#9e9e9e"


def _comma_axis(ax, axis: str = "x", decimals: int = 1) -> None:
    """Dutch number format on an axis' tick labels: decimal comma and the minus sign U+2212.

    The labels come from :func:`informeel_lib.nl.number`, so an axis reads ``−0,2`` exactly like the
    tables and sentences of a report (matplotlib's own ``axes.unicode_minus`` only applies to
    its default formatters, which would also print a decimal point).
    """
    fmt = matplotlib.ticker.FuncFormatter(lambda v, _pos: number(v, decimals))
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(fmt)


def likert_distribution(items: pd.DataFrame, *, scale_range=(1, 5), min_group: int = MIN_GROUP) -> pd.DataFrame:
    """Proportion of answers per response value for each item (rows: items, columns: values).

    Items answered by fewer than ``min_group`` respondents are left out (suppression).
    A column ``n`` gives the number of answers per item.
    """
    lo, hi = scale_range
    values = list(range(lo, hi + 1))
    rows = {}
    for col in items.columns:
        answers = pd.to_numeric(items[col], errors="coerce").dropna()
        if len(answers) < min_group:
            continue
        counts = answers.round().astype(int).value_counts()
        row = {v: counts.get(v, 0) / len(answers) for v in values}
        row["n"] = int(len(answers))
        rows[col] = row
    return pd.DataFrame.from_dict(rows, orient="index", columns=[*values, "n"])


def diverging_axis_label(value_labels: dict | None, scale_range) -> str:
    """The x-axis label of :func:`likert_bars`, in the words of the scale's own end labels (an agreement
    scale: 'helemaal mee oneens' / 'helemaal mee eens'; a frequency scale: 'nooit' / 'altijd')."""
    lo, hi = scale_range
    low, high = ((value_labels or {}).get(lo), (value_labels or {}).get(hi))
    if low and high:
        return f"aandeel antwoorden (links richting \u2018{low}\u2019, rechts richting \u2018{high}\u2019)"
    return "aandeel antwoorden (links de lage, rechts de hoge antwoorden)"


def likert_bars(items: pd.DataFrame, *, labels: dict | None = None, value_labels: dict | None = None,
                scale_range=(1, 5), min_group: int = MIN_GROUP, title: str | None = None) -> Figure:
    """Diverging stacked bars of Likert items, centred on the neutral category.

    Parameters
    ----------
    items : DataFrame
        One column per item, answers ``scale_range[0]..scale_range[1]`` (NaN = missing).
    labels : dict, optional
        Item code -> label on the y axis (default: the code).
    value_labels : dict, optional
        Response value -> Dutch label for the legend (default: the values).
    min_group : int
        Items with fewer answers are not drawn.

    Notes
    -----
    Disagreement is drawn to the left of zero, agreement to the right; the neutral share is split
    in half around zero (Robbins & Heiberger, 2011). R equivalent: ``likert::likert()`` plot or
    ``HH::likert()``.
    """
    dist = likert_distribution(items, scale_range=scale_range, min_group=min_group)
    if dist.empty:
        raise AnalysisError(f"Geen enkel item heeft minstens {min_group} antwoorden; er is niets te tekenen.")
    lo, hi = scale_range
    values = list(range(lo, hi + 1))
    mid = (lo + hi) / 2
    colours = LIKERT_COLOURS if len(values) == 5 else matplotlib.colormaps["RdBu"](np.linspace(0.1, 0.9, len(values)))
    names = [(labels or {}).get(c, c) for c in dist.index]
    ticks = [f"{nm} (n = {n})" for nm, n in zip(names, dist["n"])]
    lines = max(t.count("\n") + 1 for t in ticks)
    longest = max(len(part) for t in ticks for part in t.split("\n"))
    # room for long (wrapped) item labels: wider and taller figures instead of a squeezed plot
    fig = Figure(figsize=(min(12.0, 5.5 + 0.075 * longest), (0.3 + 0.17 * lines) * len(dist) + 1.6))
    ax = fig.subplots()
    y = np.arange(len(dist))[::-1]
    neg = np.zeros(len(dist))
    for v in values:
        if v < mid:
            neg += dist[v].to_numpy()
        elif v == mid:
            neg += dist[v].to_numpy() / 2
    left = -neg
    for v, colour in zip(values, colours):
        width = dist[v].to_numpy()
        name = (value_labels or {}).get(v, str(v))
        ax.barh(y, width, left=left, color=colour, edgecolor="white", height=0.7, label=name)
        left = left + width
    ax.axvline(0, color="#333", lw=0.8)
    ax.set_yticks(y, ticks)
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _p: f"{number(abs(v) * 100, 0)}%"))
    ax.set_xlim(-1, 1)
    ax.set_xlabel(diverging_axis_label(value_labels, scale_range))
    ax.legend(ncols=len(values), loc="upper center", bbox_to_anchor=(0.5, -0.18 if len(dist) > 3 else -0.35),
              frameon=False, fontsize=8)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def group_means(table: pd.DataFrame, *, group: str, mean: str = "mean", ci: str | None = None,
                highlight=None, title: str | None = None, xlim=(1, 5)) -> Figure:
    """Horizontal dot plot of (already suppressed) group means, optionally with error bars.

    Parameters
    ----------
    table : DataFrame
        One row per group with columns ``group``, ``mean`` and optionally ``ci`` (half-width).
    highlight : str, optional
        Group drawn in the accent colour (e.g. the organisation of the report).
    """
    if table.empty:
        raise AnalysisError("Er zijn geen groepen om te tonen (alle groepen zijn te klein).")
    fig = Figure(figsize=(7, 0.4 * len(table) + 1.2))
    ax = fig.subplots()
    y = np.arange(len(table))[::-1]
    colours = [HIGHLIGHT if g == highlight else OTHER for g in table[group]]
    err = table[ci].to_numpy() if ci else None
    ax.errorbar(table[mean], y, xerr=err, fmt="none", ecolor="#666", capsize=3, lw=1)
    ax.scatter(table[mean], y, c=colours, s=60, zorder=3)
    ax.set_yticks(y, [str(g) for g in table[group]])
    ax.set_xlim(*xlim)
    _comma_axis(ax, "x", 1)
    ax.grid(axis="x", color="#eee")
    ax.set_xlabel("gemiddelde score (1 = helemaal mee oneens, 5 = helemaal mee eens)")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def comparison_means(table: pd.DataFrame, *, groups, item: str = "scale", group: str = "group",
                     mean: str = "mean", lower: str = "ci_low", upper: str = "ci_high",
                     title: str | None = None, xlim=(1, 5)) -> Figure:
    """Benchmark dot plot: per scale two (or more) groups side by side, each with its confidence interval.

    Parameters
    ----------
    table : DataFrame
        Long format, one row per scale and group (already suppressed): columns ``item`` (scale
        name), ``group``, ``mean``, ``lower`` and ``upper`` (interval bounds).
    groups : sequence of str
        The groups in legend order, e.g. ``("ZINN", "rest van het netwerk")``; the first is drawn
        in the accent colour (filled circle), the others in grey (open square, diamond).
    xlim : tuple
        Range of the scale (1-5).

    Notes
    -----
    Each scale gets one row on the y axis; the groups are offset slightly above and below it so
    that their intervals do not overlap visually. The legend names the groups. R equivalent:
    ``ggplot(d, aes(mean, scale, colour = group)) + geom_pointrange(aes(xmin = lo, xmax = hi),
    position = position_dodge(.5))``.
    """
    if table.empty:
        raise AnalysisError("Er zijn geen schalen om te tonen (alle groepen zijn te klein).")
    groups = list(groups)
    order = list(dict.fromkeys(table[item]))
    fig = Figure(figsize=(7.5, 0.45 * len(order) + 1.6))
    ax = fig.subplots()
    base = {name: y for name, y in zip(order, np.arange(len(order))[::-1])}
    step = 0.36 / max(1, len(groups) - 1) if len(groups) > 1 else 0.0
    styles = [dict(marker="o", color=HIGHLIGHT, mfc=HIGHLIGHT), dict(marker="s", color="#616161", mfc="white"),
              dict(marker="D", color="#9e9e9e", mfc="white")]
    for i, name in enumerate(groups):
        sub = table[table[group] == name]
        if sub.empty:
            continue
        offset = 0.18 - i * step if len(groups) > 1 else 0.0
        y = np.array([base[s] for s in sub[item]]) + offset
        st = styles[i % len(styles)]
        ax.hlines(y, sub[lower].to_numpy(float), sub[upper].to_numpy(float), color=st["color"], lw=1.4)
        ax.plot(sub[mean].to_numpy(float), y, ls="none", marker=st["marker"], ms=7, color=st["color"],
                mfc=st["mfc"], mew=1.5, label=str(name), zorder=3)
    ax.set_yticks(list(base.values()), [str(k) for k in base])
    ax.set_ylim(-0.6, len(order) - 0.4)
    ax.set_xlim(*xlim)
    _comma_axis(ax, "x", 1)
    ax.grid(axis="x", color="#eee")
    ax.set_xlabel("gemiddelde score (1 = helemaal mee oneens, 5 = helemaal mee eens) met 95%-BI", fontsize=9)
    if title:
        ax.set_title(title)
    height = 0.45 * len(order) + 1.6
    fig.legend(loc="lower center", ncols=len(groups), frameon=False)
    fig.tight_layout(rect=(0, 0.3 / height, 1, 1))
    return fig


def scree_plot(observed, simulated=None, *, n_factors: int | None = None, title: str | None = None) -> Figure:
    """Scree plot of observed eigenvalues with the parallel-analysis reference line.

    Parameters
    ----------
    observed : array-like
        Eigenvalues of the (reduced) correlation matrix, in decreasing order.
    simulated : array-like, optional
        Mean (or 95th percentile) eigenvalues of random data of the same size.
    n_factors : int, optional
        Suggested number of factors; marked with a vertical line.

    Notes
    -----
    R equivalent: ``psych::fa.parallel(x)``.
    """
    observed = np.asarray(observed, dtype=float)
    k = np.arange(1, len(observed) + 1)
    fig = Figure(figsize=(7, 4))
    ax = fig.subplots()
    ax.plot(k, observed, "o-", color=HIGHLIGHT, label="eigenwaarden van de data")
    if simulated is not None:
        ax.plot(k, np.asarray(simulated, dtype=float)[: len(k)], "--", color="#ca0020",
                label="eigenwaarden van toevalsdata")
    if n_factors:
        ax.axvline(n_factors + 0.5, color="#666", lw=0.8, ls=":")
        ax.text(n_factors + 0.6, ax.get_ylim()[1] * 0.9, f"{n_factors} factoren", fontsize=9)
    ax.set_xlabel("factor")
    ax.set_ylabel("eigenwaarde")
    _comma_axis(ax, "y", 1)
    ax.legend(frameon=False)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def coefficient_plot(table: pd.DataFrame, *, term: str = "term", estimate: str = "b", lower: str = "ci_low",
                     upper: str = "ci_high", title: str | None = None) -> Figure:
    """Forest plot of model coefficients with confidence intervals (no intercept).

    Notes
    -----
    R equivalent: ``sjPlot::plot_model(fit)`` or ``dotwhisker::dwplot(fit)``.
    """
    if table.empty:
        raise AnalysisError("Het model heeft geen coëfficiënten om te tonen.")
    fig = Figure(figsize=(7, 0.4 * len(table) + 1.2))
    ax = fig.subplots()
    y = np.arange(len(table))[::-1]
    est = table[estimate].to_numpy(dtype=float)
    lo, hi = table[lower].to_numpy(dtype=float), table[upper].to_numpy(dtype=float)
    significant = (lo > 0) | (hi < 0)
    ax.hlines(y, lo, hi, color="#666", lw=1.2)
    ax.scatter(est, y, c=[HIGHLIGHT if s else OTHER for s in significant], s=50, zorder=3)
    ax.axvline(0, color="#333", lw=0.8)
    ax.set_yticks(y, [str(t) for t in table[term]])
    _comma_axis(ax, "x", 2)
    ax.set_xlabel("effect (met 95%-betrouwbaarheidsinterval)")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def round_lines(table: pd.DataFrame, *, round_col: str = "round", group: str = "group", mean: str = "mean",
                highlight=None, title: str | None = None) -> Figure:
    """Mean per round for each group (already suppressed), one line per group."""
    if table.empty:
        raise AnalysisError("Er zijn geen rondes om te vergelijken.")
    fig = Figure(figsize=(7, 4))
    ax = fig.subplots()
    rounds = sorted(table[round_col].unique())
    for name, sub in table.groupby(group, sort=False):
        sub = sub.set_index(round_col).reindex(rounds)
        ax.plot(rounds, sub[mean], "o-", color=HIGHLIGHT if name == highlight else OTHER,
                lw=2 if name == highlight else 1, label=str(name))
    _comma_axis(ax, "y", 1)
    ax.set_ylabel("gemiddelde score")
    ax.set_xlabel("ronde")
    ax.legend(frameon=False, fontsize=8)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def fig_to_png(fig: Figure, *, dpi: int = 96) -> bytes:
    """PNG bytes of ``fig`` (figures here are pyplot-free ``Figure`` objects: nothing to close)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return buf.getvalue()


def img_html(fig: Figure, *, alt: str, dpi: int = 96) -> str:
    """``<img>`` tag with the figure embedded as base64 PNG and a Dutch ``alt`` text (required)."""
    if not alt or not alt.strip():
        raise ValueError("alt text is required for accessibility")
    data = base64.b64encode(fig_to_png(fig, dpi=dpi)).decode("ascii")
    return f'<figure><img alt="{html.escape(alt, quote=True)}" src="data:image/png;base64,{data}"></figure>'


def trend_panels(table: pd.DataFrame, *, scales, names: dict, groups, scale: str = "scale", round_col: str = "round",
                 group: str = "group", mean: str = "mean", lower: str = "ci_low", upper: str = "ci_high",
                 ylim=(1, 5), columns: int = 3) -> Figure:
    """Small multiples: one panel per scale, the mean of each group per round with its interval.

    Parameters
    ----------
    table : DataFrame
        Long format (already suppressed): one row per scale, round and group.
    scales : sequence of str
        Scale codes in panel order; ``names`` maps them to panel titles.
    groups : sequence of str
        The first group is drawn in the accent colour, the others in grey.

    Notes
    -----
    R equivalent: ``ggplot(d, aes(round, mean, colour = group)) + geom_pointrange(aes(ymin = lo, ymax = hi))
    + geom_line() + facet_wrap(~ scale)``.
    """
    if table.empty:
        raise AnalysisError("Er zijn geen rondes om te tonen.")
    rounds = sorted(table[round_col].unique())
    rows = int(np.ceil(len(scales) / columns))
    fig = Figure(figsize=(3.1 * columns, 2.3 * rows + 0.6))
    axes = np.atleast_1d(fig.subplots(rows, columns, sharex=True, sharey=True)).ravel()
    styles = [dict(marker="o", color=HIGHLIGHT, mfc=HIGHLIGHT), dict(marker="s", color="#616161", mfc="white")]
    x = {r: i for i, r in enumerate(rounds)}
    for ax, code in zip(axes, scales):
        sub = table[table[scale] == code]
        for i, g in enumerate(groups):
            d = sub[sub[group] == g].sort_values(round_col)
            if d.empty:
                continue
            st = styles[min(i, len(styles) - 1)]
            xs = np.array([x[r] for r in d[round_col]]) + (i - (len(groups) - 1) / 2) * 0.08
            ax.errorbar(xs, d[mean], yerr=[d[mean] - d[lower], d[upper] - d[mean]], color=st["color"],
                        marker=st["marker"], mfc=st["mfc"], ms=5, lw=1.2, capsize=2, label=str(g))
        ax.set_title(names.get(code, code), fontsize=8.5)
        ax.grid(axis="y", color="#eee")
    for ax in axes[len(scales):]:
        ax.set_visible(False)
    axes[0].set_ylim(*ylim)
    axes[0].set_xticks(range(len(rounds)), rounds)
    axes[0].set_xlim(-0.5, len(rounds) - 0.5)
    for ax in axes:
        ax.tick_params(labelsize=7.5, labelbottom=True)
        _comma_axis(ax, "y", 1)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncols=max(1, len(groups)), frameon=False, fontsize=8.5)
    height = 2.3 * rows + 0.6  # fixed margins instead of tight_layout: one draw less (this figure has many panels)
    fig.subplots_adjust(left=0.06, right=0.98, top=1 - 0.35 / height, bottom=0.75 / height, hspace=0.45, wspace=0.12)
    return fig
