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

MIN_TEAMS = 5
"""Fewest teams for which a random team intercept is estimated."""


# --- shared helpers -------------------------------------------------------------

def format_nl(value, decimals: int = 2) -> str:
    """A number in Dutch notation: decimal comma, minus sign, ``–`` for missing.

    >>> format_nl(-0.2349)
    '−0,23'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:.{decimals}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return text.replace("-", "\u2212").replace(".", ",")


def format_p_nl(p) -> str:
    """A p-value in Dutch APA style: ``p < 0,001`` or ``p = 0,034``."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "p = –"
    return "p < 0,001" if p < 0.001 else f"p = {format_nl(p, 3)}"


def _group_key(data: pd.DataFrame, group) -> pd.Series:
    """One label per row for a grouping given as a column name or a list of columns (nested)."""
    cols = [group] if isinstance(group, str) else list(group)
    if not cols:
        raise AnalysisError("Geef minstens één groeperingskolom op (bijvoorbeeld 'team').")
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise AnalysisError(f"Groeperingskolom(men) {', '.join(missing)} staan niet in de data.")
    if len(cols) == 1:
        key = data[cols[0]]
        return key.where(key.notna(), None).astype(object)
    parts = data[cols].astype(object)
    key = parts.astype(str).agg(" / ".join, axis=1)
    return key.where(parts.notna().all(axis=1), None)


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
        raise AnalysisError(f"ICC van '{value}': elke groep heeft maar één antwoord, dus er is geen variantie binnen groepen.")
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


def icc(data: pd.DataFrame, value: str, group, *, group_size: str = "k0") -> float:
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

    >>> icc(data, "REFL", ["organisation", "team"])  # doctest: +SKIP
    0.12
    """
    return icc_anova(data, value, group, group_size=group_size).icc1


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


def _item_columns(data, items, codebook):
    """Item columns and which of them are reverse keyed (from the codebook)."""
    cb = codebook or load_codebook()
    if isinstance(items, str):
        if items in cb.scales:
            items = cb.scales[items].item_codes
        else:
            raise AnalysisError(f"'{items}' is geen schaal uit het codeboek; geef een lijst met itemkolommen.")
    items = list(items)
    if len(items) < 1:
        raise AnalysisError("Geef minstens één item op.")
    missing = [i for i in items if i not in data.columns]
    if missing:
        raise AnalysisError(f"Item(s) {', '.join(missing)} staan niet in de data.")
    reverse = set(cb.reverse_items) & set(items)
    return items, reverse


def team_agreement(data: pd.DataFrame, items, group=("organisation", "team"), *, scale_range=(1, 5), min_n: int = 2,
                   codebook=None) -> TeamAgreementResult:
    """Within-team agreement rwg(j) per team, with ICC(1) and ICC(2) of the scale mean.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    items : str or list of str
        Item columns of one scale, or a scale code of the codebook. Items marked reversed in
        the codebook are reverse keyed for the team mean (variances do not change).
    group : str or list of str
        Team grouping; default ``("organisation", "team")`` (nested key).
    scale_range : (int, int)
        Lowest and highest answer; A = max − min + 1 response options.
    min_n : int
        Fewest respondents for an rwg(j) (default 2: a variance needs two answers).

    Returns
    -------
    TeamAgreementResult
        ``.teams``: one row per team with ``group`` (the key), ``n``, ``mean`` (scale mean),
        ``mean_item_var``, ``rwg_j`` and ``note`` (why rwg(j) is missing or truncated);
        ``.icc1``, ``.icc2`` of the respondents' scale means; ``.mean_rwg``, ``.median_rwg``.

    Notes
    -----
    James, Demaree & Wolf (1984), J parallel items, uniform ("no agreement") null distribution:

    .. math:: r_{wg(J)} = \\frac{J(1 - \\bar s^2/\\sigma^2_{EU})}{J(1 - \\bar s^2/\\sigma^2_{EU}) + \\bar s^2/\\sigma^2_{EU}},
              \\qquad \\sigma^2_{EU} = \\frac{A^2 - 1}{12}

    with :math:`\\bar s^2` the mean of the item variances (n − 1 denominator, each item over its
    non-missing answers) within the team. When :math:`\\bar s^2 > \\sigma^2_{EU}` the formula
    leaves [0, 1]; as is customary (James et al. 1984; LeBreton & Senter 2008) such values are
    set to 0 and the note says so. A team with fewer than ``min_n`` respondents gets NaN with a
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
    items, reverse = _item_columns(data, items, codebook)
    lo, hi = scale_range
    a = hi - lo + 1
    sigma2_eu = (a ** 2 - 1) / 12.0
    x = data[items].apply(pd.to_numeric, errors="coerce").astype("float64")
    for it in reverse:
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
        if n < min_n:
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
    notes = []
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

