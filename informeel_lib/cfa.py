"""Confirmatory factor analysis (ML) and measurement invariance, matching lavaan 0.6 defaults.

``cfa`` fits a measurement model written in lavaan syntax (or a ``{factor: [items]}`` dict)
by maximum likelihood, single-group or multi-group with equality constraints; ``invariance``
fits the configural / metric / scalar (/ strict) sequence and tests the differences.

What is matched to ``lavaan::cfa()`` (0.6-14) and checked against R in the tests:

* identification by marker variable (first loading fixed to 1) or ``std_lv=True`` (factor
  variances 1; with equal loadings the variances are free in all groups but the first);
* all factor covariances free; residual variances free;
* ML with the biased sample covariance matrix (divided by N) and
  :math:`\\chi^2 = N \\cdot F_{ML}` (lavaan's "normal" likelihood);
* multi-group models get a mean structure: intercepts free, factor means 0; with equal
  intercepts the factor means are free in all groups but the first; groups are ordered by
  first appearance in the data, as in lavaan;
* standard errors from the expected information matrix; standardised solution ``std.all``;
* fit indices as ``lavaan::fitMeasures`` (see :mod:`informeel_lib.cfa_fit`);
* modification indices as ``lavaan::modindices`` (expected information) for loadings,
  residual covariances and factor covariances that are not free in the model.

Missing values: listwise deletion over the model's items (lavaan's default
``missing = "listwise"``); FIML is not implemented.

Where lavaan does not converge, neither does this: a model whose estimates run off to infinity
(typically groups of ~50 cases for a 47-item model) raises :class:`NonConvergenceError` within
a few scoring steps, naming the parameters, groups and group sizes involved, and no fit runs
longer than :data:`MAX_SECONDS` (it is then reported as not converged).
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import linalg, optimize, stats
from threadpoolctl import threadpool_limits

from . import cfa_fit
from .cfa_syntax import Term, parse_model
from .errors import AnalysisError

__all__ = ["cfa", "invariance", "CFAResult", "CFAWarning", "NonConvergenceError", "EQUAL_OPTIONS", "LEVELS",
           "MAX_SECONDS"]

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
class _Engine:
    """Implied moments, F_ML, its gradient and the expected information for one :class:`_Spec`.

    Every derivative of Σ with respect to one matrix element has the form a b' + b a'
    (loading λ_ij: a = e_i, b = (ΛΨ)_{.j}; factor (co)variance ψ_jk: a = Λ_{.j}, b = Λ_{.k};
    residual (co)variance θ_ij: a = e_i, b = e_j; diagonal elements take b/2), so gradient
    and information need only p-vectors, never p×p matrices per parameter.
    """

    def __init__(self, spec: _Spec, samples: list[tuple[np.ndarray, np.ndarray]], weights: np.ndarray):
        self.spec = spec
        self.samples = samples
        self.weights = weights
        p, m = spec.p, spec.m
        self.logdet_s = [np.linalg.slogdet(s)[1] for s, _ in samples]
        self.groups = []
        for g in range(spec.n_groups):
            sel = np.flatnonzero(spec.group == g)
            free = sel[spec.xidx[sel] >= 0]
            fixed = sel[spec.xidx[sel] < 0]
            templ = [np.zeros((p, m)), np.zeros((p, p)), np.zeros((m, m)), np.zeros(p), np.zeros(m)]
            for i in fixed:
                k, r, c = spec.kind[i], spec.row[i], spec.col[i]
                _set(templ, k, r, c, spec.value[i])
            self.groups.append({"free": free, "templ": templ})

    # -- matrices
    def matrices(self, x: np.ndarray, g: int):
        spec = self.spec
        info = self.groups[g]
        mats = [t.copy() for t in info["templ"]]
        idx = info["free"]
        vals = x[spec.xidx[idx]]
        for kind in range(5):
            sel = spec.kind[idx] == kind
            if not sel.any():
                continue
            _set(mats, kind, spec.row[idx][sel], spec.col[idx][sel], vals[sel])
        return mats

    def implied(self, x, g):
        lam, theta, psi, nu, alpha = self.matrices(x, g)
        sigma = lam @ psi @ lam.T + theta
        mu = nu + lam @ alpha
        return sigma, mu

    # -- derivative vectors for a set of entries (kind, row, col) in group g
    def _ab(self, mats, kind, row, col):
        lam, theta, psi, nu, alpha = mats
        p = lam.shape[0]
        n = len(kind)
        a = np.zeros((n, p))
        b = np.zeros((n, p))
        dmu = np.zeros((n, p))
        eye = np.eye(p)
        lp = lam @ psi
        sel = kind == _LAMBDA
        if sel.any():
            a[sel] = eye[row[sel]]
            b[sel] = lp[:, col[sel]].T
            dmu[sel] = eye[row[sel]] * alpha[col[sel]][:, None]
        sel = kind == _THETA
        if sel.any():
            a[sel] = eye[row[sel]]
            half = np.where(row[sel] == col[sel], 0.5, 1.0)[:, None]
            b[sel] = eye[col[sel]] * half
        sel = kind == _PSI
        if sel.any():
            a[sel] = lam[:, row[sel]].T
            half = np.where(row[sel] == col[sel], 0.5, 1.0)[:, None]
            b[sel] = lam[:, col[sel]].T * half
        sel = kind == _NU
        if sel.any():
            dmu[sel] = eye[row[sel]]
        sel = kind == _ALPHA
        if sel.any():
            dmu[sel] = lam[:, row[sel]].T
        return a, b, dmu

    # -- objective
    def objective(self, x, *, gradient=True):
        """F = Σ_g (N_g/N) F_g with F_g = log|Σ| + tr(SΣ⁻¹) − log|S| − p + (ȳ−μ)'Σ⁻¹(ȳ−μ)."""
        spec = self.spec
        total = 0.0
        grad = np.zeros(spec.n_free)
        for g, ((s, ybar), w) in enumerate(zip(self.samples, self.weights)):
            mats = self.matrices(x, g)
            lam, theta, psi, nu, alpha = mats
            sigma = lam @ psi @ lam.T + theta
            try:
                chol = linalg.cho_factor(sigma, lower=True)
            except linalg.LinAlgError:
                return (math.inf, grad) if gradient else math.inf
            sinv = linalg.cho_solve(chol, np.eye(spec.p))
            logdet = 2.0 * np.sum(np.log(np.diag(chol[0])))
            f = logdet + np.sum(s * sinv) - self.logdet_s[g] - spec.p
            scat = s
            if spec.meanstructure:
                d = ybar - (nu + lam @ alpha)
                sd = sinv @ d
                f += d @ sd
                scat = s + np.outer(d, d)
            total += w * f
            if gradient:
                gmat = sinv - sinv @ scat @ sinv
                idx = self.groups[g]["free"]
                a, b, dmu = self._ab(mats, spec.kind[idx], spec.row[idx], spec.col[idx])
                ge = 2.0 * np.einsum("kp,kp->k", a @ gmat, b)
                if spec.meanstructure:
                    ge += dmu @ (-2.0 * sd)
                np.add.at(grad, spec.xidx[idx], w * ge)
        return (total, grad) if gradient else total

    # -- expected information
    def _info_block(self, mats, sinv, e1, e2):
        """Unit information between two entry sets of one group (rows e1, columns e2)."""
        spec = self.spec
        a1, b1, m1 = self._ab(mats, spec.kind[e1], spec.row[e1], spec.col[e1])
        a2, b2, m2 = self._ab(mats, spec.kind[e2], spec.row[e2], spec.col[e2])
        aw, bw = a1 @ sinv, b1 @ sinv
        info = (aw @ a2.T) * (bw @ b2.T) + (aw @ b2.T) * (bw @ a2.T)
        if spec.meanstructure:
            info += (m1 @ sinv) @ m2.T
        return info

    def information(self, x):
        """Expected (unit) information matrix of the free parameters: Σ_g (N_g/N) Δ_g' W_g Δ_g."""
        spec = self.spec
        info = np.zeros((spec.n_free, spec.n_free))
        for g, w in enumerate(self.weights):
            mats = self.matrices(x, g)
            sigma = mats[0] @ mats[2] @ mats[0].T + mats[1]
            sinv = np.linalg.inv(sigma)
            idx = self.groups[g]["free"]
            block = self._info_block(mats, sinv, idx, idx)
            xi = spec.xidx[idx]
            u, inv = np.unique(xi, return_inverse=True)
            agg = np.zeros((len(u), block.shape[1]))
            np.add.at(agg, inv, block)
            agg2 = np.zeros((len(u), len(u)))
            np.add.at(agg2.T, inv, agg.T)
            info[np.ix_(u, u)] += w * agg2
        return info


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
def _prepare_data(df: pd.DataFrame, observed: list[str], group, missing: str):
    if not isinstance(df, pd.DataFrame):
        raise AnalysisError("De data moeten een pandas DataFrame zijn.")
    absent = [v for v in observed if v not in df.columns]
    if absent:
        raise AnalysisError(f"Deze items uit het model staan niet in de data: {', '.join(absent)}.")
    if group is not None and group not in df.columns:
        raise AnalysisError(f"Groeperingsvariabele '{group}' staat niet in de data.")
    data = pd.DataFrame(index=df.index)
    for v in observed:
        col = pd.to_numeric(df[v], errors="coerce")
        bad = col.isna() & df[v].notna()
        if bad.any():
            row = df.index[bad.to_numpy()][0]
            raise AnalysisError(f"Item '{v}' bevat een niet-numerieke waarde ({df[v][row]!r}, rij {row}).")
        data[v] = col.astype(float)
    if missing != "listwise":
        raise AnalysisError(
            f"missing='{missing}' wordt niet ondersteund; alleen 'listwise' (lavaan's standaard) is beschikbaar."
        )
    keep = data.notna().all(axis=1).to_numpy()
    if group is not None:
        gcol = df[group]
        keep = keep & gcol.notna().to_numpy()
        labels = list(pd.unique(gcol[gcol.notna()].astype(str)))  # lavaan: order of first appearance
        gvals = gcol.astype(str).to_numpy()
    else:
        labels = [SINGLE_GROUP]
        gvals = np.full(len(df), SINGLE_GROUP, dtype=object)
    values = data.to_numpy()[keep]
    gvals = gvals[keep]
    p = len(observed)
    samples, counts, labels_kept = [], [], []
    for lab in labels:
        y = values[gvals == lab]
        n = y.shape[0]
        where = f"groep '{lab}'" if group is not None else "de data"
        if n <= p:
            raise AnalysisError(
                f"In {where} zijn {n} volledige waarnemingen, minder dan nodig voor {p} items "
                f"(minstens {p + 1}); voeg groepen samen of gebruik minder items."
            )
        ybar = y.mean(axis=0)
        s = (y - ybar).T @ (y - ybar) / n
        sd0 = [observed[i] for i in np.flatnonzero(np.diag(s) <= 1e-12)]
        if sd0:
            raise AnalysisError(f"In {where} hebben deze items geen variantie: {', '.join(sd0)}.")
        if np.linalg.eigvalsh(s)[0] <= 1e-10 * np.trace(s) / p:
            raise AnalysisError(
                f"De covariantiematrix in {where} is singulier (items zijn lineair afhankelijk); "
                "controleer op dubbele of samengestelde items."
            )
        samples.append((s, ybar))
        counts.append(n)
        labels_kept.append(lab)
    return samples, np.array(counts), labels_kept


