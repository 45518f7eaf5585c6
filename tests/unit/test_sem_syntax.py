"""Parsing of sem() syntax: regressions, defined parameters (:=) and label equalities (==)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from informeel_lib.analysis.cfa.defined import defined_jacobian, evaluate_defined, parse_defined
from informeel_lib.analysis.cfa.structural import _classify, parse_sem_model
from informeel_lib.errors import AnalysisError


def test_defined_expression_with_dotted_names_numbers_and_functions():
    d = parse_defined("ind.x := a.1*b + .5*sqrt(c) - 1e-1")
    assert d.names == ("a.1", "b", "c")
    assert d.value({"a.1": 2.0, "b": 3.0, "c": 4.0}) == pytest.approx(6 + 1 - 0.1)


def test_later_defined_parameters_use_earlier_ones():
    defs = [parse_defined("ind := a*b"), parse_defined("total := c + ind"), parse_defined("share := ind/total")]
    values = evaluate_defined(defs, {"a": 0.5, "b": 0.4, "c": 0.3})
    assert values["share"] == pytest.approx(0.2 / 0.5)


def test_jacobian_is_exact_for_products_and_ratios():
    defs = [parse_defined("ind := a*b"), parse_defined("ratio := a*b/(c + a*b)")]
    x = np.array([0.5, 0.4, 0.3])
    est, jac = defined_jacobian(defs, x, {"a": 0, "b": 1, "c": 2})
    a, b, c = x
    assert est == pytest.approx([a * b, a * b / (c + a * b)])
    np.testing.assert_allclose(jac[0], [b, a, 0.0], rtol=1e-12)
    total = c + a * b
    np.testing.assert_allclose(jac[1], [b * c / total**2, a * c / total**2, -a * b / total**2], rtol=1e-10)


@pytest.mark.parametrize("statement", ["ind := a*", "ind := open('x')", "ind := a if b else c", "1x := a",
                                       "ind := 'tekst'"])
def test_invalid_defined_parameters_are_refused(statement):
    with pytest.raises(AnalysisError):
        parse_defined(statement)


def test_regressions_equalities_and_classification():
    model = parse_sem_model("""
        f =~ x1 + x2 + x3   # measurement
        g =~ x4 + x5 + x6
        g ~ a*f + age
        y ~ b*g + f; z ~ age
        a == b
        ind := a*b
    """)
    assert [(t.lhs, t.op, t.rhs) for t in model.terms if t.op == "~"] == [
        ("g", "~", "f"), ("g", "~", "age"), ("y", "~", "g"), ("y", "~", "f"), ("z", "~", "age")]
    assert model.aliases == {"b": "a"}
    observed, latent, phantom, fixed_x = _classify(list(model.terms))
    assert latent == ["f", "g"]
    assert phantom == ["age", "y", "z"]
    assert fixed_x == ["age"]
    assert math.isclose(model.defined[0].value({"a": 2.0, "b": 2.0}).real, 4.0)


def test_duplicate_defined_names_are_refused():
    with pytest.raises(AnalysisError, match="twee keer"):
        parse_sem_model("f =~ x1 + x2 + x3\ny ~ a*f\nind := a\nind := 2*a")