REFERENCE_LEVELS = {"role": "zorgmedewerker"}
"""Reference category per categorical covariate (others: the most frequent level)."""

_COEF_COLUMNS = ["estimate", "se", "ci_low", "ci_high", "p"]


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

    def _term_text(self, term: str) -> str:
        r = self.coefficients.loc[term]
        sym = "β" if self.standardized else "b"
        return (f"{sym} = {format_nl(r.estimate)}; 95%-BI {format_nl(r.ci_low)} tot {format_nl(r.ci_high)}")

    def summary_nl(self) -> str:
        """Plain Dutch sentences describing the result, for reports and notebooks."""
        out_label = _lower_first(self.labels.get(self.outcome, self.outcome))
        main = [t for t, k in self.term_kind.items() if k in ("predictor", "between", "within")]
        coefs = self.coefficients.loc[main]
        sentences = []
        if len(coefs):
            order = coefs["estimate"].abs().sort_values(ascending=False).index
            sig = [t for t in order if coefs.loc[t, "ci_low"] > 0 or coefs.loc[t, "ci_high"] < 0]
            nonsig = [t for t in order if t not in sig]
            if sig:
                first = sig[0]
                direction = "" if coefs.loc[first, "estimate"] > 0 else " (negatief)"
                sentences.append(f"{self.labels[first]} hangt het sterkst{direction} samen met {out_label} "
                                 f"({self._term_text(first)}).")
                rest = sig[1:]
                if rest:
                    parts = [f"{_lower_first(self.labels[t])}"
                             f"{'' if coefs.loc[t, 'estimate'] > 0 else ' (negatief)'} ({self._term_text(t)})"
                             for t in rest]
                    sentences.append("Daarna volgen " + _join_nl(parts) + ".")
            else:
                sentences.append(f"Geen van de factoren hangt duidelijk samen met {out_label} "
                                 "(alle 95%-betrouwbaarheidsintervallen omvatten 0).")
            if sig and nonsig:
                parts = [f"{_lower_first(self.labels[t])} ({self._term_text(t)})" for t in nonsig]
                sentences.append("Geen duidelijk verband (het 95%-BI omvat 0) voor " + _join_nl(parts) + ".")
        if self.standardized:
            sentences.append("β is een gestandaardiseerde coëfficiënt: het verschil in "
                             f"{out_label} (in standaarddeviaties) bij één standaarddeviatie meer van de factor, "
                             "terwijl de andere factoren gelijk blijven.")
        covs = sorted({self.labels.get(t, t).split(":")[0] for t, k in self.term_kind.items() if k == "covariate"})
        if covs:
            sentences.append("Gecorrigeerd voor " + _join_nl(covs) + ".")
        shares = self.variance_shares
        if "leeg model" in shares.index:
            team_share, org_share = shares.loc["leeg model", "team"], shares.loc["leeg model", "organisation"]
            text = (f"Van de verschillen in {out_label} ligt {_pct(team_share)} tussen teams"
                    + (f" en {_pct(org_share)} tussen organisaties" if not math.isnan(org_share) else "")
                    + "; de rest zit tussen personen binnen teams.")
            sentences.append(text)
        if not math.isnan(self.r2_marginal):
            sentences.append(f"De factoren samen verklaren {_pct(self.r2_marginal)} van de verschillen "
                             f"in {out_label} (marginale R²).")
        sentences.append(f"Gebaseerd op {self.n:,} respondenten in {self.n_teams} teams van "
                         f"{self.n_organisations} organisatie{'s' if self.n_organisations != 1 else ''}".replace(",", ".")
                         + (f"; {self.n_dropped} respondenten zijn weggelaten wegens ontbrekende antwoorden."
                            if self.n_dropped else "."))
        sentences.extend(self.notes)
        return " ".join(sentences)


