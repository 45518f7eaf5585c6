"""Factor structure: KMO, Bartlett's test, parallel analysis and exploratory factor analysis.

Every function reproduces the R ``psych`` function named in its docstring (psych 2.2.9,
GPArotation 2022.10.2); ``tests/r/psych_reference.R`` produces the reference values the tests
compare with. Missing values are handled pairwise, as psych does: correlations use, for each
pair of items, the respondents who answered both (``cor(x, use = "pairwise")``).
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, stats

from ..errors import AnalysisError
from .moments import _EPS, _eigh_desc, correlations, item_matrix, single_blas_thread, smc
from .polychoric import check_cor, correlation_matrix
from .rotation import ROTATIONS, canonical_rotation, rotate

METHODS = {"minres": "MR", "ml": "ML", "pa": "PA"}


# --- KMO and Bartlett -----------------------------------------------------------------

@dataclass(frozen=True)
class KMOResult:
    """Kaiser-Meyer-Olkin measure of sampling adequacy: ``overall`` and ``per_item`` (MSA_i)."""

    overall: float
    per_item: pd.Series

    def __repr__(self):
        worst = self.per_item.idxmin()
        return (f"KMOResult(overall={self.overall:.3f}, items={len(self.per_item)}, "
                f"lowest={worst!s}:{self.per_item[worst]:.3f})")

    def to_frame(self) -> pd.DataFrame:
        df = self.per_item.rename("msa").to_frame()
        df.loc["(totaal)", "msa"] = self.overall
        return df


@single_blas_thread
def kmo(df) -> KMOResult:
    """Kaiser-Meyer-Olkin measure of sampling adequacy, as ``psych::KMO``.

    Parameters
    ----------
    df : DataFrame or array
        Item answers (respondents x items; missing values handled pairwise), or a correlation
        matrix (square, symmetric, unit diagonal), as ``psych::KMO`` accepts both.

    Returns
    -------
    KMOResult
        ``overall`` (MSA) and ``per_item`` (MSAi, a Series indexed by item).

    Raises
    ------
    AnalysisError
        In Dutch, naming the cause when R cannot be inverted: fewer respondents than items, a
        matrix that is not positive definite (pairwise missing answers), or an item that is a
        combination of others.

    Notes
    -----
    With R the pairwise correlation matrix and :math:`Q` the anti-image correlations
    (:math:`R^{-1}` scaled to unit diagonal), off-diagonal only:
    :math:`MSA = \\sum r_{ij}^2 / (\\sum r_{ij}^2 + \\sum q_{ij}^2)`, per item the same sums over
    column i. A singular or indefinite R raises AnalysisError; psych would silently fall back
    to R itself or return a meaningless value.

    References
    ----------
    Kaiser, H. F. (1970). A second generation little jiffy. *Psychometrika*, 35, 401-415.

    Examples
    --------
    R: ``psych::KMO(df)``.

    >>> from informeel_lib.synth.example import example_survey
    >>> df = example_survey(300, seed=1)
    >>> items = df.filter(regex="^(REFL|EXPR|LEID)[0-9]$")
    >>> round(kmo(items).overall, 2)
    0.82
    """
    r, columns, n_rows = matrix_or_correlations(df, what="de KMO-berekening")
    check_invertible(r, n_rows, what="KMO")
    q = np.linalg.inv(r)
    d = 1 / np.sqrt(np.diag(q))
    q = q * np.outer(d, d)
    np.fill_diagonal(q, 0.0)
    r0 = r.copy()
    np.fill_diagonal(r0, 0.0)
    r2, q2 = (r0**2).sum(axis=0), (q**2).sum(axis=0)
    overall = float(r2.sum() / (r2.sum() + q2.sum()))
    return KMOResult(overall, pd.Series(r2 / (r2 + q2), index=columns, name="msa"))


@dataclass(frozen=True)
class BartlettResult:
    """Bartlett's test of sphericity: ``chi2``, ``df``, ``p`` and the ``n`` used."""

    chi2: float
    df: int
    p: float
    n: int

    def __repr__(self):
        return f"BartlettResult(chi2={self.chi2:.2f}, df={self.df}, p={self.p:.3g}, n={self.n})"

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"chi2": self.chi2, "df": self.df, "p": self.p, "n": self.n}])


