"""Confirmatory factor analysis and measurement invariance, split by stage as lavaan is:
:mod:`.syntax` (model syntax) -> :mod:`.specification` (parameter table) -> :mod:`.engine` (implied moments,
discrepancy, information) -> :mod:`.optimiser` -> :mod:`.fit` (fit indices, standardised solution,
modification indices) -> :mod:`.result`; :mod:`.estimate` is the entry point :func:`cfa`, and
:mod:`.invariance` fits the invariance sequence. Structural equation models reuse the engine:
:mod:`.structural` (regressions, lavaan's sem defaults, the engine with a B matrix),
:mod:`.defined` (``:=`` parameters) and :mod:`.sem` (the entry point :func:`sem`)."""

from .estimate import cfa
from .invariance import invariance
from .result import CFAResult
from .sem import SEMResult, sem
from .specification import EQUAL_OPTIONS, LEVELS, MAX_SECONDS, CFAWarning, NonConvergenceError
from .syntax import parse_model

__all__ = ["CFAResult", "CFAWarning", "EQUAL_OPTIONS", "LEVELS", "MAX_SECONDS", "NonConvergenceError", "cfa",
           "invariance", "parse_model", "SEMResult", "sem"]
