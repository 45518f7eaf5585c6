"""Turn fitted parameters of the CFA engine into a :class:`CFAResult` (shared by ML and FIML)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .engine import _Engine
from .fit import _standardise
from .result import CFAResult
from .specification import _Spec

__all__ = ["assemble_result"]


def assemble_result(model, spec: _Spec, engine: _Engine, x: np.ndarray, se_free: np.ndarray, fit: dict, labels,
                    counts, samples, *, equal=(), std_lv=False, messages=(), modification_indices=None) -> CFAResult:
    """Parameter table (est, se, z, p, std_all), loadings, factor correlations and implied moments."""
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
    mi = modification_indices
    if mi is None:
        mi = pd.DataFrame(columns=["lhs", "op", "rhs", "group", "mi", "epc", "sepc_all"])
        if not multi:
            mi = mi.drop(columns="group")
    syntax = model if isinstance(model, str) else "\n".join(f"{f} =~ {' + '.join(v)}" for f, v in model.items())
    return CFAResult(
        model=syntax.strip(), fit=fit, loading_table=loadings, parameters=params,
        factor_correlations=factor_corr, modification_indices=mi, implied_cov=implied_cov,
        implied_mean=implied_mean, groups=tuple(labels), n_obs=dict(zip(labels, np.asarray(counts).tolist())),
        equal=equal, std_lv=std_lv, warnings=tuple(messages),
    )
