"""Structural models: regressions among latent and observed variables in the CFA engine.

The model is lavaan's LISREL "all-y" form. Every observed variable that takes part in a
regression (``~``) becomes a *phantom* latent variable with loading 1 on itself and residual
variance 0, so one set of matrices covers measurement and structure:

.. math:: \\Sigma = \\Lambda (I-B)^{-1} \\Psi (I-B)^{-T} \\Lambda' + \\Theta, \\qquad
          \\mu = \\nu + \\Lambda (I-B)^{-1} \\alpha

with ``B[j, k]`` the regression of variable j on variable k. The defaults are those of
``lavaan::sem()`` (0.6): first loading fixed to 1 (or ``std_lv``), residual variances free,
covariances free among exogenous latent variables (``auto.cov.lv.x``) and among the
residuals of pure outcomes (variables regressed but predicting nothing, ``auto.cov.y``), and
exogenous observed covariates fixed at their sample (co)variances and means (``fixed.x``), as
lavaan does; they are not free parameters and count neither in ``npar`` nor in the degrees of
freedom.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ...errors import AnalysisError
from .defined import DefinedParameter, parse_defined, parse_equality
from .engine import _Engine
from .specification import _ALPHA, _LAMBDA, _NU, _PSI, _THETA, _equal_applies, _Spec
from .syntax import Term, _parse_rhs_term, _split_plus, _statements

__all__ = ["SEM_EQUAL_OPTIONS", "SemModel", "StructuralEngine", "StructuralSpec", "build_structural_spec",
           "parse_sem_model"]

#: kind of a regression coefficient B[j, k] in the parameter table (after the CFA kinds 0-4)
_BETA = 5

#: group.equal options of sem(): those of cfa() plus the regression coefficients
SEM_EQUAL_OPTIONS = ("loadings", "intercepts", "residuals", "residual.covariances", "lv.variances",
                     "lv.covariances", "regressions", "means")


# --------------------------------------------------------------------------------------------
# syntax
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SemModel:
    """A parsed SEM: relations (``=~``, ``~``, ``~~``), defined parameters and label equalities."""

    terms: tuple[Term, ...]
    defined: tuple[DefinedParameter, ...]
    equalities: tuple[tuple[str, str], ...]

    @property
    def aliases(self) -> dict:
        """Label -> the label whose parameter it shares (from ``a == b``)."""
        return _aliases(self.terms, self.equalities)


def _relation(statement: str) -> str:
    for op in ("=~", "~~", "<", ">", "~"):
        if op in statement:
            return op
    raise AnalysisError(f"Modelregel '{statement}' bevat geen operator (=~, ~, ~~, := of ==).")


def parse_sem_model(model: str) -> SemModel:
    """Parse lavaan ``sem()`` syntax.

    Supported: ``=~`` (measurement), ``~`` (regression, among latent and observed variables),
    ``~~`` ((residual) (co)variances), modifiers as in :func:`~.syntax.parse_model` (fixed
    values, ``NA``, labels, ``c(...)`` per group), ``name := expression`` (defined parameters)
    and ``a == b`` (two labelled parameters equal).

    Raises
    ------
    AnalysisError
        For intercept statements (``~ 1``), inequality constraints and invalid syntax, quoting
        the line.

    Examples
    --------
    >>> m = parse_sem_model("f =~ x1 + x2 + x3; y ~ a*f; ind := a*2")
    >>> [(t.lhs, t.op, t.rhs) for t in m.terms][-1], m.defined[0].name
    (('y', '~', 'f'), 'ind')

    R: ``lavaan::lavParseModelString(model)``.
    """
    if not isinstance(model, str):
        raise AnalysisError("Het model van sem() moet lavaan-syntax (tekst) zijn.")
    terms: list[Term] = []
    defined: list[DefinedParameter] = []
    equalities: list[tuple[str, str]] = []
    for statement in _statements(model):
        if ":=" in statement:
            defined.append(parse_defined(statement))
            continue
        if "==" in statement:
            equalities.append(parse_equality(statement))
            continue
        op = _relation(statement)
        if op in ("<", ">"):
            raise AnalysisError(f"Modelregel '{statement}': ongelijkheidsrestricties worden niet ondersteund.")
        lhs, _, rhs = statement.partition(op)
        lhs = lhs.strip()
        _check_name(lhs, statement)
        if not rhs.strip():
            raise AnalysisError(f"Modelregel '{statement}' heeft niets rechts van '{op}'.")
        for part in _split_plus(rhs):
            if part.strip().rpartition("*")[2].strip() in ("1", "0"):
                raise AnalysisError(
                    f"Modelregel '{statement}': intercepten en gemiddelden ('~ 1') worden niet ondersteund.")
            name, modifiers = _parse_rhs_term(part, statement)
            terms.append(Term(lhs, op, name, modifiers))
    if not any(t.op in ("=~", "~") for t in terms):
        raise AnalysisError("Het model bevat geen factor ('=~') en geen regressie ('~').")
    names = [d.name for d in defined]
    if len(set(names)) < len(names):
        raise AnalysisError(f"Een gedefinieerde parameter staat twee keer in het model: {', '.join(names)}.")
    model = SemModel(tuple(terms), tuple(defined), tuple(equalities))
    _ = model.aliases  # the property checks that every label in an equality exists
    _check_defined_names(model)
    return model


def _check_defined_names(model: SemModel) -> None:
    """Every name in a ``:=`` expression is a label or an earlier defined parameter."""
    known = {m.label for t in model.terms for m in t.modifiers if m.label}
    for d in model.defined:
        unknown = [n for n in d.names if n not in known]
        if unknown:
            raise AnalysisError(
                f"'{d.name} := {d.expression}': {', '.join(unknown)} is geen label van een parameter in het model "
                "en geen eerder gedefinieerde parameter.")
        known.add(d.name)


def _check_name(name: str, statement: str) -> None:
    if not name or not (name[0].isalpha() or name[0] in "_.") or not all(ch.isalnum() or ch in "_." for ch in name):
        raise AnalysisError(f"Ongeldige naam '{name}' links in modelregel '{statement}'.")


def _aliases(terms, equalities) -> dict:
    """``a == b``: the parameters labelled ``b`` share the parameter of ``a`` (the same model)."""
    known = {m.label for t in terms for m in t.modifiers if m.label}
    alias: dict[str, str] = {}
    for a, b in equalities:
        for label in (a, b):
            if label not in known:
                raise AnalysisError(f"'{a} == {b}': '{label}' is geen label van een parameter in het model.")
        root_a, root_b = _root(alias, a), _root(alias, b)
        if root_a != root_b:
            alias[root_b] = root_a
    return alias


def _root(alias: dict, label: str) -> str:
    while label in alias:
        label = alias[label]
    return label


# --------------------------------------------------------------------------------------------
# specification
# --------------------------------------------------------------------------------------------
@dataclass
class StructuralSpec:
    """The parameter table of a SEM plus what the result needs to present it as lavaan does.

    ``spec`` is the engine's table (latent list = latent variables followed by phantoms);
    ``visible`` marks the rows lavaan reports (not the phantoms' unit loadings and zero means);
    ``display`` is each row's ``(lhs, op, rhs)``; ``exogenous`` the indices (into
    ``spec.observed``) of the covariates fixed at their sample moments.
    """

    spec: _Spec
    visible: np.ndarray
    display: list
    exogenous: list
    latent: list
    phantom: list


def _classify(terms: list[Term]) -> tuple[list[str], list[str], list[str], list[str]]:
    """Observed, latent, phantom (observed in the structural part) and fixed-x variables."""
    latent = list(dict.fromkeys(t.lhs for t in terms if t.op == "=~"))
    observed = []
    for t in terms:
        for name in ([t.rhs] if t.op == "=~" else [t.lhs, t.rhs]):
            if name not in latent and name not in observed:
                observed.append(name)
    indicators = {t.rhs for t in terms if t.op == "=~"}
    for t in terms:
        if t.op == "=~" and t.rhs in latent:
            raise AnalysisError(f"Factor '{t.rhs}' is indicator van '{t.lhs}': hogere-ordemodellen worden niet "
                                "ondersteund.")
    phantom = [v for v in observed if any(t.op == "~" and v in (t.lhs, t.rhs) for t in terms)]
    changed = True
    while changed:  # a covariance with a latent or phantom variable makes an observed one phantom
        changed = False
        for t in terms:
            if t.op != "~~" or t.lhs == t.rhs:
                continue
            pair = {t.lhs, t.rhs}
            structural = set(latent) | set(phantom)
            if pair & structural and not pair <= structural:
                phantom += [v for v in (t.lhs, t.rhs) if v not in structural]
                changed = True
    clash = [v for v in phantom if v in indicators]
    if clash:
        raise AnalysisError(f"Item(s) {', '.join(clash)} staan zowel onder een factor als in een regressie; "
                            "dat wordt niet ondersteund. Gebruik de factor in de regressie.")
    outcomes = {t.lhs for t in terms if t.op == "~"}
    in_covariance = {v for t in terms if t.op == "~~" for v in (t.lhs, t.rhs)}
    fixed_x = [v for v in phantom if v not in outcomes and v not in in_covariance]
    return observed, latent, phantom, fixed_x


class _Rows:
    """Collects parameter-table rows (kind, group, row, col, free, value, label, key, visible, display)."""

    def __init__(self, equal: tuple[str, ...], aliases: dict):
        self.rows: list[tuple] = []
        self.equal = equal
        self.aliases = aliases

    def add(self, kind, g, r, c, display, mod=None, default_fixed=None, visible=True):
        if kind in (_THETA, _PSI) and r < c:
            r, c = c, r
        label = mod.label if mod is not None else ""
        if mod is not None and mod.fixed is not None:
            fixed = mod.fixed
        elif default_fixed is not None and not (mod is not None and mod.free):
            fixed = default_fixed
        else:
            fixed = None
        if fixed is not None:
            self.rows.append((kind, g, r, c, False, fixed, label, None, visible, display))
            return
        if label:
            key = ("label", _root(self.aliases, label))
        elif _equal_applies_sem(kind, r, c, self.equal):
            key = ("equal", kind, r, c)
        else:
            key = ("free", g, kind, r, c)
        self.rows.append((kind, g, r, c, True, math.nan, label, key, visible, display))


def _equal_applies_sem(kind: int, r: int, c: int, equal: tuple[str, ...]) -> bool:
    if kind == _BETA:
        return "regressions" in equal
    return _equal_applies(kind, r, c, equal)


def build_structural_spec(terms: list[Term], samples, *, std_lv: bool, equal: tuple[str, ...],
                          aliases: dict | None = None) -> StructuralSpec:
    """The parameter table of a SEM (one row per matrix element per group), lavaan's defaults.

    ``samples`` (per group the sample covariance matrix and mean vector, over the observed
    variables in order of :func:`_classify`) give the fixed values of the exogenous covariates;
    ``aliases`` (:attr:`SemModel.aliases`) makes labels share one parameter.
    """
    observed, latent, phantom, fixed_x = _classify(terms)
    eta = latent + phantom
    ov = {v: i for i, v in enumerate(observed)}
    ev = {v: j for j, v in enumerate(eta)}
    n_groups = len(samples)
    meanstructure = n_groups > 1
    outcomes = list(dict.fromkeys(t.lhs for t in terms if t.op == "~"))
    predictors = {t.rhs for t in terms if t.op == "~"}
    exo_latent = [v for v in latent if v not in outcomes]
    pure_outcomes = [v for v in outcomes if v not in predictors]
    rows = _Rows(equal, aliases or {})
    for g, (s, ybar) in enumerate(samples):
        user: set = set()
        seen_first: set = set()
        for t in terms:
            mod = t.modifier(g)
            if t.op == "=~":
                key = (_LAMBDA, ov[t.rhs], ev[t.lhs])
                first = t.lhs not in seen_first
                seen_first.add(t.lhs)
                rows.add(_LAMBDA, g, ov[t.rhs], ev[t.lhs], (t.lhs, "=~", t.rhs), mod,
                         1.0 if (first and not std_lv) else None)
            elif t.op == "~":
                key = (_BETA, ev[t.lhs], ev[t.rhs])
                rows.add(_BETA, g, ev[t.lhs], ev[t.rhs], (t.lhs, "~", t.rhs), mod)
            else:
                kind, idx = (_PSI, ev) if t.lhs in ev else (_THETA, ov)
                r, c = max(idx[t.lhs], idx[t.rhs]), min(idx[t.lhs], idx[t.rhs])
                key = (kind, r, c)
                default = 1.0 if (kind == _PSI and r == c and t.lhs in latent and _std_fixed(std_lv, g,
                                                                                             equal)) else None
                rows.add(kind, g, r, c, (t.lhs, "~~", t.rhs), mod, default)
            if key in user:
                raise AnalysisError(f"'{t.lhs} {t.op} {t.rhs}' staat twee keer in het model.")
            user.add(key)
        _auto_rows(rows, g, user, s, ybar, observed, latent, phantom, fixed_x, exo_latent, pure_outcomes,
                   std_lv=std_lv, meanstructure=meanstructure)
    return _assemble(rows, observed, eta, latent, phantom, [ov[v] for v in fixed_x], n_groups, meanstructure)


def _std_fixed(std_lv: bool, g: int, equal: tuple[str, ...]) -> bool:
    """std_lv fixes latent variances to 1; with equal loadings only in the first group (lavaan)."""
    return std_lv and not (g > 0 and "loadings" in equal)


def _auto_rows(rows: _Rows, g, user, s, ybar, observed, latent, phantom, fixed_x, exo_latent, pure_outcomes, *,
               std_lv, meanstructure) -> None:
    """lavaan's automatic parameters for group ``g`` (the ones the user did not write)."""
    ov = {v: i for i, v in enumerate(observed)}
    eta = latent + phantom
    ev = {v: j for j, v in enumerate(eta)}
    for v in phantom:  # unit loading, zero residual (template), hidden
        rows.add(_LAMBDA, g, ov[v], ev[v], (v, "=~", v), default_fixed=1.0, visible=False)
    for v in observed:
        if v not in phantom and (_THETA, ov[v], ov[v]) not in user:
            rows.add(_THETA, g, ov[v], ov[v], (v, "~~", v))
    for v in eta:
        j = ev[v]
        if (_PSI, j, j) in user:
            continue
        if v in fixed_x:
            rows.add(_PSI, g, j, j, (v, "~~", v), default_fixed=float(s[ov[v], ov[v]]))
        else:
            fixed = 1.0 if (v in latent and _std_fixed(std_lv, g, rows.equal)) else None
            rows.add(_PSI, g, j, j, (v, "~~", v), default_fixed=fixed)
    for group_vars in (exo_latent, pure_outcomes):
        for a_i, a in enumerate(group_vars):
            for b in group_vars[a_i + 1:]:
                r, c = max(ev[a], ev[b]), min(ev[a], ev[b])
                if (_PSI, r, c) not in user:
                    rows.add(_PSI, g, r, c, (a, "~~", b))
    for a_i, a in enumerate(fixed_x):
        for b in fixed_x[a_i + 1:]:
            r, c = max(ev[a], ev[b]), min(ev[a], ev[b])
            rows.add(_PSI, g, r, c, (a, "~~", b), default_fixed=float(s[ov[a], ov[b]]))
    if not meanstructure:
        return
    for v in observed:
        if v in fixed_x:
            rows.add(_NU, g, ov[v], 0, (v, "~1", ""), default_fixed=0.0, visible=False)
        else:
            rows.add(_NU, g, ov[v], 0, (v, "~1", ""))
    for v in eta:
        if v in fixed_x:
            rows.add(_ALPHA, g, ev[v], 0, (v, "~1", ""), default_fixed=float(ybar[ov[v]]))
        elif v in phantom:
            rows.add(_ALPHA, g, ev[v], 0, (v, "~1", ""), default_fixed=0.0, visible=False)
        else:
            free_mean = g > 0 and "intercepts" in rows.equal and "means" not in rows.equal
            rows.add(_ALPHA, g, ev[v], 0, (v, "~1", ""), default_fixed=None if free_mean else 0.0)