@single_blas_thread
def bartlett(df, *, n_obs: int | None = None) -> BartlettResult:
    """Bartlett's test that the correlation matrix is an identity matrix, as ``psych::cortest.bartlett``.

    Parameters
    ----------
    df : DataFrame or array
        Item answers (correlations pairwise-complete), or a correlation matrix (square,
        symmetric, unit diagonal) as ``psych::cortest.bartlett`` accepts; then ``n_obs`` is
        required.
    n_obs : int, optional
        Sample size for the test. Default for raw data: the number of rows of ``df``,
        including rows with missing answers -- what psych does (``cortest.bartlett(x)`` on raw
        data uses ``nrow(x)``). psych assumes n = 100 for a matrix without n; we ask for it.

    Notes
    -----
    :math:`\\chi^2 = -\\ln|R| \\,(n - 1 - (2p + 5)/6)`, :math:`df = p(p-1)/2`.

    References
    ----------
    Bartlett, M. S. (1951). The effect of standardization on a chi square approximation in
    factor analysis. *Biometrika*, 38, 337-344.

    Examples
    --------
    R: ``psych::cortest.bartlett(cor(df, use = "pairwise"), n = nrow(df))``.
    """
    r, _, n_rows = matrix_or_correlations(df, what="de toets van Bartlett")
    if n_rows is None and n_obs is None:
        raise AnalysisError("Bij een correlatiematrix is het aantal respondenten nodig: geef n_obs op, zoals "
                            "psych::cortest.bartlett(r, n = ...).")
    p = r.shape[0]
    n = n_rows if n_obs is None else int(n_obs)
    check_invertible(r, n_rows if n_obs is None else n, what="de toets van Bartlett")
    logdet = np.linalg.slogdet(r)[1]
    chi2 = float(-logdet * (n - 1 - (2 * p + 5) / 6))
    dof = p * (p - 1) // 2
    return BartlettResult(chi2, dof, float(stats.chi2.sf(chi2, dof)), n)


def matrix_or_correlations(df, *, what: str):
    """(R, item names, respondents) from a correlation matrix (respondents None) or from item data.

    A square, symmetric table with a unit diagonal and values in [-1, 1] is taken as a
    correlation matrix, as psych's ``isCorrelation`` does; anything else as answers.
    """
    values = df.to_numpy(dtype=float, na_value=np.nan) if isinstance(df, pd.DataFrame) else None
    if values is None and isinstance(df, np.ndarray) and df.dtype.kind in "fiu":
        values = df.astype(float)
    if (values is not None and values.ndim == 2 and values.shape[0] == values.shape[1] > 1
            and not np.isnan(values).any() and np.allclose(values, values.T, atol=1e-10)
            and np.allclose(np.diag(values), 1.0, atol=1e-10) and np.abs(values).max() <= 1 + 1e-10):
        names = [str(c) for c in df.columns] if isinstance(df, pd.DataFrame) else [
            f"V{i + 1}" for i in range(values.shape[1])]
        return values, names, None
    data = item_matrix(df, what=what)
    return correlations(data, what=what), list(data.columns), len(data)


def check_invertible(r: np.ndarray, n_rows, *, what: str) -> None:
    """AnalysisError (Dutch) naming why a correlation matrix cannot be inverted, if it cannot."""
    p = r.shape[0]
    if n_rows is not None and n_rows <= p:
        raise AnalysisError(f"Voor {what} zijn meer respondenten dan items nodig: er zijn {n_rows} respondenten en {p} "
                            "items, dus de correlatiematrix is singulier. Verzamel meer antwoorden of gebruik minder "
                            "items.")
    eig = np.linalg.eigvalsh(r)
    if eig[0] < -1e-10:
        raise AnalysisError(f"De correlatiematrix is niet positief definiet (kleinste eigenwaarde {eig[0]:.3g}), dus "
                            f"{what} kan niet. Dat gebeurt als de paarsgewijze correlaties op verschillende groepen "
                            "respondenten berusten (veel ontbrekende antwoorden) of als de matrix uit verschillende "
                            "bronnen is samengesteld; gebruik alleen respondenten met volledige antwoorden.")
    if eig[0] < 1e-12 * eig[-1]:
        raise AnalysisError(f"De correlatiematrix is singulier (een item is een combinatie van andere items), dus "
                            f"{what} "
                            "kan niet. Laat een van die items weg.")


# --- factor extraction ----------------------------------------------------------------

