"""Linear mixed models fitted the way lme4 fits them: the profiled (RE)ML deviance over covariance factors.

The model is :math:`y = X\\beta + Z\\Lambda_\\theta u + e`, :math:`u \\sim N(0, \\sigma^2 I)`,
:math:`e \\sim N(0, \\sigma^2 I)` (Bates, Mächler, Bolker & Walker 2015). For a given vector
:math:`\\theta` of relative covariance factors the fixed effects and the residual variance have a
closed form, so only :math:`\\theta` is optimised, within bounds (variances cannot be negative).
That is what ``lme4::lmer`` does; it makes the fit small, fast and checkable:

- :func:`fit_lmm` searches from several starting values (a grid for one or two variances),
  turns to other optimisers when the checks below fail, and keeps the lowest deviance;
- a fit only counts as converged when the gradient at the solution is (near) zero, the curvature is
  positive, and a variance at zero is at zero because the likelihood wants it there (moving it up
  makes the fit worse); otherwise :attr:`LMMFit.converged` is ``False`` with a Dutch
  :attr:`LMMFit.message`.

The random effects are a list of :class:`RandomTerm` — a random intercept per level of a grouping,
optionally with a random slope (``(1 + x | team)``). Nested groupings are separate terms whose
group key identifies the inner level uniquely (``organisation / team``), as ``(1 | org/team)``
expands to in lme4.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import linalg, optimize, sparse
from scipy.linalg import lapack

from ..errors import AnalysisError
from .moments import single_blas_thread

GRADIENT_TOLERANCE = 1e-4
"""Largest accepted Newton step (H⁻¹g, relative to max(|θ|, 0.1)) at a solution; lme4 uses 2e-3."""

BOUNDARY_STEP = 1e-3
"""Step into the interior that must not lower the deviance for a variance held at zero."""


# --- model terms ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class RandomTerm:
    """One random-effects term: a random intercept (and optionally slopes) per level of a grouping.

    Parameters
    ----------
    name : str
        Name of the grouping (``"team"``); keys of :attr:`LMMFit.covariances`.
    groups : array (n,)
        Group label of every row; no missing values.
    covariates : array (n, k)
        Columns whose coefficients vary over the groups; the first column is all ones for the
        random intercept. Use :meth:`intercept` or :meth:`with_slope` to build one.
    covariate_names : tuple of str
        Names of the ``k`` columns.
    """

    name: str
    groups: np.ndarray = field(repr=False)
    covariates: np.ndarray = field(repr=False)
    covariate_names: tuple[str, ...] = ("Intercept",)

    @classmethod
    def intercept(cls, name: str, groups) -> RandomTerm:
        """``(1 | groups)``."""
        groups = np.asarray(groups)
        return cls(name, groups, np.ones((len(groups), 1)), ("Intercept",))

    @classmethod
    def with_slope(cls, name: str, groups, x, x_name: str) -> RandomTerm:
        """``(1 + x | groups)``: correlated random intercept and slope of ``x``."""
        groups = np.asarray(groups)
        x = np.asarray(x, dtype=float)
        return cls(name, groups, np.column_stack([np.ones(len(groups)), x]), ("Intercept", x_name))

    @property
    def k(self) -> int:
        return self.covariates.shape[1]


@dataclass(frozen=True)
class LMMFit:
    """A fitted linear mixed model; see :func:`fit_lmm`."""

    beta: pd.Series
    se: pd.Series = field(repr=False)
    vcov: pd.DataFrame = field(repr=False)
    sigma2: float
    covariances: dict = field(repr=False)
    theta: tuple[float, ...]
    deviance: float
    loglik: float
    reml: bool
    converged: bool
    message: str
    n: int
    n_levels: dict = field(repr=False)
    singular: bool
    n_evaluations: int = field(repr=False, default=0)

    def to_frame(self) -> pd.DataFrame:
        """Fixed effects: estimate and standard error per term."""
        return pd.DataFrame({"estimate": self.beta, "se": self.se})

    def variance_components(self) -> pd.Series:
        """Variances (and covariances) per term plus ``residual``, as ``lme4::VarCorr`` lists them."""
        out = {}
        for name, cov in self.covariances.items():
            labels = list(cov.index)
            for i, a in enumerate(labels):
                out[name if a == "Intercept" else f"{name}: {a}"] = float(cov.iloc[i, i])
            for i in range(len(labels)):
                for j in range(i + 1, len(labels)):
                    out[f"{name}: {labels[i]} ~ {labels[j]}"] = float(cov.iloc[i, j])
        out["residual"] = self.sigma2
        return pd.Series(out, name="variance")


# --- the profiled deviance -------------------------------------------------------------------------

class ProfiledDeviance:
    """The (RE)ML deviance as a function of the relative covariance factors θ alone.

    Cross-products are formed once; one evaluation costs a Cholesky factorisation of the
    random-effects system. The first term (the one with most levels) is block diagonal, so it is
    factored level by level; the other terms form a dense block (a Schur complement), which keeps
    the cost linear in the number of teams.

    Parameters
    ----------
    y : array (n,)
    X : array (n, p), full column rank
    terms : list of RandomTerm
    """

    def __init__(self, y, X, terms):
        y = np.asarray(y, dtype=float)
        X = np.asarray(X, dtype=float)
        self.n, self.p = X.shape
        # X = Q R: the deviance works with the orthonormal Q (well conditioned for raw predictors);
        # y enters through its residual from the OLS fit, so no precision is lost to a large mean
        self._q, self._r = np.linalg.qr(X)
        self._log_det_r = float(np.sum(np.log(np.abs(np.diag(self._r)))))
        self._beta_ols = self._q.T @ y
        y_res = y - self._q @ self._beta_ols
        self.terms = sorted(terms, key=lambda t: -len(pd.unique(t.groups)))
        self._setup_terms(self.terms, np.column_stack([self._q, y_res]))
        self._yty = float(y_res @ y_res)
        if not self._yty > 1e-20 * max(1.0, float(y @ y)):
            raise AnalysisError("Het multilevelmodel kon niet geschat worden: de voorspellers verklaren de uitkomst "
                                "volledig of de uitkomst heeft geen variantie.")

    def _setup_terms(self, terms, rhs):
        """Group codes, Z blocks and the cross-products Z'Z, Z'[X y] of every term."""
        z_blocks, self.n_levels, self.k, first = [], [], [], None
        for term in terms:
            codes, levels = pd.factorize(pd.Series(term.groups), sort=False)
            if (codes < 0).any():
                raise AnalysisError(f"De groepering '{term.name}' heeft ontbrekende waarden.")
            w = np.asarray(term.covariates, dtype=float)
            k, n_lev = w.shape[1], len(levels)
            cols = (codes[:, None] * k + np.arange(k)).ravel()
            rows = np.repeat(np.arange(self.n), k)
            z_blocks.append(sparse.csr_matrix((w.ravel(), (rows, cols)), shape=(self.n, n_lev * k)))
            self.n_levels.append(n_lev)
            self.k.append(k)
            first = first or (codes, w)
        z0 = z_blocks[0]
        k0, n0 = self.k[0], self.n_levels[0]
        self._a11 = _block_diagonal(*first, n0)
        self._rhs0 = np.asarray(z0.T @ rhs).reshape(n0, k0, self.p + 1)
        self._rest = len(z_blocks) > 1
        if self._rest:
            zr = sparse.hstack(z_blocks[1:]).tocsr()
            self._a21 = np.asarray((zr.T @ z0).toarray()).reshape(zr.shape[1], n0, k0)
            self._a22 = (zr.T @ zr).toarray()
            self._rhsr = np.asarray(zr.T @ rhs)
            self._rest_diagonal = all(k == 1 for k in self.k[1:])

    # θ layout: per term the lower triangle of its k x k factor, column by column (as lme4)
    @property
    def n_theta(self) -> int:
        return sum(k * (k + 1) // 2 for k in self.k)

    @property
    def lower_bounds(self) -> np.ndarray:
        out = []
        for k in self.k:
            out.extend(0.0 if i == j else -np.inf for j in range(k) for i in range(j, k))
        return np.array(out)

    def default_start(self) -> np.ndarray:
        """lme4's start: identity factors (each random effect as variable as the residual)."""
        return np.where(self.lower_bounds == 0, 1.0, 0.0)

    def factors(self, theta) -> list[np.ndarray]:
        """The lower-triangular k x k factor of every term for a θ vector."""
        out, pos = [], 0
        for k in self.k:
            t = np.zeros((k, k))
            for j in range(k):
                for i in range(j, k):
                    t[i, j] = theta[pos]
                    pos += 1
            out.append(t)
        return out

    def _rest_lambda(self, factors):
        if self._rest_diagonal:
            return np.concatenate([np.full(n, t[0, 0]) for n, t in zip(self.n_levels[1:], factors[1:])])
        return linalg.block_diag(*[np.kron(np.eye(n), t) for n, t in zip(self.n_levels[1:], factors[1:])])

    def _scale_rest(self, lam, a, left_only=False):
        """Λ₂' A (and Λ₂' A Λ₂ unless left_only) for the dense part."""
        if self._rest_diagonal:
            out = lam[:, None] * a if a.ndim == 2 else lam[:, None, None] * a
            return out if left_only else out * lam[None, :]
        shape = a.shape
        out = (lam.T @ a.reshape(shape[0], -1)).reshape(shape)
        return out if left_only else out @ lam

    def _first_block(self, t0):
        """Cholesky of the first term's block-diagonal part, level by level.

        Returns log|L₁₁|², L₁₁⁻¹Λ₁'Z₁'[X y] (q₁ x (p+1)) and the inverse factor per level."""
        if self.k[0] == 1:      # random intercepts: every block is 1 x 1
            d = np.sqrt(t0[0, 0] ** 2 * self._a11[:, 0, 0] + 1.0)
            c0 = (t0[0, 0] / d)[:, None] * self._rhs0[:, 0, :]
            return 2.0 * float(np.sum(np.log(d))), c0, (1.0 / d)[:, None, None]
        m11 = np.einsum("ki,lkm,mj->lij", t0, self._a11, t0) + np.eye(self.k[0])
        l11 = np.linalg.cholesky(m11)
        l11_inv = np.linalg.inv(l11)
        c0 = np.einsum("lij,ljp->lip", l11_inv, np.einsum("ki,lkp->lip", t0, self._rhs0))
        log_det = 2.0 * float(np.sum(np.log(np.diagonal(l11, axis1=1, axis2=2))))
        return log_det, c0.reshape(-1, self.p + 1), l11_inv

    def solve(self, theta):
        """Cholesky pieces at θ: (log|L|², R_X, c_β, r²); LinAlgError when not positive definite."""
        factors = self.factors(theta)
        t0 = factors[0]
        log_det, c, l11_inv = self._first_block(t0)
        if self._rest:
            lam = self._rest_lambda(factors)
            m21 = self._scale_rest(lam, np.einsum("qlk,kj->qlj", self._a21, t0), left_only=True)
            l21 = np.einsum("qlk,ljk->qlj", m21, l11_inv).reshape(m21.shape[0], -1)
            s = self._scale_rest(lam, self._a22) + np.eye(len(self._a22)) - l21 @ l21.T
            l22 = np.linalg.cholesky(s)
            rhs = self._scale_rest(lam, self._rhsr, left_only=True) - l21 @ c
            c = np.vstack([c, _lower_solve(l22, rhs)])
            log_det += 2.0 * float(np.sum(np.log(np.diag(l22))))
        rzx, cu = c[:, : self.p], c[:, self.p]
        rx = np.linalg.cholesky(np.eye(self.p) - rzx.T @ rzx)
        cb = _lower_solve(rx, -rzx.T @ cu)
        r2 = self._yty - cu @ cu - cb @ cb
        return log_det, rx, cb, r2

    def __call__(self, theta, reml: bool = True) -> float:
        """Deviance (−2 × log-likelihood, REML or ML) at θ; +inf where it is not defined."""
        try:
            with np.errstate(all="raise"):
                log_det, rx, _, r2 = self.solve(np.asarray(theta, dtype=float))
                if not r2 > 0:
                    return math.inf
                if reml:
                    dof = self.n - self.p
                    log_det_rx = 2.0 * float(np.sum(np.log(np.diag(rx)))) + 2.0 * self._log_det_r
                    return log_det + log_det_rx + dof * (1.0 + math.log(2.0 * math.pi * r2 / dof))
                return log_det + self.n * (1.0 + math.log(2.0 * math.pi * r2 / self.n))
        except (np.linalg.LinAlgError, FloatingPointError, ValueError):
            return math.inf

    def estimates(self, theta, reml: bool = True):
        """Fixed effects, their covariance matrix, σ² and the random-effect covariances at θ."""
        _, rx, cb, r2 = self.solve(np.asarray(theta, dtype=float))
        sigma2 = r2 / (self.n - self.p if reml else self.n)
        beta_q = linalg.solve_triangular(rx.T, cb, lower=False) + self._beta_ols
        beta = linalg.solve_triangular(self._r, beta_q, lower=False)
        rx_inv = linalg.solve_triangular(rx, np.eye(self.p), lower=True)
        r_inv = linalg.solve_triangular(self._r, np.eye(self.p), lower=False)
        vcov = sigma2 * r_inv @ (rx_inv.T @ rx_inv) @ r_inv.T
        covs = [sigma2 * t @ t.T for t in self.factors(theta)]
        return beta, vcov, sigma2, covs


