"""Fisher scoring with line search, quasi-Newton fallback and divergence detection."""

from __future__ import annotations

import math
import time

import numpy as np
from scipy import linalg, optimize

from ...errors import AnalysisError
from .engine import _Engine
from .specification import _RUNAWAY_STEPS, _SINGULAR, MAX_SECONDS


def _solve_step(h: np.ndarray, grad: np.ndarray) -> np.ndarray | None:
    """Fisher-scoring step; a small ridge (Levenberg-Marquardt) where the information is singular."""
    scale = max(float(np.max(np.diag(h))), 1e-12)
    for ridge in (0.0, 1e-8, 1e-6, 1e-4, 1e-2, 1.0):
        try:
            chol = linalg.cho_factor(h + ridge * scale * np.eye(len(h)))
        except linalg.LinAlgError:
            continue
        return -linalg.cho_solve(chol, grad)
    return None


def _line_search(engine: _Engine, x, f, g, d):
    """Backtracking from t = 1 (Armijo); near the optimum, where F changes drown in rounding,
    a step that does not raise F beyond rounding and shrinks the directional derivative is taken."""
    slope = float(g @ d)
    noise = 1e-13 * max(1.0, abs(f))
    t = 1.0
    while t > 1e-10:
        xn = x + t * d
        fn, gn = engine.objective(xn)
        if math.isfinite(fn):
            if fn <= f + 1e-4 * t * slope:
                return xn, fn, gn
            if fn <= f + noise and abs(float(gn @ d)) <= abs(slope):
                return xn, fn, gn
        t *= 0.5
    return None


class _Diverged(Exception):
    """The estimates run off to infinity: ``x`` now, ``x_start`` where the runaway was first seen."""

    def __init__(self, x: np.ndarray, x_start: np.ndarray, iterations: int):
        super().__init__("diverged")
        self.x, self.x_start, self.iterations = x, x_start, iterations


def _is_singular(h: np.ndarray) -> bool:
    vals = np.linalg.eigvalsh(h)
    return bool(vals[0] <= _SINGULAR * max(vals[-1], 1e-300))


def _optimise(engine: _Engine, x0: np.ndarray, max_iter: int = 300, tol: float = 1e-8,
              max_seconds: float | None = None):
    """Minimise F: Fisher scoring until close, then BFGS started from the inverse information.

    Fisher scoring (Newton with the expected information as Hessian) is robust far from the
    optimum but only linear near it when the model misfits; BFGS with H₀ = (2I)⁻¹ and O(n²)
    updates then converges superlinearly. Returns (x, F, converged, iterations).

    The whole search stops after ``max_seconds`` (default :data:`MAX_SECONDS`) and is then not
    converged. When the estimates run off to infinity — the gradient grew in
    :data:`_RUNAWAY_STEPS` (or more) scoring steps in a row while F kept falling and the
    information matrix is singular, the signature of a model without a finite ML solution
    (e.g. a loading growing without bound while a residual variance goes to minus infinity) —
    :class:`_Diverged` is raised instead of iterating on.
    """
    deadline = time.monotonic() + (MAX_SECONDS if max_seconds is None else max_seconds)
    x = x0.copy()
    f, g = engine.objective(x)
    if not math.isfinite(f):
        raise AnalysisError("De startwaarden geven geen positief-definiete modelmatrix; het model kan niet worden "
                            "geschat.")
    it = 0
    tried_qn = False
    gmax = float(np.max(np.abs(g)))
    runaway: list[np.ndarray] = []  # iterates of the current run of gradient-growing steps
    while it < max_iter and time.monotonic() < deadline:
        it += 1
        h = 2.0 * engine.information(x)
        step = _solve_step(h, g)
        if step is None:
            break
        found = _line_search(engine, x, f, g, step)
        if found is None:
            break
        x_old = x
        x, f, g = found
        gmax_old, gmax = gmax, float(np.max(np.abs(g)))
        if gmax < tol:
            return x, f, True, it
        if gmax > gmax_old:
            runaway.append(x_old)
            if len(runaway) >= _RUNAWAY_STEPS and _is_singular(h):  # eigenvalues only when suspect
                raise _Diverged(x, runaway[-_RUNAWAY_STEPS], it)
        else:
            runaway.clear()
        if gmax < 1e-4 and it >= 2 and not tried_qn:
            tried_qn = True
            h_inv = _inverse(h)
            if h_inv is not None:
                x, f, g, n_qn = _quasi_newton(engine, x, f, g, h_inv, tol, deadline=deadline)
                it += n_qn
                gmax = float(np.max(np.abs(g)))
                if gmax < tol:
                    return x, f, True, it
    if time.monotonic() >= deadline:
        return x, f, bool(np.max(np.abs(g)) < 1e-6), it

    def stop_at_deadline(_):
        if time.monotonic() >= deadline:
            raise StopIteration

    res = optimize.minimize(lambda z: engine.objective(z), x, jac=True, method="BFGS",
                            options={"gtol": tol, "maxiter": 5000}, callback=stop_at_deadline)
    fz, gz = engine.objective(res.x)
    if math.isfinite(fz) and fz <= f:
        x, f, g = res.x, fz, gz
    return x, f, bool(np.max(np.abs(g)) < 1e-6), it + res.nit


def _inverse(h: np.ndarray) -> np.ndarray | None:
    try:
        return linalg.cho_solve(linalg.cho_factor(h), np.eye(len(h)))
    except linalg.LinAlgError:
        return None


def _quasi_newton(engine: _Engine, x, f, g, h_inv, tol, max_iter: int = 500, deadline: float = math.inf):
    """BFGS with O(n²) inverse-Hessian updates; returns the best point found (by ``deadline``)."""
    h_inv = h_inv.copy()
    for k in range(1, max_iter + 1):
        if time.monotonic() >= deadline:
            return x, f, g, k - 1
        d = -h_inv @ g
        found = _line_search(engine, x, f, g, d)
        if found is None:
            return x, f, g, k
        xn, fn, gn = found
        s_vec, y_vec = xn - x, gn - g
        x, f, g = xn, fn, gn
        if float(np.max(np.abs(g))) < tol:
            return x, f, g, k
        sy = float(s_vec @ y_vec)
        if sy > 1e-12 * np.linalg.norm(s_vec) * np.linalg.norm(y_vec):
            rho = 1.0 / sy
            hy = h_inv @ y_vec
            h_inv += (rho * rho * float(y_vec @ hy) + rho) * np.outer(s_vec, s_vec)
            h_inv -= rho * (np.outer(hy, s_vec) + np.outer(s_vec, hy))
    return x, f, g, max_iter


