"""Report section on the network's outcome questions (codebook ``model: further_outcomes``).

Three questions, answered in plain Dutch with 95% intervals and a table behind every number:

1. how the codebook's outcome (informal learning) goes with each further outcome (sustainable
   employability, retention in the demo), multilevel and controlling for the codebook's controls;
2. how much of the influence factors' association with a further outcome runs through the
   outcome (indirect effects of the codebook's path model);
3. in the same people over two rounds, whether the one predicts change in the other
   (cross-lagged panel model), or that there are too few matched respondents for that.

:func:`compute_outcomes` computes the network-wide results once per round (the report cache's part
``"outcomes"``); :func:`outcomes_section` turns them into a :class:`~.context.Section`.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from ..errors import Failure
from ..nl import html_table, integer, number, percent, round_label, word_list
from .context import ReportContext, Section, _read_round, _safe, previous_round

__all__ = ["compute_outcomes", "outcomes_section", "OUTCOME_BOOTSTRAP"]

OUTCOME_BOOTSTRAP = 500
"""Bootstrap draws (whole teams) for the intervals of indirect and cross-lagged effects."""


def compute_outcomes(round_name: str, *, data_dir, bootstrap: int = OUTCOME_BOOTSTRAP, seed: int = 0,
                     codebook=None) -> dict | None:
    """The network-wide outcome results of a round; None when the codebook has no further outcomes.

    ``codebook``: a Codebook or path (None: :func:`informeel_lib.project.resolve_codebook`).

    Returns
    -------
    dict
        ``associations`` (DataFrame or :class:`~informeel_lib.errors.Failure`), ``paths``
        (:class:`OutcomePaths` or Failure), ``panels`` ({further outcome: :class:`CrossLagged` or Failure};
        empty without a previous round) and ``previous_round``.
    """
    from ..analysis.outcomes import outcome_associations, outcome_paths
    from ..analysis.panel import cross_lagged
    from ..project import resolve_codebook

    cb = resolve_codebook(codebook)
    model = cb.research_model
    if model is None or not model.further_outcomes:
        return None
    data = _read_round(data_dir, round_name)
    result = {
        "associations": _safe(outcome_associations, data, cb),
        "paths": _safe(outcome_paths, data, cb, bootstrap=bootstrap, seed=seed),
        "panels": {},
        "previous_round": previous_round(data_dir, round_name),
    }
    if result["previous_round"] is not None:
        both = pd.concat([_read_round(data_dir, result["previous_round"]), data], ignore_index=True)
        for further in model.further_outcomes:
            result["panels"][further] = _safe(cross_lagged, both, model.outcome, further,
                                              rounds=(result["previous_round"], round_name), codebook=cb,
                                              bootstrap=bootstrap, seed=seed)
    return result


# --- text helpers ------------------------------------------------------------------------------

def _name(code: str, codebook) -> str:
    name = codebook.scales[code].name
    return name if name[:2].isupper() else name[:1].lower() + name[1:]


def _interval(est: float, low: float, high: float) -> str:
    return f"β = {number(est)} (95%-BI {number(low)} tot {number(high)})"


def _clear(low: float, high: float) -> bool:
    return low > 0 or high < 0


def _p(text: str) -> str:
    return f"<p>{html.escape(text)}</p>"


def _h3(text: str) -> str:
    return f"<h3>{html.escape(text)}</h3>"


# --- the three parts ---------------------------------------------------------------------------

def association_sentences(assoc: pd.DataFrame, outcome: str, controls, *, codebook) -> list[str]:
    """One sentence per further outcome on its association with the outcome."""
    control_text = word_list([_control_name(c, codebook) for c in controls])
    held = f"rekening houdend met {control_text} en met verschillen tussen teams en organisaties" if controls else \
        "rekening houdend met verschillen tussen teams en organisaties"
    out = []
    for code, row in assoc.iterrows():
        stat = _interval(row["beta"], row["ci_low"], row["ci_high"])
        if _clear(row["ci_low"], row["ci_high"]):
            direction = "hoger" if row["beta"] > 0 else "lager"
            out.append(f"Wie meer {_name(outcome, codebook)} laat zien, scoort gemiddeld {direction} op "
                       f"{_name(code, codebook)}: "
                       f"{stat}, {held}.")
        else:
            out.append(f"Tussen {_name(outcome, codebook)} en {_name(code, codebook)} is geen duidelijke samenhang "
                       f"gevonden: {stat}, "
                       f"{held}.")
    return out


def association_table(assoc: pd.DataFrame, *, codebook) -> pd.DataFrame:
    return pd.DataFrame({"Uitkomst": [_name(c, codebook) for c in assoc.index], "β": assoc["beta"].to_numpy(float),
                         "95%-BI laag": assoc["ci_low"].to_numpy(float),
                         "95%-BI hoog": assoc["ci_high"].to_numpy(float), "p": assoc["p"].to_numpy(float),
                         "n": assoc["n"].to_numpy(int), "teams": assoc["n_teams"].to_numpy(int)})


def indirect_sentences(effects: pd.DataFrame, outcome: str, *, codebook) -> list[str]:
    """Per further outcome: which factors have a clear indirect effect, and the largest one."""
    out = []
    for code, rows in effects.groupby("outcome", sort=False):
        clear = rows[[_clear(lo, hi) for lo, hi in zip(rows["indirect_low"], rows["indirect_high"])]]
        if clear.empty:
            out.append(f"Bij {_name(code, codebook)} loopt van geen enkele invloedsfactor een duidelijk deel van de "
                       f"samenhang "
                       f"via {_name(outcome, codebook)}.")
            continue
        top = clear.loc[clear["indirect"].abs().idxmax()]
        text = (f"Bij {_name(code, codebook)} loopt een duidelijk deel van de samenhang via {_name(outcome, codebook)} "
                f"voor "
                f"{word_list([_name(f, codebook) for f in clear['factor']])}. Het grootste indirecte effect heeft "
                f"{_name(top['factor'], codebook)}: "
                f"{_interval(top['indirect'], top['indirect_low'], top['indirect_high'])}")
        if not np.isnan(top["share"]):
            text += (f"; dat is {percent(top['share'])} van de totale samenhang, "
                     f"{_interval(top['total'], top['total_low'], top['total_high'])}")
        out.append(text + ".")
    return out


def indirect_table(effects: pd.DataFrame, outcome: str, *, codebook) -> pd.DataFrame:
    def span(low, high):
        return [f"[{number(lo)}; {number(hi)}]" for lo, hi in zip(low, high)]

    return pd.DataFrame({
        "Uitkomst": [_name(c, codebook) for c in effects["outcome"]],
        "Invloedsfactor": [_name(c, codebook) for c in effects["factor"]],
        f"Indirect via {_name(outcome, codebook)}": effects["indirect"].to_numpy(float),
        "95%-BI indirect": span(effects["indirect_low"], effects["indirect_high"]),
        "Direct": effects["direct"].to_numpy(float),
        "Totaal": effects["total"].to_numpy(float),
        "95%-BI totaal": span(effects["total_low"], effects["total_high"]),
        "Aandeel indirect": [percent(s) if not np.isnan(s) else "–" for s in effects["share"]],
    })


def panel_sentences(panel, outcome: str, further: str, *, codebook) -> list[str]:
    """The matched respondents and, when fitted, the cross-lagged effects in words."""
    first, second = (round_label(r) for r in panel.rounds)
    matched = (f"{integer(panel.n_matched)} respondenten vulden de vragenlijst zowel in {first} als in {second} in "
               "(gekoppeld via hun pseudoniem)")
    if not panel.fitted:
        return [f"{matched}; dat is minder dan de {integer(panel.min_matched)} die nodig zijn om verandering in "
                f"{_name(outcome, codebook)} en {_name(further, codebook)} bij dezelfde mensen te schatten, dus dat is "
                f"niet gedaan."]
    out = [f"{matched}; bij hen is bekeken of {_name(outcome, codebook)} en {_name(further, codebook)} elkaars "
           f"verandering voorspellen."]
    for effect, (pred, dep) in ((f"{outcome} → {further}", (outcome, further)),
                                (f"{further} → {outcome}", (further, outcome))):
        row = panel.effects.loc[effect]
        stat = _interval(row["beta"], row["ci_low"], row["ci_high"])
        if _clear(row["ci_low"], row["ci_high"]):
            direction = "hoger" if row["beta"] > 0 else "lager"
            out.append(f"Wie in {first} hoger scoorde op {_name(pred, codebook)}, scoorde in {second} {direction} op "
                       f"{_name(dep, codebook)} dan op grond van de eigen eerdere score te verwachten was: {stat}.")
        else:
            out.append(f"{_capital(_name(pred, codebook))} in {first} voorspelt geen duidelijke verandering in "
                       f"{_name(dep, codebook)} "
                       f"tot {second}: {stat}.")
    return out


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def matched_table(panels: dict, *, codebook) -> pd.DataFrame:
    """Matched respondents per further outcome and the minimum for a panel model."""
    rows = [(p_name, p) for p_name, p in panels.items() if not isinstance(p, Failure)]
    return pd.DataFrame({"Uitkomst": [_name(code, codebook) for code, _ in rows],
                         "Gekoppelde respondenten": [int(p.n_matched) for _, p in rows],
                         "Minimum": [int(p.min_matched) for _, p in rows],
                         "Geschat": [bool(p.fitted) for _, p in rows]})


def panel_table(panel, *, codebook) -> pd.DataFrame:
    labels = [f"stabiliteit {_name(r['predictor'], codebook)}" if r["predictor"] == r["dependent"]
              else f"{_name(r['predictor'], codebook)} → {_name(r['dependent'], codebook)}" for _,
              r in panel.effects.iterrows()]
    return pd.DataFrame({"Effect": labels, "β": panel.effects["beta"].to_numpy(float),
                         "95%-BI laag": panel.effects["ci_low"].to_numpy(float),
                         "95%-BI hoog": panel.effects["ci_high"].to_numpy(float)})


def control_names(codebook) -> str:
    """The control variables of the codebook's ``model:`` section in Dutch (``"rol en dienstjaren"``), or
    ``"geen"``."""
    model = codebook.research_model
    controls = model.controls if model is not None else ()
    return word_list([_control_name(c, codebook) for c in controls]) or "geen"


def _control_name(column: str, codebook) -> str:
    from ..analysis.multilevel import COVARIATE_LABELS

    bg = codebook.background.get(column, {})
    return COVARIATE_LABELS.get(column, bg.get("label", column))


# --- the section -------------------------------------------------------------------------------

def outcomes_section(ctx: ReportContext, shared: dict) -> Section | None:
    """Uitkomsten: the further outcomes of the codebook, in plain Dutch with tables; None without them."""
    codebook = ctx.codebook
    model = codebook.research_model
    res = shared.get("outcomes")
    if model is None or not model.further_outcomes or res is None:
        return Section("Uitkomsten", "")
    outcome = model.outcome
    names = word_list([_name(c, codebook) for c in model.further_outcomes])
    title = f"Uitkomsten: {names}"
    parts = [f"<h2>{html.escape(title)}</h2>",
             _p(f"Hangt {_name(outcome, codebook)} samen met {names}? En loopt de samenhang van de invloedsfactoren "
                f"met "
                f"{names} voor een deel via {_name(outcome, codebook)}? Eén meting laat zien wat samengaat, niet wat "
                f"oorzaak en gevolg is: wie hoog scoort op {_name(outcome, codebook)}, kan om andere redenen ook "
                f"anders scoren op {names}.")]
    parts += _association_part(ctx, res.get("associations"), outcome, model.controls)
    parts += _indirect_part(ctx, res.get("paths"), outcome)
    parts += _panel_part(ctx, res.get("panels") or {}, res.get("previous_round"), outcome, model)
    return Section(title, "".join(parts))


def _association_part(ctx, assoc, outcome, controls) -> list[str]:
    codebook = ctx.codebook
    parts = [_h3(f"Samenhang met {_name(outcome, codebook)}")]
    if isinstance(assoc, Failure):
        return parts + [_p(f"Het multilevelmodel kon niet worden geschat: {assoc.message}")]
    parts += [_p(s) for s in association_sentences(assoc, outcome, controls, codebook=codebook)]
    parts.append(html_table(association_table(assoc, codebook=codebook), number=ctx.table_number(),
                            title=f"Samenhang van {_name(outcome, codebook)} met de uitkomsten (multilevelmodel)",
                            no_leading_zero=["p"],
                            note="β: gestandaardiseerde coëfficiënt; BI: betrouwbaarheidsinterval; gecorrigeerd voor "
                                 + (word_list([_control_name(c, codebook) for c in controls]) or "niets") + "."))
    return parts


def _indirect_part(ctx, paths, outcome) -> list[str]:
    codebook = ctx.codebook
    parts = [_h3(f"Via {_name(outcome, codebook)}")]
    if isinstance(paths, Failure):
        return parts + [_p(f"Het padmodel kon niet worden geschat: {paths.message}")]
    parts += [_p(s) for s in indirect_sentences(paths.effects, outcome, codebook=codebook)]
    parts.append(html_table(indirect_table(paths.effects, outcome, codebook=codebook), number=ctx.table_number(),
                            title=f"Indirecte, directe en totale samenhang van de invloedsfactoren (n = "
                            f"{integer(paths.n)})",
                            note=f"Gestandaardiseerde effecten uit een padmodel met de controlevariabelen; "
                                 f"{paths.interval}. Aandeel indirect alleen waar het totale effect duidelijk van nul "
                                 "verschilt."))
    return parts


def _panel_part(ctx, panels, previous, outcome, model) -> list[str]:
    codebook = ctx.codebook
    parts = [_h3("Dezelfde mensen over de tijd")]
    if previous is None:
        return parts + [_p("Er is geen eerdere ronde, dus verandering bij dezelfde mensen kan nog niet worden "
                           "bekeken.")]
    for further in model.further_outcomes:
        panel = panels.get(further)
        if panel is None:
            continue
        if isinstance(panel, Failure):
            parts.append(_p(f"Het panelmodel voor {_name(further, codebook)} kon niet worden geschat: {panel.message}"))
            continue
        parts += [_p(s) for s in panel_sentences(panel, outcome, further, codebook=codebook)]
        if panel.fitted:
            first, second = (round_label(r) for r in panel.rounds)
            parts.append(html_table(panel_table(panel, codebook=codebook), number=ctx.table_number(),
                                    title=f"Panelmodel {_name(outcome, codebook)} en {_name(further, codebook)}, "
                                    f"{first} → {second} "
                                          f"(n = {integer(panel.n_matched)})",
                                    note="Gestandaardiseerde effecten; stabiliteit: hoe goed een schaal zichzelf een "
                                         "ronde later voorspelt; een pijl: voorspelt verandering in de andere schaal. "
                                         "95%-BI uit een bootstrap over teams."))
    shown = {k: v for k, v in panels.items() if not isinstance(v, Failure)}
    if shown and not all(p.fitted for p in shown.values()):
        first, second = (round_label(r) for r in next(iter(shown.values())).rounds)
        parts.append(html_table(matched_table(shown, codebook=codebook), number=ctx.table_number(),
                                title=f"Respondenten in zowel {first} als {second}"))
    parts.append(_p("Ook twee metingen bij dezelfde mensen bewijzen geen oorzaak: een derde factor kan beide "
                    "beïnvloeden."))
    return parts
