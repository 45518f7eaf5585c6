"""Team-level statistics and the multilevel influence model (research question of the network).

Which factors go with informal learning in a team? Respondents are nested in teams, teams in
organisations, so the analyses here respect that nesting:

- :func:`icc` — ICC(1): the share of variance of a score that lies between groups (teams);
- :func:`team_agreement` — within-team agreement rwg(j) per team plus ICC(1) and ICC(2);
- :func:`influence_model` — a linear mixed model (random intercepts for organisation and team
  within organisation) of an outcome scale on the influence factors, with Dutch summary sentences.

Variables may be given as column names already in the data, or as scale codes of the codebook
(e.g. ``"REFL"``); a scale code whose items are in the data is scored with
:func:`informeel_lib.analysis.scoring.score_scales` (scale mean after reverse keying).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from ..codebook import load_codebook
from ..errors import AnalysisError
from ..nl import integer, number, percent, plural, word_list
from .describe import labels_as_written
from .lmm import RandomTerm, fit_lmm
from .moments import single_blas_thread

MIN_TEAMS = 5
"""Fewest teams for which a random team intercept is estimated."""


# --- shared helpers -------------------------------------------------------------

def _group_key(data: pd.DataFrame, group) -> pd.Series:
    """One label per row for a grouping given as a column name or a list of columns (nested).

    Labels stay as written: a numeric group column with missing values (read as floats) gives
    team ``7``, not ``7.0``.
    """
    cols = [group] if isinstance(group, str) else list(group)
    if not cols:
        raise AnalysisError("Geef minstens één groeperingskolom op (bijvoorbeeld 'team').")
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise AnalysisError(f"Groeperingskolom(men) {', '.join(missing)} staan niet in de data.")
    parts = [labels_as_written(data[c]) for c in cols]
    if len(parts) == 1:
        return parts[0].astype(object).where(parts[0].notna(), None)
    present = np.logical_and.reduce([p.notna().to_numpy() for p in parts])
    key = parts[0].astype(str)
    for part in parts[1:]:
        key = key + " / " + part.astype(str)
    return key.astype(object).where(present, None)


def scale_label(name: str, codebook=None) -> str:
    """Dutch name of a scale code (``"REFL"`` → ``"Reflectie op het werk"``), else the name itself."""
    cb = codebook or load_codebook()
    scale = cb.scales.get(name)
    return scale.name if scale is not None else str(name)


def _lower_first(text: str) -> str:
    """Lower-case the first letter for use inside a sentence, unless it is an acronym."""
    if len(text) > 1 and text[:2].isupper():
        return text
    return text[:1].lower() + text[1:]


def resolve_variables(data: pd.DataFrame, names, *, codebook=None) -> pd.DataFrame:
    """Columns ``names`` of ``data``, scoring scale codes whose items are in the data.

    A name that is a column of ``data`` is taken as it is. A scale code of the codebook whose
    items are columns of ``data`` is scored with :func:`informeel_lib.analysis.scoring.score_scales`
    (mean of the answered items after reverse keying). Anything else raises
    :class:`AnalysisError` naming the variable.
    """
    names = list(dict.fromkeys(names))
    out = {}
    to_score = []
    cb = None
    for name in names:
        if name in data.columns:
            out[name] = data[name]
            continue
        cb = cb or codebook or load_codebook()
        scale = cb.scales.get(name)
        if scale is None or not any(i in data.columns for i in scale.item_codes):
            raise AnalysisError(
                f"Variabele '{name}' staat niet in de data en is geen schaal waarvan de items in de data staan."
            )
        to_score.append(name)
    if to_score:
        from .scoring import score_scales

        scores = score_scales(data, cb, scales=to_score)
        for name in to_score:
            if name not in scores.columns:
                raise AnalysisError(f"Schaal '{name}' kon niet gescoord worden.")
            out[name] = scores[name]
    return pd.DataFrame({n: out[n] for n in names}, index=data.index)


def _numeric(series: pd.Series, name: str) -> pd.Series:
    try:
        return pd.to_numeric(series, errors="raise").astype("float64")
    except (TypeError, ValueError) as exc:
        raise AnalysisError(f"Variabele '{name}' bevat waarden die geen getal zijn.") from exc


# --- ICC ------------------------------------------------------------------------

@dataclass(frozen=True)
class ICCResult:
    """One-way ANOVA intraclass correlations of a score grouped by team (or another grouping)."""

    icc1: float
    icc2: float
    k0: float
    msb: float
    msw: float
    f: float
    p: float
    n: int
    n_groups: int

    def __repr__(self) -> str:
        return (f"ICCResult(ICC1={self.icc1:.3f}, ICC2={self.icc2:.3f}, k0={self.k0:.2f}, "
                f"F={self.f:.2f}, p={self.p:.3g}, n={self.n}, groups={self.n_groups})")

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{k: getattr(self, k) for k in
                              ("icc1", "icc2", "k0", "msb", "msw", "f", "p", "n", "n_groups")}])


def icc_anova(data: pd.DataFrame, value: str, group, *, group_size: str = "k0", codebook=None) -> ICCResult:
    """ICC(1), ICC(2) and the one-way ANOVA behind them; see :func:`icc` for the formulas."""
    if group_size not in ("k0", "mean"):
        raise AnalysisError("group_size moet 'k0' of 'mean' zijn.")
    y = _numeric(resolve_variables(data, [value], codebook=codebook)[value], value)
    key = _group_key(data, group)
    ok = y.notna() & key.notna()
    y, key = y[ok].to_numpy(), key[ok].to_numpy()
    codes, uniq = pd.factorize(key)
    n_groups, n = len(uniq), len(y)
    if n_groups < 2:
        raise AnalysisError(
            f"ICC van '{value}' vraagt minstens twee groepen met antwoorden; er {'is' if n_groups == 1 else 'zijn'} "
            f"er {n_groups}."
        )
    if n - n_groups < 1:
        raise AnalysisError(f"ICC van '{value}': elke groep heeft maar één antwoord, dus er is geen variantie binnen "
                            f"groepen.")
    sizes = np.bincount(codes).astype(float)
    sums = np.bincount(codes, weights=y)
    means = sums / sizes
    grand = y.mean()
    ssb = float(np.sum(sizes * (means - grand) ** 2))
    ssw = float(np.sum((y - means[codes]) ** 2))
    msb = ssb / (n_groups - 1)
    msw = ssw / (n - n_groups)
    if msb + msw == 0 or msb == 0:
        raise AnalysisError(f"ICC van '{value}': de scores hebben geen variantie.")
    k0 = (n - np.sum(sizes ** 2) / n) / (n_groups - 1) if group_size == "k0" else n / n_groups
    icc1 = (msb - msw) / (msb + (k0 - 1) * msw)
    icc2 = (msb - msw) / msb
    f = msb / msw if msw > 0 else math.inf
    p = float(stats.f.sf(f, n_groups - 1, n - n_groups)) if msw > 0 else 0.0
    return ICCResult(float(icc1), float(icc2), float(k0), msb, msw, float(f), p, int(n), int(n_groups))


def icc(data: pd.DataFrame, value: str, group, *, group_size: str = "k0", codebook=None) -> float:
    """ICC(1): the share of the variance of ``value`` that lies between groups.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    value : str
        A numeric column, or a scale code (scored from its items).
    group : str or list of str
        Grouping column, or several columns for nested groups; ``["organisation", "team"]``
        combines them into one key (team names repeat across organisations).
    group_size : {"k0", "mean"}
        Group size in the formula: ``"k0"`` (default) the adjusted size for unequal groups;
        ``"mean"`` the mean size N/J as ``psych::statsBy`` and ``multilevel::ICC1`` use.

    Returns
    -------
    float
        ICC(1). It can be (slightly) negative when groups differ less than chance predicts;
        that is reported as it is, not truncated.

    Raises
    ------
    AnalysisError
        Fewer than two groups, no within-group variance, or no variance at all.

    Notes
    -----
    One-way ANOVA estimator for unequal group sizes (Bliese 2000; Snijders & Bosker 2012, eq. 3.12):

    .. math:: ICC(1) = \\frac{MSB - MSW}{MSB + (k_0 - 1)\\,MSW},\\qquad
              k_0 = \\frac{N - \\sum_j n_j^2 / N}{J - 1}

    with MSB and MSW the between- and within-group mean squares, N respondents and J groups.
    ``k0`` is the adjusted average group size (the standard ANOVA estimator for unequal group
    sizes). ``psych::statsBy`` (its ``npr``) and ``multilevel::ICC1`` use the plain mean group
    size N/J instead; that is identical for equal group sizes and slightly different otherwise
    (``group_size="mean"`` reproduces R exactly). Rows with a missing value or
    group are left out; groups of one respondent count in MSB but add nothing to MSW.

    References
    ----------
    Bliese, P. D. (2000). Within-group agreement, non-independence, and reliability. In K. J.
    Klein & S. W. J. Kozlowski (Eds.), *Multilevel theory, research, and methods in organizations*.

    Examples
    --------
    R (with ``group_size="mean"``): ``psych::statsBy(d[, c("team", "REFL")], group = "team")$ICC1`` or
    ``multilevel::ICC1(aov(REFL ~ as.factor(team), d))``.

    >>> from informeel_lib.synth.example import example_survey
    >>> df = example_survey(300, seed=1)
    >>> from informeel_lib.analysis.scoring import score_scales
    >>> df["REFL"] = score_scales(df)["REFL"]
    >>> round(icc(df, "REFL", ["organisation", "team"]), 2)
    0.1
    """
    return icc_anova(data, value, group, group_size=group_size, codebook=codebook).icc1


# --- within-team agreement ---------------------------------------------------------

@dataclass(frozen=True)
class TeamAgreementResult:
    """Per-team agreement rwg(j) and the ICCs of the scale mean."""

    teams: pd.DataFrame = field(repr=False)
    icc1: float
    icc2: float
    items: tuple[str, ...]
    sigma2_eu: float
    n_teams: int
    notes: tuple[str, ...] = ()

    @property
    def mean_rwg(self) -> float:
        return float(self.teams["rwg_j"].mean())

    @property
    def median_rwg(self) -> float:
        return float(self.teams["rwg_j"].median())

    def __repr__(self) -> str:
        return (f"TeamAgreementResult(teams={self.n_teams}, median rwg(j)={self.median_rwg:.2f}, "
                f"ICC1={self.icc1:.3f}, ICC2={self.icc2:.3f}, items={list(self.items)})")

    def to_frame(self) -> pd.DataFrame:
        return self.teams.copy()


def _item_columns(data, items, codebook, reverse):
    """Item columns, the reverse-keyed ones and the codebook's response range.

    Only a codebook that speaks about these items keys them: the scale of a scale code, or a
    codebook passed explicitly. Item names that merely match the packaged codebook are not
    reversed. An explicit ``reverse`` list wins.
    """
    code_range = None
    if isinstance(items, str):
        cb = codebook or load_codebook()
        if items not in cb.scales:
            raise AnalysisError(f"'{items}' is geen schaal uit het codeboek; geef een lijst met itemkolommen.")
        scale = cb.scales[items]
        items, keyed, code_range = scale.item_codes, set(scale.reverse_items), cb.item_range(scale.code)
    else:
        items = list(items)
        keyed = set(codebook.reverse_items) & set(items) if codebook is not None else set()
        ranges = {codebook.item_range(i) for i in items if i in codebook.item_codes} if codebook is not None else set()
        code_range = ranges.pop() if len(ranges) == 1 else (codebook.scale_range if codebook is not None else None)
    if reverse is not None:
        keyed = {reverse} if isinstance(reverse, str) else set(reverse)
    if len(items) < 1:
        raise AnalysisError("Geef minstens één item op.")
    missing = [i for i in items if i not in data.columns]
    if missing:
        raise AnalysisError(f"Item(s) {', '.join(missing)} staan niet in de data.")
    if keyed - set(items):
        raise AnalysisError(f"Om te keren item(s) {', '.join(sorted(keyed - set(items)))} horen niet bij deze items.")
    return items, keyed, code_range


def _response_range(x: pd.DataFrame, scale_range, code_range) -> tuple[tuple[float, float], list[str]]:
    """The response range for rwg(j) and reverse keying, with Dutch warnings (also returned as notes)."""
    notes = []
    if scale_range is None:
        scale_range = code_range
    if scale_range is None:
        values = x.to_numpy(dtype=float)
        scale_range = (float(np.nanmin(values)), float(np.nanmax(values)))
        notes.append(f"Geen antwoordschaal bekend: de schaal is afgeleid uit de data ({scale_range[0]:g}-"
                     f"{scale_range[1]:g}). rwg(j) hangt af van het aantal antwoordopties; geef scale_range=(min, max) "
                     "of een codeboek als niet iedereen beide uitersten gebruikte.")
    else:
        lo, hi = scale_range
        outside = int(((x < lo) | (x > hi)).sum().sum())
        if outside:
            notes.append(f"{outside} antwoorden liggen buiten de antwoordschaal {lo:g}-{hi:g}; rwg(j) en het omkeren "
                         "van items kloppen dan niet. Geef de juiste scale_range=(min, max).")
    for note in notes:
        warnings.warn(note, UserWarning, stacklevel=3)
    return scale_range, notes


def team_agreement(data: pd.DataFrame, items, group=("organisation", "team"), *, scale_range=None, reverse=None,
                   min_group: int = 2, codebook=None) -> TeamAgreementResult:
    """Within-team agreement rwg(j) per team, with ICC(1) and ICC(2) of the scale mean.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    items : str or list of str
        Item columns of one scale, or a scale code of the codebook. Items marked reversed in
        the codebook are reverse keyed for the team mean (variances do not change) — for a
        list of columns only when ``codebook`` is given: names that happen to match the
        packaged codebook are not reversed.
    group : str or list of str
        Team grouping; default ``("organisation", "team")`` (nested key).
    scale_range : (int, int), optional
        Lowest and highest answer; A = max − min + 1 response options. Default: the codebook's
        response scale (scale code or ``codebook`` given), else the data's min and max with a
        warning. Answers outside the range give a warning (rwg(j) would be wrong).
    reverse : list of str, optional
        Items to reverse key, overriding the codebook.
    min_group : int
        Fewest respondents for an rwg(j) (default 2: a variance needs two answers).
    codebook : Codebook, optional
        Codebook of these items (for a scale code the packaged one when not given).

    Returns
    -------
    TeamAgreementResult
        ``.teams``: one row per team with ``group`` (the key), ``n``, ``mean`` (scale mean),
        ``mean_item_var``, ``rwg_j`` and ``note`` (why rwg(j) is missing or truncated);
        ``.icc1``, ``.icc2`` of the respondents' scale means; ``.mean_rwg``, ``.median_rwg``.

    Notes
    -----
    James, Demaree & Wolf (1984), J parallel items, uniform ("no agreement") null distribution:

    .. math::
        r_{wg(J)} = \\frac{J(1 - \\bar s^2/\\sigma^2_{EU})}
                          {J(1 - \\bar s^2/\\sigma^2_{EU}) + \\bar s^2/\\sigma^2_{EU}},
              \\qquad \\sigma^2_{EU} = \\frac{A^2 - 1}{12}

    with :math:`\\bar s^2` the mean of the item variances (n − 1 denominator, each item over its
    non-missing answers) within the team. When :math:`\\bar s^2 > \\sigma^2_{EU}` the formula
    leaves [0, 1]; as is customary (James et al. 1984; LeBreton & Senter 2008) such values are
    set to 0 and the note says so. A team with fewer than ``min_group`` respondents gets NaN with a
    note. ICC(1)/ICC(2) as in :func:`icc` (ICC(2) = (MSB − MSW)/MSB, reliability of team means).

    References
    ----------
    James, L. R., Demaree, R. G., & Wolf, G. (1984). Estimating within-group interrater
    reliability with and without response bias. *Journal of Applied Psychology, 69*, 85–98.
    LeBreton, J. M., & Senter, J. L. (2008). Answers to 20 questions about interrater reliability
    and interrater agreement. *Organizational Research Methods, 11*, 815–852.

    Examples
    --------
    R: ``multilevel::rwg.j(d[, items], d$team, ranvar = (5^2 - 1) / 12)`` and
    ``multilevel::ICC1``/``ICC2`` (note: multilevel's ICC1 uses N/J instead of k0).
    """
    items, keyed, code_range = _item_columns(data, items, codebook, reverse)
    x = data[items].apply(pd.to_numeric, errors="coerce").astype("float64")
    (lo, hi), notes = _response_range(x, scale_range, code_range)
    sigma2_eu = ((hi - lo + 1) ** 2 - 1) / 12.0
    for it in keyed:
        x[it] = lo + hi - x[it]
    key = _group_key(data, group)
    answered = x.notna().any(axis=1) & key.notna()
    x, key = x[answered], key[answered]
    if x.empty:
        raise AnalysisError("Er zijn geen antwoorden op deze items; teamovereenstemming kan niet berekend worden.")
    score = x.mean(axis=1)
    j = len(items)
    rows = []
    for team, block in x.groupby(key, sort=True):
        n = len(block)
        mean = float(score.loc[block.index].mean())
        if n < min_group:
            rows.append({"group": team, "n": n, "mean": mean, "mean_item_var": float("nan"), "rwg_j": float("nan"),
                         "note": f"te weinig respondenten (n = {n}) voor rwg(j)"})
            continue
        variances = block.var(axis=0, ddof=1)
        s2 = float(variances.mean())
        if math.isnan(s2):
            rows.append({"group": team, "n": n, "mean": mean, "mean_item_var": s2, "rwg_j": float("nan"),
                         "note": "te weinig antwoorden per item voor rwg(j)"})
            continue
        ratio = s2 / sigma2_eu
        note = ""
        if ratio >= 1:
            rwg = 0.0
            note = "spreiding groter dan bij willekeurig antwoorden: rwg(j) op 0 gezet"
        else:
            rwg = j * (1 - ratio) / (j * (1 - ratio) + ratio)
        rows.append({"group": team, "n": n, "mean": mean, "mean_item_var": s2, "rwg_j": rwg, "note": note})
    teams = pd.DataFrame(rows)
    frame = pd.DataFrame({"_score": score, "_key": key})
    try:
        res = icc_anova(frame, "_score", "_key")
        icc1, icc2 = res.icc1, res.icc2
    except AnalysisError as exc:
        icc1 = icc2 = float("nan")
        notes.append(f"ICC niet berekend: {exc}")
    return TeamAgreementResult(teams, float(icc1), float(icc2), tuple(items), sigma2_eu, len(teams), tuple(notes))


# --- influence model --------------------------------------------------------------

COVARIATE_LABELS = {
    "role": "rol",
    "team_size": "teamgrootte",
    "sector": "sector",
    "tenure": "dienstjaren",
    "contract_hours": "contracturen",
    "round": "ronde",
}
"""Dutch names of the background covariates."""


NEAR_ZERO_SHARE = 1e-4
"""A variance below this share of the total counts as (practically) zero in the Dutch summary."""

_LEVELS = ("organisation", "team", "residual")
_LEVEL_NL = {"organisation": "organisaties", "team": "teams", "residual": "personen binnen teams"}


@dataclass(frozen=True)
class InfluenceModelResult:
    """A fitted multilevel influence model; see :func:`influence_model`."""

    outcome: str
    predictors: tuple[str, ...]
    coefficients: pd.DataFrame = field(repr=False)
    variance_components: pd.Series = field(repr=False)
    variance_shares: pd.DataFrame = field(repr=False)
    n: int
    n_teams: int
    n_organisations: int
    n_dropped: int
    converged: bool
    standardized: bool
    structure: str
    r2_marginal: float
    r2_conditional: float
    labels: dict = field(repr=False, default_factory=dict)
    term_kind: dict = field(repr=False, default_factory=dict)
    notes: tuple[str, ...] = ()
    empty_variance_components: pd.Series = field(repr=False, default=None)
    reml: bool = True
    random_slope: str | None = None
    loglik: float = float("nan")
    message: str = ""

    def __repr__(self) -> str:
        coefs = ", ".join(f"{t}={r.estimate:.3f}" for t, r in self.coefficients.iterrows() if t != "Intercept")
        return (f"InfluenceModelResult(outcome={self.outcome}, n={self.n}, teams={self.n_teams}, "
                f"organisations={self.n_organisations}, converged={self.converged}, {coefs})")

    def to_frame(self) -> pd.DataFrame:
        """Coefficient table with a Dutch label per term and a ``kind`` column."""
        out = self.coefficients.copy()
        out.insert(0, "label", [self.labels.get(t, t) for t in out.index])
        out["kind"] = [self.term_kind.get(t, "") for t in out.index]
        return out

    @property
    def explained_by_level(self) -> pd.Series:
        """Share of the empty model's variance at each level that the predictors explain.

        ``(τ²_empty − τ²_model) / τ²_empty`` for organisation, team and residual (Raudenbush &
        Bryk 2002; Snijders & Bosker 2012, §7.1). It can be negative (a predictor that differs
        less between teams than the outcome does); NaN where the empty model has (practically) no variance there.
        """
        empty, full = self.empty_variance_components, self.variance_components
        if empty is None:
            return pd.Series({level: float("nan") for level in _LEVELS}, name="explained")
        out = {}
        for level in _LEVELS:
            e, f = empty.get(level, float("nan")), full.get(level, float("nan"))
            out[level] = (e - f) / e if e > 0 and not _near_zero(empty, level) else float("nan")
        return pd.Series(out, name="explained")

    def _term_text(self, term: str) -> str:
        r = self.coefficients.loc[term]
        sym = "β" if self.standardized else "b"
        return f"{sym} = {number(r.estimate)}; 95%-BI {number(r.ci_low)} tot {number(r.ci_high)}"

    def summary_nl(self) -> str:
        """Plain Dutch sentences describing the result, for reports and notebooks.

        One story: first the empty model (how much of the differences lies between teams and
        organisations), then the factors, then what they explain overall and at each level. A
        model that could not be estimated reliably gets that message and no conclusions.
        """
        if not self.converged:
            return (f"{self.message} Daarom worden uit dit model geen conclusies getrokken. "
                    + self._sample_sentence())
        out_label = _lower_first(self.labels.get(self.outcome, self.outcome))
        sentences = [*self._empty_model_sentences(out_label), *self._coefficient_sentences(out_label)]
        if self.standardized:
            sentences.append("β is een gestandaardiseerde coëfficiënt: het verschil in "
                             f"{out_label} (in standaarddeviaties) bij één standaarddeviatie meer van de factor, "
                             "terwijl de andere factoren gelijk blijven.")
        covs = sorted({self.labels.get(t, t).split(":")[0] for t, k in self.term_kind.items() if k == "covariate"})
        if covs:
            sentences.append("Gecorrigeerd voor " + word_list(covs) + ".")
        sentences.extend(self._explained_sentences(out_label))
        sentences.append(self._sample_sentence())
        sentences.extend(self.notes)
        return " ".join(sentences)

    def _empty_model_sentences(self, out_label: str) -> list[str]:
        shares = self.variance_shares
        if "leeg model" not in shares.index:
            return []
        team, org = shares.loc["leeg model", "team"], shares.loc["leeg model", "organisation"]
        return [f"Zonder de factoren (leeg model) ligt {percent(team)} van de verschillen in {out_label} tussen teams"
                + (f" en {percent(org)} tussen organisaties" if not math.isnan(org) else "")
                + "; de rest zit tussen personen binnen teams."]

    def _coefficient_sentences(self, out_label: str) -> list[str]:
        main = [t for t, k in self.term_kind.items() if k in ("predictor", "between", "within")]
        coefs = self.coefficients.loc[main]
        if not len(coefs):
            return []
        order = coefs["estimate"].abs().sort_values(ascending=False).index
        sig = [t for t in order if coefs.loc[t, "ci_low"] > 0 or coefs.loc[t, "ci_high"] < 0]
        nonsig = [t for t in order if t not in sig]
        if not sig:
            return [f"Geen van de factoren hangt duidelijk samen met {out_label} "
                    "(alle 95%-betrouwbaarheidsintervallen omvatten 0)."]
        first = sig[0]
        direction = "" if coefs.loc[first, "estimate"] > 0 else " (negatief)"
        out = [f"{self.labels[first]} hangt het sterkst{direction} samen met {out_label} ({self._term_text(first)})."]
        if sig[1:]:
            parts = [f"{_lower_first(self.labels[t])}{'' if coefs.loc[t, 'estimate'] > 0 else ' (negatief)'} "
                     f"({self._term_text(t)})" for t in sig[1:]]
            out.append("Daarna volgen " + word_list(parts) + ".")
        if nonsig:
            parts = [f"{_lower_first(self.labels[t])} ({self._term_text(t)})" for t in nonsig]
            out.append("Geen duidelijk verband (het 95%-BI omvat 0) voor " + word_list(parts) + ".")
        return out

    def _explained_sentences(self, out_label: str) -> list[str]:
        out = []
        if not math.isnan(self.r2_marginal):
            out.append(f"De factoren samen verklaren {percent(self.r2_marginal)} van alle verschillen in {out_label} "
                       "(marginale R²).")
        if self.empty_variance_components is None:
            return out
        parts = [f"{percent(share) if share > 0 else 'niets'} van de verschillen tussen {_LEVEL_NL[level]}"
                 for level, share in self.explained_by_level.items() if not math.isnan(share)]
        if parts:
            out.append("Vergeleken met het lege model verklaren ze " + word_list(parts) + ".")
        return out + self._vanished_variance_sentences()

    def _vanished_variance_sentences(self) -> list[str]:
        """Say it when the organisation or team variance is (practically) zero, and in which model."""
        out = []
        for level in ("organisation", "team"):
            if not _near_zero(self.variance_components, level):
                continue
            if _near_zero(self.empty_variance_components, level):
                out.append(f"Ook zonder de factoren is er (vrijwel) geen variantie tussen {_LEVEL_NL[level]}.")
            else:
                out.append(f"In het model met de factoren blijft er (vrijwel) geen variantie tussen {_LEVEL_NL[level]} "
                           "over: de factoren verklaren die verschillen.")
        return out

    def _sample_sentence(self) -> str:
        return (f"Gebaseerd op {integer(self.n)} respondenten in {integer(self.n_teams)} teams van "
                f"{plural(self.n_organisations, 'organisatie', 'organisaties')}"
                + (f"; {self.n_dropped} respondenten zijn weggelaten wegens ontbrekende antwoorden."
                   if self.n_dropped else "."))


def _near_zero(components: pd.Series, level: str) -> bool:
    """Whether the variance at ``level`` is below NEAR_ZERO_SHARE of the total (NaN: no such level)."""
    total = float(np.nansum(components.reindex(list(_LEVELS)).to_numpy()))
    value = components.get(level, float("nan"))
    return not math.isnan(value) and value < NEAR_ZERO_SHARE * total



def _zscore(x: pd.Series) -> pd.Series:
    return (x - x.mean()) / x.std(ddof=1)


def _as_list(value) -> list:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


@dataclass(frozen=True)
class _ModelSpec:
    """The arguments of :func:`influence_model`, checked."""

    outcome: str
    predictors: tuple[str, ...]
    covariates: tuple[str, ...]
    within_between: tuple[str, ...]
    org_col: str | None
    team_col: str
    random_slope: str | None


def _model_spec(data, outcome, predictors, covariates, within_between, groups, random_slope) -> _ModelSpec:
    predictors, covariates, within_between = _as_list(predictors), _as_list(covariates), _as_list(within_between)
    predictors += [p for p in within_between if p not in predictors]
    if not predictors:
        raise AnalysisError("Geef minstens één voorspeller (invloedsfactor) op.")
    if outcome in predictors:
        raise AnalysisError(f"'{outcome}' staat zowel als uitkomst als als voorspeller in het model.")
    groups = _as_list(groups)
    if len(groups) not in (1, 2):
        raise AnalysisError("groups moet (organisatiekolom, teamkolom) of één teamkolom zijn.")
    org_col, team_col = (None, groups[0]) if len(groups) == 1 else groups
    for col in [c for c in (org_col, team_col) if c is not None] + covariates:
        if col not in data.columns:
            raise AnalysisError(f"Kolom '{col}' staat niet in de data.")
    if random_slope is not None and random_slope not in predictors + covariates:
        raise AnalysisError(f"Een willekeurige helling kan alleen voor een variabele uit het model; "
                            f"'{random_slope}' staat er niet in.")
    return _ModelSpec(outcome, tuple(predictors), tuple(covariates), tuple(within_between), org_col, team_col,
                      random_slope)


def _analysis_frame(data, spec: _ModelSpec, cb):
    """Outcome, predictors (scored scales), covariates and group keys; complete rows only."""
    values = resolve_variables(data, [spec.outcome, *spec.predictors], codebook=cb)
    for name in values.columns:
        values[name] = _numeric(values[name], name)
    frame = values.copy()
    for cov in spec.covariates:
        frame[cov] = data[cov]
    frame["_org"] = _group_key(data, spec.org_col) if spec.org_col else "alle"
    frame["_team"] = _group_key(data, [spec.org_col, spec.team_col] if spec.org_col else spec.team_col)
    complete = frame.dropna()
    if len(complete) == 0:
        raise AnalysisError(f"Na het weglaten van ontbrekende antwoorden blijven geen respondenten over voor "
                            f"'{spec.outcome}'.")
    n_teams = complete["_team"].nunique()
    if n_teams < MIN_TEAMS:
        raise AnalysisError(f"Te weinig teams voor een multilevelmodel: {n_teams} teams met volledige antwoorden, "
                            f"minstens {MIN_TEAMS} nodig.")
    return complete, len(frame) - len(complete)


def _no_variance(name, labels) -> AnalysisError:
    return AnalysisError(f"Variabele '{labels.get(name, COVARIATE_LABELS.get(name, name))}' ({name}) heeft geen "
                         "variantie in de analysegroep; laat haar weg uit het model.")


def _split_within_between(x: pd.Series, team: pd.Series, name: str, label: str):
    """Team mean and deviation from it (centring within cluster)."""
    between = x.groupby(team).transform("mean")
    within = x - between
    for part, where in ((within, "binnen"), (between, "tussen")):
        if not part.std(ddof=1) > 1e-12:
            raise AnalysisError(f"'{label}' ({name}) varieert niet {where} teams; splitsen in binnen en tussen "
                                "teams kan dan niet.")
    return between, within


def _covariate_columns(col: pd.Series, cov: str, standardize: bool, labels: dict, kind: dict,
                       level_labels: dict | None = None) -> dict:
    """Design columns of one covariate: numeric as it is (z-scored), text as dummies against a reference.

    ``level_labels`` (code -> the codebook's label, in codebook order) names the dummies for a reader; the
    reference category is the codebook's first category present in the data, else the most frequent level.
    """
    cov_label = COVARIATE_LABELS.get(cov, cov)
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        col = col.astype("float64")
        if not col.std(ddof=1) > 0:
            raise _no_variance(cov, labels)
        labels[cov], kind[cov] = cov_label, "covariate"
        return {cov: (_zscore(col) if standardize else col).to_numpy()}
    col = col.astype(str)
    levels = col.value_counts()
    if len(levels) < 2:
        raise _no_variance(cov, labels)
    named = level_labels or {}
    ref = next((code for code in named if code in levels.index), levels.index[0])
    out = {}
    for level in sorted(levels.index):
        if level != ref:
            term = f"{cov}={level}"
            out[term] = (col == level).astype(float).to_numpy()
            labels[term] = f"{cov_label}: {named.get(level, level)} (t.o.v. {named.get(ref, ref)})"
            kind[term] = "covariate"
    return out


def _design(frame, spec: _ModelSpec, labels: dict, standardize: bool, codebook=None):
    """Outcome vector, fixed-effects matrix (DataFrame) and the kind of every term.

    Dummies of a categorical covariate are named with the ``codebook``'s labels of its categories.
    """
    for name in [spec.outcome, *spec.predictors]:
        if not frame[name].std(ddof=1) > 0:
            raise _no_variance(name, labels)
    y = _zscore(frame[spec.outcome]) if standardize else frame[spec.outcome]
    columns, kind = {"Intercept": np.ones(len(frame))}, {"Intercept": "intercept"}
    for p in spec.predictors:
        x = _zscore(frame[p]) if standardize else frame[p]
        if p in spec.within_between:
            between, within = _split_within_between(x, frame["_team"], p, labels[p])
            columns[f"{p}_between"], columns[f"{p}_within"] = between.to_numpy(), within.to_numpy()
            labels[f"{p}_between"], labels[f"{p}_within"] = f"{labels[p]} (tussen teams)", f"{labels[p]} (binnen teams)"
            kind[f"{p}_between"], kind[f"{p}_within"] = "between", "within"
        else:
            columns[p], kind[p] = x.to_numpy(), "predictor"
    for cov in spec.covariates:
        level_labels = codebook.value_labels(cov) if codebook is not None else None
        columns.update(_covariate_columns(frame[cov], cov, standardize, labels, kind, level_labels))
    X = pd.DataFrame(columns, index=frame.index)
    if len(frame) < X.shape[1] + 3:
        raise AnalysisError(f"Te weinig respondenten ({len(frame)}) voor {X.shape[1]} termen in het model.")
    if np.linalg.matrix_rank(X.to_numpy()) < X.shape[1]:
        raise AnalysisError("De voorspellers zijn lineair afhankelijk (bijvoorbeeld een covariaat die samenvalt met "
                            "een andere); laat er één weg.")
    return y.to_numpy(dtype=float), X, kind


def _random_terms(frame, spec: _ModelSpec, X: pd.DataFrame, *, slope: bool):
    """Random intercepts for team (with the random slope) and, with two or more organisations, organisation."""
    team = frame["_team"].astype(str).to_numpy()
    slope_column = None
    if slope and spec.random_slope is not None:
        slope_column = f"{spec.random_slope}_within" if spec.random_slope in spec.within_between else spec.random_slope
        if slope_column not in X.columns:
            raise AnalysisError(f"Een willekeurige helling kan alleen voor een getalsvariabele; '{spec.random_slope}' "
                                "is een categorie.")
    terms = [RandomTerm.with_slope("team", team, X[slope_column].to_numpy(), slope_column) if slope_column
             else RandomTerm.intercept("team", team)]
    if spec.org_col is not None and frame["_org"].nunique() >= 2:
        terms.append(RandomTerm.intercept("organisation", frame["_org"].astype(str).to_numpy()))
    return terms, slope_column


def _components(fit, slope_column) -> pd.Series:
    """organisation / team / residual variances (+ team_slope, team_intercept_slope_cov) of a fit."""
    cov = fit.covariances
    out = {"organisation": float(cov["organisation"].iloc[0, 0]) if "organisation" in cov else float("nan"),
           "team": float(cov["team"].iloc[0, 0]), "residual": fit.sigma2}
    if slope_column is not None:
        out["team_slope"] = float(cov["team"].iloc[1, 1])
        out["team_intercept_slope_cov"] = float(cov["team"].iloc[0, 1])
    return pd.Series(out, name="variance")


def _coefficient_table(fit) -> pd.DataFrame:
    fe, se = fit.beta.to_numpy(), fit.se.to_numpy()
    z = stats.norm.ppf(0.975)
    return pd.DataFrame({"estimate": fe, "se": se, "ci_low": fe - z * se, "ci_high": fe + z * se,
                         "p": 2 * stats.norm.sf(np.abs(fe / se))}, index=pd.Index(fit.beta.index, name="term"))


def _r_squared(fit, X: pd.DataFrame, slope_column) -> tuple[float, float]:
    """Nakagawa & Schielzeth (2013) marginal and conditional R²; with a random slope the random-effect
    variance is its mean over the rows (Johnson 2014)."""
    var_fixed = float(np.var(X.to_numpy() @ fit.beta.to_numpy(), ddof=1))
    team = fit.covariances["team"].to_numpy()
    if slope_column is not None:
        z = np.column_stack([np.ones(len(X)), X[slope_column].to_numpy()])
        var_team = float(np.mean(np.einsum("ij,jk,ik->i", z, team, z)))
    else:
        var_team = float(team[0, 0])
    var_org = float(fit.covariances["organisation"].iloc[0, 0]) if "organisation" in fit.covariances else 0.0
    total = var_fixed + var_team + var_org + fit.sigma2
    return var_fixed / total, (var_fixed + var_team + var_org) / total


def _shares(components: pd.Series) -> list[float]:
    parts = components.reindex(list(_LEVELS))
    total = float(np.nansum(parts.to_numpy()))
    return [float(v) / total if not math.isnan(v) else float("nan") for v in parts]


@single_blas_thread
def influence_model(data: pd.DataFrame, outcome: str, predictors, *, groups=("organisation", "team"),
                    standardize: bool = True, covariates=(), within_between=(), random_slope: str | None = None,
                    reml: bool = True, codebook=None) -> InfluenceModelResult:
    """Multilevel regression of an outcome (e.g. informal learning) on influence factors.

    Parameters
    ----------
    data : DataFrame
        One row per respondent (one round; several rounds repeat people, so fit per round).
    outcome : str
        Scale code (``"IWL"``) or numeric column.
    predictors : list of str
        Scale codes or numeric columns (``["REFL", "EXPR", "LEID", "ZICHT", ...]``).
    groups : (str, str) or str
        ``(organisation column, team column)`` for random intercepts of organisation and team
        within organisation; a single column gives team random intercepts only.
    standardize : bool
        z-score the outcome and all continuous predictors/covariates over the analysis sample,
        so estimates are standardised coefficients (β).
    covariates : list of str
        Background columns: numeric ones (``team_size``, ``tenure``) enter as they are (z-scored
        when ``standardize``), text ones (``role``, ``sector``) as dummies against a reference
        category: the codebook's first category of that column present in the data (the demo:
        ``zorgmedewerker``), otherwise the most frequent level.
    within_between : list of str
        Predictors split into a team mean (``<name>_between``) and the deviation from it
        (``<name>_within``): centring within cluster, so the within-team and between-team
        associations are estimated separately (Enders & Tofighi 2007).
    random_slope : str, optional
        One predictor (or numeric covariate) whose effect may differ between teams:
        ``(1 + x | team)`` in lme4 terms, intercept and slope correlated. For a predictor in
        ``within_between`` the slope is that of its within-team part.
    reml : bool
        REML (default, as ``lmer``) or maximum likelihood (``REML = FALSE``), needed to compare
        models with different predictors by their log-likelihood.
    codebook : Codebook, optional
        For scale codes and Dutch labels (default: the package codebook).

    Returns
    -------
    InfluenceModelResult
        ``.coefficients`` (index: term; columns estimate, se, ci_low, ci_high, p),
        ``.variance_components`` (organisation, team, residual; with a random slope also
        team_slope and team_intercept_slope_cov), ``.empty_variance_components`` (the model
        without predictors), ``.variance_shares`` (rows ``leeg model`` and ``model``: shares of
        organisation, team, residual in the total variance), ``.explained_by_level``, ``.n``,
        ``.n_teams``, ``.n_organisations``, ``.n_dropped``, ``.converged`` and ``.message``,
        ``.loglik``, ``.r2_marginal``, ``.r2_conditional``, ``.notes``, ``to_frame()``,
        ``summary_nl()``.

    Raises
    ------
    AnalysisError
        Unknown variable, a predictor without variance (named), fewer than
        :data:`MIN_TEAMS` teams, or too few respondents for the number of terms.

    Notes
    -----
    Model (fitted as ``lme4::lmer`` does, see :func:`informeel_lib.analysis.lmm.fit_lmm`):

    .. math:: y_{ijk} = \\beta_0 + \\sum_p \\beta_p x_{p,ijk} + u_k + v_{jk} + e_{ijk},\\quad
              u_k \\sim N(0, \\tau^2_{org}),\\; v_{jk} \\sim N(0, \\tau^2_{team}),\\; e \\sim N(0, \\sigma^2)

    for person i in team j of organisation k. With one organisation the model has team random
    intercepts only (said in ``.notes``). The fit is searched with several optimisers and
    starting values and only called converged when it is a checked optimum of the
    (REML) likelihood; otherwise ``.converged`` is False, ``.message`` says why in Dutch and
    :meth:`~InfluenceModelResult.summary_nl` draws no conclusions. Rows with a missing value on
    any variable are left out (listwise; the number is ``.n_dropped``). Standard errors are
    lme4's; confidence intervals and p-values are Wald-z based. Variance shares of the empty
    model are the ICCs :math:`\\tau^2_{team} / (\\tau^2_{org} + \\tau^2_{team} + \\sigma^2)` etc.;
    marginal/conditional R² after Nakagawa & Schielzeth (2013). For ``within_between`` the
    (standardised) predictor is split after standardisation, so both parts are in the
    predictor's standard deviations.

    References
    ----------
    Bates, D., Mächler, M., Bolker, B., & Walker, S. (2015). Fitting linear mixed-effects models
    using lme4. *Journal of Statistical Software, 67*(1), 1–48.
    Snijders, T. A. B., & Bosker, R. J. (2012). *Multilevel analysis* (2nd ed.). Sage.
    Enders, C. K., & Tofighi, D. (2007). Centering predictor variables in cross-sectional
    multilevel models. *Psychological Methods, 12*, 121–138.
    Nakagawa, S., & Schielzeth, H. (2013). A general and simple method for obtaining R² from
    generalized linear mixed-effects models. *Methods in Ecology and Evolution, 4*, 133–142.

    Examples
    --------
    R: ``lme4::lmer(scale(IWL) ~ scale(REFL) + scale(EXPR) + ... + (1 | organisation/team), d)``;
    with ``random_slope="REFL"``: ``... + (1 | organisation) + (1 + scale(REFL) | organisation:team)``;
    with ``reml=False``: ``REML = FALSE``.

    >>> from informeel_lib.analysis.scoring import score_scales
    >>> from informeel_lib.synth.example import example_survey
    >>> df = example_survey(300, seed=1)
    >>> df = df.join(score_scales(df))
    >>> res = influence_model(df, "IWL", ["REFL", "EXPR", "LEID", "ZICHT"])
    >>> res.n, res.n_teams
    (300, 24)
    """
    cb = codebook or load_codebook()
    spec = _model_spec(data, outcome, predictors, covariates, within_between, groups, random_slope)
    frame, n_dropped = _analysis_frame(data, spec, cb)
    labels = {name: scale_label(name, cb) for name in (spec.outcome, *spec.predictors)}
    y, X, kind = _design(frame, spec, labels, standardize, cb)
    terms, slope_column = _random_terms(frame, spec, X, slope=True)
    fit = fit_lmm(y, X, terms, reml=reml)
    empty_terms, _ = _random_terms(frame, spec, X, slope=False)
    empty = fit_lmm(y, X[["Intercept"]], empty_terms, reml=reml)
    return _influence_result(spec, frame, X, fit, empty, slope_column, labels, kind, n_dropped, standardize)


def _influence_result(spec, frame, X, fit, empty, slope_column, labels, kind, n_dropped, standardize):
    components = _components(fit, slope_column)
    empty_components = _components(empty, None)
    two_level = "organisation" in fit.covariances
    notes = []
    if spec.org_col is not None and not two_level:
        notes.append("Er is maar één organisatie; het model heeft alleen een willekeurig intercept per team.")
    converged = fit.converged and empty.converged
    message = fit.message or (empty.message.replace("Het model", "Het lege model (zonder factoren)", 1)
                              if empty.message else "")
    shares = pd.DataFrame([_shares(empty_components), _shares(components)], index=["leeg model", "model"],
                          columns=list(_LEVELS))
    r2m, r2c = _r_squared(fit, X, slope_column)
    return InfluenceModelResult(
        outcome=spec.outcome, predictors=spec.predictors, coefficients=_coefficient_table(fit),
        variance_components=components, variance_shares=shares, n=int(len(frame)),
        n_teams=int(frame["_team"].nunique()), n_organisations=int(frame["_org"].nunique()),
        n_dropped=int(n_dropped), converged=converged, standardized=bool(standardize),
        structure="organisatie + team binnen organisatie" if two_level else "team",
        r2_marginal=float(r2m), r2_conditional=float(r2c), labels=labels, term_kind=kind, notes=tuple(notes),
        empty_variance_components=empty_components, reml=fit.reml, random_slope=slope_column,
        loglik=fit.loglik, message=message,
    )