def _assemble(rows: _Rows, observed, eta, latent, phantom, exogenous, n_groups, meanstructure) -> StructuralSpec:
    keys: dict = {}
    xidx = [keys.setdefault(r[7], len(keys)) if r[4] else -1 for r in rows.rows]
    arr = np.array([r[:4] for r in rows.rows], dtype=int)
    spec = _Spec(
        observed=observed, latent=eta, n_groups=n_groups, meanstructure=meanstructure,
        kind=arr[:, 0], group=arr[:, 1], row=arr[:, 2], col=arr[:, 3],
        xidx=np.array(xidx, dtype=int), value=np.array([r[5] for r in rows.rows], dtype=float),
        label=[r[6] for r in rows.rows], n_free=len(keys),
    )
    return StructuralSpec(spec=spec, visible=np.array([r[8] for r in rows.rows], dtype=bool),
                          display=[r[9] for r in rows.rows], exogenous=exogenous, latent=latent, phantom=phantom)


# --------------------------------------------------------------------------------------------
# engine
# --------------------------------------------------------------------------------------------
class StructuralEngine(_Engine):
    """The CFA engine with a regression matrix B (matrix index 5 = ``_BETA``).

    With :math:`A = (I-B)^{-1}`, :math:`L = \\Lambda A` and :math:`V = A\\Psi A'` every derivative of
    Σ keeps the form a b' + b a': loading λ_ij: a = e_i, b = (ΛV)_{.j}; ψ_jk: a = L_{.j},
    b = L_{.k}; β_jk: a = L_{.j}, b = (ΛV)_{.k}; θ as in the CFA. Mean derivatives:
    ∂μ/∂λ_ij = e_i (Aα)_j, ∂μ/∂α_j = L_{.j}, ∂μ/∂β_jk = L_{.j} (Aα)_k.
    """

    def _templates(self, p: int, m: int) -> list:
        return super()._templates(p, m) + [np.zeros((m, m))]

    @staticmethod
    def _reduced(mats):
        lam, theta, psi, nu, alpha, beta = mats
        a = np.linalg.inv(np.eye(len(beta)) - beta) if beta.any() else np.eye(len(beta))
        return lam @ a, a @ psi @ a.T, a @ alpha

    def moments(self, mats):
        lam, theta, psi, nu, alpha, beta = mats
        big_l, v, mean_eta = self._reduced(mats)
        return big_l @ psi @ big_l.T + theta, nu + big_l @ alpha

    def latent_moments(self, x, g):
        """Model-implied covariance matrix and means of all latent (and phantom) variables."""
        _, v, mean_eta = self._reduced(self.matrices(x, g))
        return v, mean_eta

    def _ab(self, mats, kind, row, col):
        lam = mats[0]
        big_l, v, mean_eta = self._reduced(mats)
        cfa_kinds = kind != _BETA
        a, b, dmu = super()._ab([big_l, mats[1], mats[2], mats[3], mats[4]], kind, row, col)
        # the base class used L for Λ: correct the loading rows (a = e_i, b = (ΛV)_.j; dμ = e_i (Aα)_j)
        lv = lam @ v
        eye = np.eye(lam.shape[0])
        sel = kind == _LAMBDA
        if sel.any():
            b[sel] = lv[:, col[sel]].T
            dmu[sel] = eye[row[sel]] * mean_eta[col[sel]][:, None]
        sel = ~cfa_kinds
        if sel.any():
            a[sel] = big_l[:, row[sel]].T
            b[sel] = lv[:, col[sel]].T
            dmu[sel] = big_l[:, row[sel]].T * mean_eta[col[sel]][:, None]
        return a, b, dmu
