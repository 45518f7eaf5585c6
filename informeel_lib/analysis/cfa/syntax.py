"""A parser for the subset of lavaan model syntax that confirmatory factor models need.

Supported (as in lavaan):

* ``f =~ x1 + x2 + x3``            measurement (loading) relations, one factor per line;
* ``x7 ~~ x8``                      (residual) covariances and variances, also between factors;
* modifiers before a variable:      ``1*x1`` (fixed), ``NA*x1`` (free), ``a*x2`` (equality label),
  ``c(a, b)*x2`` / ``c(1, NA)*x2`` (one modifier per group in a multi-group model);
* comments starting with ``#`` or ``!``, several statements on one line separated by ``;``,
  and a right-hand side continued on the next line after a trailing ``+``.

Regressions (``~``), intercept statements (``~1``), defined parameters (``:=``) and
constraints (``==``, ``<``, ``>``) are not part of a CFA and raise :class:`AnalysisError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...errors import AnalysisError

_NAME = re.compile(r"^[A-Za-z_.][A-Za-z0-9_.]*$")
_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


@dataclass(frozen=True)
class Modifier:
    """What a premultiplier says about one parameter in one group.

    ``fixed`` is the fixed value (``None``: not fixed), ``free`` is True for ``NA*`` and
    ``label`` is an equality label (``""``: none).
    """

    fixed: float | None = None
    free: bool = False
    label: str = ""


@dataclass(frozen=True)
class Term:
    """One parsed relation: ``lhs op rhs`` with per-group modifiers.

    ``modifiers`` holds one :class:`Modifier` (applies to every group) or one per group
    (from a ``c(...)`` premultiplier).
    """

    lhs: str
    op: str
    rhs: str
    modifiers: tuple[Modifier, ...] = (Modifier(),)

    def modifier(self, group: int) -> Modifier:
        """The modifier for group ``group`` (0-based)."""
        if len(self.modifiers) == 1:
            return self.modifiers[0]
        if group >= len(self.modifiers):
            raise AnalysisError(
                f"De modifier c(...) bij '{self.lhs} {self.op} {self.rhs}' heeft "
                f"{len(self.modifiers)} waarden, maar het model heeft meer groepen."
            )
        return self.modifiers[group]


def _strip_comments(text: str) -> str:
    lines = []
    for line in text.splitlines():
        cut = min((i for i in (line.find("#"), line.find("!")) if i >= 0), default=-1)
        lines.append(line if cut < 0 else line[:cut])
    return "\n".join(lines)


def _statements(text: str) -> list[str]:
    """Split into statements; a line ending in an operator or '+' continues on the next line."""
    statements: list[str] = []
    buffer = ""
    for raw in _strip_comments(text).replace(";", "\n").splitlines():
        line = raw.strip()
        if not line:
            continue
        if buffer and (buffer.endswith(("+", "=~", "~~", "*")) or line.startswith(("+", "*"))):
            buffer = f"{buffer} {line}"
        else:
            if buffer:
                statements.append(buffer)
            buffer = line
    if buffer:
        statements.append(buffer)
    return statements


def _parse_value(token: str, statement: str) -> Modifier:
    token = token.strip()
    if token in ("NA", "na"):
        return Modifier(free=True)
    if _NUMBER.match(token):
        return Modifier(fixed=float(token))
    if _NAME.match(token):
        return Modifier(label=token)
    raise AnalysisError(f"Onbekende modifier '{token}' in modelregel '{statement}'.")


def _parse_modifiers(text: str, statement: str) -> tuple[Modifier, ...]:
    text = text.strip()
    match = re.fullmatch(r"c\((.*)\)", text)
    if match:
        parts = [p for p in match.group(1).split(",")]
        if not parts or any(not p.strip() for p in parts):
            raise AnalysisError(f"Lege waarde in c(...) in modelregel '{statement}'.")
        return tuple(_parse_value(p, statement) for p in parts)
    return (_parse_value(text, statement),)


def _parse_rhs_term(term: str, statement: str) -> tuple[str, tuple[Modifier, ...]]:
    term = term.strip()
    if not term:
        raise AnalysisError(f"Lege term in modelregel '{statement}'.")
    if "*" in term:
        mod_text, _, name = term.rpartition("*")
        modifiers = _parse_modifiers(mod_text, statement)
    else:
        name, modifiers = term, (Modifier(),)
    name = name.strip()
    if not _NAME.match(name):
        raise AnalysisError(f"Ongeldige variabelenaam '{name}' in modelregel '{statement}'.")
    return name, modifiers


def _split_plus(rhs: str) -> list[str]:
    """Split on '+' outside parentheses."""
    parts, depth, current = [], 0, ""
    for ch in rhs:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "+" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return parts


def parse_model(model) -> list[Term]:
    """Parse lavaan CFA syntax (or a ``{factor: [items]}`` dict) into a list of :class:`Term`.

    Parameters
    ----------
    model : str or dict
        lavaan syntax, e.g. ``"visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6"``, or a
        dict mapping each factor to its items.

    Returns
    -------
    list of Term
        In the order written; a factor's first ``=~`` term is its marker indicator.

    Raises
    ------
    AnalysisError
        For syntax that is not a CFA measurement model, with the offending line quoted.

    Examples
    --------
    >>> [(t.lhs, t.op, t.rhs) for t in parse_model("f =~ a*x1 + x2; x1 ~~ x2")]
    [('f', '=~', 'x1'), ('f', '=~', 'x2'), ('x1', '~~', 'x2')]

    The R equivalent is ``lavaan::lavParseModelString(model)``.
    """
    if isinstance(model, dict):
        if not model:
            raise AnalysisError("Het model is leeg: geef minstens één factor met items.")
        terms = []
        for factor, items in model.items():
            items = [items] if isinstance(items, str) else list(items)
            if not items:
                raise AnalysisError(f"Factor '{factor}' heeft geen items.")
            terms.extend(Term(str(factor), "=~", str(item)) for item in items)
        return terms
    if not isinstance(model, str):
        raise AnalysisError("Het model moet lavaan-syntax (tekst) of een dict {factor: [items]} zijn.")

    terms: list[Term] = []
    for statement in _statements(model):
        for op in ("=~", "~~", ":=", "==", "<", ">", "~"):
            if op in statement:
                break
        else:
            raise AnalysisError(f"Modelregel '{statement}' bevat geen operator (=~ of ~~).")
        if op not in ("=~", "~~"):
            raise AnalysisError(
                f"Modelregel '{statement}': operator '{op}' wordt niet ondersteund in een CFA "
                "(alleen =~ en ~~)."
            )
        lhs, _, rhs = statement.partition(op)
        lhs = lhs.strip()
        if not _NAME.match(lhs):
            raise AnalysisError(f"Ongeldige naam '{lhs}' links in modelregel '{statement}'.")
        if not rhs.strip():
            raise AnalysisError(f"Modelregel '{statement}' heeft niets rechts van '{op}'.")
        for part in _split_plus(rhs):
            name, modifiers = _parse_rhs_term(part, statement)
            terms.append(Term(lhs, op, name, modifiers))
    if not any(t.op == "=~" for t in terms):
        raise AnalysisError("Het model bevat geen factor (geen regel met '=~').")
    return terms


def model_to_syntax(terms: list[Term]) -> str:
    """Write parsed terms back as lavaan syntax (one line per factor / covariance)."""
    lines: dict[tuple[str, str], list[str]] = {}
    for t in terms:
        mods = []
        for m in t.modifiers:
            mods.append("NA" if m.free else (f"{m.fixed:g}" if m.fixed is not None else m.label))
        if all(x == "" for x in mods):
            text = t.rhs
        elif len(mods) == 1:
            text = f"{mods[0]}*{t.rhs}"
        else:
            text = f"c({', '.join(x or 'NA' for x in mods)})*{t.rhs}"
        lines.setdefault((t.lhs, t.op), []).append(text)
    return "\n".join(f"{lhs} {op} {' + '.join(rhs)}" for (lhs, op), rhs in lines.items())