# --------------------------------------------------------------------------------------------
# estimation
# --------------------------------------------------------------------------------------------
def _start_values(spec: _Spec, samples, std_lv: bool) -> np.ndarray:
    """Start values: loadings from the first principal axis of each factor's items,
    residual variances half the observed variance (lavaan), factor covariances 0,
    intercepts the sample means."""
    sums = np.zeros(spec.n_free)
    counts = np.zeros(spec.n_free)
    for g, (s, ybar) in enumerate(samples):
        start = {}
        for j in range(spec.m):
            sel = np.flatnonzero((spec.group == g) & (spec.kind == _LAMBDA) & (spec.col == j))
            items = spec.row[sel]
            block = s[np.ix_(items, items)]
            vals, vecs = np.linalg.eigh(block)
            load = vecs[:, -1] * math.sqrt(max(vals[-1], 1e-8))
            fixed = spec.xidx[sel] < 0
            ref = np.flatnonzero(fixed & (spec.value[sel] != 0))
            if ref.size:
                r0 = ref[0]
                if load[r0] < 0:
                    load = -load
                scale = load[r0] / spec.value[sel][r0] if abs(load[r0]) > 1e-3 else 1.0
                lam = load / scale
                var = scale**2
            else:
                if load.sum() < 0:
                    load = -load
                lam, var = load, 1.0
            for i_row, i in enumerate(sel):
                start[i] = lam[i_row]
            start[("psi", j)] = var
            start[("items", j)] = (items, lam * math.sqrt(var))
        for j in range(spec.m):
            for k in range(j):
                (ij, lj), (ik, lk) = start[("items", j)], start[("items", k)]
                ok_j, ok_k = np.abs(lj) > 0.1, np.abs(lk) > 0.1
                if ok_j.any() and ok_k.any():
                    ratio = s[np.ix_(ij[ok_j], ik[ok_k])] / np.outer(lj[ok_j], lk[ok_k])
                    r = float(np.clip(np.median(ratio), -0.8, 0.8))
                else:
                    r = 0.0
                start[("cor", j, k)] = r
        # keep the start factor correlation matrix positive definite (shrink towards I)
        cor = np.eye(spec.m)
        for j in range(spec.m):
            for k in range(j):
                cor[j, k] = cor[k, j] = start[("cor", j, k)]
        shrink = 1.0
        while spec.m > 1 and np.linalg.eigvalsh(cor)[0] < 0.05 and shrink > 0.01:
            shrink *= 0.7
            cor = np.where(np.eye(spec.m, dtype=bool), 1.0, cor * 0.7)
        for j in range(spec.m):
            for k in range(j):
                start[("psi", j, k)] = cor[j, k] * math.sqrt(start[("psi", j)] * start[("psi", k)])
        for i in np.flatnonzero((spec.group == g) & (spec.xidx >= 0)):
            k, r, c = spec.kind[i], spec.row[i], spec.col[i]
            if k == _LAMBDA:
                v = start[i]
            elif k == _THETA:
                v = 0.5 * s[r, r] if r == c else 0.0
            elif k == _PSI:
                v = start[("psi", r)] if r == c else start[("psi", r, c)]
            elif k == _NU:
                v = ybar[r]
            else:
                v = 0.0
            sums[spec.xidx[i]] += v
            counts[spec.xidx[i]] += 1
    return sums / np.maximum(counts, 1)


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
        raise AnalysisError("De startwaarden geven geen positief-definiete modelmatrix; het model kan niet worden geschat.")
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


