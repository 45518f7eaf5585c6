"""Reliability of a scale: Cronbach's alpha (raw and standardised, Feldt and bootstrap CI),
McDonald's omega total and an item analysis, with the numbers of R's ``psych::alpha`` and
``psych::omega``.

Missing values are handled pairwise, as psych does: the covariance of two items uses every
respondent who answered both (``cov(x, use = "pairwise")``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special, stats

from ..codebook import load_codebook
from ..errors import AnalysisError
from .factors import one_factor_minres
from .moments import check_rows, check_spread, item_array, pairwise_cov, pairwise_moments, single_blas_thread
from .polychoric import CORRELATIONS, check_cor, correlation_matrix
from .scoring import observed_range


@dataclass(frozen=True)
class ReliabilityResult:
    """Reliability of one scale (see :func:`reliability`)."""

    alpha: float
    std_alpha: float
    alpha_ci: tuple[float, float]
    omega_total: float
    average_r: float
    n: int
    n_items: int
    items: pd.DataFrame
    ci: float = 0.95
    bootstrap_ci: tuple[float, float] | None = None
    reverse: tuple[str, ...] = ()
    cor: str = "pearson"

    def __repr__(self):
        lo, hi = self.alpha_ci
        boot = ("" if self.bootstrap_ci is None
                else f", bootstrap_ci=({self.bootstrap_ci[0]:.3f}, {self.bootstrap_ci[1]:.3f})")
        kind = "" if self.cor == "pearson" else f", cor={self.cor!r}"
        return (f"ReliabilityResult(alpha={self.alpha:.3f} [{self.ci:.0%} CI {lo:.3f}, {hi:.3f}], "
                f"std_alpha={self.std_alpha:.3f}, omega_total={self.omega_total:.3f}, average_r={self.average_r:.3f}, "
                f"n={self.n}, items={self.n_items}{boot}{kind})")

    def to_frame(self) -> pd.DataFrame:
        """One-row summary: alpha, its CI, std_alpha, omega_total, average_r, n, n_items."""
        row = {"alpha": self.alpha, "ci_low": self.alpha_ci[0], "ci_high": self.alpha_ci[1],
               "std_alpha": self.std_alpha, "omega_total": self.omega_total, "average_r": self.average_r,
               "n": self.n, "n_items": self.n_items}
        if self.bootstrap_ci is not None:
            row["boot_low"], row["boot_high"] = self.bootstrap_ci
        return pd.DataFrame([row])


def _alpha_from_cov(c: np.ndarray) -> float:
    k = c.shape[0]
    return float((1 - np.trace(c) / c.sum()) * k / (k - 1))


def _std_alpha(r: np.ndarray) -> tuple[float, float]:
    k = r.shape[0]
    s = r.sum()
    return float((1 - k / s) * k / (k - 1)), float((s - k) / (k * (k - 1)))


def feldt_ci(alpha: float, n: int, k: int, ci: float = 0.95) -> tuple[float, float]:
    """Feldt's confidence interval for alpha, as ``psych::alpha.ci`` / pingouin.

    Notes
    -----
    :math:`1 - (1-\\alpha) F_{1-p/2}(n-1, (n-1)(k-1))` to :math:`1 - (1-\\alpha) F_{p/2}(\\cdot)`
    with :math:`p = 1 - ci`.

    References
    ----------
    Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987). Statistical inference for
    coefficient alpha. *Applied Psychological Measurement*, 11, 93-103.
    """
    p = 1 - ci
    d1, d2 = n - 1, (n - 1) * (k - 1)
    if d1 > 0 and d2 > 0 and 0 < p < 1:      # the quantiles directly (scipy's f.ppf is this plus checks)
        return (float(1 - (1 - alpha) * special.fdtri(d1, d2, 1 - p / 2)),
                float(1 - (1 - alpha) * special.fdtri(d1, d2, p / 2)))
    return (float(1 - (1 - alpha) * stats.f.ppf(1 - p / 2, d1, d2)),
            float(1 - (1 - alpha) * stats.f.ppf(p / 2, d1, d2)))


def _resolve_range(x, columns, reverse, scale_range, codebook=None):
    """The response scale used to reverse items: explicit, else the codebook's, else the data's.

    The last fallback is what ``psych::alpha`` does (``max + min`` of all items); it is only right
    when some respondent used both ends of the scale, so we say so in a warning.
    """
    if scale_range is not None or not reverse:
        return scale_range
    cb = codebook or load_codebook()
    if all(c in cb.item_codes for c in columns):
        ranges = {cb.item_range(c) for c in columns}
        if len(ranges) == 1:
            return ranges.pop()
    return observed_range(x, reverse, like="alpha", stacklevel=6)  # past _reverse_bounds, reliability, its BLAS wrapper


# Largest squared mean / variance for which covariances are taken from the raw cross products.
_MAX_MEAN2_OVER_VAR = 100.0


def _complete_moments(x: np.ndarray):
    """Means and covariance matrix of complete data whose items all vary, in two passes (means
    and one cross product, no centred copy); None when a value is missing, an item is constant
    (or nearly) or the mean is large relative to the spread, so that the general path with its
    checks and centred sums is used.

    Notes
    -----
    :math:`C = (X X^T - n \\bar x \\bar x^T) / (n - 1)`. The rounding error of a covariance, relative
    to :math:`s_i s_j`, is at most about :math:`(1 + \\bar x_i^2/s_i^2)` times that of centred sums,
    so this is used only when :math:`\\bar x_i^2 \\le 100 s_i^2` for every item (Likert items
    are far inside; for integer answers the cross products are exact). A constant item never
    passes (its computed variance is rounding noise, at most about :math:`n \\epsilon \\bar x^2`, far
    below :math:`\\bar x^2 / 100` for any n that fits in memory), nor does a missing value (the
    mean is NaN), so the checks of ``check_spread`` cannot fail here.
    """
    k, n = x.shape
    if n < 2:
        return None
    means = x.mean(axis=1)
    if not np.isfinite(means).all():
        return None
    c = x @ x.T
    c -= n * np.outer(means, means)
    c /= n - 1
    var = np.diag(c)
    if not (np.isfinite(c).all() and (var > 0).all() and (means**2 <= _MAX_MEAN2_OVER_VAR * var).all()):
        return None
    return means, c


def _omega_total(r: np.ndarray, columns=None) -> float:
    load = one_factor_minres(r)
    if columns is not None and (load < 0).any():
        _warn_negative_loadings([c for c, value in zip(columns, load) if value < 0])
    key = np.where(load < 0, -1.0, 1.0)      # psych::omega flips negatively loading items itself
    vt = (r * np.outer(key, key)).sum()
    return float((vt - (1 - load**2).sum()) / vt)


def _warn_negative_loadings(items) -> None:
    """Omega flips negatively loading items, alpha does not: a high omega next to a low alpha then
    hides items that should have been reversed (issue 10)."""
    warnings.warn(
        f"Item(s) {', '.join(items)} laden negatief op de schaal (na het omkeren van de opgegeven items). "
        "omega_total keert zulke items zelf om, zoals psych::omega, maar alpha niet: een hoge omega naast een lage "
        "alpha wijst op items die nog omgescoord moeten worden. Geef ze op in reverse= of markeer ze als omgekeerd "
        "in het codeboek.",
        UserWarning, stacklevel=5,     # past _omega_total, reliability and its BLAS wrapper: the caller
    )


@single_blas_thread
def reliability(items, reverse=None, *, scale_range=None, ci: float = 0.95, bootstrap: int = 0, seed: int = 0,
                use: str = "pairwise", cor: str = "pearson", codebook=None) -> ReliabilityResult:
    """Cronbach's alpha, omega total and item analysis of one scale, as ``psych::alpha`` and ``psych::omega``.

    Parameters
    ----------
    items : DataFrame
        The scale's items (respondents x items), raw answers, NaN = missing.
    reverse : list of str, optional
        Items to reverse-key (:math:`x' = \\min + \\max - x`) before the analysis.
    scale_range : (min, max), optional
        Response scale for reversing. Default: the codebook's when all items are codebook
        items; otherwise the smallest and largest value in the data, as ``psych::alpha`` does
        (with a warning: give it explicitly when not every answer option was used).
    ci : float
        Level of the Feldt (and bootstrap) confidence interval.
    bootstrap : int
        Number of bootstrap resamples of respondents for a percentile CI (0 = none).
    seed : int
        Seed for the bootstrap.
    use : {"pairwise", "complete"}
        Pairwise-complete covariances (default, as psych) or listwise deletion first.
    cor : {"pearson", "poly", "tet"}
        ``"poly"`` gives ordinal alpha and omega (Zumbo et al., 2007): alpha, r_drop,
        alpha_if_dropped and omega computed on the polychoric correlation matrix
        (``psych::alpha(polychoric(x)$rho)``); ``"tet"`` the same on tetrachoric correlations
        for two-category items. Item means and sd stay those of the answers.
    codebook : Codebook, optional
        Whose response scales give the default ``scale_range`` (default: the package codebook).

    Returns
    -------
    ReliabilityResult
        ``alpha`` (psych's raw_alpha), ``std_alpha``, ``alpha_ci`` (Feldt), ``bootstrap_ci``,
        ``omega_total``, ``average_r``, ``n``, ``n_items`` and ``items``: per item ``n``
        (answers), ``mean`` and ``sd`` (after reverse keying, as psych), ``r_drop``
        (correlation with the sum of the other items) and ``alpha_if_dropped``.

    Raises
    ------
    AnalysisError
        Fewer than two items; an item constant or never answered (named); values outside the
        scale range of a reversed item; reversing without a known scale range.

    Warns
    -----
    UserWarning
        In Dutch, naming items that load negatively on the scale after the declared reversals:
        omega flips them (as psych::omega does), alpha does not.

    Notes
    -----
    With C the pairwise covariance matrix of the (reversed) items and k items:
    :math:`\\alpha = \\frac{k}{k-1}(1 - \\mathrm{tr}\\,C / \\sum C)`; std_alpha the same on
    :math:`R = \\mathrm{cov2cor}(C)`; average_r the mean off-diagonal of R;
    r_drop :math:`= (\\sum_j C_{ij} - C_{ii}) / \\sqrt{C_{ii} \\sum C_{-i,-i}}`.
    ``n`` is the number of respondents who answered at least one item; psych uses all rows
    (the same for data without empty rows) for the Feldt CI.
    Omega total follows ``psych::omega(x, nfactors = 1)``: a one-factor minres solution of
    the pairwise correlation matrix, items with negative loadings flipped, and
    :math:`\\omega_t = (V_t - \\sum u^2_i)/V_t` with :math:`V_t` the sum of the flipped
    correlation matrix (so reverse keying does not change omega). For two items
    ``alpha_if_dropped`` is NaN (alpha of one item is undefined).

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    *Psychometrika*, 16, 297-334. McDonald, R. P. (1999). *Test theory: A unified treatment*.
    Zumbo, B. D., Gadermann, A. M., & Zeisser, C. (2007). Ordinal versions of coefficients alpha
    and theta for Likert rating scales. *Journal of Modern Applied Statistical Methods*, 6, 21-29.

    Examples
    --------
    R: ``psych::alpha(items, keys = c("A1"))`` and
    ``psych::omega(items, nfactors = 1)$omega.tot``; ordinal:
    ``psych::alpha(polychoric(items)$rho, keys = c("A1"))``.

    >>> from informeel_lib.synth.example import example_survey
    >>> df = example_survey(300, seed=1)
    >>> res = reliability(df[["REFL1", "REFL2", "REFL3", "REFL4", "REFL5"]], reverse=["REFL4"], scale_range=(1, 5))
    >>> round(res.alpha, 2), res.items.r_drop.round(2).tolist()
    (0.79, [0.52, 0.54, 0.69, 0.58, 0.51])
    """
    if not 0 < ci < 1:
        raise AnalysisError(f"ci moet tussen 0 en 1 liggen, bijvoorbeeld 0.95, niet {ci!r}.")
    if use not in ("pairwise", "complete"):
        raise AnalysisError("use moet 'pairwise' of 'complete' zijn.")
    check_cor(cor)
    what = "de betrouwbaarheidsanalyse"
    # One float array, items x respondents, for all passes below (may be a view of ``items``: never changed).
    answers, columns = item_array(items, what=what)
    fast = _complete_moments(answers)            # (means, covariances) of complete data, else None
    if fast is None:
        check_spread(answers, columns, what=what)
    check_rows(answers, 3, what=what)
    reverse = _reverse_list(reverse, columns)
    bounds = _reverse_bounds(answers, columns, reverse, scale_range, codebook)
    x = answers if fast is not None else _usable_rows(answers, columns, use, what)
    k, n = x.shape
    if n < 3:
        raise AnalysisError(f"Voor de betrouwbaarheidsanalyse zijn minstens 3 respondenten nodig; er zijn er {n}.")
    # moments once, of the answers as given; reversing x' = lo + hi - x then only flips signs
    item_mean, c, item_n, r_pw = _item_moments(x, fast, columns)
    flip = np.array([-1.0 if name in reverse else 1.0 for name in columns])
    if reverse:
        lo, hi = bounds
        item_mean = np.where(flip < 0, lo + hi - item_mean, item_mean)
        c = c * np.outer(flip, flip)
        r_pw = None if r_pw is None else r_pw * np.outer(flip, flip)
    diag = np.diag(c).copy()
    sd = np.sqrt(diag)
    r = c / np.outer(sd, sd)
    if r_pw is None:
        r_pw = r.copy()
        np.fill_diagonal(r_pw, 1.0)              # as cor(): an exact unit diagonal
    if cor != "pearson":                         # ordinal alpha: everything below on the latent correlations
        c = r = r_pw = _ordinal_matrix(answers, columns, reverse, cor, complete=use == "complete")
        diag = np.ones(k)
    alpha, std_alpha, av_r, r_drop, alpha_drop = _alpha_statistics(c, r, diag)
    table = pd.DataFrame({
        "n": item_n,
        "mean": item_mean,
        "sd": sd,
        "r_drop": r_drop,
        "alpha_if_dropped": alpha_drop,
        "reversed": [name in reverse for name in columns],
    }, index=pd.Index(columns, name="item"))
    boot = None
    if bootstrap:
        keyed = _reverse_keyed(x, flip, bounds)
        boot = _bootstrap_ci(keyed.T, int(bootstrap), seed, ci, cor)
    return ReliabilityResult(
        alpha=alpha, std_alpha=std_alpha, alpha_ci=feldt_ci(alpha, n, k, ci), omega_total=_omega_total(r_pw, columns),
        average_r=av_r, n=int(n), n_items=int(k), items=table, ci=ci, bootstrap_ci=boot, reverse=tuple(reverse),
        cor=cor,
    )


def _reverse_list(reverse, columns) -> list[str]:
    """``reverse`` as a list of item names, all among ``columns``."""
    reverse = [] if reverse is None else ([reverse] if isinstance(reverse, str) else [str(r) for r in reverse])
    unknown = [r for r in reverse if r not in columns]
    if unknown:
        raise AnalysisError(f"Om te keren item(s) {', '.join(unknown)} staan niet tussen de items.")
    return reverse


def _reverse_bounds(x, columns, reverse, scale_range, codebook=None) -> tuple[float, float] | None:
    """(lo, hi) to reverse with (see :func:`_resolve_range`); None without reversed items.
    A value of a reversed item outside it is an error: reversing would move it off the scale."""
    rng = _resolve_range(x, columns, reverse, scale_range, codebook)
    if not reverse:
        return None
    lo, hi = (float(v) for v in rng)
    for name in reverse:
        col = x[columns.index(name)]
        bad = (col < lo) | (col > hi)        # NaN compares False
        if bad.any():
            raise AnalysisError(
                f"Item '{name}' heeft de waarde {col[bad][0]:g} buiten de schaal {lo:g}-{hi:g}; "
                "omkeren kan dan niet. Controleer de data of scale_range."
            )
    return lo, hi


def _usable_rows(x, columns, use: str, what: str) -> np.ndarray:
    """Respondents who answered at least one item; with ``use="complete"`` only those who answered all."""
    miss = np.isnan(x)
    empty = miss.all(axis=0)
    if empty.any():
        x = x[:, ~empty]
    if use == "complete":
        x = x[:, ~np.isnan(x).any(axis=0)]
        if x.shape[1] >= 3:
            check_spread(x, columns, what=what)
    return x


def _item_moments(x, fast, columns):
    """Item means, covariances, answers per item and (pairwise data only) pairwise correlations."""
    k, n = x.shape
    if fast is not None:
        item_mean, c = fast
        return item_mean, c, np.full(k, n), None
    miss = np.isnan(x)
    if not miss.any():
        item_mean = x.mean(axis=1)
        xc = x - item_mean[:, None]
        return item_mean, xc @ xc.T / (n - 1), np.full(k, n), None
    c, r_pw, counts, item_mean = pairwise_moments(x, miss)
    if np.isnan(c).any():
        i, j = np.argwhere(np.isnan(c))[0]
        raise AnalysisError(
            f"De items '{columns[i]}' en '{columns[j]}' zijn door (bijna) niemand allebei beantwoord; "
            "de betrouwbaarheid kan niet berekend worden."
        )
    return item_mean, c, np.diag(counts).astype(np.int64), r_pw


def _alpha_statistics(c: np.ndarray, r: np.ndarray, diag: np.ndarray):
    """alpha, std_alpha, average_r and per item r_drop and alpha_if_dropped from C and R (see reliability)."""
    k = len(diag)
    total = c.sum()
    trace = diag.sum()
    alpha = float((1 - trace / total) * k / (k - 1))
    std_alpha, av_r = _std_alpha(r)
    col_sums = c.sum(axis=0)
    v_drop = total - 2 * col_sums + diag           # sum of C without row and column i
    r_drop = (col_sums - diag) / np.sqrt(diag * v_drop)
    if k > 2:
        alpha_drop = (1 - (trace - diag) / v_drop) * (k - 1) / (k - 2)
    else:
        alpha_drop = np.full(k, np.nan)
    return alpha, std_alpha, av_r, r_drop, alpha_drop


def _reverse_keyed(x: np.ndarray, flip: np.ndarray, bounds) -> np.ndarray:
    """A reverse-keyed copy of ``x`` (items x respondents) for the bootstrap; ``x`` itself if nothing is reversed."""
    if bounds is None:
        return x
    lo, hi = bounds
    keyed = x.copy()
    keyed[flip < 0] = lo + hi - keyed[flip < 0]
    return keyed

def _ordinal_matrix(answers: np.ndarray, columns, reverse, cor: str, *, complete: bool) -> np.ndarray:
    """Polychoric or tetrachoric matrix of the answers (items x respondents, not reverse-keyed).

    Reversing an ordinal item only changes the sign of its latent correlations, so the matrix
    of the answers as given gets its signs flipped, exactly as
    ``psych::alpha(polychoric(x)$rho, keys = ...)`` does (reversing with a scale range wider
    than the answers would otherwise change which categories psych sees).
    """
    frame = pd.DataFrame(answers.T, columns=columns)
    if complete:
        frame = frame.dropna()
    flip = np.array([-1.0 if name in reverse else 1.0 for name in columns])
    rho, _ = correlation_matrix(frame, cor, what=f"de betrouwbaarheid met {CORRELATIONS[cor]} correlaties")
    return rho.to_numpy() * np.outer(flip, flip)


def _bootstrap_ci(x: np.ndarray, b: int, seed: int, ci: float, cor: str = "pearson") -> tuple[float, float]:
    """Percentile bootstrap CI of raw alpha (respondents resampled with replacement); for
    ``cor="poly"``/``"tet"`` of ordinal alpha (slower: a polychoric matrix per resample)."""
    if b < 10:
        raise AnalysisError("Een bootstrap-interval heeft minstens 10 herhalingen nodig (bootstrap >= 10).")
    rng = np.random.default_rng(seed)
    n = len(x)
    alphas = np.empty(b)
    for i in range(b):
        sample = x[rng.integers(0, n, n)]
        if cor == "pearson":
            c, _ = pairwise_cov(sample)
        else:
            try:
                c, _ = correlation_matrix(pd.DataFrame(sample), cor)
                c = c.to_numpy()
            except AnalysisError:                # a resample in which an item is constant
                c = np.full((1, 1), np.nan)
        alphas[i] = _alpha_from_cov(c) if not np.isnan(c).any() else np.nan
    p = 1 - ci
    lo, hi = np.nanquantile(alphas, [p / 2, 1 - p / 2])
    return float(lo), float(hi)
