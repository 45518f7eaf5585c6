"""Sample statistics of ordinal items for WLS estimation, as lavaan computes them (0.6-14):
thresholds, polychoric correlations and their asymptotic covariance matrix (Muthén, 1984).

Step 1 estimates every item's thresholds from its own categories; step 2 every pair's
polychoric correlation with those thresholds fixed (the two-step estimator also used by
:func:`informeel_lib.analysis.polychoric.polychoric`). The asymptotic covariance matrix
:math:`\\Gamma` of :math:`\\sqrt N` times (thresholds, correlations) comes from the case-wise
scores of both steps (lavaan's ``muthen1984``): with :math:`A` the block-triangular matrix of
score cross products,
:math:`\\Gamma = N\\, A^{-1} (\\sum_i s_i s_i') A^{-T}`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from ...errors import AnalysisError
from ..polychoric import _cell_probabilities, _maximise_in_chunks

__all__ = ["OrdinalStatistics", "ordinal_statistics"]

# lavaan's zero.add: a count added to empty cells of 2 x 2 tables (larger tables: none)
ZERO_ADD_2X2 = 0.5


@dataclass(frozen=True)
class OrdinalStatistics:
    """Thresholds, polychoric correlations and :math:`\\Gamma` of one group.

    ``thresholds`` is the flat vector in lavaan's order (item by item, cut by cut),
    ``threshold_item`` the item index of each, ``cor`` the p x p polychoric matrix, ``gamma``
    the asymptotic covariance of (thresholds, lower-triangle correlations by column) and
    ``n`` the number of cases.
    """

    items: tuple[str, ...]
    thresholds: np.ndarray
    threshold_item: np.ndarray
    cor: np.ndarray
    gamma: np.ndarray
    n: int
    n_categories: tuple[int, ...]

    @property
    def statistics(self) -> np.ndarray:
        """The sample statistics s = (thresholds, correlations below the diagonal by column)."""
        i, j = pair_indices(len(self.items))
        return np.concatenate([self.thresholds, self.cor[j, i]])


def pair_indices(p: int):
    """Item pairs in lavaan's order (lower triangle by column): returns (i, j) with i < j,
    the pair being (row j, column i) of the lower triangle."""
    return np.triu_indices(p, 1)


def _codes(values: np.ndarray, items) -> tuple[np.ndarray, list[int]]:
    """Per item the rank of each answer among the item's observed values (0..K-1), as lavaan's
    ordered factor levels."""
    codes = np.empty(values.shape, dtype=np.int64)
    n_cat = []
    for j in range(values.shape[1]):
        levels, inverse = np.unique(values[:, j], return_inverse=True)
        if len(levels) < 2:
            raise AnalysisError(f"Item '{items[j]}' heeft maar één antwoordcategorie; ordinale CFA kan dan niet.")
        codes[:, j] = inverse
        n_cat.append(len(levels))
    return codes, n_cat


def _item_thresholds(codes, n_cat):
    taus = []
    for j, k in enumerate(n_cat):
        counts = np.bincount(codes[:, j], minlength=k)
        taus.append(special.ndtri(np.cumsum(counts)[:-1] / counts.sum()))
    return taus


def _padded_cuts(taus, k_max):
    """Items x (k_max + 1) cut points with -inf/+inf ends; missing categories get +inf."""
    cuts = np.full((len(taus), k_max + 1), np.inf)
    cuts[:, 0] = -np.inf
    for j, t in enumerate(taus):
        cuts[j, 1:len(t) + 1] = t
    return cuts


def _pair_tables(codes, k_max, i, j):
    tables = np.zeros((len(i), k_max, k_max))
    for t, (a, b) in enumerate(zip(i, j)):
        np.add.at(tables[t], (codes[:, a], codes[:, b]), 1.0)
    return tables


def _threshold_gradients(rows, cols, rho):
    """dP_kl/d(row cut a) for all cells: arrays (m, K, K, K+1) for the row and column cuts."""
    s = np.sqrt(1 - rho**2)[:, None, None]
    r = rho[:, None, None]
    with np.errstate(invalid="ignore"):
        # G[a, b] = phi(h_a) * Phi((k_b - rho h_a) / s): d Phi2(h_a, k_b) / d h_a
        h, k = rows[:, :, None], cols[:, None, :]
        g_row = np.where(np.isfinite(h), special.ndtr((k - r * h) / s) * np.exp(-h * h / 2) / np.sqrt(2 * np.pi), 0.0)
        g_col = np.where(np.isfinite(k), special.ndtr((h - r * k) / s) * np.exp(-k * k / 2) / np.sqrt(2 * np.pi), 0.0)
    g_row = np.nan_to_num(g_row)
    g_col = np.nan_to_num(g_col)
    # P_kl = F(k+1, l+1) - F(k, l+1) - F(k+1, l) + F(k, l)
    d_upper_row = g_row[:, 1:, 1:] - g_row[:, 1:, :-1]        # d P_kl / d h_{k+1}
    d_lower_row = -(g_row[:, :-1, 1:] - g_row[:, :-1, :-1])   # d P_kl / d h_k
    d_upper_col = g_col[:, 1:, 1:] - g_col[:, :-1, 1:]        # d P_kl / d k_{l+1}
    d_lower_col = -(g_col[:, 1:, :-1] - g_col[:, :-1, :-1])   # d P_kl / d k_l
    return d_upper_row, d_lower_row, d_upper_col, d_lower_col


def ordinal_statistics(df: pd.DataFrame, items) -> OrdinalStatistics:
    """Thresholds, polychoric correlations and Gamma of complete ordinal data (lavaan's WLSMV
    sample statistics; rows with a missing answer must already be removed)."""
    values = df[list(items)].to_numpy(dtype=float)
    codes, n_cat = _codes(values, items)
    n, p = codes.shape
    k_max = max(n_cat)
    taus = _item_thresholds(codes, n_cat)
    cuts = _padded_cuts(taus, k_max)
    i, j = pair_indices(p)
    tables = _pair_tables(codes, k_max, i, j)
    zero_2x2 = np.array([n_cat[a] == 2 and n_cat[b] == 2 for a, b in zip(i, j)])
    fitted = np.where(zero_2x2[:, None, None] & (tables == 0), ZERO_ADD_2X2, tables)
    rho = _maximise_in_chunks(fitted, cuts[i], cuts[j])
    cor = np.eye(p)
    cor[i, j] = cor[j, i] = rho
    gamma = _gamma(codes, taus, cuts, tables, rho, i, j, n_cat)
    th_item = np.concatenate([np.full(len(t), k) for k, t in enumerate(taus)])
    return OrdinalStatistics(tuple(items), np.concatenate(taus), th_item, cor, gamma, int(n), tuple(n_cat))


def _univariate_scores(codes, taus, n_cat):
    """Cases x thresholds: derivatives of log P(y_i) with respect to the item's own thresholds."""
    n = codes.shape[0]
    blocks = []
    for j, t in enumerate(taus):
        cut = np.concatenate([[-np.inf], t, [np.inf]])
        prob = special.ndtr(cut[1:]) - special.ndtr(cut[:-1])
        dens = np.exp(-t * t / 2) / np.sqrt(2 * np.pi)
        k = codes[:, j]
        sc = np.zeros((n, len(t)))
        upper = k < len(t)
        sc[upper, k[upper]] = dens[k[upper]] / prob[k[upper]]
        lower = k > 0
        sc[lower, k[lower] - 1] = -dens[k[lower] - 1] / prob[k[lower]]
        blocks.append(sc)
    return np.hstack(blocks)