# --------------------------------------------------------------------------------------------
# result
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, repr=False)
class CFAResult:
    """A fitted confirmatory factor model (single- or multi-group).

    Attributes
    ----------
    fit : dict
        ``chi2, df, p, cfi, tli, rmsea, rmsea_ci`` (90%, tuple), ``rmsea_p`` (test of close
        fit), ``srmr, aic, bic, logl, n, npar, n_groups, baseline_chi2, baseline_df,
        converged, iterations`` — the values of ``lavaan::fitMeasures``.
    loadings : pandas.DataFrame (property)
        Standardised loadings (lavaan's ``std.all``) as an items x factors matrix, like
        :func:`~informeel_lib.factors.efa`'s; 0 where an item does not load on a factor.
        Multi-group: rows indexed by ``(group, item)``. ``res.loadings.loc["x1", "visual"]``.
    loading_table : pandas.DataFrame
        One row per loading, indexed by ``(factor, item)`` (multi-group:
        ``(group, factor, item)``), columns ``estimate, se, z, p`` (unstandardised),
        ``std_all`` (standardised) and ``free`` (False for the fixed marker loading).
        Look one up with ``res.loading_table.loc[("visual", "x1"), "std_all"]`` or
        ``res.loading("x1")``.
    parameters : pandas.DataFrame
        Every parameter (``lhs, op, rhs, group, label, free, est, se, z, p, std_all``), as
        ``lavaan::parameterEstimates(fit, standardized = TRUE)``; fixed parameters have
        ``se`` 0 and no z/p (as lavaan).
    factor_correlations : pandas.DataFrame
        Factor correlation matrix (multi-group: rows indexed by ``(group, factor)``).
    modification_indices : pandas.DataFrame
        ``lhs, op, rhs, group, mi, epc, sepc_all`` for loadings, residual covariances and
        factor covariances not free in the model, sorted by ``mi`` (``lavaan::modindices``).
    implied_cov, implied_mean : dict
        Per group label the model-implied covariance matrix (DataFrame) and mean vector
        (Series; the sample means in a single-group model, which has no mean structure).
    groups : tuple of str
        Group labels in lavaan's order (first appearance); ``("totaal",)`` for one group.
    n_obs : dict
        Complete cases per group (after listwise deletion).
    warnings : tuple of str
        Dutch warnings raised while fitting (also issued as :class:`CFAWarning`).
    """

    model: str
    fit: dict
    loading_table: pd.DataFrame
    parameters: pd.DataFrame
    factor_correlations: pd.DataFrame
    modification_indices: pd.DataFrame
    implied_cov: dict
    implied_mean: dict
    groups: tuple
    n_obs: dict
    equal: tuple = ()
    std_lv: bool = False
    warnings: tuple = field(default=())

    @property
    def loadings(self) -> pd.DataFrame:
        """Standardised loadings (``std.all``), items x factors (multi-group: rows ``(group, item)``)."""
        table = self.loading_table["std_all"]
        rows = ["group", "item"] if "group" in table.index.names else ["item"]
        wide = table.unstack("factor", fill_value=0.0)
        factors = list(dict.fromkeys(table.index.get_level_values("factor")))
        items = list(dict.fromkeys(table.index.get_level_values("item")))
        if rows == ["item"]:
            return wide.reindex(index=items, columns=factors, fill_value=0.0).rename_axis(columns="factor")
        order = pd.MultiIndex.from_product([list(self.groups), items], names=rows)
        return wide.reorder_levels(rows).reindex(index=order, columns=factors, fill_value=0.0)

    def loading(self, item: str, factor: str | None = None, group: str | None = None) -> float:
        """Standardised loading (``std.all``) of ``item`` on ``factor`` (default: its only factor)
        in ``group`` (default: the first group)."""
        lo = self.loading_table.reset_index()
        sel = lo["item"] == item
        if factor is not None:
            sel &= lo["factor"] == factor
        if "group" in lo.columns:
            sel &= lo["group"] == (group if group is not None else self.groups[0])
        rows = lo[sel]
        if len(rows) != 1:
            raise AnalysisError(
                f"Geen eenduidige lading voor item '{item}'"
                + (f" op factor '{factor}'" if factor else "") + f" ({len(rows)} gevonden)."
            )
        return float(rows["std_all"].iloc[0])

    def to_frame(self) -> pd.DataFrame:
        """Fit indices as a one-row DataFrame (columns chi2, df, p, cfi, tli, rmsea,
        rmsea_ci_lower, rmsea_ci_upper, srmr, aic, bic, n, npar)."""
        f = self.fit
        row = {k: f[k] for k in ("chi2", "df", "p", "cfi", "tli", "rmsea")}
        row["rmsea_ci_lower"], row["rmsea_ci_upper"] = f["rmsea_ci"]
        row.update({k: f[k] for k in ("srmr", "aic", "bic", "n", "npar")})
        return pd.DataFrame([row], index=pd.Index(["model"], name="model"))

    def __repr__(self) -> str:
        f = self.fit
        if f["df"] == 0:
            p_text = "verzadigd model"
        else:
            p_text = "p < 0,001" if f["p"] < 0.001 else f"p = {_nl(f['p'])}"
        lo, hi = f["rmsea_ci"]
        groups = "" if len(self.groups) == 1 else f", {len(self.groups)} groepen"
        eq = f", gelijk: {', '.join(self.equal)}" if self.equal else ""
        n_factors = len(self.loading_table.index.get_level_values("factor").unique())
        n_items = len(self.loading_table.index.get_level_values("item").unique())
        lines = [
            f"CFAResult(ML, N = {f['n']}{groups}{eq}; {n_factors} factoren, {n_items} items, "
            f"{f['npar']} parameters{'' if f['converged'] else '; NIET GECONVERGEERD'})",
            f"  χ²({f['df']}) = {_nl(f['chi2'], 3)}, {p_text}; CFI = {_nl(f['cfi'])}, TLI = {_nl(f['tli'])}, "
            f"RMSEA = {_nl(f['rmsea'])} [{_nl(lo)}; {_nl(hi)}], SRMR = {_nl(f['srmr'])}",
        ]
        lines += [f"  let op: {w}" for w in self.warnings]
        return "\n".join(lines)