def _minres_objective(psi, s, nf):
    s2 = s.copy()
    np.fill_diagonal(s2, 1 - psi)
    w, v = _eigh_desc(s2)
    w = np.where(w < _EPS, 100 * _EPS, w)
    load = v[:, :nf] * np.sqrt(w[:nf])
    resid = s2 - load @ load.T
    return float((np.tril(resid, -1) ** 2).sum())


def _minres_gradient(psi, s, nf):
    # psych's FAgr.minres (not the exact gradient of the objective, but what psych optimises with)
    w, v = _eigh_desc(s - np.diag(psi))
    load = v[:, :nf] * np.sqrt(np.maximum(w[:nf], 0))
    return (load**2).sum(axis=1) + psi - np.diag(s)


def _minres_objective_and_gradient(psi, s, nf):
    """(objective, gradient) at ``psi``; for a unit diagonal both use the same matrix, so one
    eigendecomposition serves both (the values are exactly those of the two functions above)."""
    p = s.shape[0]
    s2 = s.copy()
    s2.flat[::p + 1] = 1 - psi
    w, v = np.linalg.eigh(s2)
    w, v = w[::-1], v[:, ::-1]
    top = w[:nf]
    vf = v[:, :nf]
    load = vf * np.sqrt(np.where(top < _EPS, 100 * _EPS, top))
    resid = s2 - load @ load.T
    value = float((np.where(_lower_mask(p), resid, 0.0) ** 2).sum())     # = np.tril(resid, -1)
    diag = s.diagonal()
    if not (diag == 1).all():
        return value, _minres_gradient(psi, s, nf)
    load = vf * np.sqrt(np.maximum(top, 0))
    return value, (load**2).sum(axis=1) + psi - diag


@functools.lru_cache(maxsize=64)
def _lower_mask(p):
    mask = np.tri(p, p, -1, dtype=bool)
    mask.flags.writeable = False
    return mask


def _ml_objective(psi, s, nf):
    sc = 1 / np.sqrt(psi)
    e = np.linalg.eigvalsh(s * np.outer(sc, sc))[::-1][nf:]
    return float(-(np.sum(np.log(e) - e) - nf + s.shape[0]))


def _ml_gradient(psi, s, nf):
    sc = 1 / np.sqrt(psi)
    w, v = _eigh_desc(s * np.outer(sc, sc))
    load = v[:, :nf] * np.sqrt(np.maximum(w[:nf] - 1, 0))
    load = np.sqrt(psi)[:, None] * load
    return ((load**2).sum(axis=1) + psi - np.diag(s)) / psi**2


def _lbfgsb(fun, grad, start, upper, s, nf, *, fun_and_grad=None):
    """``optim(method = "L-BFGS-B", lower = .005, upper, parscale = .01)`` with R's defaults
    (lmm = 5, factr = 1e7, pgtol = 0, maxit = 100). ``fun_and_grad``, if given, returns both
    values at once (L-BFGS-B always asks for both at the same point)."""
    scale = 0.01
    if fun_and_grad is None:
        def fg(x):
            return fun(x * scale, s, nf), grad(x * scale, s, nf) * scale
    else:
        def fg(x):
            value, gradient = fun_and_grad(x * scale, s, nf)
            return value, gradient * scale
    # fmin_l_bfgs_b runs the same routine as minimize(method="L-BFGS-B") without its set-up cost
    x, _, info = optimize.fmin_l_bfgs_b(
        fg, start / scale, bounds=[(0.005 / scale, upper / scale)] * len(start),
        m=5, factr=1e7, pgtol=0.0, maxiter=100,
    )
    return x * scale, info["warnflag"] == 0


def _fit_minres(r, nf):
    s_smc = smc(r)
    start = 1 - s_smc
    psi, ok = _lbfgsb(_minres_objective, _minres_gradient, start, max(s_smc.max(), 1.0), r, nf,
                      fun_and_grad=_minres_objective_and_gradient)
    w, v = _eigh_desc(r - np.diag(psi))
    return v[:, :nf] * np.sqrt(np.maximum(w[:nf], 0)), ok


def _fit_ml(r, nf):
    s_smc = smc(r)
    start = 1 - s_smc
    psi, ok = _lbfgsb(_ml_objective, _ml_gradient, start, max(s_smc.max(), 1.0), r, nf)
    sc = 1 / np.sqrt(psi)
    w, v = _eigh_desc(r * np.outer(sc, sc))
    load = v[:, :nf] * np.sqrt(np.maximum(w[:nf] - 1, 0))
    return np.sqrt(psi)[:, None] * load, ok