def _gamma(codes, taus, cuts, tables, rho, i, j, n_cat):
    """lavaan's ``muthen1984``: Gamma = N B^-1 (sum s s') B^-T from case-wise scores."""
    n, p = codes.shape
    sc_th = _univariate_scores(codes, taus, n_cat)
    n_th = sc_th.shape[1]
    starts = np.concatenate([[0], np.cumsum([len(t) for t in taus])])
    prob, dprob = _cell_probabilities(cuts[i], cuts[j], rho)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho_cell = np.where(prob > 0, dprob / prob, 0.0)                # d log P_kl / d rho
    sc_cor = rho_cell[np.arange(len(i))[None, :], codes[:, i], codes[:, j]]   # cases x pairs
    scores = np.hstack([sc_th, sc_cor])
    inner = scores.T @ scores
    a11 = np.zeros((n_th, n_th))
    for k in range(p):
        sl = slice(starts[k], starts[k + 1])
        a11[sl, sl] = inner[sl, sl]
    a22 = np.diag(inner)[n_th:]
    a21 = _a21(cuts, tables, prob, rho_cell, rho, i, j, starts, n_th, n_cat)
    a11_inv = np.linalg.inv(a11)
    b_inv = np.zeros_like(inner)
    b_inv[:n_th, :n_th] = a11_inv
    b_inv[n_th:, n_th:] = np.diag(1 / a22)
    b_inv[n_th:, :n_th] = -(a21 / a22[:, None]) @ a11_inv
    return n * (b_inv @ inner @ b_inv.T)


def _a21(cuts, tables, prob, rho_cell, rho, i, j, starts, n_th, n_cat):
    """Sum over cases of (d log P / d rho) (d log P / d thresholds), per pair."""
    up_r, lo_r, up_c, lo_c = _threshold_gradients(cuts[i], cuts[j], rho)
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = np.where(prob > 0, tables * rho_cell / prob, 0.0)       # n_kl * dlogP/drho / P_kl
    a21 = np.zeros((len(i), n_th))
    for t, (a, b) in enumerate(zip(i, j)):
        ka, kb = n_cat[a], n_cat[b]
        w = weight[t, :ka, :kb]
        for c in range(ka - 1):         # row cut c+1 bounds rows c (upper) and c+1 (lower)
            a21[t, starts[a] + c] = (w[c] * up_r[t, c, :kb]).sum() + (w[c + 1] * lo_r[t, c + 1, :kb]).sum()
        for c in range(kb - 1):
            a21[t, starts[b] + c] = (w[:, c] * up_c[t, :ka, c]).sum() + (w[:, c + 1] * lo_c[t, :ka, c + 1]).sum()
    return a21
