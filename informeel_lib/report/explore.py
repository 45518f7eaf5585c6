"""Exploratory output of the notebooks: readable loadings, factor names, seaborn figures, model views.

Everything a notebook shows goes through here or :mod:`informeel_lib.report.sections`, so it has
Dutch numbers, named columns and item texts beside codes. The seaborn figures are the
conventional exploratory plots (distributions per group, correlation and loading heatmaps,
pair plots of scale scores); a researcher who wants another plot copies the seaborn call.
"""

from __future__ import annotations

import html
import textwrap

import numpy as np
import pandas as pd

from ..codebook import load_codebook
from ..errors import AnalysisError
from ..nl import html_table, number
from ..privacy import MIN_GROUP
from .widgets import LOADING_CUT, View, default_outcome, default_predictors, select, where

ROTATIONS = ("oblimin", "promax", "varimax", "geen")
"""Rotations offered in notebook 03 ('geen' = unrotated)."""


def _cb(codebook):
    return codebook if codebook is not None and not isinstance(codebook, str) else load_codebook(codebook)


# --- factors ----------------------------------------------------------------------------------------

def factor_names(loadings: pd.DataFrame, codebook=None) -> dict[str, str]:
    """Name each factor after the codebook scale that dominates it.

    The dominant scale of a factor is the one whose items have the largest sum of squared
    loadings on it. Names are ``"F1 Reflectie op het werk"``; a scale that dominates two
    factors gives ``"F4 Reflectie op het werk (2)"`` for the second.

    Parameters
    ----------
    loadings : DataFrame
        Items (codebook codes) x factors, as :attr:`EFAResult.loadings`.
    """
    cb = _cb(codebook)
    scale_of = {it.code: it.scale for it in cb.items}
    names, seen = {}, {}
    for i, factor in enumerate(loadings.columns, start=1):
        squared = loadings[factor].pow(2)
        per_scale = squared.groupby([scale_of.get(c, "?") for c in loadings.index]).sum()
        best = per_scale.idxmax()
        seen[best] = seen.get(best, 0) + 1
        name = cb.scales[best].name if best in cb.scales else "overig"
        names[factor] = f"F{i} {name}" + (f" ({seen[best]})" if seen[best] > 1 else "")
    return names


def loadings_table(fa, codebook=None, *, cut: float = LOADING_CUT) -> pd.DataFrame:
    """EFA loadings as a researcher reads them: item code and text, scale, named factors, h².

    Loadings are text with two decimals and a decimal comma; loadings with ``|l| < cut`` are
    blank (the cut-off is named in the table note by :func:`loadings_html`).
    """
    cb = _cb(codebook)
    texts = {it.code: it.text for it in cb.items}
    scale_name = {it.code: cb.scales[it.scale].name for it in cb.items}
    names = factor_names(fa.loadings, cb)
    out = pd.DataFrame({"Item": fa.loadings.index,
                        "Tekst": [textwrap.shorten(texts.get(c, ""), 70, placeholder=" …") for c in fa.loadings.index],
                        "Schaal (codeboek)": [scale_name.get(c, "") for c in fa.loadings.index]})
    for factor, name in names.items():
        out[name] = [number(v, 2, leading_zero=False) if abs(v) >= cut else "" for v in fa.loadings[factor]]
    out["h²"] = [number(v, 2, leading_zero=False) for v in np.asarray(fa.communalities, float)]
    return out


def loadings_html(fa, codebook=None, *, cut: float = LOADING_CUT, table_number: int | None = None,
                  title: str) -> str:
    """:func:`loadings_table` as an APA table whose note names the cut-off."""
    return html_table(loadings_table(fa, codebook, cut=cut), title=title, number=table_number,
                      note=f"Ladingen onder {number(cut, 2, leading_zero=False)} (absoluut) zijn niet getoond. "
                           "Factoren zijn genoemd naar de schaal waarvan de items de factor het sterkst bepalen; "
                           "h² = communaliteit.")


