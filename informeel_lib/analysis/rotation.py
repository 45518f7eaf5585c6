"""Factor rotations, implemented to give the same numbers as R.

Varimax follows ``stats::varimax`` (Kaiser normalisation, SVD iterations), promax follows
``psych::kaiser(L, rotate = "Promax")`` (the rotation ``psych::fa(rotate = "promax")`` uses),
and the oblique rotations follow the gradient projection algorithm of ``GPArotation::GPFoblq``
(Bernaards & Jennrich, 2005) with the oblimin and geomin criteria, as ``psych::fa`` calls them
(``GPArotation::oblimin(L)``: gamma = 0, ``normalize = FALSE``, ``eps = 1e-5``, ``maxit = 1000``).

All functions take an unrotated loading matrix (items x factors, numpy array) and return a
:class:`Rotation` with the rotated loadings and the factor correlation matrix ``phi``
(the identity for orthogonal rotations).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

ROTATIONS = ("varimax", "promax", "oblimin", "quartimin", "geominQ", "none")


@dataclass(frozen=True)
class Rotation:
    """Rotated loadings ``loadings`` (p x k), factor correlations ``phi`` (k x k), and whether
    the iterations converged."""

    loadings: np.ndarray
    phi: np.ndarray
    orthogonal: bool
    converged: bool = True


def varimax(loadings, *, normalize: bool = True, eps: float = 1e-5) -> Rotation:
    """Varimax rotation exactly as R's ``stats::varimax``.

    Notes
    -----
    With Kaiser normalisation each row is divided by its length :math:`h_i` first. Each
    iteration computes :math:`B = X^T (Z^3 - Z\\,\\mathrm{diag}(1^T Z^2)/p)` with
    :math:`Z = XT`, and sets :math:`T = UV^T` from the SVD :math:`B = UDV^T`; it stops when
    :math:`\\sum D` grows by less than a factor ``1 + eps`` (at most 1000 iterations).

    Examples
    --------
    R: ``stats::varimax(L)``.
    """
    x = np.asarray(loadings, dtype=float)
    p, k = x.shape
    if k < 2:
        return Rotation(x.copy(), np.eye(k), True)
    sc = np.sqrt((x**2).sum(axis=1)) if normalize else np.ones(p)
    x = x / sc[:, None]
    tt = np.eye(k)
    d = 0.0
    converged = False
    for _ in range(1000):
        z = x @ tt
        b = x.T @ (z**3 - z * ((z**2).sum(axis=0) / p))
        u, s, vt = np.linalg.svd(b)
        tt = u @ vt
        dpast, d = d, s.sum()
        if d < dpast * (1 + eps):
            converged = True
            break
    z = (x @ tt) * sc[:, None]
    return Rotation(z, np.eye(k), True, converged)


def promax(loadings, *, power: int = 4) -> Rotation:
    """Promax rotation as ``psych::fa(rotate = "promax")``: ``psych::kaiser(L, "Promax")``.

    Notes
    -----
    Rows are Kaiser-normalised (divided by :math:`\\sqrt{h^2_i}`), rotated by varimax, then
    the target :math:`Q = X \\circ |X|^{m-1}` (``power`` m = 4) is fitted by least squares,
    :math:`U = (X^TX)^{-1}X^TQ`, columns rescaled by :math:`\\sqrt{\\mathrm{diag}((U^TU)^{-1})}`;
    the loadings are :math:`XU` times :math:`\\sqrt{h^2_i}` and
    :math:`\\Phi = U_{tot}^{-1}U_{tot}^{-T}` with :math:`U_{tot} = T_{varimax}U`.

    Examples
    --------
    R: ``psych::kaiser(L, rotate = "Promax")`` (what ``psych::fa(..., rotate = "promax")`` does).
    """
    a = np.asarray(loadings, dtype=float)
    k = a.shape[1]
    if k < 2:
        return Rotation(a.copy(), np.eye(k), True)
    h = np.sqrt((a**2).sum(axis=1))
    weighted = a / h[:, None]
    vm = varimax(weighted)
    # the varimax rotation matrix: X = W T  =>  T = lstsq(W, X)
    tt = np.linalg.lstsq(weighted, vm.loadings, rcond=None)[0]
    x = vm.loadings
    q = x * np.abs(x) ** (power - 1)
    u = np.linalg.lstsq(x, q, rcond=None)[0]
    d = np.diag(np.linalg.inv(u.T @ u))
    u = u * np.sqrt(d)
    z = x @ u
    ui = np.linalg.inv(tt @ u)
    return Rotation(z * h[:, None], ui @ ui.T, False, vm.converged)


def _vgq_oblimin(lam, gamma=0.0):
    k = lam.shape[1]
    x = lam**2 @ (1 - np.eye(k))
    if gamma != 0:
        p = lam.shape[0]
        x = (np.eye(p) - gamma / p) @ x
    return lam * x, float((lam**2 * x).sum() / 4)


def _vgq_geomin(lam, delta=0.01):
    p, k = lam.shape
    l2 = lam**2 + delta
    pro = np.exp(np.log(l2).sum(axis=1) / k)
    return (2 / k) * (lam / l2) * pro[:, None], float(pro.sum())


def gpf_oblique(loadings, criterion, *, eps: float = 1e-5, maxit: int = 1000) -> Rotation:
    """Oblique gradient projection rotation, a line-by-line port of ``GPArotation::GPFoblq``.

    Parameters
    ----------
    loadings : array (p x k)
    criterion : callable
        ``criterion(L) -> (gradient dQ/dL, value Q)``.

    Notes
    -----
    :math:`L = A (T^{-1})^T`, gradient :math:`G = -(L^T G_q T^{-1})^T`, projected
    :math:`G_p = G - T\\,\\mathrm{diag}(1^T(T \\circ G))`; step halving from twice the last
    step until the criterion improves by more than :math:`\\tfrac12 s^2 \\alpha`; columns of
    T are kept at unit length; stop when :math:`\\|G_p\\|_F < \\epsilon`. :math:`\\Phi = T^TT`.

    References
    ----------
    Bernaards, C. A., & Jennrich, R. I. (2005). Gradient projection algorithms and software
    for arbitrary rotation criteria in factor analysis. *Educational and Psychological
    Measurement*, 65, 676-696.
    """
    a = np.asarray(loadings, dtype=float)
    k = a.shape[1]
    tmat = np.eye(k)
    al = 1.0
    lam = a @ np.linalg.inv(tmat).T
    gq, f = criterion(lam)
    g = -(lam.T @ gq @ np.linalg.inv(tmat)).T
    converged = False
    for _ in range(maxit + 1):
        gp = g - tmat * (tmat * g).sum(axis=0)
        s = np.sqrt((gp**2).sum())
        if s < eps:
            converged = True
            break
        al *= 2
        for _ in range(11):
            x = tmat - al * gp
            tmatt = x / np.sqrt((x**2).sum(axis=0))
            inv_t = np.linalg.inv(tmatt)
            lam = a @ inv_t.T
            gq_t, f_t = criterion(lam)
            if f - f_t > 0.5 * s**2 * al:
                break
            al /= 2
        tmat = tmatt
        f = f_t
        g = -(lam.T @ gq_t @ inv_t).T
    if not converged:
        warnings.warn(
            f"De oblique rotatie is na {maxit} iteraties niet geconvergeerd; interpreteer de ladingen voorzichtig.",
            RuntimeWarning, stacklevel=3,
        )
    return Rotation(lam, tmat.T @ tmat, False, converged)


def oblimin(loadings, *, gamma: float = 0.0) -> Rotation:
    """Oblimin (gamma = 0: quartimin) as ``GPArotation::oblimin(L)``, which ``psych::fa`` calls.

    Notes
    -----
    Criterion :math:`Q = \\tfrac14 \\sum (L^2 \\circ ((I - \\tfrac{\\gamma}{p}J) L^2 (J - I)))`,
    gradient :math:`L \\circ ((I - \\tfrac{\\gamma}{p}J)L^2(J - I))`; no Kaiser normalisation
    (GPArotation's default ``normalize = FALSE``, which psych keeps).

    Examples
    --------
    R: ``GPArotation::oblimin(L)`` / ``psych::fa(r, k, rotate = "oblimin")``.
    """
    return gpf_oblique(loadings, lambda lam: _vgq_oblimin(lam, gamma))


def geomin_q(loadings, *, delta: float = 0.01) -> Rotation:
    """Oblique geomin as ``GPArotation::geominQ(L)`` (delta = 0.01).

    Notes
    -----
    :math:`Q = \\sum_i \\left(\\prod_j (\\lambda_{ij}^2 + \\delta)\\right)^{1/k}`.
    """
    return gpf_oblique(loadings, lambda lam: _vgq_geomin(lam, delta))


def canonical_rotation(name) -> str | None:
    """The rotation as :data:`ROTATIONS` spells it, matched case-insensitively (psych accepts
    ``"Varimax"`` too); ``None`` gives ``"none"``; an unknown name gives None."""
    if name is None:
        return "none"
    return {r.lower(): r for r in ROTATIONS}.get(str(name).lower())


def rotate(loadings, rotation: str | None) -> Rotation:
    """Apply the rotation named as in ``psych::fa(rotate=)`` (any case); None or "none" leaves it."""
    rotation = canonical_rotation(rotation) or rotation
    a = np.asarray(loadings, dtype=float)
    k = a.shape[1]
    if rotation is None or rotation == "none" or k < 2:
        return Rotation(a.copy(), np.eye(k), True)
    if rotation == "varimax":
        return varimax(a)
    if rotation == "promax":
        return promax(a)
    if rotation in ("oblimin", "quartimin"):
        return oblimin(a)
    if rotation == "geominQ":
        return geomin_q(a)
    raise ValueError(rotation)
