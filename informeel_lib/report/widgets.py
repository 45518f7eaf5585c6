"""Callbacks behind the ipywidgets controls of the exploration notebooks, as plain functions.

In JupyterLab a notebook cell asks :class:`~informeel_lib.report.notebook.Notebook` for a widget
(organisation, round, scale; number of factors and rotation; outcome and predictors); the widget
calls these functions with the data and the selected values. Each returns a :class:`View`: a
heading that names the choice, Dutch tables and figures, so they are tested without a browser.
Groups with fewer than ``min_group`` respondents are never shown (same rule as the reports).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import pandas as pd

from ..codebook import load_codebook
from ..errors import AnalysisError
from ..nl import html_table, number
from ..privacy import MIN_GROUP

ALL = "(alle)"
"""Dropdown value meaning 'no filter'."""

LOADING_CUT = 0.30
"""Loadings with a smaller absolute value are left blank in the loadings table (a common cut-off)."""


@dataclass(frozen=True)
class View:
    """What a widget shows for one choice: a title naming the choice, HTML, and the figures drawn.

    Attributes
    ----------
    title : str
        E.g. ``"Informeel leergedrag: ZINN, ronde 2022-05"``; shown as a heading above the output.
    html : str
        Tables and figures (figures embedded as PNG with alt text).
    table : DataFrame or None
        The numbers behind the main table (unformatted), for tests and further analysis.
    figures : tuple
        The matplotlib figures in ``html``.
    """

    title: str
    html: str
    table: pd.DataFrame | None = field(default=None, repr=False)
    figures: tuple = field(default=(), repr=False)

    def _repr_html_(self) -> str:
        return f'<h4 class="keuze">{html.escape(self.title)}</h4>' + self.html

    def __repr__(self) -> str:
        return f"View({self.title!r}, {len(self.figures)} figuren)"


def _cb(codebook):
    return codebook if codebook is not None and not isinstance(codebook, str) else load_codebook(codebook)


def options(data: pd.DataFrame, codebook=None) -> dict[str, list]:
    """Dropdown choices: organisations, rounds and scales present in ``data``.

    Scales are ``(name, code)`` pairs, so a dropdown shows the name and returns the code.
    """
    cb = _cb(codebook)
    return {
        "organisation": [ALL] + sorted(data["organisation"].dropna().unique().tolist()),
        "round": sorted(data["round"].dropna().unique().tolist()) if "round" in data.columns else [],
        "scale": [(cb.scales[s].name, s) for s in cb.scales
                  if all(i in data.columns for i in cb.scales[s].item_codes)],
    }


def default_outcome(codebook=None) -> str:
    """The first outcome scale of the codebook (or its first scale when none is marked outcome)."""
    cb = _cb(codebook)
    outcomes = [s for s, sc in cb.scales.items() if sc.role == "outcome"]
    return outcomes[0] if outcomes else next(iter(cb.scales))


def default_predictors(codebook=None) -> list[str]:
    """The scales the codebook marks as predictors (influence factors)."""
    cb = _cb(codebook)
    return [s for s, sc in cb.scales.items() if sc.role == "predictor"]


def where(organisation, round_name) -> str:
    """'ZINN, ronde 2022-05' / 'het netwerk, alle rondes' for titles."""
    org = organisation if organisation not in (None, ALL) else "het netwerk"
    return f"{org}, " + (f"ronde {round_name}" if round_name not in (None, ALL) else "alle rondes")


def select(data: pd.DataFrame, organisation=None, round_name=None) -> pd.DataFrame:
    """Rows of ``round_name`` and ``organisation`` (None or :data:`ALL` means no filter)."""
    out = data
    if round_name not in (None, ALL) and "round" in out.columns:
        out = out[out["round"] == round_name]
    if organisation not in (None, ALL):
        out = out[out["organisation"] == organisation]
    return out


def _check_scale(scale: str, cb):
    if scale not in cb.scales:
        raise AnalysisError(f"Onbekende schaal '{scale}'; kies uit {', '.join(cb.scales)}.")
    return cb.scales[scale]


def scale_table(data: pd.DataFrame, *, organisation=None, round_name=None, scale: str | None = None,
                min_group: int = MIN_GROUP, codebook=None) -> pd.DataFrame:
    """Mean score of ``scale`` per organisation (no organisation chosen) or per team (one chosen).

    Returns
    -------
    DataFrame
        Columns: the group (``organisation`` or ``team``), ``n``, ``mean``, ``sd``, ``ci_low``,
        ``ci_high``; only groups with at least ``min_group`` answers. :func:`scale_view` shows it
        with Dutch headings.
    """
    from ..analysis.describe import describe_by
    from ..analysis.scoring import score_scales

    cb = _cb(codebook)
    scale = scale or default_outcome(cb)
    _check_scale(scale, cb)
    sub = select(data, organisation, round_name)
    if sub.empty:
        raise AnalysisError("Er zijn geen antwoorden voor deze keuze.")
    scores = sub[[c for c in sub.columns if c != scale]].copy()
    scores[scale] = score_scales(sub, scales=[scale], codebook=cb)[scale]
    by = "team" if organisation not in (None, ALL) else "organisation"
    desc = describe_by(scores, by, value=scale, min_group=min_group)
    desc = desc[~desc["suppressed"].astype(bool)]
    desc = desc[pd.to_numeric(desc["n"], errors="coerce") >= min_group]
    return desc[[by, "n", "mean", "sd", "ci_low", "ci_high"]].reset_index(drop=True)


def scale_view(data: pd.DataFrame, *, organisation=None, round_name=None, scale: str | None = None,
               min_group: int = MIN_GROUP, codebook=None) -> View:
    """Table (Dutch numbers, named columns) and dot plot of a scale per organisation or team."""
    from .figures import group_means, img_html

    cb = _cb(codebook)
    scale = scale or default_outcome(cb)
    table = scale_table(data, organisation=organisation, round_name=round_name, scale=scale, min_group=min_group,
                        codebook=cb)
    group = table.columns[0]
    label = "team" if group == "team" else "organisatie"
    title = f"{cb.scales[scale].name}: {where(organisation, round_name)}"
    shown = pd.DataFrame({label.capitalize(): table[group], "n": table["n"].astype(int), "M": table["mean"],
                          "SD": table["sd"],
                          "95%-BI": [f"[{number(lo, 2)}; {number(hi, 2)}]" for lo, hi in zip(table["ci_low"],
                                                                                             table["ci_high"])]})
    if table.empty:
        return View(title, f"<p>Geen {label} met minstens {min_group} respondenten in deze keuze.</p>", table)
    plot = table.assign(half_ci=(table["ci_high"] - table["ci_low"]) / 2)
    fig = group_means(plot, group=group, mean="mean", ci="half_ci", title=title)
    body = html_table(shown, title=f"Gemiddelde score per {label}", note=(
        f"M = gemiddelde, SD = standaardafwijking, BI = betrouwbaarheidsinterval; alleen groepen met minstens "
        f"{min_group} respondenten."))
    alt = f"Stippendiagram van {cb.scales[scale].name} per {label}: " + "; ".join(
        f"{g} {number(m, 1)}" for g, m in zip(table[group], table["mean"]))
    return View(title, body + img_html(fig, alt=alt), table, (fig,))


def likert_view(data: pd.DataFrame, *, organisation=None, round_name=None, scale: str | None = None,
                min_group: int = MIN_GROUP, codebook=None) -> View:
    """Diverging stacked bars of the items of ``scale`` (code and text) for the chosen organisation/round.

    Raises AnalysisError when the selection has fewer than ``min_group`` respondents.
    """
    from .figures import img_html, likert_bars
    from .sections import item_label

    cb = _cb(codebook)
    scale = scale or default_outcome(cb)
    sc = _check_scale(scale, cb)
    sub = select(data, organisation, round_name)
    if len(sub) < min_group:
        raise AnalysisError(f"Minder dan {min_group} respondenten in deze keuze: niet getoond.")
    title = f"{sc.name}: {where(organisation, round_name)}"
    fig = likert_bars(sub[sc.item_codes], labels={it.code: item_label(it) for it in sc.items},
                      value_labels=cb.canonical_labels, scale_range=(cb.scale_min, cb.scale_max),
                      min_group=min_group, title=title)
    return View(title, img_html(fig, alt=f"Verdeling van de antwoorden op de items van {title}"), None, (fig,))


def show(result) -> None:
    """Display a callback's result in a notebook; an AnalysisError becomes a Dutch sentence."""
    from IPython.display import HTML, display

    items = result if isinstance(result, tuple) else (result,)
    for item in items:
        display(item)
    if not items:
        display(HTML(""))


def guarded(callback):
    """Wrap a callback so that a choice without enough data shows the Dutch reason instead of a traceback."""
    from IPython.display import HTML, display

    def run(**choice):
        try:
            show(callback(**choice))
        except AnalysisError as exc:
            display(HTML(f"<p><i>{html.escape(str(exc))}</i></p>"))

    return run