def loading_heatmap(fa, codebook=None, *, title: str | None = None):
    """Seaborn heatmap of the loadings (items x named factors), annotated with Dutch two-decimal numbers."""
    import seaborn as sns
    from matplotlib.figure import Figure

    names = factor_names(fa.loadings, codebook)
    frame = fa.loadings.rename(columns=names)
    fig = Figure(figsize=(1.1 * frame.shape[1] + 3, 0.22 * frame.shape[0] + 1.5))
    ax = fig.subplots()
    annot = frame.map(lambda v: number(v, 2, leading_zero=False) if abs(v) >= LOADING_CUT else "")
    sns.heatmap(frame, ax=ax, cmap="RdBu_r", vmin=-1, vmax=1, center=0, annot=annot.to_numpy(), fmt="",
                annot_kws={"fontsize": 6}, cbar_kws={"label": "lading"})
    ax.set_xticklabels(ax.get_xticklabels(), rotation=30, ha="right", fontsize=7)
    ax.set_yticklabels(ax.get_yticklabels(), fontsize=7)
    ax.set_xlabel("")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def factor_view(data: pd.DataFrame, *, organisation=None, round_name=None, n_factors: int, rotation: str = "oblimin",
                min_group: int = MIN_GROUP, codebook=None) -> View:
    """EFA of the codebook items for a choice of organisation, round, number of factors and rotation."""
    from ..analysis.factors import efa
    from .figures import img_html

    cb = _cb(codebook)
    sub = select(data, organisation, round_name)
    items = sub[[c for c in cb.item_codes if c in sub.columns and sub[c].notna().any()]]  # the items asked
    if len(items) < max(min_group, 10):
        raise AnalysisError(f"Te weinig respondenten ({len(items)}) voor een factoranalyse in deze keuze.")
    rot = None if rotation in (None, "geen") else rotation
    fa = efa(items, n_factors=int(n_factors), rotation=rot)
    title = (f"EFA met {n_factors} factoren, rotatie {rotation}: {where(organisation, round_name)} "
             f"(n = {len(items)})")
    fig = loading_heatmap(fa, cb, title=title)
    body = loadings_html(fa, cb, title="Factorladingen") + img_html(fig, alt=f"Heatmap van de factorladingen, {title}")
    return View(title, body, fa.loadings, (fig,))


# --- influence factors ------------------------------------------------------------------------------

def coefficient_table(model) -> pd.DataFrame:
    """Coefficients of an influence model with Dutch headers (no intercept)."""
    frame = model.to_frame()
    if "kind" in frame.columns:
        frame = frame[frame["kind"].isin(["predictor", "between", "within"])]
    frame = frame[[str(i).lower() not in ("intercept", "const") for i in frame.index]]
    sym = "β" if getattr(model, "standardized", False) else "b"
    return pd.DataFrame({"Factor": frame["label"].astype(str).to_numpy(), sym: frame["estimate"].to_numpy(float),
                         "95%-BI": [f"[{number(lo, 2)}; {number(hi, 2)}]" for lo, hi in
                                    zip(frame["ci_low"].to_numpy(float), frame["ci_high"].to_numpy(float))],
                         "p": frame["p"].to_numpy(float)})