def _lower_solve(lower_factor: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """L⁻¹ rhs for a lower-triangular L by LAPACK directly (scipy's wrapper costs more than the solve here)."""
    out, info = lapack.dtrtrs(lower_factor, rhs, lower=1)
    if info != 0:
        raise np.linalg.LinAlgError("singular triangular factor")
    return out


def _block_diagonal(codes, w, n_levels: int) -> np.ndarray:
    """The k x k diagonal blocks of Z'Z of one term (one per level) as an (n_levels, k, k) array."""
    k = w.shape[1]
    out = np.zeros((n_levels, k, k))
    for a in range(k):
        for b in range(a, k):
            out[:, a, b] = out[:, b, a] = np.bincount(codes, weights=w[:, a] * w[:, b], minlength=n_levels)
    return out


# --- optimisation and checks -------------------------------------------------------------------------

@dataclass
class _Search:
    """Best θ found so far and how many deviance evaluations it took."""

    deviance: callable
    lower: np.ndarray
    theta: np.ndarray = None
    value: float = math.inf
    evaluations: int = 0
    newton: dict = field(default_factory=dict)   # θ bytes -> Newton step there (polish and check share it)

    def __call__(self, theta) -> float:
        theta = np.maximum(np.asarray(theta, dtype=float), self.lower)
        value = self.deviance(theta)
        self.evaluations += 1
        if value < self.value:
            self.theta, self.value = theta.copy(), value
        return value


def _scalar_search(search: _Search) -> None:
    """One θ: scan a grid from 0 to 100 (the profile of the deviance), then refine around its best point."""
    grid = np.concatenate([[0.0], np.geomspace(1e-3, 100.0, 16)])
    values = np.array([search([g]) for g in grid])
    while np.argmin(values) == len(grid) - 1 and grid[-1] < 1e6:   # the optimum lies further out
        grid = np.append(grid, grid[-1] * 10)
        values = np.append(values, search([grid[-1]]))
    best = int(np.argmin(values))
    low, high = grid[max(best - 1, 0)], grid[min(best + 1, len(grid) - 1)]
    optimize.minimize_scalar(lambda t: search([t]), bounds=(low, high), method="bounded",
                             options={"xatol": 1e-10 * max(1.0, high)})


def _grid_start(search: _Search) -> np.ndarray:
    """Two θ (two nested random intercepts): the best point of a coarse grid (a profile check) as start."""
    axis = np.array([0.0, 0.15, 0.5, 1.5])
    values = {(a, b): search([a, b]) for a in axis for b in axis}
    return np.array(min(values, key=values.get))


def _bounds(lower: np.ndarray):
    return [(lo if np.isfinite(lo) else None, None) for lo in lower]


def _local_searches(search: _Search, start: np.ndarray) -> None:
    """Several θ: L-BFGS-B from the best point of a grid (two θ) or from lme4's start and a shrunken one."""
    if len(search.lower) == 2 and (search.lower == 0).all():
        starts = [_grid_start(search)]
    else:
        starts = [start, np.where(search.lower == 0, 0.3, 0.0)]
    for s in starts:   # loose tolerances: Newton steps polish the best point afterwards
        optimize.minimize(search, s, method="L-BFGS-B", bounds=_bounds(search.lower),
                          options={"ftol": 1e-11, "gtol": 1e-6, "maxiter": 2000})


def _escalate(search: _Search, start: np.ndarray) -> None:
    """When the local searches did not end in a checked optimum: Nelder–Mead and Powell from the best
    point, L-BFGS-B from lme4's start and from the best point."""
    bounds = _bounds(search.lower)
    optimize.minimize(search, start, method="L-BFGS-B", bounds=bounds,
                      options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 2000})
    optimize.minimize(search, search.theta, method="Nelder-Mead", bounds=bounds,
                      options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 4000})
    optimize.minimize(search, search.theta, method="Powell", bounds=bounds,
                      options={"xtol": 1e-10, "ftol": 1e-14, "maxiter": 4000})
    optimize.minimize(search, search.theta, method="L-BFGS-B", bounds=bounds,
                      options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 2000})