def _fit_pa(r, nf, *, min_err=0.001, max_iter=50):
    rm = r.copy()
    np.fill_diagonal(rm, smc(r))
    comm = np.trace(rm)
    err, i, ok = comm, 1, True
    load = None
    while err > min_err:
        w, v = _eigh_desc(rm)
        with np.errstate(invalid="ignore"):
            load = v[:, :nf] * np.sqrt(w[:nf])
        if np.isnan(load).any():
            raise AnalysisError("De hoofdasmethode (pa) levert een negatieve eigenwaarde op; kies method='minres'.")
        new = (load**2).sum(axis=1)
        comm1 = new.sum()
        np.fill_diagonal(rm, new)
        err = abs(comm - comm1)
        comm = comm1
        i += 1
        if i > max_iter:
            ok = False
            break
    return load, ok


def _extract(r, nf, method):
    if method == "minres":
        return _fit_minres(r, nf)
    if method == "ml":
        return _fit_ml(r, nf)
    return _fit_pa(r, nf)


def _factor_values(r, load):
    """Eigenvalues of R with the communalities of ``load`` on the diagonal (psych's ``$values``)."""
    s = r.copy()
    np.fill_diagonal(s, (load**2).sum(axis=1))
    return np.linalg.eigvalsh(s)[::-1]


# --- parallel analysis -----------------------------------------------------------------

@dataclass(frozen=True)
class ParallelResult:
    """Parallel analysis: suggested ``n_factors`` and ``n_components`` plus the ``eigenvalues`` table."""

    n_factors: int
    n_components: int
    eigenvalues: pd.DataFrame
    n_iter: int
    quantile: float | None
    seed: int

    def __repr__(self):
        crit = "gemiddelde" if self.quantile is None else f"{self.quantile:.0%}-kwantiel"
        return (f"ParallelResult(n_factors={self.n_factors}, n_components={self.n_components}, "
                f"n_iter={self.n_iter}, criterion={crit})")

    def to_frame(self) -> pd.DataFrame:
        return self.eigenvalues.copy()


def _batched_cor(x):
    """Correlation matrices of a batch of complete data sets, x of shape (b, n, p)."""
    xc = x - x.mean(axis=1, keepdims=True)
    c = np.matmul(xc.transpose(0, 2, 1), xc)
    d = 1 / np.sqrt(np.einsum("bii->bi", c))
    return c * d[:, :, None] * d[:, None, :]