def influence_view(data: pd.DataFrame, *, organisation=None, round_name=None, outcome: str | None = None,
                   predictors=None, min_group: int = MIN_GROUP, codebook=None) -> View:
    """Multilevel model of ``outcome`` on ``predictors`` for the chosen organisation and round.

    Within one organisation only teams are a level (random team intercepts); for the network,
    teams within organisations. Teams below ``min_group`` still count in the model (it reports
    no team), but a selection with fewer than ``min_group`` respondents is refused.
    """
    from ..analysis.multilevel import influence_model
    from .figures import coefficient_plot, img_html

    cb = _cb(codebook)
    outcome = outcome or default_outcome(cb)
    predictors = [p for p in (predictors or default_predictors(cb)) if p != outcome]
    if not predictors:
        raise AnalysisError("Kies minstens één voorspeller.")
    sub = select(data, organisation, round_name)
    if len(sub) < max(min_group, 3 * len(predictors)):
        raise AnalysisError(f"Te weinig respondenten ({len(sub)}) voor dit model in deze keuze.")
    groups = "team" if organisation not in (None, "(alle)") else ("organisation", "team")
    model = influence_model(sub, outcome, predictors, groups=groups, codebook=cb)
    title = f"{cb.scales[outcome].name} verklaard door {len(predictors)} factoren: {where(organisation, round_name)}"
    if not getattr(model, "converged", True):  # an unreliable fit shows no estimates (as the report)
        return View(title, f"<p>{html.escape(model.summary_nl())}</p>", None, ())
    coefs = coefficient_table(model)
    sym = coefs.columns[1]
    body = f"<p>{html.escape(model.summary_nl())}</p>" + html_table(
        coefs, title=f"Effecten op {cb.scales[outcome].name.lower()} (n = {model.n}, {model.n_teams} teams)",
        decimals={"p": 3}, no_leading_zero=["p"], note=f"{sym} = gestandaardiseerde coëfficiënt; BI = 95%-"
                                                      "betrouwbaarheidsinterval.")
    plot = model.to_frame()
    plot = plot[plot.index.map(lambda i: str(i).lower() not in ("intercept", "const"))]
    if "kind" in plot.columns:
        plot = plot[plot["kind"].isin(["predictor", "between", "within"])]
    fig = coefficient_plot(pd.DataFrame({"Factor": plot["label"].astype(str).to_numpy(), "b": plot["estimate"],
                                         "ci_laag": plot["ci_low"], "ci_hoog": plot["ci_high"]}),
                           term="Factor", estimate="b", lower="ci_laag", upper="ci_hoog", title=title)
    body += img_html(fig, alt="Effectendiagram: " + "; ".join(
        f"{t} {number(b, 2)}" for t, b in zip(coefs["Factor"], coefs[sym])))
    return View(title, body, coefs, (fig,))


# --- seaborn exploration ---------------------------------------------------------------------------

def distribution_plot(scores: pd.DataFrame, *, scale: str, by: str = "Organisatie", min_group: int = MIN_GROUP):
    """Box plot with the individual scores (seaborn) of one scale per group; small groups left out.

    ``scores`` is :meth:`Notebook.scale_scores` (columns named after the scales).
    """
    import seaborn as sns
    from matplotlib.figure import Figure

    sizes = scores[by].value_counts()
    keep = scores[scores[by].isin(sizes[sizes >= min_group].index)]
    if keep.empty:
        raise AnalysisError(f"Geen enkele groep heeft minstens {min_group} respondenten.")
    order = sorted(keep[by].unique())
    fig = Figure(figsize=(7, 0.45 * len(order) + 1.4))
    ax = fig.subplots()
    sns.boxplot(data=keep, x=scale, y=by, order=order, ax=ax, color="#cfe3f1", fliersize=0)
    sns.stripplot(data=keep, x=scale, y=by, order=order, ax=ax, size=2, color="#1f4e79", alpha=0.4)
    ax.xaxis.set_major_formatter(_comma(1))
    fig.tight_layout()
    return fig


def correlation_heatmap(scores: pd.DataFrame, *, title: str | None = None):
    """Seaborn heatmap of the correlations between scale scores (lower triangle, Dutch decimals)."""
    import seaborn as sns
    from matplotlib.figure import Figure

    corr = scores.select_dtypes("number").corr()
    mask = np.triu(np.ones_like(corr, dtype=bool))
    fig = Figure(figsize=(0.6 * len(corr) + 3, 0.5 * len(corr) + 2))
    ax = fig.subplots()
    annot = corr.map(lambda v: number(v, 2, leading_zero=False))
    sns.heatmap(corr, mask=mask, ax=ax, cmap="RdBu_r", vmin=-1, vmax=1, center=0, annot=annot.to_numpy(), fmt="",
                annot_kws={"fontsize": 7}, cbar_kws={"label": "r"})
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def _comma(decimals: int):
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: number(v, decimals))
