"""Callbacks behind the ipywidgets controls of the exploration notebooks, as plain functions.

In JupyterLab a notebook cell wires dropdowns (organisation, round, scale) to these functions
with ``ipywidgets.interactive``; the functions themselves take the data and the selected
values and return a table and/or a figure, so they are tested without a browser. Groups with
fewer than ``min_group`` respondents are never shown (same rule as the reports). Every callback
takes the questionnaire's ``codebook`` (the notebook resolves it once, from its ``codebook``
parameter or ``informeel.yaml``).
"""

from __future__ import annotations

import pandas as pd

from ..errors import AnalysisError
from ..privacy import MIN_GROUP

ALL = "(alle)"
"""Dropdown value meaning 'no filter'."""
DUTCH_HEADINGS = {"organisation": "organisatie", "mean": "gemiddelde", "ci_low": "95%-BI laag",
                  "ci_high": "95%-BI hoog"}
"""Column headings of the table the scale widget shows."""


def options(data: pd.DataFrame, codebook) -> dict[str, list[str]]:
    """Dropdown choices: organisations, rounds and scale codes present in ``data``."""
    cb = codebook
    return {
        "organisation": [ALL] + sorted(data["organisation"].dropna().unique().tolist()),
        "round": sorted(data["round"].dropna().unique().tolist()) if "round" in data.columns else [],
        "scale": [s for s in cb.scales if all(i in data.columns for i in cb.scales[s].item_codes)],
    }


def _select(data: pd.DataFrame, organisation, round_name) -> pd.DataFrame:
    out = data
    if round_name not in (None, ALL) and "round" in out.columns:
        out = out[out["round"] == round_name]
    if organisation not in (None, ALL):
        out = out[out["organisation"] == organisation]
    return out


def _check_scale(scale, cb):
    if scale is None:
        scale = cb.main_outcome or next(iter(cb.scales))
    if scale not in cb.scales:
        raise AnalysisError(f"Onbekende schaal '{scale}'; kies uit {', '.join(cb.scales)}.")
    return cb.scales[scale]


def scale_table(data: pd.DataFrame, *, codebook, organisation=None, round_name=None, scale: str | None = None,
                min_group: int = MIN_GROUP) -> pd.DataFrame:
    """Mean score of ``scale`` per organisation (no organisation chosen) or per team (one chosen).

    ``scale`` defaults to the codebook's main outcome.

    Returns
    -------
    DataFrame
        Columns: the group (``organisation`` or ``team``), ``n``, ``mean``, ``sd``, ``ci_low``,
        ``ci_high``; only groups with at least ``min_group`` answers. :func:`scale_view` shows it
        with Dutch headings.
    """
    from ..analysis.describe import describe_by
    from ..analysis.scoring import score_scales

    scale = _check_scale(scale, codebook).code
    sub = _select(data, organisation, round_name)
    if sub.empty:
        raise AnalysisError("Er zijn geen antwoorden voor deze keuze.")
    scores = sub[[c for c in sub.columns if c not in (scale,)]].copy()
    scores[scale] = score_scales(sub, codebook, scales=[scale])[scale]
    by = "team" if organisation not in (None, ALL) else "organisation"
    desc = describe_by(scores, by, value=scale, min_group=min_group)
    desc = desc[~desc["suppressed"].astype(bool)]
    desc = desc[pd.to_numeric(desc["n"], errors="coerce") >= min_group]
    return desc[[by, "n", "mean", "sd", "ci_low", "ci_high"]].reset_index(drop=True)


def scale_view(data: pd.DataFrame, *, codebook, organisation=None, round_name=None, scale: str | None = None,
               min_group: int = MIN_GROUP):
    """Table and dot plot for the chosen organisation/round/scale (callback of the scale widget).

    Returns
    -------
    (DataFrame, matplotlib.figure.Figure)
    """
    from .figures import group_means

    sc = _check_scale(scale, codebook)
    table = scale_table(data, codebook=codebook, organisation=organisation, round_name=round_name, scale=sc.code,
                        min_group=min_group)
    group = table.columns[0]
    plot = table.assign(half_ci=(table["ci_high"] - table["ci_low"]) / 2)
    where = organisation if organisation not in (None, ALL) else "het netwerk"
    title = f"{sc.name}: {where}" + (f", ronde {round_name}" if round_name else "")
    fig = group_means(plot, group=group, ci="half_ci", title=title)
    return table.rename(columns=DUTCH_HEADINGS), fig


def likert_view(data: pd.DataFrame, *, codebook, organisation=None, round_name=None, scale: str | None = None,
                min_group: int = MIN_GROUP):
    """Diverging stacked bars of the items of ``scale`` for the chosen organisation/round.

    Raises AnalysisError when the selection has fewer than ``min_group`` respondents.
    """
    from .figures import likert_bars

    sc = _check_scale(scale, codebook)
    sub = _select(data, organisation, round_name)
    if len(sub) < min_group:
        raise AnalysisError(f"Minder dan {min_group} respondenten in deze keuze: niet getoond.")
    response_scale = codebook.response_scale(sc.code)
    labels = {it.code: f"{it.code}{' (omgekeerd)' if it.reverse else ''}" for it in sc.items}
    return likert_bars(sub[sc.item_codes], labels=labels, value_labels=response_scale.labels,
                       scale_range=response_scale.range, min_group=min_group, title=sc.name)


def show(result) -> None:
    """Display a callback's result in a notebook (a thin helper for the widget cells)."""
    from IPython.display import display

    items = result if isinstance(result, tuple) else (result,)
    for item in items:
        display(item)
