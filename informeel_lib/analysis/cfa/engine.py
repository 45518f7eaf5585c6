"""Model-implied moments, ML discrepancy, gradient and expected information for a specified model;
data preparation and start values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import linalg

from ...errors import AnalysisError
from .specification import _ALPHA, _LAMBDA, _NU, _PSI, _THETA, SINGLE_GROUP, _set, _Spec


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
            templ = self._templates(p, m)
            for i in fixed:
                k, r, c = spec.kind[i], spec.row[i], spec.col[i]
                _set(templ, k, r, c, spec.value[i])
            self.groups.append({"free": free, "templ": templ})

    # -- matrices
    def _templates(self, p: int, m: int) -> list:
        """Zero matrices Λ, Θ, Ψ, ν, α (a subclass may add more, e.g. a regression matrix)."""
        return [np.zeros((p, m)), np.zeros((p, p)), np.zeros((m, m)), np.zeros(p), np.zeros(m)]

    def matrices(self, x: np.ndarray, g: int):
        spec = self.spec
        info = self.groups[g]
        mats = [t.copy() for t in info["templ"]]
        idx = info["free"]
        vals = x[spec.xidx[idx]]
        for kind in range(len(mats)):
            sel = spec.kind[idx] == kind
            if not sel.any():
                continue
            _set(mats, kind, spec.row[idx][sel], spec.col[idx][sel], vals[sel])
        return mats

    def moments(self, mats):
        """Implied covariance matrix and mean vector of the observed variables from the matrices."""
        lam, theta, psi, nu, alpha = mats
        return lam @ psi @ lam.T + theta, nu + lam @ alpha

    def implied(self, x, g):
        return self.moments(self.matrices(x, g))

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
            sigma, mu = self.moments(mats)
            try:
                chol = linalg.cho_factor(sigma, lower=True)
            except linalg.LinAlgError:
                return (math.inf, grad) if gradient else math.inf
            sinv = linalg.cho_solve(chol, np.eye(spec.p))
            logdet = 2.0 * np.sum(np.log(np.diag(chol[0])))
            f = logdet + np.sum(s * sinv) - self.logdet_s[g] - spec.p
            scat = s
            if spec.meanstructure:
                d = ybar - mu
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
            sigma, _ = self.moments(mats)
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
            f"missing='{missing}' wordt niet ondersteund; kies 'listwise' (lavaan's standaard) of 'fiml'."
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
            _factor_start(spec, g, j, s, start)
        _factor_covariance_starts(spec, s, start)
        for i in np.flatnonzero((spec.group == g) & (spec.xidx >= 0)):
            sums[spec.xidx[i]] += _parameter_start(spec, i, s, ybar, start)
            counts[spec.xidx[i]] += 1
    return sums / np.maximum(counts, 1)


def _factor_start(spec: _Spec, g: int, j: int, s: np.ndarray, start: dict) -> None:
    """Loadings and variance of factor ``j`` from the first principal axis of its items, scaled to the
    marker loading (or to variance 1 without a marker)."""
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


def _factor_covariance_starts(spec: _Spec, s: np.ndarray, start: dict) -> None:
    """Factor covariances from the median item cross-covariance over the loading products, with the start
    correlation matrix kept positive definite (shrunk towards I)."""
    cor = np.eye(spec.m)
    for j in range(spec.m):
        for k in range(j):
            (ij, lj), (ik, lk) = start[("items", j)], start[("items", k)]
            ok_j, ok_k = np.abs(lj) > 0.1, np.abs(lk) > 0.1
            if ok_j.any() and ok_k.any():
                ratio = s[np.ix_(ij[ok_j], ik[ok_k])] / np.outer(lj[ok_j], lk[ok_k])
                cor[j, k] = cor[k, j] = float(np.clip(np.median(ratio), -0.8, 0.8))
    shrink = 1.0
    while spec.m > 1 and np.linalg.eigvalsh(cor)[0] < 0.05 and shrink > 0.01:
        shrink *= 0.7
        cor = np.where(np.eye(spec.m, dtype=bool), 1.0, cor * 0.7)
    for j in range(spec.m):
        for k in range(j):
            start[("psi", j, k)] = cor[j, k] * math.sqrt(start[("psi", j)] * start[("psi", k)])


def _parameter_start(spec: _Spec, i: int, s: np.ndarray, ybar: np.ndarray, start: dict) -> float:
    k, r, c = spec.kind[i], spec.row[i], spec.col[i]
    if k == _LAMBDA:
        return start[i]
    if k == _THETA:
        return 0.5 * s[r, r] if r == c else 0.0
    if k == _PSI:
        return start[("psi", r)] if r == c else start[("psi", r, c)]
    if k == _NU:
        return ybar[r]
    return 0.0


