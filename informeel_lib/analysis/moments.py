"""Item matrices and pairwise-complete moments shared by reliability and factor analysis
(as R psych: pairwise by default)."""

from __future__ import annotations

import contextlib
import functools
import warnings

import numpy as np
import pandas as pd
from threadpoolctl import ThreadpoolController

from ..errors import AnalysisError

_EPS = np.finfo(float).eps


_CONTROLLER = None


@contextlib.contextmanager
def one_blas_thread():
    """Limit BLAS to one thread inside the ``with`` block: the matrices of these analyses are small
    (p x p) and a multi-threaded BLAS spends far more time synchronising threads than computing
    (measured: a 40 x 40 ``eigh`` takes 15 ms with threads on a busy 2-core machine, 0.2 ms without).

    The one way the library limits BLAS threads in its own process (the report batch sets
    ``OMP_NUM_THREADS`` for its kernels, which are other processes).
    """
    global _CONTROLLER
    if _CONTROLLER is None:          # scanning the loaded libraries is slow: do it once
        _CONTROLLER = ThreadpoolController()
    with _CONTROLLER.limit(limits=1, user_api="blas"):
        yield


def single_blas_thread(func):
    """Decorator form of :func:`one_blas_thread`."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with one_blas_thread():
            return func(*args, **kwargs)

    return wrapper


# --- data and correlation helpers -------------------------------------------------------

def item_matrix(df, *, what: str = "de analyse", min_rows: int = 3) -> pd.DataFrame:
    """Numeric item data as a float DataFrame; AnalysisError (Dutch) naming a bad item.

    Items that are not numeric, entirely missing or constant cannot be analysed.
    """
    xt, columns, _ = item_values(df, what=what, min_rows=min_rows)
    index = df.index if isinstance(df, pd.DataFrame) else None
    return pd.DataFrame(xt.T, index=index, columns=columns, copy=False)


def item_values(df, *, what: str = "de analyse", min_rows: int = 3) -> tuple[np.ndarray, list[str], bool]:
    """The checks of :func:`item_matrix` without building a DataFrame.

    Returns ``(xt, columns, has_missing)``: ``xt`` the items x respondents float array
    (C-contiguous, so every per-item pass is contiguous; possibly a view of ``df``'s memory,
    never write to it), the item names as strings, and whether any value is missing.
    """
    xt, columns = item_array(df, what=what)
    has_missing = check_spread(xt, columns, what=what)
    check_rows(xt, min_rows, what=what)
    return xt, columns, has_missing


def item_array(df, *, what: str = "de analyse") -> tuple[np.ndarray, list[str]]:
    """First part of :func:`item_values`: a table with at least two numeric items, as an
    items x respondents float array and the item names (no check of the values)."""
    if isinstance(df, np.ndarray):
        df = pd.DataFrame(df, columns=[f"V{i + 1}" for i in range(df.shape[1])])
    if not isinstance(df, pd.DataFrame):
        raise AnalysisError(f"Voor {what} is een tabel (DataFrame) met items nodig.")
    if df.shape[1] < 2:
        raise AnalysisError(f"Voor {what} zijn minstens twee items nodig; er is er {df.shape[1]}.")
    if df.columns.is_unique:       # dtypes per column; duplicate names take the per-column path below
        numeric = all(pd.api.types.is_numeric_dtype(t) or pd.api.types.is_bool_dtype(t) for t in df.dtypes)
    else:
        numeric = all(pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c]) for c in df.columns)
    if numeric:
        values = df.to_numpy(dtype=float, na_value=np.nan)
    else:
        cols = []
        for col in df.columns:
            s = df[col]
            if not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)):
                converted = pd.to_numeric(s, errors="coerce")
                if converted.notna().sum() < s.notna().sum():
                    raise AnalysisError(f"Item '{col}' bevat waarden die geen getal zijn; {what} kan alleen met "
                                        f"getallen.")
                s = converted
            cols.append(s.to_numpy(dtype=float, na_value=np.nan))
        values = np.column_stack(cols)
    return np.ascontiguousarray(values.T), [str(c) for c in df.columns]


def check_rows(xt: np.ndarray, min_rows: int, *, what: str = "de analyse") -> None:
    """AnalysisError (Dutch) when there are fewer than ``min_rows`` respondents (columns of ``xt``)."""
    if xt.shape[1] < min_rows:
        raise AnalysisError(f"Voor {what} zijn minstens {min_rows} respondenten nodig; er zijn er {xt.shape[1]}.")


def check_spread(xt: np.ndarray, columns, *, what: str = "de analyse") -> bool:
    """AnalysisError (Dutch) for the first item (row of ``xt``) that is never answered or
    constant; returns whether any value is missing."""
    if xt.shape[1] == 0:
        np.nanmin(xt, axis=1)                    # ValueError for zero respondents, as before
    lo, hi = xt.min(axis=1), xt.max(axis=1)      # NaN propagates: NaN marks items with missing values
    with_nan = np.isnan(lo)
    if with_nan.any():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)      # all-NaN items are reported below
            lo[with_nan] = np.nanmin(xt[with_nan], axis=1)
            hi[with_nan] = np.nanmax(xt[with_nan], axis=1)
    for j in np.flatnonzero(np.isnan(lo) | (lo == hi)):
        col = columns[j]
        if np.isnan(lo[j]):
            raise AnalysisError(f"Item '{col}' heeft geen enkel antwoord; laat het weg uit {what}.")
        raise AnalysisError(f"Item '{col}' heeft geen variatie (iedereen antwoordde {lo[j]:g}); laat het weg uit "
                            f"{what}.")
    return bool(with_nan.any())


def pairwise_moments(xt: np.ndarray, miss: np.ndarray):
    """Pairwise-complete covariances and correlations in one pass over the data.

    ``xt`` is items x respondents (NaN = missing), ``miss = np.isnan(xt)``. Returns
    ``(cov, cor, counts, means)``: the results of :func:`pairwise_cov` and
    :func:`pairwise_cor` (same formulas, same NaN rules) and the item means.

    Notes
    -----
    With the mask :math:`M` and the data centred at the item means and zeroed where missing
    (:math:`X_0`), a single symmetric product of the stacked :math:`[X_0; X_0^2; M]` gives
    :math:`\\sum x_i x_j = X_0 X_0^T`, :math:`\\sum x_i = X_0 M^T`,
    :math:`\\sum x_i^2 = X_0^2 M^T` and :math:`n_{ij} = M M^T` over the pairwise-complete rows.
    """
    k, n = xt.shape
    stack = np.empty((3 * k, n))
    x0, x2, m = stack[:k], stack[k:2 * k], stack[2 * k:]
    np.subtract(1.0, miss, out=m)
    np.copyto(x0, xt)
    np.putmask(x0, miss, 0.0)
    means = x0.sum(axis=1) / m.sum(axis=1)
    x0 -= means[:, None]
    x0 *= m
    np.multiply(x0, x0, out=x2)
    g = stack @ stack.T
    sxy, sx, sxx, counts = g[:k, :k], g[:k, 2 * k:], g[k:2 * k, 2 * k:], g[2 * k:, 2 * k:].copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        cross = sxy - sx * sx.T / counts
        cov = cross / (counts - 1)
        vi = sxx - sx**2 / counts
        cor = cross / np.sqrt(vi * vi.T)
    cov[counts < 2] = np.nan
    cor[counts < 3] = np.nan
    np.fill_diagonal(cor, 1.0)
    return cov, cor, counts, means


def pairwise_cov(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairwise-complete covariance matrix and pair counts, as R ``cov(x, use = "pairwise")``.

    Notes
    -----
    For items i, j with :math:`n_{ij}` joint answers,
    :math:`c_{ij} = (\\sum x_i x_j - \\sum x_i \\sum x_j / n_{ij}) / (n_{ij} - 1)`, sums over the
    rows where both are present (the means are pairwise too, as in R). Computed with matrix
    products on centred data; complete data take a plain ``np.cov`` fast path.
    """
    x = np.asarray(x, dtype=float)
    miss = np.isnan(x)
    n = x.shape[0]
    if not miss.any():
        xc = x - x.mean(axis=0)
        counts = np.full((x.shape[1], x.shape[1]), float(n))
        return xc.T @ xc / (n - 1), counts
    m = (~miss).astype(float)
    centre = np.nanmean(x, axis=0)
    x0 = np.where(miss, 0.0, x - centre)
    counts = m.T @ m
    sx = x0.T @ m            # sx[i, j] = sum of x_i over rows where j is present too
    sxy = x0.T @ x0
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = (sxy - sx * sx.T / counts) / (counts - 1)
    cov[counts < 2] = np.nan
    return cov, counts