def _derivatives(f, theta: np.ndarray, free: np.ndarray, lower: np.ndarray):
    """Central-difference gradient and Hessian of f over the free coordinates of θ (steps stay in bounds)."""
    idx = np.flatnonzero(free)
    steps = 1e-4 * np.maximum(np.abs(theta[idx]), 0.05)
    steps = np.minimum(steps, np.where(lower[idx] == 0, theta[idx] / 2, np.inf))
    f0 = f(theta)
    grad = np.zeros(len(idx))
    hess = np.zeros((len(idx), len(idx)))

    def at(*moves):
        t = theta.copy()
        for i, s in moves:
            t[idx[i]] += s * steps[i]
        return f(t)

    for i in range(len(idx)):
        up, down = at((i, 1)), at((i, -1))
        grad[i] = (up - down) / (2 * steps[i])
        hess[i, i] = (up - 2 * f0 + down) / steps[i] ** 2
        for j in range(i):
            hess[i, j] = hess[j, i] = (at((i, 1), (j, 1)) - at((i, 1), (j, -1)) - at((i, -1), (j, 1))
                                       + at((i, -1), (j, -1))) / (4 * steps[i] * steps[j])
    return grad, hess


def _newton_step(search: _Search, theta: np.ndarray, lower: np.ndarray):
    """(free coordinates, Newton step H⁻¹g over them or None, whether the curvature is positive)."""
    key = theta.tobytes()
    if key not in search.newton:
        search.newton[key] = _newton_step_at(search, theta, lower)
    return search.newton[key]