def _nl(x: float, decimals: int = 3) -> str:
    return f"{x:.{decimals}f}".replace(".", ",")


def _fit_measures(engine: _Engine, f_min: float, counts: np.ndarray, n_free: int, converged: bool,
                  iterations: int, x: np.ndarray) -> dict:
    spec = engine.spec
    n = int(counts.sum())
    p, G = spec.p, spec.n_groups
    chi2 = n * f_min
    moments = p * (p + 1) // 2 + (p if spec.meanstructure else 0)
    df = G * moments - n_free
    base_chi2 = float(sum(c * (np.sum(np.log(np.diag(s))) - ld)
                          for c, (s, _), ld in zip(counts, engine.samples, engine.logdet_s)))
    base_df = G * p * (p - 1) // 2
    implied = [engine.implied(x, g) for g in range(G)]
    logl = 0.0
    for c, (s, ybar), (sigma, mu) in zip(counts, engine.samples, implied):
        sinv = np.linalg.inv(sigma)
        d = (ybar - mu) if spec.meanstructure else np.zeros(p)
        logl += -c / 2 * (p * math.log(2 * math.pi) + np.linalg.slogdet(sigma)[1] + np.sum(s * sinv) + d @ sinv @ d)
    return {
        "chi2": float(chi2), "df": int(df), "p": cfa_fit.chi2_pvalue(chi2, df),
        "cfi": cfa_fit.cfi(chi2, df, base_chi2, base_df),
        "tli": cfa_fit.tli(chi2, df, base_chi2, base_df),
        "rmsea": cfa_fit.rmsea(chi2, df, n, G),
        "rmsea_ci": cfa_fit.rmsea_ci(chi2, df, n, G),
        "rmsea_p": cfa_fit.rmsea_pvalue(chi2, df, n, G),
        "srmr": cfa_fit.srmr_bentler(engine.samples, implied, counts / n, spec.meanstructure),
        "aic": float(-2 * logl + 2 * n_free), "bic": float(-2 * logl + n_free * math.log(n)),
        "logl": float(logl), "n": n, "npar": int(n_free), "n_groups": G,
        "baseline_chi2": base_chi2, "baseline_df": int(base_df),
        "converged": bool(converged), "iterations": int(iterations),
    }


def _standardise(spec: _Spec, est: np.ndarray, engine: _Engine, x: np.ndarray) -> np.ndarray:
    """lavaan's std.all for every row of the parameter table."""
    out = np.full(len(est), np.nan)
    for g in range(spec.n_groups):
        lam, theta, psi, nu, alpha = engine.matrices(x, g)
        sigma = lam @ psi @ lam.T + theta
        with np.errstate(invalid="ignore", divide="ignore"):
            sd_ov = np.sqrt(np.diag(sigma))
            sd_lv = np.sqrt(np.diag(psi))
            sd_th = np.sqrt(np.diag(theta))
            for i in np.flatnonzero(spec.group == g):
                k, r, c, v = spec.kind[i], spec.row[i], spec.col[i], est[i]
                if k == _LAMBDA:
                    out[i] = v * sd_lv[c] / sd_ov[r]
                elif k == _THETA:
                    out[i] = v / sigma[r, r] if r == c else v / (sd_th[r] * sd_th[c])
                elif k == _PSI:
                    out[i] = v / (sd_lv[r] * sd_lv[c])
                elif k == _NU:
                    out[i] = v / sd_ov[r]
                else:
                    out[i] = v / sd_lv[r]
    return out


