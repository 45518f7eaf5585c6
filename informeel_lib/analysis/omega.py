"""Omega hierarchical: the share of a test's variance due to one general factor, by the
Schmid-Leiman transformation, with the numbers of R's ``psych::omega`` (psych 2.2.9), on
Pearson, polychoric or tetrachoric correlations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import AnalysisError
from .factors import efa, one_factor_minres
from .polychoric import check_cor, correlation_matrix
from .rotation import oblimin

__all__ = ["OmegaResult", "omega"]

@dataclass(frozen=True)
class OmegaResult:
    """Omega hierarchical and friends (see :func:`omega`).

    Attributes
    ----------
    omega_h : float
        Variance of the total score due to the general factor (psych's ``omega_h``).
    omega_total : float
        Variance due to all common factors (``omega.tot``).
    omega_limit : float
        omega_h / omega_total (``omega.lim``): the general factor's share of the reliable variance.
    alpha : float
        (Standardised) alpha of the same matrix.
    ecv : float
        Explained common variance of the general factor (``ECV``).
    loadings : DataFrame
        The Schmid-Leiman solution per item: ``g``, the group factors ``F1*`` .., ``h2``, ``u2``
        (items keyed so that every g loading is positive, as psych's ``flip = TRUE``).
    n_factors : int
    cor : str
    """

    omega_h: float
    omega_total: float
    omega_limit: float
    alpha: float
    ecv: float
    loadings: pd.DataFrame
    n_factors: int
    cor: str = "pearson"

    def __repr__(self):
        return (f"OmegaResult(omega_h={self.omega_h:.3f}, omega_total={self.omega_total:.3f}, "
                f"omega_limit={self.omega_limit:.3f}, alpha={self.alpha:.3f}, ecv={self.ecv:.3f}, "
                f"n_factors={self.n_factors}, cor={self.cor!r})")

    def to_frame(self) -> pd.DataFrame:
        """One-row summary: omega_h, omega_total, omega_limit, alpha, ecv, n_factors, cor."""
        return pd.DataFrame([{"omega_h": self.omega_h, "omega_total": self.omega_total,
                              "omega_limit": self.omega_limit, "alpha": self.alpha, "ecv": self.ecv,
                              "n_factors": self.n_factors, "cor": self.cor}])


def _general_loadings(phi: np.ndarray) -> np.ndarray:
    """Loadings of the group factors on the general factor: a one-factor minres solution of
    their correlations; with two group factors both are :math:`\\sqrt{|\\phi_{12}|}` (psych's
    ``option = "equal"``)."""
    if phi.shape[0] == 2:
        root = np.sqrt(abs(phi[0, 1]))
        return np.array([root, np.sign(phi[0, 1]) * root])
    return one_factor_minres(phi)


def _schmid_leiman(r: np.ndarray, items: list[str], n_factors: int):
    """Orthogonal (varimax) loadings, oblimin pattern and factor correlations, general loadings."""
    frame = pd.DataFrame(r, index=items, columns=items)
    orth = efa(frame, n_factors, rotation="varimax").loadings.to_numpy()
    rot = oblimin(orth)
    if not rot.converged:
        raise AnalysisError("De oblimin-rotatie voor omega hiërarchisch convergeerde niet; probeer minder factoren.")
    return orth, rot.loadings, _general_loadings(rot.phi)


def omega(df, n_factors: int = 3, *, cor: str = "pearson") -> OmegaResult:
    """Omega hierarchical by the Schmid-Leiman transformation, as ``psych::omega(df, nfactors)``.

    Parameters
    ----------
    df : DataFrame
        Item answers (respondents x items; missing values pairwise), or a square correlation
        matrix with the items as index and columns.
    n_factors : int
        Number of group factors (psych's default 3; at least 2).
    cor : {"pearson", "poly", "tet"}
        Correlations to analyse: pairwise Pearson (default, as psych), polychoric
        (``psych::omega(df, poly = TRUE)``) or tetrachoric.

    Returns
    -------
    OmegaResult
        ``omega_h``, ``omega_total``, ``omega_limit``, ``alpha``, ``ecv`` and the Schmid-Leiman
        ``loadings``.

    Raises
    ------
    AnalysisError
        In Dutch: fewer than 2 or too many factors, or the rotation does not converge.

    Notes
    -----
    As psych's ``schmid``: a minres solution with ``n_factors`` factors rotated by varimax
    (:math:`A`), then oblimin from there (pattern :math:`F`, factor correlations
    :math:`\\Phi`); the general factor's loadings on the group factors :math:`\\gamma` come
    from a one-factor minres solution of :math:`\\Phi` (two factors: both
    :math:`\\sqrt{|\\phi_{12}|}`). The items' general loadings are :math:`g = F\\gamma`,
    the group loadings :math:`F_{ij}\\sqrt{1-\\gamma_j^2}`, :math:`h^2 = \\mathrm{rowSums}(A^2)`,
    :math:`u^2 = 1 - h^2`. Items with a negative general loading are reversed (psych's
    ``flip``); with :math:`V_t` the sum of the (flipped) correlation matrix:
    :math:`\\omega_h = (\\sum g)^2 / V_t` and :math:`\\omega_t = (V_t - \\sum u^2) / V_t`.

    References
    ----------
    McDonald, R. P. (1999). *Test theory: A unified treatment*. Erlbaum.
    Zinbarg, R. E., Revelle, W., Yovel, I., & Li, W. (2005). Cronbach's alpha, Revelle's beta,
    and McDonald's omega_h. *Psychometrika*, 70, 123-133.

    Examples
    --------
    R: ``psych::omega(df, nfactors = 3)$omega_h`` (``poly = TRUE`` for ``cor="poly"``).

    >>> from informeel_lib.synth.example import example_survey
    >>> df = example_survey(300, seed=1)
    >>> items = df.filter(regex="^(REFL|EXPR|LEID)[0-9]$")
    >>> round(omega(items, 3).omega_h, 2)
    0.49
    """
    check_cor(cor)
    if isinstance(df, pd.DataFrame) and df.shape[0] == df.shape[1] and list(df.index) == list(df.columns):
        r_frame = df.astype(float)
    else:
        r_frame, _ = correlation_matrix(df, cor, what="omega hiërarchisch")
    r = r_frame.to_numpy()
    items = [str(c) for c in r_frame.columns]
    p = len(items)
    if not isinstance(n_factors, (int, np.integer)) or not 2 <= n_factors < p:
        raise AnalysisError(f"Omega hiërarchisch heeft 2 tot {p - 1} groepsfactoren nodig, niet {n_factors!r} "
                            "(met één factor is er alleen omega totaal).")
    orth, pattern, gamma = _schmid_leiman(r, items, int(n_factors))
    g = pattern @ gamma
    h2 = (orth**2).sum(axis=1)
    u2 = 1 - h2
    group = np.sign(pattern) * np.sqrt(np.clip(pattern**2 * (1 - gamma**2), 0, None))
    key = np.where(g < 0, -1.0, 1.0)
    g, group = g * key, group * key[:, None]
    vt = float((r * np.outer(key, key)).sum())
    gsq = float(g.sum()) ** 2
    common = vt - float(u2.sum())
    ecv = float((g**2).sum() / ((g**2).sum() + (group**2).sum()))
    table = pd.DataFrame(np.column_stack([g, group, h2, u2]), index=items,
                         columns=["g"] + [f"F{j + 1}*" for j in range(n_factors)] + ["h2", "u2"])
    return OmegaResult(omega_h=gsq / vt, omega_total=common / vt, omega_limit=gsq / common,
                       alpha=(vt - float(np.trace(r))) / vt * p / (p - 1), ecv=ecv, loadings=table,
                       n_factors=int(n_factors), cor=cor)
