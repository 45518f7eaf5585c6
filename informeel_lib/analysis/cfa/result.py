"""The CFA result object."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ...errors import AnalysisError
from ...nl import number, p_value


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
        :func:`~informeel_lib.analysis.factors.efa`'s; 0 where an item does not load on a factor.
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
        return fit_frame(self.fit)

    def __repr__(self) -> str:
        f = self.fit
        if f["df"] == 0:
            p_text = "verzadigd model"
        else:
            p_text = p_value(f["p"])
        lo, hi = f["rmsea_ci"]
        groups = "" if len(self.groups) == 1 else f", {len(self.groups)} groepen"
        eq = f", gelijk: {', '.join(self.equal)}" if self.equal else ""
        n_factors = len(self.loading_table.index.get_level_values("factor").unique())
        n_items = len(self.loading_table.index.get_level_values("item").unique())
        lines = [
            f"CFAResult({f.get('estimator', 'ML')}, N = {f['n']}{groups}{eq}; {n_factors} factoren, {n_items} items, "
            f"{f['npar']} parameters{'' if f['converged'] else '; NIET GECONVERGEERD'})",
            f"  χ²({f['df']}) = {number(f['chi2'], 3)}, {p_text}; CFI = {number(f['cfi'], 3)}, TLI = "
            f"{number(f['tli'], 3)}, "
            f"RMSEA = {number(f['rmsea'], 3)} [{number(lo, 3)}; {number(hi, 3)}], SRMR = {number(f['srmr'], 3)}",
        ]
        if "chi2_scaled" in f:
            p_scaled = p_value(f["p_scaled"])
            kind = "Yuan-Bentler" if f.get("estimator") == "MLR" else "scaled-shifted"
            lines.append(f"  geschaald ({kind}): χ²({f['df_scaled']}) = {number(f['chi2_scaled'], 3)}, {p_scaled}; "
                         f"CFI = {number(f['cfi_scaled'], 3)}, TLI = {number(f['tli_scaled'], 3)}, "
                         f"RMSEA = {number(f['rmsea_scaled'], 3)}")
        lines += [f"  let op: {w}" for w in self.warnings]
        return "\n".join(lines)


def fit_frame(fit: dict) -> pd.DataFrame:
    """The fit indices of a CFA or SEM result as a one-row DataFrame."""
    row = {k: fit[k] for k in ("chi2", "df", "p", "cfi", "tli", "rmsea")}
    row["rmsea_ci_lower"], row["rmsea_ci_upper"] = fit["rmsea_ci"]
    row.update({k: fit[k] for k in ("srmr", "aic", "bic", "n", "npar")})
    return pd.DataFrame([row], index=pd.Index(["model"], name="model"))