def _modification_indices(engine: _Engine, x: np.ndarray, info_inv: np.ndarray, n: int,
                          group_labels) -> pd.DataFrame:
    """Score test (expected information) for each loading / covariance not free in the model."""
    spec = engine.spec
    rows = []
    for g in range(spec.n_groups):
        sel = spec.group == g
        present = {(k, r, c): spec.xidx[i] for i, k, r, c in
                   zip(np.flatnonzero(sel), spec.kind[sel], spec.row[sel], spec.col[sel])}
        extra = []
        for j in range(spec.m):
            for i in range(spec.p):
                if present.get((_LAMBDA, i, j), -1) < 0:
                    extra.append((_LAMBDA, i, j))
        for i in range(spec.p):
            for k in range(i):
                if present.get((_THETA, i, k), -1) < 0:
                    extra.append((_THETA, i, k))
        for j in range(spec.m):
            for k in range(j):
                if present.get((_PSI, j, k), -1) < 0:
                    extra.append((_PSI, j, k))
        if not extra:
            continue
        ek = np.array([e[0] for e in extra])
        er = np.array([e[1] for e in extra])
        ec = np.array([e[2] for e in extra])
        mats = engine.matrices(x, g)
        lam, theta, psi, nu, alpha = mats
        s, ybar = engine.samples[g]
        sigma = lam @ psi @ lam.T + theta
        sinv = np.linalg.inv(sigma)
        w = engine.weights[g]
        # gradient of lavaan's fmin = F/2 with respect to the extra parameters
        scat = s
        if spec.meanstructure:
            d = ybar - (nu + lam @ alpha)
            scat = s + np.outer(d, d)
        gmat = sinv - sinv @ scat @ sinv
        a, b, dmu = engine._ab(mats, ek, er, ec)
        score = 2.0 * np.einsum("kp,kp->k", a @ gmat, b)
        if spec.meanstructure:
            score += dmu @ (-2.0 * sinv @ d)
        score = 0.5 * w * score
        # information: extras x extras (diagonal) and extras x free parameters
        aw, bw = a @ sinv, b @ sinv
        i11 = w * (np.einsum("kp,kp->k", aw, a) * np.einsum("kp,kp->k", bw, b)
                   + np.einsum("kp,kp->k", aw, b) ** 2)
        if spec.meanstructure:
            i11 += w * np.einsum("kp,kp->k", dmu @ sinv, dmu)
        free = engine.groups[g]["free"]
        a2, b2, m2 = engine._ab(mats, spec.kind[free], spec.row[free], spec.col[free])
        block = (aw @ a2.T) * (bw @ b2.T) + (aw @ b2.T) * (bw @ a2.T)
        if spec.meanstructure:
            block += (dmu @ sinv) @ m2.T
        u, inv = np.unique(spec.xidx[free], return_inverse=True)  # only this group's parameters
        i12 = np.zeros((len(u), len(extra)))
        np.add.at(i12, inv, (w * block).T)
        v = i11 - np.sum((info_inv[np.ix_(u, u)] @ i12) * i12, axis=0)
        ok = v >= np.finfo(float).eps ** (1 / 3)
        v_safe = np.where(ok, v, np.nan)
        mi = n * score**2 / v_safe
        epc = -score / v_safe
        with np.errstate(invalid="ignore", divide="ignore"):
            sd_ov = np.sqrt(np.diag(sigma))
            sd_lv = np.sqrt(np.diag(psi))
            sd_th = np.sqrt(np.abs(np.diag(theta)))
        for t, (k, r, c) in enumerate(extra):
            if not ok[t]:
                continue
            if k == _LAMBDA:
                lhs, rhs = spec.latent[c], spec.observed[r]
                sepc = epc[t] * sd_lv[c] / sd_ov[r]
                op = "=~"
            elif k == _THETA:
                lhs, rhs, op = spec.observed[c], spec.observed[r], "~~"
                sepc = epc[t] / (sd_th[r] * sd_th[c])
            else:
                lhs, rhs, op = spec.latent[c], spec.latent[r], "~~"
                sepc = epc[t] / (sd_lv[r] * sd_lv[c])
            rows.append((lhs, op, rhs, group_labels[g], float(mi[t]), float(epc[t]), float(sepc)))
    out = pd.DataFrame(rows, columns=["lhs", "op", "rhs", "group", "mi", "epc", "sepc_all"])
    return out.sort_values("mi", ascending=False, kind="stable").reset_index(drop=True)


def cfa(df: pd.DataFrame, model, *, group: str | None = None, equal=(), std_lv: bool = False,
        estimator: str = "ML", missing: str = "listwise", modification_indices: bool = True) -> CFAResult:
    """Confirmatory factor analysis by maximum likelihood, as ``lavaan::cfa``.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per respondent; the model's items as numeric columns.
    model : str or dict
        lavaan syntax (``"visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6"``; also
        ``x7 ~~ x8``, ``#`` comments, ``;``, fixed values ``1*x1``, free ``NA*x1`` and equality
        labels ``a*x2``) or a dict ``{factor: [items]}``.
    group : str, optional
        Column with the groups for a multi-group model (adds a mean structure).
    equal : sequence of str
        lavaan's ``group.equal``: ``"loadings"``, ``"intercepts"``, ``"residuals"``,
        ``"residual.covariances"``, ``"lv.variances"``, ``"lv.covariances"``, ``"means"``.
    std_lv : bool
        Identify by fixing factor variances to 1 instead of the first loading.
    estimator : {"ML"}
        Only maximum likelihood is available.
    missing : {"listwise"}
        Rows with a missing value on any model item are dropped (lavaan's default).
    modification_indices : bool
        Compute modification indices (cheap; switch off in loops).

    Returns
    -------
    CFAResult

    Raises
    ------
    AnalysisError
        Unknown items, too few cases in a group, singular covariance matrix, a model that
        is not identified or has negative degrees of freedom, and estimates that run off to
        infinity (:class:`NonConvergenceError`: no finite ML solution, typically groups small
        for the model; lavaan does not converge there either): detected after a few scoring
        steps, and the message names the parameters, groups and group sizes involved.

    Warns
    -----
    CFAWarning
        Not converged (also when the optimisation hits its time limit :data:`MAX_SECONDS`),
        negative residual or factor variances (Heywood case), a factor covariance matrix that
        is not positive definite.

    Notes
    -----
    The ML discrepancy per group is

    .. math:: F_g = \\log|\\Sigma| + \\mathrm{tr}(S\\Sigma^{-1}) - \\log|S| - p
              + (\\bar y - \\mu)'\\Sigma^{-1}(\\bar y - \\mu)

    with :math:`\\Sigma = \\Lambda\\Psi\\Lambda' + \\Theta`, :math:`\\mu = \\nu + \\Lambda\\alpha`
    and S divided by :math:`N_g`; the model minimises :math:`F = \\sum_g (N_g/N) F_g` by Fisher
    scoring and reports :math:`\\chi^2 = N F`. Standard errors are the square roots of the
    diagonal of :math:`(N\\,\\mathcal{I})^{-1}` with :math:`\\mathcal{I}` the expected unit
    information :math:`\\sum_g (N_g/N)\\,\\Delta_g' W_g \\Delta_g`.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling.
    Journal of Statistical Software, 48(2), 1–36.

    Examples
    --------
    >>> res = cfa(hs, "visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\nspeed =~ x7 + x8 + x9")
    >>> round(res.fit["chi2"], 3), res.fit["df"]      # doctest: +SKIP
    (85.306, 24)
    >>> res.loadings.loc["x1", "visual"]  # doctest: +SKIP

    R: ``lavaan::cfa(model, data = hs)``; multi-group
    ``lavaan::cfa(model, data, group = "school", group.equal = "loadings")``.
    """
    with threadpool_limits(limits=1, user_api="blas"):  # small matrices: threads only cost time
        return _cfa(df, model, group=group, equal=equal, std_lv=std_lv, estimator=estimator, missing=missing,
                    modification_indices=modification_indices)