def _join_nl(parts) -> str:
    parts = list(parts)
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " en " + parts[-1]


def _pct(x) -> str:
    if x is None or math.isnan(x):
        return "–"
    return f"{format_nl(100 * x, 0)}%"


def _zscore(x: pd.Series) -> pd.Series:
    return (x - x.mean()) / x.std(ddof=1)


def _fit_mixed(y, X, org, team, *, two_level: bool):
    """Fit a random-intercept model; returns (result, warnings list)."""
    from statsmodels.regression.mixed_linear_model import MixedLM

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if two_level:
            model = MixedLM(y, X, groups=org, exog_re=np.ones((len(y), 1)), exog_vc=_vc_matrices(team, org))
        else:
            model = MixedLM(y, X, groups=team, exog_re=np.ones((len(y), 1)))
        res = model.fit(reml=True, method=["lbfgs", "bfgs", "powell"])
    return res, [str(w.message) for w in caught]


def _vc_matrices(team: np.ndarray, org: np.ndarray):
    """exog_vc for statsmodels: {"team": {org: indicator matrix of the teams within org}}."""
    out = {}
    for g in pd.unique(org):
        idx = org == g
        t = team[idx]
        levels = pd.unique(t)
        out[g] = (t[:, None] == levels[None, :]).astype(float)
    return {"team": out}


def _variance_parts(res, *, two_level: bool):
    if two_level:
        org_var = float(np.asarray(res.cov_re)[0, 0])
        team_var = float(np.asarray(res.vcomp)[0])
    else:
        org_var = float("nan")
        team_var = float(np.asarray(res.cov_re)[0, 0])
    return org_var, team_var, float(res.scale)


def _notes_from_warnings(messages, converged: bool = True) -> list[str]:
    """Dutch notes for fit warnings that matter (convergence problems of the final fit)."""
    notes = []
    text = " ".join(messages).lower()
    if not converged:
        notes.append("Let op: de schatting is mogelijk niet goed geconvergeerd; lees de uitkomsten voorzichtig.")
    return notes


