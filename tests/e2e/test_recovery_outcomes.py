"""Recovery of the synthetic network's outcome truths: structural effects and change in the same people.

The generator's structural equations (``DUUR = .30 IWL``, ``BIND = .25 IWL + .20 LEID``; latent,
unit variances) must lie inside the 95% intervals of the standardised effects of a latent SEM on
the items of one round, and the generator's cross-lagged panel effects (:func:`panel_truth`, the
population value of what the model estimates) inside the intervals of :func:`cross_lagged` on the
respondents matched over two rounds.
"""

from __future__ import annotations

import warnings

import pytest

import informeel_lib as il
from informeel_lib.analysis.panel import cross_lagged
from informeel_lib.synth import model as synth_model
from informeel_lib.synth.model import panel_truth


@pytest.fixture(scope="module")
def network():
    return il.generate_network(seed=2021)


def latent_model(cb) -> str:
    research = cb.research_model
    scales = [*research.predictors, research.outcome, *research.further_outcomes]
    lines = [f"{s} =~ {' + '.join(cb.scales[s].item_codes)}" for s in scales]
    lines += [f"{research.outcome} ~ {' + '.join(research.predictors)}", "DUUR ~ IWL", "BIND ~ IWL + LEID"]
    return "\n".join(lines)


def test_structural_effects_inside_their_95_percent_intervals(network):
    """Each round separately (535 respondents each): every true effect lies inside its 95% interval in
    at least two of the three rounds and at most one of the nine intervals misses (each interval misses
    in 5% of samples; with seed 2021, DUUR ~ IWL in round 2021-11 misses by .004: [.304; .488])."""
    cb = il.load_codebook()
    truth = {("DUUR", "IWL"): synth_model.DUUR_ON_IWL, ("BIND", "IWL"): synth_model.BIND_ON_IWL,
             ("BIND", "LEID"): synth_model.BIND_ON_LEID}
    misses = {effect: 0 for effect in truth}
    for rnd in network.rounds:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = il.sem(network.round(rnd), latent_model(cb))
        assert res.fit["converged"]
        table = res.regressions.set_index(["lhs", "rhs"])
        for effect, value in truth.items():
            row = table.loc[effect]
            misses[effect] += not row["std_ci_low"] < value < row["std_ci_high"]
            assert abs(row["std_all"] - value) < 0.15, (rnd, effect, row["std_all"])
            assert row["std_ci_high"] - row["std_ci_low"] < 0.3  # informative, not just wide
    assert all(m <= 1 for m in misses.values()), misses
    assert sum(misses.values()) <= 1, misses


@pytest.mark.parametrize("first", [0, 1])
@pytest.mark.parametrize("outcome", ["DUUR", "BIND"])
def test_cross_lagged_effects_on_matched_respondents(network, outcome, first):
    """The cross-lagged effects (the generator's change process gives small ones, about .02-.07) lie
    inside their 95% intervals (bootstrap over teams); the stabilities are close to the truth (seed
    2021's first pair has a more stable informal learning than the population, .56 against .45;
    seeds 1-3 give .40-.51)."""
    rounds = network.rounds[first:first + 2]
    res = cross_lagged(network.responses, "IWL", outcome, rounds=rounds, bootstrap=300, seed=first)
    assert res.fitted and res.n_matched > 300
    truth = panel_truth("IWL", outcome, rounds=network.rounds, first=first)
    for effect, value in {f"IWL → {outcome}": truth["x_y"], f"{outcome} → IWL": truth["y_x"]}.items():
        row = res.effects.loc[effect]
        assert row["ci_low"] < value < row["ci_high"], (effect, row["beta"], value)
    for effect, value in {"autoregressief IWL": truth["x_x"], f"autoregressief {outcome}": truth["y_y"]}.items():
        assert res.effects.loc[effect, "beta"] == pytest.approx(value, abs=0.15), effect
