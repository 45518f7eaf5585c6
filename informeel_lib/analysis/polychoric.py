"""Polychoric and tetrachoric correlations of ordinal items, with the numbers of R's
``psych::polychoric`` and ``psych::tetrachoric`` (psych 2.2.9).

Both are psych's two-step estimators: first every item's thresholds from its own answers
(the normal quantiles of its cumulative proportions), then, for each pair of items, the
correlation of the two latent normal variables that maximises the likelihood of the pair's
cross table with those thresholds held fixed. Missing values are handled pairwise: thresholds
use everyone who answered the item, a pair's table everyone who answered both.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from ..errors import AnalysisError
from .moments import check_spread, correlations, item_array, item_matrix

__all__ = ["PolychoricResult", "polychoric", "tetrachoric", "bivariate_normal_cdf", "smooth_correlation",
           "CORRELATIONS", "check_cor", "correlation_matrix"]

# psych refuses more than 8 response categories (polychoric(max.cat = 8)).
MAX_CATEGORIES = 8
# The likelihood is maximised over (-1, 1); psych's optimize() searches the same interval.
_RHO_LIMIT = 1 - 1e-7
_BISECTION_STEPS = 48
# Thresholds beyond +-_BIG are treated as infinite (Phi(-20) ~ 3e-89).
_BIG = 20.0
# Gauss-Legendre rule of Genz's bivariate normal algorithm (20 points on [-1, 1]).
_GL_X, _GL_W = np.polynomial.legendre.leggauss(20)


# --- the bivariate normal distribution ---------------------------------------------------

def bivariate_normal_cdf(h, k, r) -> np.ndarray:
    """P(X < h, Y < k) for standard bivariate normal X, Y with correlation r (broadcast arrays).

    Notes
    -----
    Genz's (2004) method, as in his ``bvnu``: Drezner & Wesolowsky's integral over the
    correlation for :math:`|r| < 0.925`, otherwise the expansion around :math:`|r| = 1`, both
    with 20-point Gauss-Legendre quadrature (absolute error below 1e-15). Infinite limits are
    allowed.

    References
    ----------
    Genz, A. (2004). Numerical computation of rectangular bivariate and trivariate normal and
    t probabilities. *Statistics and Computing*, 14, 251-260.
    """
    h, k, r = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (h, k, r)))
    p = np.zeros(h.shape)
    finite = np.isfinite(h) & np.isfinite(k)
    if finite.any():
        dh, dk, rr = np.clip(-h[finite], -_BIG, _BIG), np.clip(-k[finite], -_BIG, _BIG), r[finite]
        small = np.abs(rr) < 0.925           # Genz works with upper tails: bvnu(-h, -k, r)
        inner = np.empty(rr.shape)
        with np.errstate(all="ignore"):
            inner[small] = _bvnu_small_r(dh[small], dk[small], rr[small])
            inner[~small] = _bvnu_large_r(dh[~small], dk[~small], rr[~small])
        p[finite] = inner
    p = np.where(h == np.inf, special.ndtr(k), p)
    p = np.where(k == np.inf, special.ndtr(h), p)
    p = np.where((h == -np.inf) | (k == -np.inf), 0.0, p)
    return np.clip(p, 0.0, 1.0)


def _bvnu_small_r(h, k, r):
    hk = (h * k)[..., None]
    hs = ((h * h + k * k) / 2)[..., None]
    asr = np.arcsin(r)[..., None]
    sn = np.sin(asr * (1 + _GL_X) / 2)
    bvn = (_GL_W * np.exp((sn * hk - hs) / (1 - sn * sn))).sum(axis=-1)
    return bvn * asr[..., 0] / (4 * np.pi) + special.ndtr(-h) * special.ndtr(-k)


def _bvnu_large_r(h, k, r):
    k = np.where(r < 0, -k, k)
    hk = h * k
    a_s = (1 - r) * (1 + r)
    a = np.sqrt(a_s)
    bs = (h - k) ** 2
    c = (4 - hk) / 8
    d = (12 - hk) / 16
    asr = -(bs / a_s + hk) / 2
    bvn = np.where(asr > -100, a * np.exp(asr) * (1 - c * (bs - a_s) * (1 - d * bs / 5) / 3 + c * d * a_s * a_s / 5),
                   0.0)
    b = np.sqrt(bs)
    sp = np.sqrt(2 * np.pi) * special.ndtr(-b / a)
    bvn = bvn - np.where(hk > -100, np.exp(-hk / 2) * sp * b * (1 - c * bs * (1 - d * bs / 5) / 3), 0.0)
    half = (a / 2)[..., None]
    xs = (half * (_GL_X + 1)) ** 2
    rs = np.sqrt(1 - xs)
    asr2 = -(bs[..., None] / xs + hk[..., None]) / 2
    sp2 = 1 + c[..., None] * xs * (1 + d[..., None] * xs)
    ep = np.exp(-hk[..., None] * (1 - rs) / (2 * (1 + rs))) / rs
    terms = np.where(asr2 > -100, half * _GL_W * np.exp(asr2) * (ep - sp2), 0.0)
    bvn = -(bvn + terms.sum(axis=-1)) / (2 * np.pi)
    # exactly |r| = 1: the integral vanishes
    bvn = np.where(np.abs(r) >= 1, 0.0, bvn)
    pos = bvn + special.ndtr(-np.maximum(h, k))
    lower = np.where(h < 0, special.ndtr(k) - special.ndtr(h), special.ndtr(-h) - special.ndtr(-k))
    neg = np.where(h >= k, -bvn, lower - bvn)
    neg = np.where((h >= k) & (np.abs(r) >= 1), 0.0, neg)
    return np.where(r > 0, pos, neg)


def _bivariate_normal_pdf(h, k, r):
    """Density of the standard bivariate normal at (h, k); 0 where h or k is infinite."""
    with np.errstate(all="ignore"):
        q = (h * h - 2 * r * h * k + k * k) / (2 * (1 - r * r))
        f = np.exp(-q) / (2 * np.pi * np.sqrt(1 - r * r))
    return np.where(np.isfinite(h) & np.isfinite(k), f, 0.0)


# --- cell probabilities and the pairwise likelihood ---------------------------------------

def _cell_probabilities(rows, cols, rho):
    """Cell probabilities and their derivatives in rho for many pairs at once.

    ``rows`` (m, a+1) and ``cols`` (m, b+1) are the cut points including -inf and +inf,
    ``rho`` (m,). Returns ``(P, dP)`` of shape (m, a, b).
    """
    h = rows[:, :, None]
    k = cols[:, None, :]
    r = rho[:, None, None]
    cdf = bivariate_normal_cdf(h, k, r)
    pdf = _bivariate_normal_pdf(h, k, r)
    p = cdf[:, 1:, 1:] - cdf[:, :-1, 1:] - cdf[:, 1:, :-1] + cdf[:, :-1, :-1]
    dp = pdf[:, 1:, 1:] - pdf[:, :-1, 1:] - pdf[:, 1:, :-1] + pdf[:, :-1, :-1]
    return np.maximum(p, 0.0), dp


def _score(tables, rows, cols, rho):
    """Derivative in rho of the log-likelihood of each pair's table (cells with counts only)."""
    p, dp = _cell_probabilities(rows, cols, rho)
    used = (tables > 0) & (p > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(used, tables * dp / np.where(used, p, 1.0), 0.0)
    return terms.sum(axis=(1, 2))


def _maximise_rho(tables, rows, cols):
    """The correlation maximising each pair's likelihood: the root of the score.

    The log-likelihood of a table with fixed thresholds is unimodal in rho (Olsson, 1979), so
    the score changes sign once in (-1, 1). A few bisection steps bracket the root, then the
    Illinois variant of regula falsi converges superlinearly to abs(score) < 1e-10 N (about
    1e-12 in rho). When the score does not change sign the bisection walks to the boundary
    ±(1 - 1e-7) (an empty cell that makes a perfect association most likely). The score is
    never evaluated at the boundary itself, where its rounding error dominates.
    """
    m = tables.shape[0]
    lo, hi = np.full(m, -_RHO_LIMIT), np.full(m, _RHO_LIMIT)
    s_lo, s_hi = np.full(m, np.nan), np.full(m, np.nan)
    rho = np.zeros(m)
    tol = 1e-10 * np.maximum(tables.sum(axis=(1, 2)), 1.0)
    active = np.arange(m)
    side = np.zeros(m, dtype=int)                  # which end the last step replaced (+1 lo, -1 hi)
    for step in range(_BISECTION_STEPS + 40):
        a = active
        bracketed = (s_lo[a] > 0) & (s_hi[a] < 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            secant = hi[a] - s_hi[a] * (hi[a] - lo[a]) / (s_hi[a] - s_lo[a])
        use = bracketed & (step >= 6) & np.isfinite(secant)
        x = np.where(use, secant, (lo[a] + hi[a]) / 2)
        sx = _score(tables[a], rows[a], cols[a], x)
        rho[a] = x
        up = sx > 0
        s_hi[a] = np.where(up & (side[a] == 1), s_hi[a] / 2, s_hi[a])      # Illinois: halve the stale end
        s_lo[a] = np.where(~up & (side[a] == -1), s_lo[a] / 2, s_lo[a])
        lo[a], s_lo[a] = np.where(up, x, lo[a]), np.where(up, sx, s_lo[a])
        hi[a], s_hi[a] = np.where(up, hi[a], x), np.where(up, s_hi[a], sx)
        side[a] = np.where(up, 1, -1)
        done = (np.abs(sx) < tol[a]) | (hi[a] - lo[a] < 1e-12)
        active = a[~done]
        if active.size == 0:
            break
    return rho


def _maximise_in_chunks(tables, rows, cols, chunk=256):
    out = np.empty(tables.shape[0])
    for start in range(0, tables.shape[0], chunk):
        sl = slice(start, start + chunk)
        out[sl] = _maximise_rho(tables[sl], rows[sl], cols[sl])
    return out


# --- result ----------------------------------------------------------------------------

@dataclass(frozen=True)
class PolychoricResult:
    """Polychoric (or tetrachoric) correlations (see :func:`polychoric`, :func:`tetrachoric`).

    Attributes
    ----------
    rho : DataFrame
        The correlation matrix (items x items).
    thresholds : DataFrame
        Items x cut points (``1`` .. number of categories - 1), psych's ``$tau``.
    n_obs : int
        Number of respondents (rows), psych's ``$n.obs``.
    pair_n : DataFrame
        Respondents who answered both items of each pair.
    zero_cell_pairs : int
        Item pairs whose cross table has at least one empty cell.
    corrected_pairs : int
        Pairs whose empty cells were filled with ``correct`` (the correction for continuity).
    correct : float
        The correction for continuity (a count added to empty cells where it is used).
    smoothed : bool
        Whether the matrix was not positive definite and was smoothed (``psych::cor.smooth``).
    kind : str
        ``"polychoric"`` or ``"tetrachoric"``.
    """

    rho: pd.DataFrame
    thresholds: pd.DataFrame
    n_obs: int
    pair_n: pd.DataFrame
    zero_cell_pairs: int
    corrected_pairs: int
    correct: float
    smoothed: bool
    kind: str = "polychoric"

    @property
    def n_pairs(self) -> int:
        p = self.rho.shape[0]
        return p * (p - 1) // 2

    @property
    def note(self) -> str:
        """A Dutch sentence about empty cells, correction and smoothing, for reports."""
        parts = []
        if self.zero_cell_pairs:
            parts.append(f"{self.zero_cell_pairs} van de {self.n_pairs} itemparen hebben een lege cel in hun "
                         "kruistabel")
            if self.corrected_pairs:
                parts.append(f"bij {self.corrected_pairs} paren is elke lege cel gevuld met {self.correct:g} "
                             "(correctie voor continuïteit, zoals psych)")
            else:
                parts.append("lege cellen tellen niet mee in de aannemelijkheid (zoals psych::polychoric met vaste "
                             "drempels)")
        else:
            parts.append("geen enkel itempaar heeft een lege cel in zijn kruistabel")
        if self.smoothed:
            parts.append("de matrix was niet positief definiet en is gladgestreken (psych::cor.smooth)")
        text = "; ".join(parts)
        return text[0].upper() + text[1:] + "."

    def __repr__(self):
        p = self.rho.shape[0]
        off = self.rho.to_numpy()[np.triu_indices(p, 1)]
        return (f"PolychoricResult(kind={self.kind!r}, items={p}, n_obs={self.n_obs}, "
                f"rho range [{np.nanmin(off):.3f}, {np.nanmax(off):.3f}], zero_cell_pairs={self.zero_cell_pairs}, "
                f"smoothed={self.smoothed})")

    def to_frame(self) -> pd.DataFrame:
        """The correlation matrix."""
        return self.rho.copy()


# --- input -----------------------------------------------------------------------------

def _ordinal_codes(df, what):
    """Items x respondents integer codes 0.. (-1 = missing) shifted by the smallest answer of
    all items, as psych does, plus the item names."""
    xt, columns = item_array(df, what=what)
    check_spread(xt, columns, what=what)
    answered = ~np.isnan(xt)
    values = xt[answered]
    if not np.all(values == np.round(values)):
        bad = columns[int(np.flatnonzero((~np.isclose(xt, np.round(xt))) & answered)[0] // xt.shape[1])]
        raise AnalysisError(f"Item '{bad}' heeft antwoorden die geen hele getallen zijn; {what} vraagt "
                            "antwoordcategorieën (1, 2, 3, ...).")
    low = np.nanmin(xt)
    codes = np.where(answered, xt - low, -1).astype(np.int64)
    return codes, columns


def _category_counts(codes, n_cat):
    """Items x categories counts of answers."""
    return np.stack([np.bincount(c[c >= 0], minlength=n_cat) for c in codes])


def _thresholds(counts):
    """psych's thresholds: qnorm of the cumulative proportions (items x categories-1)."""
    cum = np.cumsum(counts, axis=1) / counts.sum(axis=1, keepdims=True)
    return special.ndtri(np.clip(cum[:, :-1], 0, 1))


def _pair_tables(codes, n_cat):
    """Cross tables of every item pair from one product of one-hot matrices.

    Returns ``(tables, i, j)``: tables of shape (pairs, n_cat, n_cat), row item i < column item j.
    """
    p, n = codes.shape
    onehot = np.zeros((n, p * n_cat))
    rows, items = np.nonzero(codes.T >= 0)
    onehot[rows, items * n_cat + codes.T[rows, items]] = 1.0
    cross = onehot.T @ onehot
    i, j = np.triu_indices(p, 1)
    blocks = cross.reshape(p, n_cat, p, n_cat).transpose(0, 2, 1, 3)
    return blocks[i, j], i, j


def _with_infinities(cuts):
    m = cuts.shape[0]
    return np.hstack([np.full((m, 1), -np.inf), cuts, np.full((m, 1), np.inf)])


# --- smoothing -------------------------------------------------------------------------

def smooth_correlation(r: np.ndarray, eig_tol: float = 1e-12) -> tuple[np.ndarray, bool]:
    """psych's ``cor.smooth``: a matrix with an eigenvalue below machine epsilon gets those
    eigenvalues set to ``100 * eig_tol``, is rescaled to trace p and turned back into a
    correlation matrix. Returns ``(matrix, smoothed)``."""
    values, vectors = np.linalg.eigh(r)
    if values.min() >= np.finfo(float).eps:
        return r, False
    values = np.where(values < eig_tol, 100 * eig_tol, values)
    values = values * r.shape[0] / values.sum()
    s = (vectors * values) @ vectors.T
    d = 1 / np.sqrt(np.diag(s))
    return s * np.outer(d, d), True


def _finish(rho_pairs, i, j, columns, smooth, kind):
    p = len(columns)
    mat = np.eye(p)
    mat[i, j] = rho_pairs
    mat[j, i] = rho_pairs
    smoothed = False
    if smooth and not np.isnan(mat).any():
        mat, smoothed = smooth_correlation(mat)
        if smoothed:
            warnings.warn(f"De {kind}e correlatiematrix was niet positief definiet en is gladgestreken "
                          "(zoals psych::cor.smooth).", UserWarning, stacklevel=3)
    return pd.DataFrame(mat, index=columns, columns=columns), smoothed


def _pair_n_frame(n_joint, i, j, codes, columns):
    counts = np.diag((codes >= 0).sum(axis=1).astype(float))
    counts[i, j] = counts[j, i] = n_joint
    return pd.DataFrame(counts.astype(int), index=columns, columns=columns)


# --- public functions ------------------------------------------------------------------

def polychoric(df, *, correct: float = 0.5, smooth: bool = True,
               max_categories: int = MAX_CATEGORIES) -> PolychoricResult:
    """Polychoric correlations of ordinal items, as ``psych::polychoric(df)``.

    Parameters
    ----------
    df : DataFrame
        Item answers as whole numbers (respondents x items); missing values are handled
        pairwise. Two categories give tetrachoric correlations by psych's polychoric route
        (see :func:`tetrachoric` for ``psych::tetrachoric``).
    correct : float
        Correction for continuity, psych's default 0.5; see Notes for when it is used.
    smooth : bool
        Smooth a matrix that is not positive definite, as ``psych::cor.smooth`` (default).
    max_categories : int
        More response categories than this is an error (psych's ``max.cat = 8``).

    Returns
    -------
    PolychoricResult
        ``rho`` (items x items), ``thresholds`` (items x cut points), ``n_obs``, ``pair_n``,
        the count of pairs with empty cells and a Dutch ``note`` about them.

    Raises
    ------
    AnalysisError
        In Dutch: non-numeric or non-integer answers, an item without answers or variation,
        more than ``max_categories`` categories.

    Notes
    -----
    Answers are shifted by the smallest answer of all items. Item :math:`i`'s thresholds are
    :math:`\\tau_{ic} = \\Phi^{-1}(\\text{cumulative proportion of answers} \\le c)` over the
    respondents who answered it. When every item uses the same highest category (psych's
    ``global = TRUE``), each pair's correlation maximises
    :math:`\\sum_{ab} n_{ab} \\ln P_{ab}(\\rho)` with those thresholds fixed; empty cells add
    nothing and no correction for continuity is applied (this is what psych does by default:
    its ``correct`` only acts in the other case). When items reach different highest
    categories psych switches to ``global = FALSE`` and so do we: per pair, empty rows and
    columns of the table are dropped, every empty cell gets ``correct`` (0.5 by default) counts,
    and the thresholds come from the margins of that table, divided by the count before the
    correction as psych does. (When those proportions pass 1, with a sparse last category,
    psych stops with an error; we then divide by the corrected count.) :math:`P_{ab}` are rectangle
    probabilities of the bivariate normal (Genz's algorithm); the maximum is found by
    bisection on the score, to 1e-12 (psych's ``optimize`` stops at about 1e-4, so values agree
    to about that). Pairs without joint answers get NaN and then no smoothing, as in psych.

    References
    ----------
    Olsson, U. (1979). Maximum likelihood estimation of the polychoric correlation
    coefficient. *Psychometrika*, 44, 443-460.

    Revelle, W. (2022). *psych* (R package version 2.2.9), ``polychoric``, ``cor.smooth``.

    Examples
    --------
    R: ``psych::polychoric(df)`` (``$rho``, ``$tau``).

    >>> from informeel_lib.synth.example import example_survey
    >>> df = example_survey(300, seed=1)
    >>> res = polychoric(df[["REFL1", "REFL2", "REFL3"]])
    >>> res.rho.round(2).loc["REFL1"].tolist()
    [1.0, 0.36, 0.54]
    """
    what = "polychorische correlaties"
    codes, columns = _ordinal_codes(df, what)
    n_cat = int(codes.max()) + 1
    if n_cat > max_categories:
        raise AnalysisError(f"De items hebben {n_cat} antwoordcategorieën; polychorische correlaties zijn voor "
                            f"hoogstens {max_categories} categorieën (zoals psych). Gebruik gewone correlaties.")
    counts = _category_counts(codes, n_cat)
    taus = _thresholds(counts)
    tables, i, j = _pair_tables(codes, n_cat)
    n_joint = tables.sum(axis=(1, 2))
    zero = (tables == 0).any(axis=(1, 2))
    highest = np.array([np.flatnonzero(c)[-1] for c in counts])
    if np.all(highest == highest[0]):
        rows, cols = _with_infinities(taus[i]), _with_infinities(taus[j])
        corrected = 0
    else:
        tables, rows, cols, corrected = _local_tables(tables, correct)
    rho = _maximise_in_chunks(tables, rows, cols)
    rho[tables.sum(axis=(1, 2)) == 0] = np.nan
    mat, smoothed = _finish(rho, i, j, columns, smooth, "polychorisch")
    thresholds = pd.DataFrame(taus, index=columns, columns=[str(c + 1) for c in range(n_cat - 1)])
    return PolychoricResult(mat, thresholds, int(codes.shape[1]), _pair_n_frame(n_joint, i, j, codes, columns),
                            int(zero.sum()), int(corrected), float(correct), smoothed)


def _local_tables(tables, correct):
    """psych's ``global = FALSE`` path: per pair drop empty rows/columns, fill empty cells with
    ``correct`` counts and take the thresholds from the table's margins. Tables stay padded to
    a common size: dropped rows/columns move to the end with +inf cut points (probability 0,
    count 0, so they add nothing)."""
    m, a, b = tables.shape
    out = np.zeros_like(tables)
    rows = np.full((m, a + 1), np.inf)
    cols = np.full((m, b + 1), np.inf)
    corrected = 0
    for t, tab in enumerate(tables):
        tab = tab[tab.sum(axis=1) > 0][:, tab.sum(axis=0) > 0]
        if min(tab.shape) < 2:
            continue
        total = tab.sum()
        if correct > 0 and (tab == 0).any():
            tab = np.where(tab == 0, correct, tab)
            corrected += 1
        out[t, :tab.shape[0], :tab.shape[1]] = tab
        rows[t, 0] = cols[t, 0] = -np.inf
        rows[t, 1:tab.shape[0]] = _margin_cuts(tab.sum(axis=1), total)
        cols[t, 1:tab.shape[1]] = _margin_cuts(tab.sum(axis=0), total)
    return out, rows, cols, corrected


def _margin_cuts(margin, total):
    """Cut points from a corrected table's margin. psych divides by the count before the
    correction; when the corrected proportions then exceed 1 (psych stops with an error) we
    divide by the corrected count instead."""
    cum = np.cumsum(margin)[:-1] / total
    if cum[-1] >= 1:
        cum = np.cumsum(margin)[:-1] / margin.sum()
    return special.ndtri(cum)


def tetrachoric(df, *, correct: float = 0.5, smooth: bool = True) -> PolychoricResult:
    """Tetrachoric correlations of two-category items, as ``psych::tetrachoric(df)``.

    Parameters
    ----------
    df : DataFrame
        Items with two answer values each (0/1, 1/2, ...; each item is shifted by its own
        smallest value); missing values pairwise.
    correct : float
        Correction for continuity: an empty cell of a pair's 2 x 2 table counts as ``correct``
        (psych's default 0.5); 0 switches it off.
    smooth : bool
        Smooth a matrix that is not positive definite (``psych::cor.smooth``).

    Returns
    -------
    PolychoricResult
        With ``kind="tetrachoric"``; ``thresholds`` has one column.

    Notes
    -----
    The thresholds are :math:`-\\Phi^{-1}(\\bar x_i)` over the respondents who answered item
    :math:`i`; each pair's correlation maximises the likelihood of its 2 x 2 table with those
    thresholds fixed (psych's ``global = TRUE``), after the correction for continuity. Pairs
    answered jointly by fewer than three respondents get NaN, as in psych.

    References
    ----------
    Revelle, W. (2022). *psych* (R package version 2.2.9), ``tetrachoric``.

    Examples
    --------
    R: ``psych::tetrachoric(df)`` (``$rho``, ``$tau``).
    """
    what = "tetrachorische correlaties"
    xt, columns = item_array(df, what=what)
    check_spread(xt, columns, what=what)
    answered = ~np.isnan(xt)
    shifted = xt - np.nanmin(xt, axis=1, keepdims=True)
    if np.nanmax(shifted) > 1 or not np.all(shifted[answered] == np.round(shifted[answered])):
        bad = columns[int(np.flatnonzero(np.nanmax(shifted, axis=1) > 1)[0])] if np.nanmax(shifted) > 1 else columns[0]
        raise AnalysisError(f"Item '{bad}' heeft meer dan twee antwoordwaarden; tetrachorische correlaties zijn "
                            "voor items met twee categorieën. Gebruik polychorische correlaties.")
    codes = np.where(answered, shifted, -1).astype(np.int64)
    counts = _category_counts(codes, 2)
    taus = _thresholds(counts)
    tables, i, j = _pair_tables(codes, 2)
    n_joint = tables.sum(axis=(1, 2))
    zero = (tables == 0).any(axis=(1, 2))
    fill = zero & (n_joint > 1) & (correct > 0)
    tables = np.where(fill[:, None, None] & (tables == 0), correct, tables)
    rho = _maximise_in_chunks(tables, _with_infinities(taus[i]), _with_infinities(taus[j]))
    rho[n_joint <= 2] = np.nan
    mat, smoothed = _finish(rho, i, j, columns, smooth, "tetrachorisch")
    thresholds = pd.DataFrame(taus, index=columns, columns=["1"])
    return PolychoricResult(mat, thresholds, int(xt.shape[1]), _pair_n_frame(n_joint, i, j, codes, columns),
                            int(zero.sum()), int(fill.sum()), float(correct), smoothed, kind="tetrachoric")


# --- the cor= option of the psychometric functions ---------------------------------------

# cor= values and what they are called in Dutch messages
CORRELATIONS = {"pearson": "Pearson", "poly": "polychorische", "tet": "tetrachorische"}


def check_cor(cor: str) -> str:
    """The cor= option, checked (AnalysisError in Dutch for an unknown value)."""
    if cor not in CORRELATIONS:
        raise AnalysisError(f"Onbekende correlatiesoort cor={cor!r}; kies uit {', '.join(map(repr, CORRELATIONS))}.")
    return cor


def correlation_matrix(df, cor: str = "pearson", *, what: str = "de analyse") -> tuple[pd.DataFrame,
                                                                                       PolychoricResult | None]:
    """Items x items correlation matrix of ``df``: pairwise Pearson (``cor(x, use = "pairwise")``),
    polychoric (``psych::polychoric``) or tetrachoric (``psych::tetrachoric``).

    Returns the matrix and, for the ordinal kinds, the full :class:`PolychoricResult`
    (thresholds, note on empty cells); None for Pearson.
    """
    check_cor(cor)
    if cor == "pearson":
        data = item_matrix(df, what=what)
        r = correlations(data, what=what)
        return pd.DataFrame(r, index=data.columns, columns=data.columns), None
    res = polychoric(df) if cor == "poly" else tetrachoric(df)
    missing = np.argwhere(np.isnan(res.rho.to_numpy()))
    if missing.size:
        i, j = missing[0]
        raise AnalysisError(f"De items '{res.rho.index[i]}' en '{res.rho.columns[j]}' zijn door (bijna) niemand "
                            f"allebei beantwoord; {what} met {CORRELATIONS[cor]} correlaties kan dan niet.")
    return res.rho, res