def _newton_step_at(f, theta: np.ndarray, lower: np.ndarray):
    free = ~((lower == 0) & (theta <= 0))
    if not free.any():
        return free, np.zeros(0), True
    grad, hess = _derivatives(f, theta, free, lower)
    try:
        eig = np.linalg.eigvalsh(hess)
        if not eig.min() > 1e-10 * max(1.0, eig.max()):
            return free, None, False
        return free, np.linalg.solve(hess, grad), True
    except np.linalg.LinAlgError:
        return free, None, False


def _snap_to_boundary(search: _Search) -> None:
    """Put variances that are (nearly) zero exactly at zero when that fits as well (lme4 reports 0 too)."""
    theta = search.theta.copy()
    near = (search.lower == 0) & (theta < 1e-6) & (theta > 0)
    if near.any():
        theta[near] = 0.0
        if search.deviance(theta) <= search.value + 1e-10:
            search.theta, search.value = theta, search.deviance(theta)


def _polish(search: _Search) -> None:
    """A few Newton steps from the best point (the optimisers stop at ~1e-6; Newton gets ~1e-10)."""
    for _ in range(4):
        theta = search.theta.copy()
        free, step, positive = _newton_step(search, theta, search.lower)
        if step is None or step.size == 0 or np.max(np.abs(step)) < 1e-12:
            return
        new = theta.copy()
        new[free] -= step
        before = search.value
        search(np.maximum(new, search.lower))
        if search.value >= before - 1e-12:
            return