def influence_model(data: pd.DataFrame, outcome: str, predictors, *, groups=("organisation", "team"),
                    standardize: bool = True, covariates=(), within_between=(), codebook=None) -> InfluenceModelResult:
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
        when ``standardize``), text ones (``role``, ``sector``) as dummies; reference category
        ``zorgmedewerker`` for role, otherwise the most frequent level.
    within_between : list of str
        Predictors split into a team mean (``<name>_between``) and the deviation from it
        (``<name>_within``): centring within cluster, so the within-team and between-team
        associations are estimated separately (Enders & Tofighi 2007).
    codebook : Codebook, optional
        For scale codes and Dutch labels (default: the package codebook).

    Returns
    -------
    InfluenceModelResult
        ``.coefficients`` (index: term; columns estimate, se, ci_low, ci_high, p),
        ``.variance_components`` (organisation, team, residual),
        ``.variance_shares`` (rows ``leeg model`` and ``model``: shares of organisation, team,
        residual in the total variance), ``.n``, ``.n_teams``, ``.n_organisations``,
        ``.n_dropped``, ``.converged``, ``.r2_marginal``, ``.r2_conditional``, ``.notes``,
        ``to_frame()``, ``summary_nl()``.

    Raises
    ------
    AnalysisError
        Unknown variable, a predictor without variance (named), fewer than
        :data:`MIN_TEAMS` teams, or too few respondents for the number of terms.

    Notes
    -----
    Model (REML, statsmodels ``MixedLM``):

    .. math:: y_{ijk} = \\beta_0 + \\sum_p \\beta_p x_{p,ijk} + u_k + v_{jk} + e_{ijk},\\quad
              u_k \\sim N(0, \\tau^2_{org}),\\; v_{jk} \\sim N(0, \\tau^2_{team}),\\; e \\sim N(0, \\sigma^2)

    for person i in team j of organisation k: a random intercept per organisation and a variance
    component for team within organisation. With one organisation, or when this fit fails, the
    model falls back to team random intercepts only (said in ``.notes``). Rows with a missing
    value on any variable are left out (listwise; the number is ``.n_dropped``). Confidence
    intervals and p-values are Wald-z based (as statsmodels reports them). Variance shares of the
    empty model are the ICCs :math:`\\tau^2_{team} / (\\tau^2_{org} + \\tau^2_{team} + \\sigma^2)`
    etc.; marginal/conditional R² after Nakagawa & Schielzeth (2013):
    :math:`R^2_m = \\mathrm{var}(X\\hat\\beta) / (\\mathrm{var}(X\\hat\\beta) + \\tau^2_{org} + \\tau^2_{team} + \\sigma^2)`.
    For ``within_between`` the (standardised) predictor is split after standardisation, so both
    parts are in the predictor's standard deviations.

    References
    ----------
    Snijders, T. A. B., & Bosker, R. J. (2012). *Multilevel analysis* (2nd ed.). Sage.
    Enders, C. K., & Tofighi, D. (2007). Centering predictor variables in cross-sectional
    multilevel models. *Psychological Methods, 12*, 121–138.
    Nakagawa, S., & Schielzeth, H. (2013). A general and simple method for obtaining R² from
    generalized linear mixed-effects models. *Methods in Ecology and Evolution, 4*, 133–142.

    Examples
    --------
    R: ``lme4::lmer(scale(IWL) ~ scale(REFL) + scale(EXPR) + ... + (1 | organisation/team), d)``.

    >>> res = influence_model(data, "IWL", ["REFL", "EXPR", "LEID", "ZICHT"])  # doctest: +SKIP
    >>> print(res.summary_nl())  # doctest: +SKIP
    """
    cb = codebook or load_codebook()
    predictors = list(predictors) if not isinstance(predictors, str) else [predictors]
    within_between = list(within_between) if not isinstance(within_between, str) else [within_between]
    covariates = list(covariates) if not isinstance(covariates, str) else [covariates]
    for name in within_between:
        if name not in predictors:
            predictors.append(name)
    if not predictors:
        raise AnalysisError("Geef minstens één voorspeller (invloedsfactor) op.")
    if outcome in predictors:
        raise AnalysisError(f"'{outcome}' staat zowel als uitkomst als als voorspeller in het model.")
    if isinstance(groups, str):
        org_col, team_col = None, groups
    else:
        groups = list(groups)
        if len(groups) != 2:
            raise AnalysisError("groups moet (organisatiekolom, teamkolom) of één teamkolom zijn.")
        org_col, team_col = groups
    for col in [c for c in (org_col, team_col) if c is not None] + covariates:
        if col not in data.columns:
            raise AnalysisError(f"Kolom '{col}' staat niet in de data.")

    values = resolve_variables(data, [outcome, *predictors], codebook=cb)
    for name in values.columns:
        values[name] = _numeric(values[name], name)
    frame = values.copy()
    for cov in covariates:
        frame[cov] = data[cov]
    frame["_org"] = data[org_col].astype(object) if org_col else "alle"
    frame["_team"] = _group_key(data, [org_col, team_col] if org_col else team_col)
    n_total = len(frame)
    frame = frame.dropna()
    n_dropped = n_total - len(frame)
    labels = {outcome: scale_label(outcome, cb)}
    labels.update({p: scale_label(p, cb) for p in predictors})
    if len(frame) == 0:
        raise AnalysisError(f"Na het weglaten van ontbrekende antwoorden blijven geen respondenten over voor '{outcome}'.")

    n_teams = frame["_team"].nunique()
    n_orgs = frame["_org"].nunique()
    if n_teams < MIN_TEAMS:
        raise AnalysisError(f"Te weinig teams voor een multilevelmodel: {n_teams} teams met volledige antwoorden, "
                            f"minstens {MIN_TEAMS} nodig.")

    def no_variance(name):
        return AnalysisError(f"Variabele '{labels.get(name, COVARIATE_LABELS.get(name, name))}' ({name}) heeft geen "
                             "variantie in de analysegroep; laat haar weg uit het model.")

    for name in [outcome, *predictors]:
        if not frame[name].std(ddof=1) > 0:
            raise no_variance(name)

    # design matrix
    y = frame[outcome]
    if standardize:
        y = _zscore(y)
    X = {"Intercept": np.ones(len(frame))}
    kind = {"Intercept": "intercept"}
    for p in predictors:
        x = _zscore(frame[p]) if standardize else frame[p]
        if p in within_between:
            between = x.groupby(frame["_team"]).transform("mean")
            within = x - between
            if not within.std(ddof=1) > 1e-12:
                raise AnalysisError(f"'{labels[p]}' ({p}) varieert niet binnen teams; splitsen in binnen en tussen "
                                    "teams kan dan niet.")
            if not between.std(ddof=1) > 1e-12:
                raise AnalysisError(f"'{labels[p]}' ({p}) varieert niet tussen teams; splitsen in binnen en tussen "
                                    "teams kan dan niet.")
            X[f"{p}_between"], X[f"{p}_within"] = between.to_numpy(), within.to_numpy()
            labels[f"{p}_between"] = f"{labels[p]} (tussen teams)"
            labels[f"{p}_within"] = f"{labels[p]} (binnen teams)"
            kind[f"{p}_between"], kind[f"{p}_within"] = "between", "within"
        else:
            X[p] = x.to_numpy()
            kind[p] = "predictor"
    for cov in covariates:
        col = frame[cov]
        cov_label = COVARIATE_LABELS.get(cov, cov)
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            col = col.astype("float64")
            if not col.std(ddof=1) > 0:
                raise no_variance(cov)
            X[cov] = (_zscore(col) if standardize else col).to_numpy()
            labels[cov], kind[cov] = cov_label, "covariate"
            continue
        col = col.astype(str)
        levels = col.value_counts()
        if len(levels) < 2:
            raise no_variance(cov)
        ref = REFERENCE_LEVELS.get(cov)
        if ref not in levels.index:
            ref = levels.index[0]
        for level in sorted(levels.index):
            if level == ref:
                continue
            term = f"{cov}={level}"
            X[term] = (col == level).astype(float).to_numpy()
            labels[term] = f"{cov_label}: {level} (t.o.v. {ref})"
            kind[term] = "covariate"
    Xdf = pd.DataFrame(X, index=frame.index)
    if len(frame) < Xdf.shape[1] + 3:
        raise AnalysisError(f"Te weinig respondenten ({len(frame)}) voor {Xdf.shape[1]} termen in het model.")
    if np.linalg.matrix_rank(Xdf.to_numpy()) < Xdf.shape[1]:
        raise AnalysisError("De voorspellers zijn lineair afhankelijk (bijvoorbeeld een covariaat die samenvalt met "
                            "een andere); laat er één weg.")

    org = frame["_org"].astype(str).to_numpy()
    team = frame["_team"].astype(str).to_numpy()
    yv = y.to_numpy(dtype=float)
    notes = []
    two_level = org_col is not None and n_orgs >= 2
    if org_col is not None and n_orgs < 2:
        notes.append("Er is maar één organisatie; het model heeft alleen een willekeurig intercept per team.")
    res = None
    if two_level:
        try:
            res, msgs = _fit_mixed(yv, Xdf.to_numpy(), org, team, two_level=True)
            if not res.converged:
                raise np.linalg.LinAlgError("not converged")
            notes.extend(_notes_from_warnings(msgs, res.converged))
        except (np.linalg.LinAlgError, ValueError, FloatingPointError):
            res = None
            two_level = False
            notes.append("Het model met organisatie- én teamniveau kon niet geschat worden; daarom is alleen een "
                         "willekeurig intercept per team gebruikt.")
    if res is None:
        try:
            res, msgs = _fit_mixed(yv, Xdf.to_numpy(), org, team, two_level=False)
        except (np.linalg.LinAlgError, ValueError, FloatingPointError) as exc:
            raise AnalysisError(f"Het multilevelmodel kon niet geschat worden ({exc}).") from exc
        notes.extend(_notes_from_warnings(msgs, res.converged))

    fe = np.asarray(res.fe_params, dtype=float)
    se = np.asarray(res.bse_fe, dtype=float)
    z = stats.norm.ppf(0.975)
    with np.errstate(divide="ignore", invalid="ignore"):
        pvals = 2 * stats.norm.sf(np.abs(fe / se))
    coefs = pd.DataFrame({"estimate": fe, "se": se, "ci_low": fe - z * se, "ci_high": fe + z * se, "p": pvals},
                         index=pd.Index(Xdf.columns, name="term"))
    org_var, team_var, resid = _variance_parts(res, two_level=two_level)
    components = pd.Series({"organisation": org_var, "team": team_var, "residual": resid}, name="variance")
    total = np.nansum([org_var, team_var, resid])
    for level, var in (("organisaties", org_var), ("teams", team_var)):
        if not math.isnan(var) and var < 1e-4 * total:
            notes.append(f"De variantie tussen {level} is (vrijwel) 0 in dit model.")

    # empty model on the same sample and structure
    null_res, null_msgs = _fit_mixed(yv, np.ones((len(yv), 1)), org, team, two_level=two_level)
    n_org0, n_team0, n_res0 = _variance_parts(null_res, two_level=two_level)
    shares = pd.DataFrame(
        [_shares(n_org0, n_team0, n_res0), _shares(org_var, team_var, resid)],
        index=["leeg model", "model"], columns=["organisation", "team", "residual"],
    )
    fitted_fixed = Xdf.to_numpy() @ fe
    var_f = float(np.var(fitted_fixed, ddof=1))
    rand = np.nansum([org_var, team_var])
    r2m = var_f / (var_f + rand + resid)
    r2c = (var_f + rand) / (var_f + rand + resid)
    converged = bool(res.converged) and bool(null_res.converged)
    if not null_res.converged:
        notes.append("Let op: het lege model (zonder voorspellers) is mogelijk niet geconvergeerd.")
    return InfluenceModelResult(
        outcome=outcome, predictors=tuple(predictors), coefficients=coefs, variance_components=components,
        variance_shares=shares, n=int(len(frame)), n_teams=int(n_teams), n_organisations=int(n_orgs),
        n_dropped=int(n_dropped), converged=converged, standardized=bool(standardize),
        structure="organisatie + team binnen organisatie" if two_level else "team",
        r2_marginal=float(r2m), r2_conditional=float(r2c), labels=labels, term_kind=kind, notes=tuple(notes),
    )


def _shares(org_var, team_var, resid):
    total = np.nansum([org_var, team_var, resid])
    return [org_var / total if not math.isnan(org_var) else float("nan"), team_var / total, resid / total]