def _cfa(df, model, *, group, equal, std_lv, estimator, missing, modification_indices) -> CFAResult:
    if str(estimator).upper() != "ML":
        raise AnalysisError(f"Schatter '{estimator}' wordt niet ondersteund; alleen 'ML'.")
    equal = (equal,) if isinstance(equal, str) else tuple(equal)
    unknown = [e for e in equal if e not in EQUAL_OPTIONS]
    if unknown:
        raise AnalysisError(
            f"Onbekende gelijkheidsrestrictie(s): {', '.join(unknown)}; kies uit {', '.join(EQUAL_OPTIONS)}."
        )
    terms = parse_model(model)
    observed, _ = _variables(terms)
    samples, counts, labels = _prepare_data(df, observed, group, missing)
    if group is None and equal:
        raise AnalysisError("Gelijkheidsrestricties (equal=...) vragen om een groeperingsvariabele (group=...).")
    spec = _build_spec(terms, len(samples), std_lv=std_lv, equal=equal)
    n = int(counts.sum())
    weights = counts / n
    engine = _Engine(spec, samples, weights)
    moments = spec.p * (spec.p + 1) // 2 + (spec.p if spec.meanstructure else 0)
    if spec.n_groups * moments - spec.n_free < 0:
        raise AnalysisError(
            f"Het model heeft meer vrije parameters ({spec.n_free}) dan informatie in de data "
            f"({spec.n_groups * moments}); het is niet geïdentificeerd."
        )
    x0 = _start_values(spec, samples, std_lv)
    try:
        x, f_min, converged, iterations = _optimise(engine, x0)
    except _Diverged as div:
        raise NonConvergenceError(_divergence_message(spec, div.x, div.x - div.x_start, labels, counts,
                                                      iterations=div.iterations, trend=True)) from None

    messages = []
    info = engine.information(x)
    if not converged:
        vals, vecs = np.linalg.eigh(info)
        if vals[0] <= _SINGULAR * max(vals[-1], 1e-300):
            # stopped (iteration or time limit) on the way to infinity: no estimates to report
            raise NonConvergenceError(_divergence_message(spec, x, vecs[:, 0], labels, counts,
                                                          iterations=iterations, trend=False))
    info_inv = _check_identified(engine, x, info)
    vcov = info_inv / n
    se_free = np.sqrt(np.clip(np.diag(vcov), 0, None))
    if not converged:
        messages.append("het model is niet geconvergeerd; de schattingen zijn onbetrouwbaar.")
    messages += _heywood_messages(engine, x, labels)
    for msg in messages:
        warnings.warn(msg[0].upper() + msg[1:], CFAWarning, stacklevel=4)

    est = np.where(spec.xidx >= 0, x[np.maximum(spec.xidx, 0)], spec.value)
    se = np.where(spec.xidx >= 0, se_free[np.maximum(spec.xidx, 0)], 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(spec.xidx >= 0, est / se, np.nan)
    pval = np.where(spec.xidx >= 0, 2 * stats.norm.sf(np.abs(z)), np.nan)
    std_all = _standardise(spec, est, engine, x)
    names = [spec.names(i) for i in range(len(est))]
    params = pd.DataFrame({
        "lhs": [a for a, _, _ in names], "op": [b for _, b, _ in names], "rhs": [c for _, _, c in names],
        "group": [labels[g] for g in spec.group], "label": spec.label, "free": spec.xidx >= 0,
        "est": est, "se": se, "z": z, "p": pval, "std_all": std_all,
    })
    fit = _fit_measures(engine, f_min, counts, spec.n_free, converged, iterations, x)
    multi = spec.n_groups > 1
    lo = params[params["op"] == "=~"].rename(columns={"lhs": "factor", "rhs": "item", "est": "estimate"})
    index = ["group", "factor", "item"] if multi else ["factor", "item"]
    loadings = lo.set_index(index)[["estimate", "se", "z", "p", "std_all", "free"]]
    corr_frames = {}
    implied_cov, implied_mean = {}, {}
    for g, lab in enumerate(labels):
        lam, theta, psi, nu, alpha = engine.matrices(x, g)
        sigma, mu = engine.implied(x, g)
        with np.errstate(invalid="ignore", divide="ignore"):
            sd = np.sqrt(np.diag(psi))
            corr_frames[lab] = pd.DataFrame(psi / np.outer(sd, sd), index=spec.latent, columns=spec.latent)
        implied_cov[lab] = pd.DataFrame(sigma, index=spec.observed, columns=spec.observed)
        implied_mean[lab] = pd.Series(mu if spec.meanstructure else samples[g][1], index=spec.observed)
    if multi:
        factor_corr = pd.concat(corr_frames, names=["group", "factor"])
    else:
        factor_corr = corr_frames[labels[0]].rename_axis(index="factor")
    if modification_indices:
        mi = _modification_indices(engine, x, info_inv, n, labels)
        if not multi:
            mi = mi.drop(columns="group")
    else:
        mi = pd.DataFrame(columns=["lhs", "op", "rhs", "group", "mi", "epc", "sepc_all"])
    syntax = model if isinstance(model, str) else "\n".join(f"{f} =~ {' + '.join(v)}" for f, v in model.items())
    return CFAResult(
        model=syntax.strip(), fit=fit, loading_table=loadings, parameters=params,
        factor_correlations=factor_corr, modification_indices=mi, implied_cov=implied_cov,
        implied_mean=implied_mean, groups=tuple(labels), n_obs=dict(zip(labels, counts.tolist())),
        equal=equal, std_lv=std_lv, warnings=tuple(messages),
    )


def _check_identified(engine: _Engine, x: np.ndarray, info: np.ndarray | None = None) -> np.ndarray:
    info = engine.information(x) if info is None else info
    vals = np.linalg.eigvalsh(info)
    if vals[0] <= _SINGULAR * max(vals[-1], 1e-300):
        raise AnalysisError(
            "Het model is niet geïdentificeerd (de informatiematrix is singulier): controleer of elke "
            "factor een vaste lading of variantie heeft en of er genoeg items per factor zijn."
        )
    return np.linalg.inv(info)


def _parameter_nl(spec: _Spec, i: int) -> str:
    """Dutch name of parameter-table row ``i`` ("de lading van BIND3 op BIND")."""
    k, r, c = spec.kind[i], spec.row[i], spec.col[i]
    ov, lv = spec.observed, spec.latent
    if k == _LAMBDA:
        return f"de lading van {ov[r]} op {lv[c]}"
    if k == _THETA:
        return f"de residuele variantie van {ov[r]}" if r == c else f"de residuele covariantie van {ov[c]} en {ov[r]}"
    if k == _PSI:
        return f"de variantie van factor {lv[r]}" if r == c else f"de covariantie van factoren {lv[c]} en {lv[r]}"
    if k == _NU:
        return f"het intercept van {ov[r]}"
    return f"het gemiddelde van factor {lv[r]}"


def _divergence_message(spec: _Spec, x: np.ndarray, direction: np.ndarray, labels, counts, *,
                        iterations: int, trend: bool) -> str:
    """Dutch explanation of a fit whose estimates run off to infinity.

    ``direction`` is the runaway direction in parameter space (the change over the last steps,
    with ``trend=True``, or the null vector of the information matrix, whose sign means nothing);
    the parameters with the largest components are named with their current values and group,
    and the groups involved with their size. lavaan does not converge on such data either
    (it stops after thousands of iterations with "the optimizer warns that a solution has NOT
    been found" and gives no fit measures).
    """
    size = np.abs(direction)
    top = [int(i) for i in np.argsort(-size, kind="stable")[:4] if size[i] >= 0.2 * size.max()]
    multi = spec.n_groups > 1
    parts, involved = [], []
    for i in top:
        rows = np.flatnonzero(spec.xidx == i)
        groups = sorted({int(gr) for gr in spec.group[rows]})
        involved += [gr for gr in groups if gr not in involved]
        moving = (", stijgend" if direction[i] > 0 else ", dalend") if trend else ""
        where = ""
        if multi:
            where = f" in groep '{labels[groups[0]]}'" if len(groups) == 1 else " (gelijk over de groepen)"
        parts.append(f"{_parameter_nl(spec, rows[0])}{where} ({_nl(float(x[i]))}{moving})")
    free = [len(np.unique(spec.xidx[(spec.group == g) & (spec.xidx >= 0)])) for g in range(spec.n_groups)]
    if not multi:
        cause = (f"zijn er te weinig waarnemingen voor het model ({int(counts[0])} waarnemingen voor "
                 f"{spec.p} items en {free[0]} vrije parameters)")
    else:
        sizes = ", ".join(f"'{labels[g]}' n = {int(counts[g])}" for g in sorted(involved))
        cause = (f"{'is de groep' if len(involved) == 1 else 'zijn de groepen'} te klein voor het model "
                 f"({sizes}; {spec.p} items en {max(free)} vrije parameters per groep)")
    return (
        f"Het model convergeert niet: na {iterations} iteraties lopen de schattingen weg: {'; '.join(parts)}. "
        "Er is geen eindige ML-oplossing (het model is in deze data empirisch niet geïdentificeerd). "
        f"Meestal {cause} of meet een factor er vrijwel niets; gebruik grotere groepen, minder items "
        "of een model per schaal."
    )


def _heywood_messages(engine: _Engine, x: np.ndarray, labels) -> list[str]:
    spec = engine.spec
    out = []
    for g, lab in enumerate(labels):
        lam, theta, psi, nu, alpha = engine.matrices(x, g)
        where = f" (groep '{lab}')" if spec.n_groups > 1 else ""
        neg = [spec.observed[i] for i in np.flatnonzero(np.diag(theta) < 0)]
        if neg:
            out.append(f"negatieve residuele variantie (Heywood-geval) bij {', '.join(neg)}{where}.")
        negf = [spec.latent[j] for j in np.flatnonzero(np.diag(psi) <= 0)]
        if negf:
            out.append(f"niet-positieve factorvariantie bij {', '.join(negf)}{where}.")
        elif np.linalg.eigvalsh(psi)[0] <= 0:
            out.append(f"de factorcovariantiematrix is niet positief-definiet (correlatie ≥ 1?){where}.")
    return out


# --------------------------------------------------------------------------------------------
# measurement invariance
# --------------------------------------------------------------------------------------------
def invariance(df: pd.DataFrame, model, group: str, *, levels=("configural", "metric", "scalar"),
               std_lv: bool = False, delta_cfi: float = -0.010, delta_rmsea: float = 0.015) -> pd.DataFrame:
    """Measurement invariance across groups: configural, metric, scalar (and strict) models.

    Parameters
    ----------
    df : pandas.DataFrame
        Data with the items and the ``group`` column.
    model : str or dict
        Measurement model, as in :func:`cfa`.
    group : str
        Column defining the groups (e.g. ``"organisation"`` or ``"round"``).
    levels : sequence of str
        Subset of ``"configural"`` (no equality), ``"metric"`` (loadings), ``"scalar"``
        (+ intercepts, factor means free in all groups but the first) and ``"strict"``
        (+ residual variances), from least to most restricted.
    std_lv : bool
        Identification by factor variances, as in :func:`cfa`.
    delta_cfi, delta_rmsea : float
        Cut-offs for non-invariance (Chen, 2007): ΔCFI ≤ −0.010, ΔRMSEA ≥ 0.015.

    Returns
    -------
    pandas.DataFrame
        Indexed by level: ``chi2, df, p, cfi, tli, rmsea, srmr`` per model and, relative to
        the previous level, ``delta_chi2, delta_df, p_delta`` (χ² difference test),
        ``delta_cfi, delta_rmsea`` and a Dutch ``conclusie``. The first row has no deltas.

    Raises
    ------
    AnalysisError
        As :func:`cfa`. A :class:`NonConvergenceError` (estimates running off to infinity, e.g.
        groups too small for the model; detected within seconds) names the level; one is also
        raised when a level does not converge otherwise (lavaan gives no fit measures then).

    Notes
    -----
    :math:`\\Delta\\chi^2 = \\chi^2_{restricted} - \\chi^2_{free}` on
    :math:`\\Delta df` degrees of freedom (``lavaan::lavTestLRT``, standard ML test). A level
    is judged "niet aanvaardbaar" when ΔCFI ≤ −0.010, "twijfelachtig" when only
    ΔRMSEA ≥ 0.015, and "aanvaardbaar" otherwise; the χ² test is reported but, being
    sensitive to sample size, not used for the conclusion.

    References
    ----------
    Chen, F. F. (2007). Sensitivity of goodness of fit indexes to lack of measurement
    invariance. Structural Equation Modeling, 14(3), 464–504.

    Examples
    --------
    >>> invariance(hs, model, "school")          # doctest: +SKIP

    R: ``lavTestLRT(cfa(model, data, group = "school"),
    cfa(model, data, group = "school", group.equal = "loadings"), ...)``.
    """
    levels = (levels,) if isinstance(levels, str) else tuple(levels)
    unknown = [lv for lv in levels if lv not in LEVELS]
    if unknown or not levels:
        raise AnalysisError(f"Onbekend invariantieniveau: {', '.join(unknown) or '(geen)'}; kies uit {', '.join(LEVELS)}.")
    order = list(LEVELS)
    if [order.index(lv) for lv in levels] != sorted(order.index(lv) for lv in levels):
        raise AnalysisError("Geef de invariantieniveaus van minst naar meest beperkt (configural, metric, scalar, strict).")
    rows = []
    prev = None
    for level in levels:
        try:
            res = cfa(df, model, group=group, equal=LEVELS[level], std_lv=std_lv, modification_indices=False)
        except NonConvergenceError as exc:
            msg = str(exc)
            raise NonConvergenceError(f"Meetinvariantie over '{group}', {_LEVEL_NL[level]} model: "
                                f"{msg[:1].lower()}{msg[1:]}") from None
        f = res.fit
        if not f["converged"]:
            raise NonConvergenceError(
                f"Meetinvariantie over '{group}': het {_LEVEL_NL[level]} model is niet geconvergeerd "
                f"(gestopt na {f['iterations']} iteraties); fitmaten en verschiltoetsen zijn dan niet "
                "betrouwbaar, dus de invariantie kan niet worden beoordeeld."
            )
        row = {k: f[k] for k in ("chi2", "df", "p", "cfi", "tli", "rmsea", "srmr")}
        if prev is None:
            row.update(delta_chi2=np.nan, delta_df=np.nan, p_delta=np.nan, delta_cfi=np.nan, delta_rmsea=np.nan)
            row["conclusie"] = (f"{_LEVEL_NL[level]} model: vergelijkingsbasis "
                                f"(CFI = {_nl(f['cfi'])}, RMSEA = {_nl(f['rmsea'])})")
        else:
            dchi = f["chi2"] - prev["chi2"]
            ddf = f["df"] - prev["df"]
            row.update(
                delta_chi2=dchi, delta_df=ddf,
                p_delta=float(stats.chi2.sf(max(dchi, 0.0), ddf)) if ddf > 0 else np.nan,
                delta_cfi=f["cfi"] - prev["cfi"], delta_rmsea=f["rmsea"] - prev["rmsea"],
            )
            row["conclusie"] = _conclusion(level, row["delta_cfi"], row["delta_rmsea"], delta_cfi, delta_rmsea)
        rows.append(row)
        prev = f
    out = pd.DataFrame(rows, index=pd.Index(list(levels), name="level"))
    out["df"] = out["df"].astype(int)
    out["delta_df"] = out["delta_df"].astype("Int64")
    return out


def _conclusion(level: str, d_cfi: float, d_rmsea: float, cut_cfi: float, cut_rmsea: float) -> str:
    name = f"{_LEVEL_NL[level]} invariantie"
    cfi_txt = f"ΔCFI = {_nl(d_cfi)}"
    rmsea_txt = f"ΔRMSEA = {_nl(d_rmsea)}"
    bad_cfi = d_cfi <= cut_cfi + 1e-12
    bad_rmsea = d_rmsea >= cut_rmsea - 1e-12
    if bad_cfi:
        extra = f"; {rmsea_txt} ≥ {_nl(cut_rmsea)}" if bad_rmsea else ""
        return f"{name} niet aanvaardbaar ({cfi_txt} ≤ {_nl(cut_cfi)}{extra})"
    if bad_rmsea:
        return f"{name} twijfelachtig ({cfi_txt} > {_nl(cut_cfi)}, maar {rmsea_txt} ≥ {_nl(cut_rmsea)})"
    return f"{name} aanvaardbaar ({cfi_txt} > {_nl(cut_cfi)}, {rmsea_txt} < {_nl(cut_rmsea)})"