def _check_optimum(search: _Search) -> str:
    """'' when the best θ is a genuine minimum of the deviance, else the Dutch reason why not."""
    theta, lower = search.theta, search.lower
    free, step, positive = _newton_step(search, theta, lower)
    if not positive:
        return ("de aannemelijkheid is bij de beste oplossing niet gekromd zoals bij een optimum, zodat de "
                "variantiecomponenten niet eenduidig te schatten zijn")
    if step.size:
        relative = float(np.max(np.abs(step) / np.maximum(np.abs(theta[free]), 0.1)))
        if relative > GRADIENT_TOLERANCE:
            return f"de optimalisatie eindigde niet in een optimum (relatieve gradiënt {relative:.1g})"
    for i in np.flatnonzero(~free):
        inward = theta.copy()
        inward[i] = BOUNDARY_STEP
        if search.deviance(inward) < search.value - 1e-8:
            return "een variantie bleef op 0 staan terwijl een positieve variantie beter bij de data past"
    return ""


# --- the public fit ------------------------------------------------------------------------------------

@single_blas_thread
def fit_lmm(y, X, terms, *, reml: bool = True, x_names=None) -> LMMFit:
    """Fit a linear mixed model by (RE)ML, as ``lme4::lmer`` does, and check that the fit is an optimum.

    Parameters
    ----------
    y : array (n,)
        Outcome, no missing values.
    X : array (n, p) or DataFrame
        Fixed-effects design (with an intercept column), full column rank.
    terms : list of RandomTerm
        Random-effects terms; nested groupings as separate terms with unique inner keys.
    reml : bool
        REML (default, as ``lmer``) or maximum likelihood (``REML = FALSE``; needed to compare
        models with different fixed effects by their likelihood).
    x_names : list of str, optional
        Names of the columns of ``X`` (default: the DataFrame's columns or ``x0, x1, ...``).

    Returns
    -------
    LMMFit
        ``.beta``, ``.se``, ``.vcov`` (fixed effects), ``.sigma2`` (residual variance),
        ``.covariances`` (per term its covariance matrix of intercept and slopes),
        ``.loglik``, ``.theta``, ``.converged`` with ``.message`` (Dutch; why not), ``.singular``
        (a variance or correlation at its boundary), ``variance_components()``.

    Raises
    ------
    AnalysisError
        The deviance is nowhere finite (for instance an outcome without variance).

    Notes
    -----
    The profiled deviance of Bates et al. (2015, eqs. 34 and 41) is minimised over θ, the
    lower-triangular relative covariance factors (diagonal ≥ 0). With one θ: a grid over
    [0, 100] (the profile of the deviance) refined by bounded Brent search around its best point.
    With two θ (two nested random intercepts): L-BFGS-B from the best point of a 4 x 4 grid
    (a coarse profile). With more (random slopes): L-BFGS-B from lme4's start and from a shrunken
    one. The lowest deviance is polished by Newton steps and then checked; a fit that fails the
    check is searched again with Nelder–Mead, Powell and L-BFGS-B from lme4's start, keeping the
    lowest deviance, and checked once more. The fit is *converged* when at the solution the
    Hessian of the deviance over the interior θ is positive definite, the Newton step is below
    :data:`GRADIENT_TOLERANCE` relative to θ, and no variance held at 0 improves the fit when
    moved to :data:`BOUNDARY_STEP`. Standard errors are lme4's: σ² (X'V⁻¹X)⁻¹ at the estimated θ.

    References
    ----------
    Bates, D., Mächler, M., Bolker, B., & Walker, S. (2015). Fitting linear mixed-effects models
    using lme4. *Journal of Statistical Software, 67*(1), 1–48.

    Examples
    --------
    R: ``lme4::lmer(Reaction ~ Days + (Days | Subject), sleepstudy)``.

    With ``d`` lme4's ``sleepstudy`` (not shipped; see tests/reference/test_lmm.py)::

        term = RandomTerm.with_slope("Subject", d["Subject"], d["Days"], "Days")
        fit_lmm(d["Reaction"], np.column_stack([np.ones(len(d)), d["Days"]]), [term])
    """
    names = list(x_names) if x_names is not None else (
        list(X.columns) if isinstance(X, pd.DataFrame) else [f"x{i}" for i in range(np.shape(X)[1])])
    deviance = ProfiledDeviance(y, X, terms)
    search = _Search(lambda theta: deviance(theta, reml), deviance.lower_bounds)
    problem = _optimise(search, deviance.default_start())
    beta, vcov, sigma2, covs = deviance.estimates(search.theta, reml)
    return _assemble(deviance, search, names, beta, vcov, sigma2, covs, reml=reml, problem=problem)


