"""The model specification: which parameters of which matrices are free, fixed or equal across groups
(lavaan's parameter table)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ...errors import AnalysisError
from .syntax import Term

_LAMBDA, _THETA, _PSI, _NU, _ALPHA = range(5)
_OPS = {_LAMBDA: "=~", _THETA: "~~", _PSI: "~~", _NU: "~1", _ALPHA: "~1"}

#: group.equal options (lavaan names) and the parameter kind they act on
EQUAL_OPTIONS = ("loadings", "intercepts", "residuals", "residual.covariances", "lv.variances",
                 "lv.covariances", "means")

#: invariance levels -> group.equal
LEVELS = {
    "configural": (),
    "metric": ("loadings",),
    "scalar": ("loadings", "intercepts"),
    "strict": ("loadings", "intercepts", "residuals"),
}
_LEVEL_NL = {"configural": "configurale", "metric": "metrische", "scalar": "scalaire", "strict": "strikte"}

SINGLE_GROUP = "totaal"  # group label used for a single-group model

#: wall-clock budget (seconds) of the optimisation of one fit; a fit that needs longer stops and
#: is reported as not converged (a normal 11-factor multi-group fit takes 0.5-2 s)
MAX_SECONDS = 20.0

#: relative size (smallest / largest eigenvalue) below which the information matrix is singular
_SINGULAR = 1e-10

#: consecutive scoring steps with a growing gradient that, with a singular information matrix,
#: mark a fit whose estimates run off to infinity (no finite ML solution)
_RUNAWAY_STEPS = 5


class CFAWarning(UserWarning):
    """A CFA result that needs care: not converged, Heywood case, non-positive-definite matrix."""


class NonConvergenceError(AnalysisError):
    """The estimates run off to infinity: the model has no finite ML solution in this data."""


# --------------------------------------------------------------------------------------------
# model specification
# --------------------------------------------------------------------------------------------
@dataclass
class _Spec:
    """Parameter table: one row per matrix element per group (lavaan's partable)."""

    observed: list[str]
    latent: list[str]
    n_groups: int
    meanstructure: bool
    kind: np.ndarray       # _LAMBDA ... _ALPHA
    group: np.ndarray
    row: np.ndarray
    col: np.ndarray
    xidx: np.ndarray       # index into the free-parameter vector, -1 = fixed
    value: np.ndarray      # fixed value (fixed rows) or nan
    label: list[str]
    n_free: int

    @property
    def p(self) -> int:
        return len(self.observed)

    @property
    def m(self) -> int:
        return len(self.latent)

    def names(self, i: int) -> tuple[str, str, str]:
        k, r, c = self.kind[i], self.row[i], self.col[i]
        ov, lv = self.observed, self.latent
        if k == _LAMBDA:
            return lv[c], "=~", ov[r]
        if k == _THETA:
            return ov[r], "~~", ov[c]
        if k == _PSI:
            return lv[r], "~~", lv[c]
        if k == _NU:
            return ov[r], "~1", ""
        return lv[r], "~1", ""


def _variables(terms: list[Term]) -> tuple[list[str], list[str]]:
    latent: list[str] = []
    for t in terms:
        if t.op == "=~" and t.lhs not in latent:
            latent.append(t.lhs)
    observed: list[str] = []
    for t in terms:
        names = [t.rhs] if t.op == "=~" else [t.lhs, t.rhs]
        for name in names:
            if name not in latent and name not in observed:
                observed.append(name)
    for t in terms:
        if t.op == "=~" and t.rhs in latent:
            raise AnalysisError(
                f"Factor '{t.rhs}' is indicator van '{t.lhs}': hogere-ordemodellen worden niet "
                "ondersteund in deze CFA."
            )
    return observed, latent


def _build_spec(terms: list[Term], n_groups: int, *, std_lv: bool, equal: tuple[str, ...]) -> _Spec:
    observed, latent = _variables(terms)
    ov = {v: i for i, v in enumerate(observed)}
    lv = {v: i for i, v in enumerate(latent)}
    meanstructure = n_groups > 1
    rows: list[tuple] = []   # (kind, group, row, col, free, value, label, key)

    def add(kind, g, r, c, mod, default_fixed=None):
        if kind in (_THETA, _PSI) and r < c:
            r, c = c, r
        label = mod.label if mod is not None else ""
        if mod is not None and mod.fixed is not None:
            rows.append((kind, g, r, c, False, mod.fixed, label, None))
            return
        if default_fixed is not None and not (mod is not None and mod.free):
            rows.append((kind, g, r, c, False, default_fixed, label, None))
            return
        if label:
            key = ("label", label)
        elif _equal_applies(kind, r, c, equal):
            key = ("equal", kind, r, c)
        else:
            key = ("free", g, kind, r, c)
        rows.append((kind, g, r, c, True, math.nan, label, key))

    loadings = [t for t in terms if t.op == "=~"]
    covs = [t for t in terms if t.op == "~~"]
    for g in range(n_groups):
        seen_first: set[str] = set()
        user: set[tuple] = set()
        for t in loadings:
            first = t.lhs not in seen_first
            seen_first.add(t.lhs)
            mod = t.modifier(g)
            key = (_LAMBDA, ov[t.rhs], lv[t.lhs])
            if key in user:
                raise AnalysisError(f"Item '{t.rhs}' staat twee keer bij factor '{t.lhs}'.")
            user.add(key)
            add(_LAMBDA, g, ov[t.rhs], lv[t.lhs], mod, 1.0 if (first and not std_lv) else None)
        for t in covs:
            mod = t.modifier(g)
            if t.lhs in ov and t.rhs in ov:
                kind, r, c = _THETA, ov[t.lhs], ov[t.rhs]
            elif t.lhs in lv and t.rhs in lv:
                kind, r, c = _PSI, lv[t.lhs], lv[t.rhs]
            else:
                raise AnalysisError(
                    f"Covariantie '{t.lhs} ~~ {t.rhs}' tussen een item en een factor wordt niet ondersteund."
                )
            r, c = max(r, c), min(r, c)
            if (kind, r, c) in user:
                raise AnalysisError(f"'{t.lhs} ~~ {t.rhs}' staat twee keer in het model.")
            user.add((kind, r, c))
            fixed_default = None
            if kind == _PSI and r == c and std_lv and not (g > 0 and "loadings" in equal):
                fixed_default = 1.0
            add(kind, g, r, c, mod, fixed_default)
        for i in range(len(observed)):
            if (_THETA, i, i) not in user:
                add(_THETA, g, i, i, None)
        for j in range(len(latent)):
            if (_PSI, j, j) not in user:
                fixed = std_lv and not (g > 0 and "loadings" in equal)
                add(_PSI, g, j, j, None, 1.0 if fixed else None)
        for j in range(len(latent)):
            for k in range(j):
                if (_PSI, j, k) not in user:
                    add(_PSI, g, j, k, None)
        if meanstructure:
            for i in range(len(observed)):
                add(_NU, g, i, 0, None)
            for j in range(len(latent)):
                free_mean = g > 0 and "intercepts" in equal and "means" not in equal
                add(_ALPHA, g, j, 0, None, None if free_mean else 0.0)

    keys: dict = {}
    xidx = []
    for r in rows:
        if r[4]:
            xidx.append(keys.setdefault(r[7], len(keys)))
        else:
            xidx.append(-1)
    arr = np.array([r[:4] for r in rows], dtype=int)
    return _Spec(
        observed=observed, latent=latent, n_groups=n_groups, meanstructure=meanstructure,
        kind=arr[:, 0], group=arr[:, 1], row=arr[:, 2], col=arr[:, 3],
        xidx=np.array(xidx, dtype=int), value=np.array([r[5] for r in rows], dtype=float),
        label=[r[6] for r in rows], n_free=len(keys),
    )


def _equal_applies(kind: int, r: int, c: int, equal: tuple[str, ...]) -> bool:
    if kind == _LAMBDA:
        return "loadings" in equal
    if kind == _NU:
        return "intercepts" in equal
    if kind == _THETA:
        return ("residuals" if r == c else "residual.covariances") in equal
    if kind == _PSI:
        return ("lv.variances" if r == c else "lv.covariances") in equal
    if kind == _ALPHA:
        return "means" in equal
    return False


# --------------------------------------------------------------------------------------------
# model matrices, objective, derivatives
# --------------------------------------------------------------------------------------------


def _set(mats, kind, r, c, v):
    if kind in (_NU, _ALPHA):
        mats[kind][r] = v
    else:
        mats[kind][r, c] = v
        if kind in (_THETA, _PSI):
            mats[kind][c, r] = v


# --------------------------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------------------------