@single_blas_thread
def parallel_analysis(df, n_iter: int = 100, seed: int = 0, *, quantile: float | None = 0.95,
                      cor: str = "pearson") -> ParallelResult:
    """Horn's parallel analysis for factors and components, as ``psych::fa.parallel(df, fa = "both")``.

    Parameters
    ----------
    df : DataFrame
        Item answers; missing values handled pairwise.
    n_iter : int
        Number of simulated data sets.
    seed : int
        Seed of numpy's random generator (results are random, but reproducible per seed).
    quantile : float or None
        An observed eigenvalue counts when it exceeds this quantile of the simulated ones;
        the default 0.95 is psych's rule (``fa.parallel(quant = .95)``). ``None`` uses the mean
        of the simulated eigenvalues instead (Horn's original rule, 1965). The table always
        has the means.
    cor : {"pearson", "poly", "tet"}
        Correlations of the observed data: pairwise Pearson (default), polychoric or
        tetrachoric (``fa.parallel(cor = "poly")``); see Notes for the simulated data.

    Returns
    -------
    ParallelResult
        ``n_factors``, ``n_components`` and ``eigenvalues``: per position the observed factor
        eigenvalue (``factor_observed``), observed component eigenvalue
        (``component_observed``), the simulated means, and the quantiles if asked.

    Notes
    -----
    Component eigenvalues are those of the pairwise correlation matrix R. Factor eigenvalues
    are, as in psych (``fa(R, 1, fm = "minres")$values``), the eigenvalues of R with the
    communalities of a one-factor minres solution on its diagonal. Each simulated data set is
    standard normal with the same n (all rows of ``df``) and p; unlike psych's default we do
    not also resample the observed data (psych computes those but its counts use the
    simulated normal data, which is what we do). Correlations and component eigenvalues of the
    simulated data are computed in batches (batched matrix products and ``eigvalsh``).
    The count is the number of leading eigenvalues above the criterion.

    References
    ----------
    Horn, J. L. (1965). A rationale and test for the number of factors in factor analysis.
    *Psychometrika*, 30, 179-185.

    Examples
    --------
    R: ``psych::fa.parallel(df, fa = "both", fm = "minres", n.iter = 100)``; with
    ``cor="poly"`` ``fa.parallel(df, cor = "poly")``: the observed eigenvalues are those of the
    polychoric matrix; the simulated data stay normal with Pearson correlations, which are
    what psych's counts compare with (its resampled polychoric matrices are only plotted).
    """
    check_cor(cor)
    if n_iter < 1:
        raise AnalysisError("Parallelle analyse heeft minstens één simulatie nodig (n_iter >= 1).")
    if quantile is not None and not 0 < quantile < 1:
        raise AnalysisError("Het kwantiel voor parallelle analyse moet tussen 0 en 1 liggen, bijvoorbeeld 0.95.")
    data = item_matrix(df, what="de parallelle analyse")
    if cor == "pearson":
        r = correlations(data, what="de parallelle analyse")
    else:
        r = correlation_matrix(data, cor, what="de parallelle analyse")[0].to_numpy()
    n, p = data.shape
    pc_obs = np.linalg.eigvalsh(r)[::-1]
    fa_obs = _factor_values(r, _fit_minres(r, 1)[0])

    rng = np.random.default_rng(seed)
    chunk = max(1, int(64e6 // (n * p * 8)))
    pc_sim, fa_sim = [], []
    done = 0
    while done < n_iter:
        b = min(chunk, n_iter - done)
        cors = _batched_cor(rng.standard_normal((b, n, p)))
        pc_sim.append(np.linalg.eigvalsh(cors)[:, ::-1])
        fa_sim.extend(_factor_values(c, _fit_minres(c, 1)[0]) for c in cors)
        done += b
    pc_sim = np.vstack(pc_sim)
    fa_sim = np.vstack(fa_sim)

    table = pd.DataFrame({
        "factor_observed": fa_obs, "factor_simulated": fa_sim.mean(axis=0),
        "component_observed": pc_obs, "component_simulated": pc_sim.mean(axis=0),
    }, index=pd.RangeIndex(1, p + 1, name="nummer"))
    if quantile is None:
        fa_crit, pc_crit = table["factor_simulated"].to_numpy(), table["component_simulated"].to_numpy()
    else:
        fa_crit = np.quantile(fa_sim, quantile, axis=0)
        pc_crit = np.quantile(pc_sim, quantile, axis=0)
        table["factor_quantile"] = fa_crit
        table["component_quantile"] = pc_crit
    return ParallelResult(_leading_count(fa_obs > fa_crit), _leading_count(pc_obs > pc_crit),
                          table, int(n_iter), quantile, int(seed))


def _leading_count(above: np.ndarray) -> int:
    fails = np.flatnonzero(~above)
    return int(fails[0]) if fails.size else int(above.size)


# --- exploratory factor analysis ----------------------------------------------------------

@dataclass(frozen=True)
class EFAResult:
    """An exploratory factor solution (see :func:`efa`)."""

    loadings: pd.DataFrame
    communalities: pd.Series
    uniquenesses: pd.Series
    phi: pd.DataFrame
    variance_explained: pd.DataFrame
    heywood: bool
    method: str
    rotation: str
    n_obs: int
    converged: bool = True
    eigenvalues: np.ndarray = field(default=None, repr=False)

    def __repr__(self):
        ss = ", ".join(f"{c}={v:.2f}" for c, v in self.variance_explained.loc["SS loadings"].items())
        return (f"EFAResult(method={self.method!r}, rotation={self.rotation!r}, items={len(self.loadings)}, "
                f"factors={self.loadings.shape[1]}, n_obs={self.n_obs}, SS loadings: {ss}"
                f"{', HEYWOOD' if self.heywood else ''})")

    def to_frame(self) -> pd.DataFrame:
        """Loadings with communality ``h2`` and uniqueness ``u2`` per item, as psych prints."""
        out = self.loadings.copy()
        out["h2"] = self.communalities
        out["u2"] = self.uniquenesses
        return out


@single_blas_thread
def efa(df, n_factors: int, *, method: str = "minres", rotation: str | None = "oblimin",
        use: str = "pairwise", cor: str = "pearson") -> EFAResult:
    """Exploratory factor analysis as ``psych::fa(df, nfactors, fm = method, rotate = rotation)``.

    Parameters
    ----------
    df : DataFrame
        Item answers (respondents x items), or a square correlation matrix with the items as
        both index and columns.
    n_factors : int
        Number of factors (1 <= n_factors < number of items).
    method : {"minres", "ml", "pa"}
        Minimum residual (psych's default), maximum likelihood, or principal axis.
    rotation : {"oblimin", "promax", "varimax", "geominQ", "quartimin", None}
        None or "none" leaves the solution unrotated.
    use : {"pairwise", "complete"}
        Missing values: pairwise-complete correlations (default, as psych) or listwise deletion.
    cor : {"pearson", "poly", "tet"}
        Pearson correlations (default), polychoric (``psych::fa(cor = "poly")``, for ordinal
        answers) or tetrachoric (``cor = "tet"``, two-category items); see :func:`polychoric`.

    Returns
    -------
    EFAResult
        ``loadings`` (items x factors, columns MR1.., ML1.. or PA1.. in order of explained
        variance), ``communalities`` (h2), ``uniquenesses`` (u2 = 1 - h2), ``phi`` (factor
        correlations; identity for orthogonal/unrotated), ``variance_explained`` (rows
        "SS loadings", "Proportion Var", "Cumulative Var", "Proportion Explained",
        "Cumulative Proportion", as psych's ``Vaccounted``), ``heywood``.

    Warns
    -----
    UserWarning
        In Dutch, when a communality reaches .995 or more (a Heywood case: the uniqueness is at
        the optimiser's lower bound .005 or negative); the solution is then suspect.

    Notes
    -----
    *minres* minimises :math:`\\sum_{i<j}(r_{ij} - (\\Lambda\\Lambda^T)_{ij})^2` over the
    uniquenesses :math:`\\psi` with L-BFGS-B, starting at :math:`1 - SMC`, bounds
    [.005, 1], using psych's own gradient (``FAgr.minres``) and R's optimiser settings;
    :math:`\\Lambda` are the leading eigenvectors of :math:`R - \\Psi` scaled by the root of
    their eigenvalues. *ml* minimises :math:`-\\sum_{j>k}(\\ln e_j - e_j) - k + p` over the
    eigenvalues of :math:`\\Psi^{-1/2}R\\Psi^{-1/2}` (psych's ``FAfn``/``FAgr``). *pa*
    iterates the communalities from the SMCs until their sum changes < .001 (max. 50).
    Before rotation columns are flipped so their sums are positive; after rotation again, and
    factors are ordered by :math:`\\mathrm{diag}(\\Phi\\Lambda^T\\Lambda)` (SS loadings).
    psych keeps the pre-sorting names (e.g. MR2, MR1, ...); we number the sorted factors.

    References
    ----------
    Revelle, W. (2022). *psych: Procedures for Psychological, Psychometric, and Personality
    Research* (R package version 2.2.9), functions ``fa``, ``fac``.

    Examples
    --------
    R: ``psych::fa(df, nfactors = 5, fm = "minres", rotate = "oblimin")``.

    >>> from informeel_lib.synth.example import example_survey
    >>> df = example_survey(300, seed=1)
    >>> items = df.filter(regex="^(REFL|EXPR|LEID)[0-9]$")
    >>> res = efa(items, 3, method="minres", rotation="oblimin")
    >>> res.loadings.shape, float(round(res.loadings.loc["REFL3", "MR1"], 2))
    ((14, 3), 0.82)
    """
    if method not in METHODS:
        raise AnalysisError(f"Onbekende factormethode '{method}'; kies uit {', '.join(METHODS)}.")
    if canonical_rotation(rotation) is None:
        raise AnalysisError(f"Onbekende rotatie '{rotation}'; kies uit {', '.join(ROTATIONS)}.")
    rotation = canonical_rotation(rotation)
    if use not in ("pairwise", "complete"):
        raise AnalysisError("use moet 'pairwise' of 'complete' zijn.")
    check_cor(cor)
    r, items, n_obs = _correlation_input(df, use, cor)
    p = len(items)
    if not isinstance(n_factors, (int, np.integer)) or not 1 <= n_factors < p:
        raise AnalysisError(f"Het aantal factoren moet een geheel getal van 1 tot {p - 1} zijn, niet {n_factors!r}.")
    nf = int(n_factors)
    load, converged = _extract(r, nf, method)
    values = _factor_values(r, load)
    signs = np.sign(load.sum(axis=0))
    signs[signs == 0] = 1
    load = load * signs
    load[load == 0] = 1e-15
    h2 = (load**2).sum(axis=1)
    if nf > 1 and rotation != "none":
        rot = rotate(load, rotation)
        load, phi = rot.loadings, rot.phi
        converged = converged and rot.converged
    else:
        phi = np.eye(nf)
    signs = np.sign(load.sum(axis=0))
    signs[signs == 0] = 1
    load = load * signs
    phi = phi * np.outer(signs, signs)
    ss = np.diag(phi @ load.T @ load)
    order = np.argsort(-ss, kind="stable")
    load, phi, ss = load[:, order], phi[np.ix_(order, order)], ss[order]
    names = [f"{METHODS[method]}{i + 1}" for i in range(nf)]
    u2 = 1 - h2
    varex = _variance_explained(ss, float((h2 + u2).sum()), names)
    heywood = _warn_about_the_solution(h2, items, converged)
    return EFAResult(
        loadings=pd.DataFrame(load, index=items, columns=names),
        communalities=pd.Series(h2, index=items, name="h2"),
        uniquenesses=pd.Series(u2, index=items, name="u2"),
        phi=pd.DataFrame(phi, index=names, columns=names),
        variance_explained=varex, heywood=heywood, method=method, rotation=rotation,
        n_obs=n_obs, converged=converged, eigenvalues=values,
    )


def _variance_explained(ss: np.ndarray, vtotal: float, names) -> pd.DataFrame:
    """psych's ``Vaccounted`` table: SS loadings and the proportions they explain."""
    rows = {"SS loadings": ss, "Proportion Var": ss / vtotal, "Cumulative Var": np.cumsum(ss / vtotal)}
    if len(names) > 1:
        rows["Proportion Explained"] = ss / ss.sum()
        rows["Cumulative Proportion"] = np.cumsum(ss / ss.sum())
    return pd.DataFrame(rows, index=names).T


def _warn_about_the_solution(h2: np.ndarray, items, converged: bool) -> bool:
    """Dutch warnings for a Heywood case and for non-convergence; returns whether there is a Heywood case."""
    heywood = bool((h2 >= 0.995).any())
    if heywood:
        bad = [items[i] for i in np.flatnonzero(h2 >= 0.995)]
        warnings.warn(
            f"Heywood-geval: de communaliteit van {', '.join(bad)} is (bijna) 1 of groter; de oplossing is "
            "onbetrouwbaar. Probeer minder factoren, een andere methode of kijk of items (bijna) gelijk zijn.",
            UserWarning, stacklevel=3,
        )
    if not converged:
        warnings.warn("De factoranalyse is niet volledig geconvergeerd; interpreteer de uitkomst voorzichtig.",
                      RuntimeWarning, stacklevel=3)
    return heywood

def _correlation_input(df, use, cor="pearson"):
    """(R, item names, n) from raw data or from a square correlation matrix."""
    if isinstance(df, pd.DataFrame) and df.shape[0] == df.shape[1] and list(df.index) == list(df.columns):
        r = df.to_numpy(dtype=float)
        if np.allclose(r, r.T) and np.allclose(np.diag(r), 1) and not np.isnan(r).any():
            return r, [str(c) for c in df.columns], 0
    data = item_matrix(df, what="de factoranalyse")
    if use == "complete":
        data = data.dropna()
        if len(data) < 3:
            raise AnalysisError("Na het weglaten van respondenten met ontbrekende antwoorden blijft (bijna) niemand "
                                "over.")
        data = item_matrix(data, what="de factoranalyse")
    if cor != "pearson":
        return correlation_matrix(data, cor, what="de factoranalyse")[0].to_numpy(), list(data.columns), len(data)
    return correlations(data, what="de factoranalyse"), list(data.columns), len(data)


def one_factor_minres(r: np.ndarray) -> np.ndarray:
    """Loadings of a one-factor minres solution of correlation matrix ``r`` (psych's ``fa(r, 1)``)."""
    load = _fit_minres(r, 1)[0][:, 0]
    return -load if load.sum() < 0 else load
