"""Comparison of a multigroup CFA's parameters with lavaan's ``parameterEstimates`` (read from the R JSON)."""

import numpy as np
import pandas as pd


def assert_multigroup_parameters_match(res, ref: dict, *, est_atol: float = 1e-3, se_rtol: float = 1e-3) -> None:
    """Every loading, (co)variance and intercept lavaan reports for each group equals ours.

    ``ref`` holds lavaan's ``params`` (lhs, op, rhs, group as 1-based number, est, se) and ``groups`` (names in
    lavaan's order). A covariance may be listed by lavaan as ``b ~~ a`` where ours is ``a ~~ b``; an intercept
    has an empty ``rhs``. Standard errors are compared where lavaan's is positive (free parameters).
    """
    theirs = pd.DataFrame(ref["params"])
    theirs = theirs[theirs["op"].isin(["=~", "~~", "~1"])]
    theirs = theirs.assign(group=[ref["groups"][g - 1] for g in theirs["group"]])
    ours = res.parameters.copy()
    ours.loc[ours["op"] == "~1", "rhs"] = ""
    swapped = ours.rename(columns={"lhs": "rhs", "rhs": "lhs"})
    ours = pd.concat([ours, swapped[(swapped["op"] == "~~") & (swapped["lhs"] != swapped["rhs"])]])
    m = theirs.merge(ours, on=["lhs", "op", "rhs", "group"], suffixes=("_r", ""))
    assert len(m) == len(theirs)
    np.testing.assert_allclose(m["est"], m["est_r"], atol=est_atol)
    free = m["se_r"] > 0
    np.testing.assert_allclose(m.loc[free, "se"], m.loc[free, "se_r"], rtol=se_rtol)