def pairwise_cor(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairwise-complete correlations and pair counts, as R ``cor(x, use = "pairwise")``.

    Notes
    -----
    :math:`r_{ij} = c_{ij} / \\sqrt{v_{i(j)} v_{j(i)}}` where the variances are computed on the
    same pairwise-complete rows as the covariance.
    """
    x = np.asarray(x, dtype=float)
    miss = np.isnan(x)
    if not miss.any():
        cov, counts = pairwise_cov(x)
        sd = np.sqrt(np.diag(cov))
        r = cov / np.outer(sd, sd)
        np.fill_diagonal(r, 1.0)
        return r, counts
    m = (~miss).astype(float)
    centre = np.nanmean(x, axis=0)
    x0 = np.where(miss, 0.0, x - centre)
    counts = m.T @ m
    sx = x0.T @ m
    sxx = (x0**2).T @ m      # sum of x_i^2 over rows where j is present too
    sxy = x0.T @ x0
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = sxy - sx * sx.T / counts
        vi = sxx - sx**2 / counts
        r = cov / np.sqrt(vi * vi.T)
    r[counts < 3] = np.nan
    np.fill_diagonal(r, 1.0)
    return r, counts


def correlations(data: pd.DataFrame, *, what: str = "de analyse") -> np.ndarray:
    """Pairwise correlation matrix of checked item data; AnalysisError if a pair never co-occurs."""
    r, _ = pairwise_cor(data.to_numpy(dtype=float))
    if np.isnan(r).any():
        i, j = np.argwhere(np.isnan(r))[0]
        cols = list(data.columns)
        raise AnalysisError(
            f"De items '{cols[i]}' en '{cols[j]}' zijn door (bijna) niemand allebei beantwoord; "
            f"hun correlatie is onbekend, dus {what} kan niet. Laat een van beide weg."
        )
    return r


def smc(r: np.ndarray) -> np.ndarray:
    """Squared multiple correlations, as ``psych::smc``: :math:`1 - 1/\\mathrm{diag}(R^{+})`,
    clipped to [0, 1] (psych uses a pseudo-inverse)."""
    inv = np.linalg.pinv(r, rcond=np.sqrt(_EPS), hermitian=True)
    return np.clip(1 - 1 / np.diag(inv), 0.0, 1.0)


def _eigh_desc(a):
    w, v = np.linalg.eigh(a)
    return w[::-1], v[:, ::-1]