def _optimise(search: _Search, start: np.ndarray) -> str:
    """Search, polish and check; a failed check in several dimensions escalates to other optimisers."""
    if len(start) == 1:
        _scalar_search(search)
    else:
        _local_searches(search, start)
    if search.theta is None or not math.isfinite(search.value):
        raise AnalysisError("Het multilevelmodel kon niet geschat worden: de aannemelijkheid is bij geen enkele "
                            "waarde van de variantiecomponenten eindig (heeft de uitkomst wel variantie?).")
    _snap_to_boundary(search)
    _polish(search)
    problem = _check_optimum(search)
    if problem and len(start) > 1:
        _escalate(search, start)
        _snap_to_boundary(search)
        _polish(search)
        problem = _check_optimum(search)
    return problem


def _assemble(deviance, search, names, beta, vcov, sigma2, covs, *, reml, problem) -> LMMFit:
    covariances = {term.name: pd.DataFrame(cov, index=term.covariate_names, columns=term.covariate_names)
                   for term, cov in zip(deviance.terms, covs)}
    singular = bool(np.any((search.lower == 0) & (search.theta < 1e-4)))
    return LMMFit(
        beta=pd.Series(beta, index=names, name="estimate"),
        se=pd.Series(np.sqrt(np.diag(vcov)), index=names, name="se"),
        vcov=pd.DataFrame(vcov, index=names, columns=names), sigma2=float(sigma2), covariances=covariances,
        theta=tuple(float(t) for t in search.theta), deviance=float(search.value), loglik=-0.5 * float(search.value),
        reml=bool(reml), converged=not problem,
        message=f"Het model kon niet betrouwbaar geschat worden: {problem}." if problem else "",
        n=deviance.n, n_levels={t.name: n for t, n in zip(deviance.terms, deviance.n_levels)},
        singular=singular, n_evaluations=search.evaluations,
    )
