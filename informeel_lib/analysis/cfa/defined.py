"""Defined parameters (lavaan ``:=``) and simple equality constraints (``==``) of a SEM.

A defined parameter is a function of labelled model parameters, e.g. the indirect effect
``ind := a*b`` or the total effect ``total := c + a*b``. Expressions may use numbers, labels,
earlier defined parameters, ``+ - * / **``, parentheses and ``sqrt``, ``exp``, ``log``; they are
parsed into a small expression tree and evaluated without ``eval``. Standard errors follow from
the delta method with an exact (complex-step) Jacobian.
"""

from __future__ import annotations

import ast
import cmath
import re
from dataclasses import dataclass

import numpy as np

from ...errors import AnalysisError

__all__ = ["DefinedParameter", "parse_defined", "parse_equality", "evaluate_defined", "defined_jacobian"]

_FUNCTIONS = {"sqrt": cmath.sqrt, "exp": cmath.exp, "log": cmath.log}
_NAME = re.compile(r"^[A-Za-z_.][A-Za-z0-9_.]*$")
_BINARY = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
           ast.Div: lambda a, b: a / b, ast.Pow: lambda a, b: a ** b}


@dataclass(frozen=True)
class DefinedParameter:
    """One ``name := expression`` statement; ``names`` are the labels and defined names it uses."""

    name: str
    expression: str
    tree: ast.AST
    names: tuple[str, ...]

    def value(self, values: dict) -> complex:
        """The expression evaluated with ``values`` (label or defined name -> number)."""
        return _evaluate(self.tree, values, self)


def _python_names(expression: str) -> tuple[str, dict[str, str]]:
    """lavaan names may contain dots; map them to Python identifiers for ast."""
    mapping: dict[str, str] = {}

    def to_python(match):
        name = match.group(0)
        python = name.replace(".", "__dot__")
        mapping[python] = name
        return python

    return re.sub(r"(?<![0-9A-Za-z_.])(?:[A-Za-z_]|\.[A-Za-z_])[A-Za-z0-9_.]*", to_python, expression), mapping


def parse_defined(statement: str) -> DefinedParameter:
    """Parse ``name := expression``.

    Raises
    ------
    AnalysisError
        When the name is invalid or the expression uses anything other than numbers, names,
        arithmetic and ``sqrt``/``exp``/``log``.

    Examples
    --------
    >>> d = parse_defined("ind := a*b")
    >>> d.name, d.names, d.value({"a": 2.0, "b": 3.0}).real
    ('ind', ('a', 'b'), 6.0)
    """
    name, _, expression = statement.partition(":=")
    name, expression = name.strip(), expression.strip()
    if not _NAME.match(name):
        raise AnalysisError(f"Ongeldige naam '{name}' links van ':=' in modelregel '{statement}'.")
    if not expression:
        raise AnalysisError(f"Modelregel '{statement}' heeft geen uitdrukking rechts van ':='.")
    text, mapping = _python_names(expression)
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError:
        raise AnalysisError(f"De uitdrukking '{expression}' in modelregel '{statement}' is geen geldige "
                            "formule.") from None
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if not (isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS and len(node.args) == 1
                    and not node.keywords):
                raise AnalysisError(
                    f"Modelregel '{statement}': alleen de functies {', '.join(_FUNCTIONS)} zijn toegestaan.")
        elif isinstance(node, ast.Name):
            if node.id not in _FUNCTIONS and mapping.get(node.id, node.id) not in names:
                names.append(mapping.get(node.id, node.id))
        elif not isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Constant, ast.Load, ast.USub, ast.UAdd,
                                   *_BINARY)):
            raise AnalysisError(
                f"Modelregel '{statement}': alleen getallen, labels, + - * / ** en haakjes zijn toegestaan.")
        if isinstance(node, ast.Constant) and not isinstance(node.value, (int, float)):
            raise AnalysisError(f"Modelregel '{statement}': '{node.value}' is geen getal.")
    return DefinedParameter(name=name, expression=expression, tree=tree, names=tuple(names))


def _evaluate(node, values: dict, parameter: DefinedParameter):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        key = node.id.replace("__dot__", ".")
        if key not in values:
            raise AnalysisError(
                f"'{key}' in '{parameter.name} := {parameter.expression}' is geen label van het model "
                "en geen eerder gedefinieerde parameter.")
        return values[key]
    if isinstance(node, ast.UnaryOp):
        inner = _evaluate(node.operand, values, parameter)
        return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](_evaluate(node.left, values, parameter),
                                      _evaluate(node.right, values, parameter))
    return _FUNCTIONS[node.func.id](_evaluate(node.args[0], values, parameter))


def parse_equality(statement: str) -> tuple[str, str]:
    """Parse ``label1 == label2`` (both plain labels) into the pair of labels.

    Only equality of two labels is supported; it is the same model as giving both parameters
    the same label. Other constraints (``a == 2*b``, ``<``, ``>``) raise :class:`AnalysisError`.
    """
    lhs, _, rhs = statement.partition("==")
    lhs, rhs = lhs.strip(), rhs.strip()
    if not (_NAME.match(lhs) and _NAME.match(rhs)):
        raise AnalysisError(
            f"Modelregel '{statement}': alleen gelijkheid van twee labels (a == b) wordt ondersteund; "
            "geef de parameters anders hetzelfde label.")
    return lhs, rhs


def evaluate_defined(defined: list[DefinedParameter], values: dict) -> dict:
    """Evaluate the defined parameters in order (later ones may use earlier ones)."""
    scope = dict(values)
    out = {}
    for d in defined:
        scope[d.name] = out[d.name] = d.value(scope)
    return out


def defined_jacobian(defined: list[DefinedParameter], x: np.ndarray, label_index: dict) -> tuple[np.ndarray,
                                                                                                 np.ndarray]:
    """Values and Jacobian (defined x free parameters) of the defined parameters at ``x``.

    ``label_index`` maps each label to its index in ``x``. The Jacobian is exact up to rounding
    (complex step: ``Im f(x + ih e_k) / h`` with h = 1e-30), for the analytic expressions allowed.
    """
    def values_at(z):
        return evaluate_defined(defined, {label: z[i] for label, i in label_index.items()})

    est = np.array([complex(v).real for v in values_at(x.astype(complex)).values()])
    used = sorted({label_index[n] for d in defined for n in d.names if n in label_index})
    jac = np.zeros((len(defined), len(x)))
    h = 1e-30
    for k in used:
        z = x.astype(complex)
        z[k] += 1j * h
        jac[:, k] = [complex(v).imag / h for v in values_at(z).values()]
    return est, jac
