"""The same people over time: a cross-lagged panel model on respondents matched over two rounds.

Respondents who answered in two rounds carry the same pseudonym (``respondent``). For two scales
X and Y the model regresses each at the second round on both at the first:

.. math:: X_2 = a_X X_1 + c_{YX} Y_1 + e_X, \\qquad Y_2 = a_Y Y_1 + c_{XY} X_1 + e_Y

with correlated residuals (and X_1, Y_1 correlated): the autoregressive effects :math:`a` say how
stable each scale is, the cross-lagged effects :math:`c` whether the one predicts *change* in the
other. Fitted with :func:`~.cfa.sem.sem` on z-scored scale scores, so the coefficients are
standardised; their intervals come from a bootstrap that draws whole teams (colleagues in one
team are alike, so treating them as independent would make the intervals too narrow), or from
the delta method with ``bootstrap=0``. Below a minimum number of matched respondents (the
codebook's ``model.min_matched``) nothing is fitted and the result says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..codebook import load_codebook
from ..errors import AnalysisError
from ..nl import integer
from .cfa.sem import SEMResult, sem
from .multilevel import resolve_variables, scale_label

__all__ = ["CrossLagged", "cross_lagged", "matched_pairs"]

DEFAULT_MIN_MATCHED = 50


@dataclass(frozen=True, repr=False)
class CrossLagged:
    """A cross-lagged panel model, or the reason it was not fitted.

    Attributes
    ----------
    x, y : str
        The two scales.
    rounds : tuple of str
        First and second round.
    n_matched : int
        Respondents with complete scores on both scales in both rounds.
    min_matched : int
        The minimum for fitting.
    fitted : bool
        False when there were too few matched respondents.
    effects : DataFrame
        Rows ``autoregressief X``, ``autoregressief Y``, ``X → Y``, ``Y → X`` (index ``effect``)
        with ``predictor, dependent, beta, ci_low, ci_high, p`` (standardised); empty when not
        fitted.
    message : str
        One Dutch sentence on what was (not) done.
    fit : SEMResult or None
    """

    x: str
    y: str
    rounds: tuple
    n_matched: int
    min_matched: int
    fitted: bool
    effects: pd.DataFrame
    message: str
    fit: SEMResult | None = field(default=None, repr=False)

    def to_frame(self) -> pd.DataFrame:
        return self.effects.copy()

    def __repr__(self) -> str:
        return (f"CrossLagged({self.x}, {self.y}, rondes {self.rounds[0]} → {self.rounds[1]}, n = {self.n_matched}): "
                f"{self.message}")


def matched_pairs(data: pd.DataFrame, columns, rounds, *, id_col: str = "respondent") -> pd.DataFrame:
    """One row per respondent present in both ``rounds`` with ``columns`` at each, suffixed ``_1``/``_2``.

    Respondents who answered twice in one round are left out (their pseudonym is not unique).
    """
    first, second = rounds
    parts = []
    for suffix, rnd in (("_1", first), ("_2", second)):
        rows = data[data["round"] == rnd]
        unique = rows[~rows[id_col].duplicated(keep=False)]
        parts.append(unique.set_index(id_col)[list(columns)].add_suffix(suffix))
    return parts[0].join(parts[1], how="inner").dropna()


def cross_lagged(data: pd.DataFrame, x: str, y: str, *, rounds=None, id_col: str = "respondent",
                 min_matched: int | None = None, codebook=None, ci: float = 0.95, bootstrap: int = 500,
                 seed: int = 0, cluster: str | None = "team") -> CrossLagged:
    """Cross-lagged panel model of scales ``x`` and ``y`` on respondents matched over two rounds.

    Parameters
    ----------
    data : DataFrame
        Several rounds (column ``round``) with items or scale scores and the pseudonym ``id_col``.
    x, y : str
        Scale codes (or numeric columns), e.g. the codebook's outcome and a further outcome.
    rounds : (str, str), optional
        First and second round; default the last two rounds in ``data``.
    id_col : str
        The pseudonym that links a person's answers over rounds.
    min_matched : int, optional
        Fewest matched respondents to fit the model; default the codebook's ``model.min_matched``.
    codebook : Codebook, optional
    ci : float
        Interval level.
    bootstrap : int
        Bootstrap draws for the intervals (0: delta method).
    seed : int
        Seed of the bootstrap.
    cluster : str or None
        Column (at the first round) whose groups the bootstrap draws whole; None: respondents.

    Returns
    -------
    CrossLagged
        With ``fitted=False`` and a Dutch ``message`` (no estimates) below ``min_matched``.

    Notes
    -----
    R: ``lavaan::sem("x2 ~ x1 + y1\\n y2 ~ x1 + y1", data = wide)``; ``standardizedSolution``.
    Two waves show whether one scale predicts later change in the other, still no proof of cause:
    a third variable can drive both.

    References
    ----------
    Selig, J. P., & Little, T. D. (2012). Autoregressive and cross-lagged panel analysis for
    longitudinal data. In Handbook of Developmental Research Methods (pp. 265–278).
    """
    cb = codebook or load_codebook()
    if min_matched is None:
        model = cb.research_model
        min_matched = model.min_matched if model is not None else DEFAULT_MIN_MATCHED
    for col in ("round", id_col):
        if col not in data.columns:
            raise AnalysisError(f"Kolom '{col}' staat niet in de data; een panelmodel koppelt rondes via het "
                                f"pseudoniem.")
    if rounds is None:
        present = sorted(data["round"].dropna().unique())
        if len(present) < 2:
            raise AnalysisError("De data bevatten maar één ronde; een panelmodel vraagt om twee rondes.")
        rounds = tuple(present[-2:])
    rounds = tuple(rounds)
    scores = resolve_variables(data, [x, y], codebook=cb).astype(float)
    scores["round"], scores[id_col] = data["round"].to_numpy(), data[id_col].to_numpy()
    use_cluster = cluster is not None and bootstrap > 0
    if use_cluster:
        if cluster not in data.columns:
            raise AnalysisError(f"Clustervariabele '{cluster}' staat niet in de data.")
        scores["_cluster"] = data[cluster].astype(str).to_numpy()
    wide = matched_pairs(scores, [x, y] + (["_cluster"] if use_cluster else []), rounds, id_col=id_col)
    n = len(wide)
    names = {v: scale_label(v, cb) for v in (x, y)}
    if n < min_matched:
        message = (f"{integer(n)} respondenten vulden zowel ronde {rounds[0]} als {rounds[1]} in; dat is minder dan "
                   f"de {integer(min_matched)} die nodig zijn voor een panelmodel, dus dat is niet geschat.")
        return CrossLagged(x, y, rounds, n, int(min_matched), False, _empty_effects(), message)
    frame = pd.DataFrame({"X_1": wide[f"{x}_1"], "Y_1": wide[f"{y}_1"], "X_2": wide[f"{x}_2"], "Y_2": wide[f"{y}_2"]})
    frame = (frame - frame.mean()) / frame.std(ddof=0)  # so estimates are std.all
    if use_cluster:
        frame["_cluster"] = wide["_cluster_1"].to_numpy()
    model = ("X_2 ~ axx*X_1 + ayx*Y_1\nY_2 ~ axy*X_1 + ayy*Y_1\n"
             "auto_x := axx\nauto_y := ayy\ncross_xy := axy\ncross_yx := ayx")
    fit = sem(frame, model, ci=ci, bootstrap=bootstrap, seed=seed, cluster="_cluster" if use_cluster else None)
    defined = fit.defined
    rows = {}
    for effect, name, pred, dep in ((f"autoregressief {x}", "auto_x", x, x), (f"autoregressief {y}", "auto_y", y, y),
                                    (f"{x} → {y}", "cross_xy", x, y), (f"{y} → {x}", "cross_yx", y, x)):
        r = defined.loc[name]
        rows[effect] = {"predictor": pred, "dependent": dep, "beta": r["est"], "ci_low": r["ci_low"],
                        "ci_high": r["ci_high"], "p": r["p"]}
    effects = pd.DataFrame.from_dict(rows, orient="index").rename_axis("effect")
    message = (f"{integer(n)} respondenten vulden zowel ronde {rounds[0]} als {rounds[1]} in; op hen is een "
               f"panelmodel geschat voor {names[x].lower()} en {names[y].lower()}.")
    return CrossLagged(x, y, rounds, n, int(min_matched), True, effects, message, fit)


def _empty_effects() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=float if c not in ("predictor", "dependent") else object)
                         for c in ("predictor", "dependent", "beta", "ci_low", "ci_high", "p")}).rename_axis("effect")


