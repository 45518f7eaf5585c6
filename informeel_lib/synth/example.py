"""A small, fast example survey for docstring examples and first experiments.

:func:`generate_network` simulates the whole learning network with known truth (seconds to minutes);
:func:`example_survey` draws one round of a few hundred respondents from a plain factor model in
milliseconds, with every item of the codebook, so each docstring example can run on it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..codebook import Codebook, load_codebook


def example_survey(n: int = 300, *, seed: int = 0, codebook: Codebook | None = None) -> pd.DataFrame:
    """One synthetic round in the processed format: background columns and every codebook item.

    Parameters
    ----------
    n : int
        Respondents, spread over the codebook's organisations and four teams each.
    seed : int
        Seed of the random generator (the same seed gives the same data).
    codebook : Codebook, optional
        Scales, items, organisations and roles to use; default the packaged demo codebook.

    Returns
    -------
    DataFrame
        Columns ``respondent, round, organisation, team, role`` and one integer column per item,
        on its scale's response scale. Each scale is a latent variable (correlated 0.3 with the
        others, with a team effect of ICC about 0.1) measured by its items with loadings 0.6-0.8;
        items marked reversed are reverse keyed.

    Examples
    --------
    >>> df = example_survey(200, seed=1)
    >>> df.shape[0], df["organisation"].nunique()
    (200, 6)
    """
    cb = codebook or load_codebook()
    rng = np.random.default_rng(seed)
    orgs = [o.code for o in cb.organisations]
    org = rng.integers(0, len(orgs), n)
    team = org * 4 + rng.integers(0, 4, n)
    team_effect = rng.normal(0, 0.35, len(orgs) * 4)
    common = rng.normal(size=n)
    frame = {
        "respondent": [f"p-{i:012x}" for i in range(n)],
        "round": "2022-05",
        "organisation": [orgs[o] for o in org],
        "team": [f"team {t % 4 + 1}" for t in team],
        "role": [cb.roles[i].code for i in rng.integers(0, len(cb.roles), n)],
    }
    for code, scale in cb.scales.items():
        latent = np.sqrt(0.3) * common + team_effect[team] + np.sqrt(0.6) * rng.normal(size=n)
        lo, hi = cb.item_range(code)  # each scale on its own response scale (a codebook may mix them)
        mid, spread = (lo + hi) / 2, (hi - lo) / 4
        for item in scale.items:
            loading = rng.uniform(0.6, 0.8)
            answer = mid + 0.3 + spread * (loading * latent + np.sqrt(1 - loading**2) * rng.normal(size=n))
            if item.reverse:
                answer = lo + hi - answer
            frame[item.code] = np.clip(np.rint(answer), lo, hi).astype(int)
    return pd.DataFrame(frame)
