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
    """The parameter table of a measurement model: the user's terms plus lavaan's defaults, per group."""
    builder = _SpecBuilder(terms, n_groups, std_lv=std_lv, equal=equal)
    for g in range(n_groups):
        user = builder.user_terms(g)
        builder.default_terms(g, user)
    return builder.spec()


class _SpecBuilder:
    """Collects parameter-table rows (kind, group, row, col, free, value, label, key); rows that share a
    key (a label, or an equality across groups) become one free parameter."""

    def __init__(self, terms: list[Term], n_groups: int, *, std_lv: bool, equal: tuple[str, ...]):
        self.terms, self.n_groups, self.std_lv, self.equal = terms, n_groups, std_lv, equal
        self.observed, self.latent = _variables(terms)
        self.ov = {v: i for i, v in enumerate(self.observed)}
        self.lv = {v: i for i, v in enumerate(self.latent)}
        self.meanstructure = n_groups > 1
        self.rows: list[tuple] = []

    def add(self, kind, g, r, c, mod, default_fixed=None) -> None:
        if kind in (_THETA, _PSI) and r < c:
            r, c = c, r
        label = mod.label if mod is not None else ""
        if mod is not None and mod.fixed is not None:
            self.rows.append((kind, g, r, c, False, mod.fixed, label, None))
            return
        if default_fixed is not None and not (mod is not None and mod.free):
            self.rows.append((kind, g, r, c, False, default_fixed, label, None))
            return
        if label:
            key = ("label", label)
        elif _equal_applies(kind, r, c, self.equal):
            key = ("equal", kind, r, c)
        else:
            key = ("free", g, kind, r, c)
        self.rows.append((kind, g, r, c, True, math.nan, label, key))

    def _variances_fixed(self, g: int) -> bool:
        # std_lv fixes factor variances to 1, except in later groups once loadings are equal (lavaan)
        return self.std_lv and not (g > 0 and "loadings" in self.equal)

    def user_terms(self, g: int) -> set[tuple]:
        """The loadings and covariances the model names, for group ``g``; returns their (kind, row, col)."""
        user: set[tuple] = set()
        seen_first: set[str] = set()
        for t in (t for t in self.terms if t.op == "=~"):
            first = t.lhs not in seen_first
            seen_first.add(t.lhs)
            key = (_LAMBDA, self.ov[t.rhs], self.lv[t.lhs])
            if key in user:
                raise AnalysisError(f"Item '{t.rhs}' staat twee keer bij factor '{t.lhs}'.")
            user.add(key)
            self.add(_LAMBDA, g, key[1], key[2], t.modifier(g), 1.0 if (first and not self.std_lv) else None)
        for t in (t for t in self.terms if t.op == "~~"):
            kind, r, c = self._covariance_cell(t)
            if (kind, r, c) in user:
                raise AnalysisError(f"'{t.lhs} ~~ {t.rhs}' staat twee keer in het model.")
            user.add((kind, r, c))
            fixed_default = 1.0 if kind == _PSI and r == c and self._variances_fixed(g) else None
            self.add(kind, g, r, c, t.modifier(g), fixed_default)
        return user

    def _covariance_cell(self, t: Term) -> tuple[int, int, int]:
        if t.lhs in self.ov and t.rhs in self.ov:
            kind, r, c = _THETA, self.ov[t.lhs], self.ov[t.rhs]
        elif t.lhs in self.lv and t.rhs in self.lv:
            kind, r, c = _PSI, self.lv[t.lhs], self.lv[t.rhs]
        else:
            raise AnalysisError(
                f"Covariantie '{t.lhs} ~~ {t.rhs}' tussen een item en een factor wordt niet ondersteund."
            )
        return kind, max(r, c), min(r, c)

    def default_terms(self, g: int, user: set[tuple]) -> None:
        """lavaan's defaults: residual and factor variances, all factor covariances, the mean structure."""
        p, m = len(self.observed), len(self.latent)
        for i in range(p):
            if (_THETA, i, i) not in user:
                self.add(_THETA, g, i, i, None)
        for j in range(m):
            if (_PSI, j, j) not in user:
                self.add(_PSI, g, j, j, None, 1.0 if self._variances_fixed(g) else None)
        for j in range(m):
            for k in range(j):
                if (_PSI, j, k) not in user:
                    self.add(_PSI, g, j, k, None)
        if self.meanstructure:
            for i in range(p):
                self.add(_NU, g, i, 0, None)
            free_mean = g > 0 and "intercepts" in self.equal and "means" not in self.equal
            for j in range(m):
                self.add(_ALPHA, g, j, 0, None, None if free_mean else 0.0)

    def spec(self) -> _Spec:
        keys: dict = {}
        xidx = [keys.setdefault(r[7], len(keys)) if r[4] else -1 for r in self.rows]
        arr = np.array([r[:4] for r in self.rows], dtype=int)
        return _Spec(
            observed=self.observed, latent=self.latent, n_groups=self.n_groups, meanstructure=self.meanstructure,
            kind=arr[:, 0], group=arr[:, 1], row=arr[:, 2], col=arr[:, 3],
            xidx=np.array(xidx, dtype=int), value=np.array([r[5] for r in self.rows], dtype=float),
            label=[r[6] for r in self.rows], n_free=len(keys),
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
