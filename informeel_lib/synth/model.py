"""Synthetic learning network with known truth: the test bed for intake, cleaning and analyses.

``generate_network`` simulates the six organisations of the network over several survey rounds and
returns clean, processed-format data plus the truth that produced it; ``write_network`` (in
:mod:`informeel_lib.synth.exports`, re-exported here) writes the same network as dirty exports in
the formats the real survey tools produce, with every planted problem listed in ``truth.json``.

The generator model
-------------------
All latent parameters below are fixed constants of this module (they do not depend on the seed);
the seed only draws the network (teams, people, answers). Latent variables are in standard-deviation
units of the person-level population within one round.

Structure
    Six organisations (codebook canonical names). Each has 8-15 teams: one "Leren en Ontwikkelen"
    team (sector ``ondersteunend``, 2-4 people: one leidinggevende, the rest opleidingsadviseur)
    and care teams in the organisation's sectors (``ORG_SECTORS``), with head counts of 2-20
    (gamma distributed, mean about 10; some below 5). ``scale`` multiplies every head count.
    Each team has exactly one leidinggevende; teams of 5+ have a werkbegeleider with probability
    .4 and teams of 8+ a praktijkopleider with probability .25; everyone else is zorgmedewerker.
    Head counts stay constant over rounds: between consecutive rounds each person leaves with
    probability ``P_LEAVE`` = .10 and is replaced by a new person in the same position. Each
    person present responds with probability ``P_RESPOND`` = .90, so most people answer in every
    round under the same personal code and paired comparisons are possible. ``team_size`` is the
    head count; tenure (years, joiners start at 0-2) grows by 0.5 per round; contract hours
    are drawn per person from 12-36.

Latent predictors (REFL, EXPR, LEID, ZICHT, VEIL, FOUT, AUTO, COMP)
    ``eta = org_effect + round_shift + sector_effect + team_intercept + individual``.
    * Total correlation matrix of ``team_intercept + individual``: ``PREDICTOR_CORRELATIONS``
      (LEID, ZICHT, VEIL, EXPR inter-correlate .40-.55; VEIL-FOUT -.45; AUTO-EXPR .40).
    * Team random intercepts on the climate scales LEID, ZICHT, VEIL, EXPR, FOUT, REFL with
      variance ``TEAM_ICC`` (.10-.15) and the same correlations; AUTO and COMP have none. The
      within-team part has covariance ``Phi - D Phi D`` with ``D = diag(sqrt(TEAM_ICC))``.
    * ``individual`` is an AR(1) process over rounds with autocorrelation ``RHO_PERSON`` = .6
      (stationary, so its distribution is the same in every round).
    * ``org_effect``: ``ORG_EFFECT[org]`` added to LEID, ZICHT, VEIL, EXPR, REFL and subtracted
      from FOUT.
    * ``round_shift``: real change; in round k (0-based position in ``rounds``) the shift is
      ``k * ROUND_STEP[org]`` on the same scales and signs as the organisation effect
      (ZINN and Oosterlengte up, Treant slightly up, Interzorg and Zonnehuisgroep Noord flat,
      Zorggroep Meander down).
    * ``sector_effect``: ``SECTOR_EFFECT[sector]`` on AUTO and COMP (type of work).

Latent outcomes
    ``IWL = .25 REFL + .20 EXPR + .15 ZICHT + .10 VEIL + .10 AUTO + .10 COMP - .10 FOUT + e``
    (latent R^2 = .36; residual variance 1 - R^2, residual AR(1) with rho .5 over rounds);
    ``DUUR = .30 IWL + e``; ``BIND = .25 IWL + .20 LEID + e`` (residual variances give unit
    variance without org/sector effects).

Items
    For item j of scale s: ``y* = lambda_j * eta_s + sqrt(1 - lambda_j^2) * eps``,
    ``lambda_j`` in .65-.80 (reversed items .45-.55), discretised with thresholds
    ``BASE_THRESHOLDS + delta_j`` (``delta_j`` in -.25..+.25; FOUT items +.9 so that error
    avoidance is less common), which gives keyed item means of about 3.3-3.9 (FOUT about 2.6)
    and a negative skew. A reversed item's raw answer is ``6 - keyed``, i.e. it is stored
    reversed exactly as a respondent would answer it. Loadings and thresholds are in
    ``truth["latent"]``.

Open answers
    OPEN_VOORBEELD: missing with probability .12; otherwise a form of informal learning drawn
    with softmax logits ``[.2 + .5 IWL, .1, -.5, -1.0 - .3 IWL]`` for (zelfgestuurd, incidenteel,
    tacit, onbekend) and a text composed by :mod:`informeel_lib.synth.text`. OPEN_THEMA:
    missing with probability .20; logits ``[-.2 + .6 ZICHT, .2, -.2 - .4 ZICHT, -1.0]``; the
    texts are about the communication channel (teamoverleg, intranet, nieuwsbrief, ...) or say
    that learning is not discussed. Only answered questions appear in ``open_labels``.

Observed-score truth (``truth["observed"]``), computed once (cached) from a large simulated
population with the same parameters (``N_POP_TEAMS`` teams of 10 people spread evenly over the
six organisations and the sectors, no dirt, no missing answers, one fixed internal seed). Scale
means are item means after reverse keying (``6 - raw`` for reversed items).

    * ``alpha_population[scale]``: Cronbach's alpha of the scale's reverse-keyed items in the
      first round.
    * ``observed_effects[predictor]``: OLS coefficients of the standardised IWL scale mean on the
      standardised scale means of REFL, EXPR, LEID, ZICHT, VEIL, FOUT, AUTO, COMP (with
      intercept), first round, people pooled over the network; ``observed_r2`` its R^2.
    * ``observed_icc[scale]``: ICC(1) of the scale mean by team (organisation x team) from the
      one-way ANOVA ``(MSB - MSW) / (MSB + (k - 1) MSW)`` with k = 10, first round; it includes
      organisation and sector differences, as an ICC computed on the real data would.
    * ``observed_round_change[org][scale][round]``: population change of the scale mean of that
      organisation from the previous round to ``round`` (the same people and item errors in each
      round, so only the real latent shift differs: a common-random-numbers estimate of the
      expected change).
    * ``observed_means[org][round][scale]``: population scale means per organisation and round.

``truth["latent"]`` holds the latent parameters: ``loadings``, ``thresholds``,
``factor_correlations`` (predictors), ``team_icc`` (climate scales), ``latent_icc`` (team
intercept variance share per scale in one round, excluding organisation and sector effects;
for outcomes derived through the structural model), ``structural`` coefficients, ``r2``,
``org_effects``, ``round_shifts[org][round]`` and ``sector_effects``.

The ``responses`` columns are exactly those of ``data/processed`` (docs/data-contract.md) plus
``personal_code``; ``respondent`` is ``p-`` + 12 hex characters of SHA-256 of the personal code,
``source_file`` is ``synthetisch-<round>`` and ``source_row`` the 1-based row plus one (as if
from a one-header file), both flags are False, items have no missing values.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from ..codebook import load_codebook
from ..errors import AnalysisError
from ..io.pseudonyms import pseudonym
from . import text as synth_text

DEFAULT_ROUNDS = ("2021-11", "2022-05", "2022-11")

PREDICTORS = ("REFL", "EXPR", "LEID", "ZICHT", "VEIL", "FOUT", "AUTO", "COMP")
OUTCOMES = ("IWL", "DUUR", "BIND")
LATENT = PREDICTORS + OUTCOMES
CLIMATE = ("LEID", "ZICHT", "VEIL", "EXPR", "FOUT", "REFL")
# scales moved by organisation effects and round shifts, with their sign
SHIFT_SIGN = {"LEID": 1.0, "ZICHT": 1.0, "VEIL": 1.0, "EXPR": 1.0, "REFL": 1.0, "FOUT": -1.0}

_CORR = {
    ("LEID", "ZICHT"): .55, ("LEID", "VEIL"): .50, ("LEID", "EXPR"): .45, ("ZICHT", "VEIL"): .45,
    ("ZICHT", "EXPR"): .40, ("VEIL", "EXPR"): .50,
    ("REFL", "ZICHT"): .35, ("REFL", "LEID"): .35, ("REFL", "VEIL"): .25, ("REFL", "EXPR"): .25,
    ("VEIL", "FOUT"): -.45, ("LEID", "FOUT"): -.25, ("ZICHT", "FOUT"): -.15, ("EXPR", "FOUT"): -.20,
    ("REFL", "FOUT"): -.10,
    ("AUTO", "EXPR"): .40, ("AUTO", "LEID"): .20, ("AUTO", "VEIL"): .15, ("AUTO", "ZICHT"): .10,
    ("AUTO", "REFL"): .15, ("AUTO", "FOUT"): -.10,
    ("COMP", "AUTO"): .20, ("COMP", "REFL"): .15, ("COMP", "EXPR"): .10, ("COMP", "ZICHT"): .05,
    ("COMP", "FOUT"): .10,
}


def _corr_matrix() -> np.ndarray:
    m = np.eye(len(PREDICTORS))
    for (a, b), v in _CORR.items():
        i, j = PREDICTORS.index(a), PREDICTORS.index(b)
        m[i, j] = m[j, i] = v
    return m


PREDICTOR_CORRELATIONS = _corr_matrix()
TEAM_ICC = {"REFL": .10, "EXPR": .11, "LEID": .15, "ZICHT": .13, "VEIL": .12, "FOUT": .12, "AUTO": 0.0, "COMP": 0.0}
IWL_EFFECTS = {"REFL": .25, "EXPR": .20, "LEID": 0.0, "ZICHT": .15, "VEIL": .10, "FOUT": -.10, "AUTO": .10, "COMP": .10}
DUUR_ON_IWL = .30
BIND_ON_IWL, BIND_ON_LEID = .25, .20
RHO_PERSON, RHO_OUTCOME = .6, .5

ORG_EFFECT = {"ZINN": .15, "Interzorg": 0.0, "Oosterlengte": -.10, "Zonnehuisgroep Noord": .05,
              "Zorggroep Meander": -.15, "Treant": .05}
ROUND_STEP = {"ZINN": .20, "Interzorg": 0.0, "Oosterlengte": .15, "Zonnehuisgroep Noord": 0.0,
              "Zorggroep Meander": -.20, "Treant": .10}
SECTOR_EFFECT = {  # (AUTO, COMP)
    "intramuraal": (-.10, 0.0), "wijkverpleging": (.30, .20), "revalidatie": (0.0, .15),
    "dagbesteding": (.10, -.25), "ziekenhuis": (-.20, .25), "ondersteunend": (.25, .10),
}
ORG_SECTORS = {
    "ZINN": ("intramuraal", "wijkverpleging", "dagbesteding"),
    "Interzorg": ("intramuraal", "wijkverpleging", "dagbesteding"),
    "Oosterlengte": ("intramuraal", "wijkverpleging", "revalidatie"),
    "Zonnehuisgroep Noord": ("intramuraal", "wijkverpleging", "revalidatie", "dagbesteding"),
    "Zorggroep Meander": ("intramuraal", "wijkverpleging", "revalidatie"),
    "Treant": ("ziekenhuis", "intramuraal", "wijkverpleging", "revalidatie"),
}
BASE_THRESHOLDS = np.array([-2.0, -1.2, -0.3, 1.0])
FOUT_THRESHOLD_SHIFT = 0.9
P_LEAVE, P_RESPOND = .10, .90
P_MISSING_VOORBEELD, P_MISSING_THEMA = .12, .20
N_POP_TEAMS, POP_TEAM_SIZE = 20_000, 10
_PARAM_SEED = 20211101

_LOCATIONS = ["De Wilgenhof", "Het Dennenhuis", "De Vlasborg", "Huize Esdoorn", "De Leeuwerik", "Het Klaverblad",
              "De Brink", "Het Hooghuis", "De Veenhorst", "Maartenshof", "De Zonnewende", "Het Blauwe Huis",
              "De Boegspriet", "Huize Lindenhof", "De Meerpaal", "Het Vlonder"]
_UNITS = ["1", "2", "3", "PG", "Somatiek", "Noord", "Zuid", "De Linde", "De Eik", "Kleinschalig"]
_PLACES = ["Veendam", "Winschoten", "Stadskanaal", "Hoogezand", "Emmen", "Coevorden", "Assen", "Delfzijl",
           "Appingedam", "Leek", "Marum", "Ter Apel", "Musselkanaal", "Zuidlaren", "Oude Pekela", "Hoogeveen",
           "Beilen", "Haren", "Grootegast", "Scheemda"]
_WARDS = ["Interne", "Chirurgie", "Longziekten", "Cardiologie", "Geriatrie", "Neurologie", "Orthopedie"]


# --- result -----------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class SyntheticNetwork:
    """A simulated network: clean processed-format responses, true open-answer labels and the truth.

    Attributes
    ----------
    responses : DataFrame
        One row per (respondent, round); the ``data/processed`` columns plus ``personal_code``.
    open_labels : DataFrame
        respondent, round, question, text, label, topic for every answered open question.
    truth : dict
        JSON-serialisable parameters and population values (see the module docstring).
    """

    responses: pd.DataFrame
    open_labels: pd.DataFrame
    truth: dict = field(repr=False)
    seed: int = 2021
    rounds: tuple = DEFAULT_ROUNDS

    def __repr__(self) -> str:
        per_round = self.responses.groupby("round").size()
        parts = ", ".join(f"{r}: {n}" for r, n in per_round.items())
        n_teams = self.responses.groupby(["organisation", "team"]).ngroups
        return (f"SyntheticNetwork(seed={self.seed}, organisaties={self.responses['organisation'].nunique()}, "
                f"teams={n_teams}, respondenten per ronde {{{parts}}})")

    def to_frame(self) -> pd.DataFrame:
        """The responses (a copy)."""
        return self.responses.copy()

    def round(self, name: str) -> pd.DataFrame:
        """Responses of one round (a copy)."""
        return self.responses[self.responses["round"] == name].reset_index(drop=True)


# --- parameters derived from the codebook ------------------------------------------------------

@dataclass(frozen=True)
class _ItemParams:
    codes: tuple            # item codes in codebook order
    scale_index: np.ndarray  # index into LATENT per item
    loadings: np.ndarray
    thresholds: np.ndarray   # (n_items, 4)
    reverse: np.ndarray      # bool


def _check_codebook(cb) -> None:
    missing = [s for s in LATENT if s not in cb.scales]
    if missing:
        raise AnalysisError(f"De synthetische generator heeft de schalen {', '.join(LATENT)} nodig; "
                            f"het codeboek mist {', '.join(missing)}.")
    missing_orgs = [o for o in ORG_EFFECT if o not in cb.organisation_names]
    if missing_orgs:
        raise AnalysisError(f"Het codeboek mist de organisaties {', '.join(missing_orgs)}.")


def _item_key(cb) -> tuple:
    """Hashable description of the simulated items: ((code, scale, reverse), ...)."""
    return tuple((it.code, scale, bool(it.reverse)) for scale in LATENT for it in cb.scales[scale].items)


def _item_params(cb) -> _ItemParams:
    return _params_from_key(_item_key(cb))


@lru_cache(maxsize=8)
def _params_from_key(key: tuple) -> _ItemParams:
    rng = np.random.default_rng(_PARAM_SEED)
    codes, idx, lam, thr, rev = [], [], [], [], []
    for code, scale, reverse in key:
        codes.append(code)
        idx.append(LATENT.index(scale))
        lo, hi = (.45, .55) if reverse else (.65, .80)
        lam.append(round(float(rng.uniform(lo, hi)), 3))
        delta = round(float(rng.uniform(-.25, .25)), 3) + (FOUT_THRESHOLD_SHIFT if scale == "FOUT" else 0.0)
        thr.append(BASE_THRESHOLDS + delta)
        rev.append(reverse)
    return _ItemParams(tuple(codes), np.array(idx), np.array(lam), np.array(thr), np.array(rev))


def _within_cov() -> tuple[np.ndarray, np.ndarray]:
    """Cholesky factors of the between-team and within-team predictor covariances."""
    d = np.diag(np.sqrt([TEAM_ICC[s] for s in PREDICTORS]))
    between = d @ PREDICTOR_CORRELATIONS @ d
    within = PREDICTOR_CORRELATIONS - between
    climate = [PREDICTORS.index(s) for s in PREDICTORS if TEAM_ICC[s] > 0]
    chol_b = np.zeros_like(between)
    chol_b[np.ix_(climate, climate)] = np.linalg.cholesky(between[np.ix_(climate, climate)])
    return chol_b, np.linalg.cholesky(within)


def _outcome_residual_sd() -> tuple[float, float, float]:
    b = np.array([IWL_EFFECTS[s] for s in PREDICTORS])
    r2 = float(b @ PREDICTOR_CORRELATIONS @ b)
    cov_iwl_leid = float((PREDICTOR_CORRELATIONS @ b)[PREDICTORS.index("LEID")])
    var_bind = BIND_ON_IWL ** 2 + BIND_ON_LEID ** 2 + 2 * BIND_ON_IWL * BIND_ON_LEID * cov_iwl_leid
    return np.sqrt(1 - r2), np.sqrt(1 - DUUR_ON_IWL ** 2), np.sqrt(1 - var_bind)


def _outcomes(pred: np.ndarray, resid: np.ndarray) -> np.ndarray:
    """Latent outcomes from predictors (n, 8) and standard-normal residuals (n, 3)."""
    sd_iwl, sd_duur, sd_bind = _outcome_residual_sd()
    b = np.array([IWL_EFFECTS[s] for s in PREDICTORS])
    iwl = pred @ b + sd_iwl * resid[:, 0]
    duur = DUUR_ON_IWL * iwl + sd_duur * resid[:, 1]
    bind = BIND_ON_IWL * iwl + BIND_ON_LEID * pred[:, PREDICTORS.index("LEID")] + sd_bind * resid[:, 2]
    return np.column_stack([iwl, duur, bind])


def _shift_vector(org: str, k: int) -> np.ndarray:
    """Mean shift of the predictors for organisation ``org`` in round position ``k``."""
    v = np.zeros(len(PREDICTORS))
    amount = ORG_EFFECT[org] + k * ROUND_STEP[org]
    for s, sign in SHIFT_SIGN.items():
        v[PREDICTORS.index(s)] = sign * amount
    return v


def _sector_vector(sector: str) -> np.ndarray:
    v = np.zeros(len(PREDICTORS))
    auto, comp = SECTOR_EFFECT[sector]
    v[PREDICTORS.index("AUTO")], v[PREDICTORS.index("COMP")] = auto, comp
    return v


def _discretise(eta: np.ndarray, noise: np.ndarray, params: _ItemParams) -> np.ndarray:
    """Raw item answers 1..5 (reversed items stored reversed) from latent scores and item noise."""
    lam = params.loadings
    ystar = eta[:, params.scale_index] * lam + noise * np.sqrt(1 - lam ** 2)
    keyed = np.ones(ystar.shape, dtype=np.int8)
    for t in range(params.thresholds.shape[1]):
        keyed += ystar > params.thresholds[:, t]
    return np.where(params.reverse, 6 - keyed, keyed).astype(np.int8)


def _scale_means(raw: np.ndarray, params: _ItemParams) -> np.ndarray:
    keyed = np.where(params.reverse, 6 - raw, raw).astype(float)
    out = np.empty((raw.shape[0], len(LATENT)))
    for s in range(len(LATENT)):
        out[:, s] = keyed[:, params.scale_index == s].mean(axis=1)
    return out


# --- population truth (cached) -----------------------------------------------------------------

def _cronbach(x: np.ndarray) -> float:
    k = x.shape[1]
    return float(k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / x.sum(axis=1).var(ddof=1)))


def _icc1(values: np.ndarray, groups: np.ndarray, k: int) -> float:
    n_groups = groups.max() + 1
    means = np.bincount(groups, weights=values, minlength=n_groups) / k
    grand = values.mean()
    msb = k * ((means - grand) ** 2).sum() / (n_groups - 1)
    msw = ((values - means[groups]) ** 2).sum() / (len(values) - n_groups)
    return float((msb - msw) / (msb + (k - 1) * msw))


@lru_cache(maxsize=4)
def _population_truth(rounds: tuple, item_key: tuple) -> dict:
    params = _params_from_key(item_key)
    rng = np.random.default_rng(_PARAM_SEED + 1)
    orgs = list(ORG_EFFECT)
    chol_b, chol_w = _within_cov()
    n_teams = N_POP_TEAMS
    team_org = np.arange(n_teams) % len(orgs)
    team_sector = [ORG_SECTORS[orgs[o]][(t // len(orgs)) % len(ORG_SECTORS[orgs[o]])] for t, o in enumerate(team_org)]
    team_fixed = np.array([_sector_vector(s) for s in team_sector])
    team_rand = rng.standard_normal((n_teams, len(PREDICTORS))) @ chol_b.T
    person_team = np.repeat(np.arange(n_teams), POP_TEAM_SIZE)
    n = len(person_team)
    indiv = rng.standard_normal((n, len(PREDICTORS))) @ chol_w.T
    resid = rng.standard_normal((n, 3))
    noise = rng.standard_normal((n, len(params.codes)))
    person_org = team_org[person_team]

    means_by_round = []
    first = None
    for k, _ in enumerate(rounds):
        shift = np.array([_shift_vector(o, k) for o in orgs])[person_org]
        pred = shift + team_fixed[person_team] + team_rand[person_team] + indiv
        eta = np.column_stack([pred, _outcomes(pred, resid)])
        raw = _discretise(eta, noise, params)
        sm = _scale_means(raw, params)
        means_by_round.append(np.array([sm[person_org == o].mean(axis=0) for o in range(len(orgs))]))
        if k == 0:
            first = (raw, sm)
    raw, sm = first
    keyed = np.where(params.reverse, 6 - raw, raw).astype(float)
    alpha = {s: round(_cronbach(keyed[:, params.scale_index == i]), 4) for i, s in enumerate(LATENT)}
    z = (sm - sm.mean(axis=0)) / sm.std(axis=0, ddof=1)
    X = np.column_stack([np.ones(n), z[:, :len(PREDICTORS)]])
    y = z[:, LATENT.index("IWL")]
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    r2 = 1 - ((y - X @ beta) ** 2).sum() / ((y - y.mean()) ** 2).sum()
    icc = {s: round(_icc1(sm[:, i], person_team, POP_TEAM_SIZE), 4) for i, s in enumerate(LATENT)}
    change = {org: {s: {rounds[k]: round(float(means_by_round[k][o, i] - means_by_round[k - 1][o, i]), 4)
                        for k in range(1, len(rounds))} for i, s in enumerate(LATENT)} for o, org in enumerate(orgs)}
    means = {org: {r: {s: round(float(means_by_round[k][o, i]), 4) for i, s in enumerate(LATENT)}
                   for k, r in enumerate(rounds)} for o, org in enumerate(orgs)}
    return {
        "n_population": int(n),
        "alpha_population": alpha,
        "observed_effects": {s: round(float(beta[1 + i]), 4) for i, s in enumerate(PREDICTORS)},
        "observed_r2": round(float(r2), 4),
        "observed_icc": icc,
        "observed_round_change": change,
        "observed_means": means,
    }


def _latent_truth(params: _ItemParams, rounds: tuple) -> dict:
    chol_b, _ = _within_cov()
    between = chol_b @ chol_b.T
    b = np.array([IWL_EFFECTS[s] for s in PREDICTORS])
    icc = {s: TEAM_ICC[s] for s in PREDICTORS}
    icc["IWL"] = float(b @ between @ b)
    icc["DUUR"] = DUUR_ON_IWL ** 2 * icc["IWL"]
    il = PREDICTORS.index("LEID")
    cov_iwl_leid_b = float((between @ b)[il])
    icc["BIND"] = (BIND_ON_IWL ** 2 * icc["IWL"] + BIND_ON_LEID ** 2 * between[il, il]
                   + 2 * BIND_ON_IWL * BIND_ON_LEID * cov_iwl_leid_b)
    sd_iwl, _, _ = _outcome_residual_sd()
    return {
        "loadings": {c: float(v) for c, v in zip(params.codes, params.loadings)},
        "thresholds": {c: [round(float(t), 3) for t in row] for c, row in zip(params.codes, params.thresholds)},
        "reverse_items": [c for c, r in zip(params.codes, params.reverse) if r],
        "factor_correlations": {a: {b_: float(PREDICTOR_CORRELATIONS[i, j]) for j, b_ in enumerate(PREDICTORS)}
                                for i, a in enumerate(PREDICTORS)},
        "team_icc": {s: v for s, v in TEAM_ICC.items() if v > 0},
        "latent_icc": {s: round(float(v), 4) for s, v in icc.items()},
        "structural": {"IWL": dict(IWL_EFFECTS), "DUUR": {"IWL": DUUR_ON_IWL},
                       "BIND": {"IWL": BIND_ON_IWL, "LEID": BIND_ON_LEID}},
        "r2": {"IWL": round(1 - sd_iwl ** 2, 4)},
        "person_stability": {"predictors": RHO_PERSON, "outcome_residuals": RHO_OUTCOME},
        "org_effects": dict(ORG_EFFECT),
        "round_shifts": {o: {r: round(k * ROUND_STEP[o], 4) for k, r in enumerate(rounds)}
                         for o in ORG_EFFECT},
        "shifted_scales": dict(SHIFT_SIGN),
        "sector_effects": {s: {"AUTO": a, "COMP": c} for s, (a, c) in SECTOR_EFFECT.items()},
    }


# --- network structure --------------------------------------------------------------------------

def _team_name(rng, sector: str, used: set) -> str:
    for _ in range(200):
        if sector == "intramuraal":
            name = f"{rng.choice(_LOCATIONS)} afd. {rng.choice(_UNITS)}"
        elif sector == "wijkverpleging":
            name = f"Wijkteam {rng.choice(_PLACES)}"
        elif sector == "revalidatie":
            name = f"{rng.choice(['Revalidatie', 'GRZ'])} {rng.choice(_LOCATIONS + _PLACES)}"
        elif sector == "dagbesteding":
            name = f"Dagbesteding {rng.choice(_LOCATIONS + _PLACES)}"
        elif sector == "ziekenhuis":
            name = f"Verpleegafdeling {rng.choice(_WARDS)} {rng.choice(['A', 'B', 'C'])}"
        else:
            name = "Leren en Ontwikkelen"
        if name not in used:
            used.add(name)
            return name
    raise RuntimeError("no unique team name")  # pragma: no cover


def _teams(rng, scale: float) -> pd.DataFrame:
    rows = []
    for org in ORG_EFFECT:
        n_teams = int(rng.integers(8, 16))
        used: set = set()
        for t in range(n_teams):
            if t == 0:
                sector, size = "ondersteunend", int(rng.integers(2, 5))
            else:
                sector = str(rng.choice(ORG_SECTORS[org]))
                size = int(np.clip(round(rng.gamma(4.0, 2.6)), 2, 20))
            size = max(2, int(round(size * scale)))
            rows.append({"organisation": org, "team": _team_name(rng, sector, used), "sector": sector, "size": size})
    return pd.DataFrame(rows)


def _slot_roles(rng, sector: str, size: int) -> list[str]:
    roles = ["leidinggevende"] + ["zorgmedewerker"] * (size - 1)
    if sector == "ondersteunend":
        return ["leidinggevende"] + ["opleidingsadviseur"] * (size - 1)
    n_wb = int((rng.random(max(1, size // 10)) < .4).sum()) if size >= 5 else 0
    n_po = int((rng.random(max(1, size // 10)) < .25).sum()) if size >= 8 else 0
    for i in range(1, 1 + n_wb):
        roles[i] = "werkbegeleider"
    for i in range(1 + n_wb, 1 + n_wb + n_po):
        roles[i] = "praktijkopleider"
    return roles


def _personal_code(rng, used: set) -> str:
    letters = string.ascii_uppercase
    while True:
        code = (f"{letters[rng.integers(26)]}{letters[rng.integers(26)]}{int(rng.integers(1, 29)):02d}"
                f"{int(rng.integers(1, 13)):02d}{letters[rng.integers(26)]}")
        if code not in used:
            used.add(code)
            return code


SYNTH_SALT = "synth"
"""Salt of the synthetic respondent ids (the real intake uses the project's secret salt)."""


def synthetic_id(personal_code: str) -> str:
    """The synthetic respondent id: :func:`informeel_lib.io.pseudonyms.pseudonym` of the personal code."""
    return pseudonym(personal_code, SYNTH_SALT)


def _round_start(name: str) -> np.datetime64:
    try:
        return np.datetime64(f"{name}-01T08:00:00")
    except ValueError:
        return np.datetime64("2021-11-01T08:00:00")


# --- the generator ------------------------------------------------------------------------------

def generate_network(seed: int = 2021, *, rounds=DEFAULT_ROUNDS, scale: float = 1.0, codebook=None) -> SyntheticNetwork:
    """Simulate the learning network with known truth (clean, processed-format data).

    Parameters
    ----------
    seed : int
        Seed of the random draws (teams, people, answers); the model parameters are fixed.
    rounds : sequence of str
        Round names in time order; real change accumulates per round position.
    scale : float
        Multiplies every team's head count (``scale=10`` gives a large population cheaply).
    codebook : Codebook, optional
        Defaults to the package codebook; it must contain the 11 scales and six organisations.

    Returns
    -------
    SyntheticNetwork
        ``.responses``, ``.open_labels`` and ``.truth`` (see the module docstring for the model
        and for exactly how each truth value is computed).

    Notes
    -----
    Item answers are ``1 + #{thresholds < lambda * eta + sqrt(1 - lambda^2) * eps}``, reversed
    items stored as ``6 -`` that; ``IWL = .25 REFL + .20 EXPR + .15 ZICHT + .10 VEIL + .10 AUTO
    + .10 COMP - .10 FOUT + e``.

    Examples
    --------
    >>> net = generate_network(2021, scale=0.1)
    >>> net.rounds, sorted(net.responses.columns[:3])
    (('2021-11', '2022-05', '2022-11'), ['organisation', 'respondent', 'round'])

    In R one would simulate similar data with ``lavaan::simulateData(model)`` followed by
    ``cut()`` at the thresholds.
    """
    cb = codebook if codebook is not None else load_codebook()
    _check_codebook(cb)
    rounds = tuple(str(r) for r in rounds)
    if not rounds:
        raise AnalysisError("Geef minstens één ronde op.")
    if not scale > 0:
        raise AnalysisError(f"De schaalfactor moet groter dan 0 zijn, niet {scale}.")
    params = _item_params(cb)
    rng = np.random.default_rng(seed)
    teams = _teams(rng, scale)
    chol_b, chol_w = _within_cov()
    team_rand = rng.standard_normal((len(teams), len(PREDICTORS))) @ chol_b.T

    people, occupant = _staff(rng, teams, len(rounds))
    n_people = len(people)
    z, e = _person_round_residuals(rng, n_people, len(rounds), chol_w)

    rows_p, rows_k = _responders(rng, occupant, len(rounds))
    team_idx = np.array([people[p]["team"] for p in rows_p], dtype=int)
    org_of = teams["organisation"].to_numpy()[team_idx]
    sector_of = teams["sector"].to_numpy()[team_idx]
    fixed = np.array([_shift_vector(o, k) + _sector_vector(s) for o, k, s in zip(org_of, rows_k, sector_of)])
    pred = fixed + team_rand[team_idx] + z[rows_p, rows_k]
    eta = np.column_stack([pred, _outcomes(pred, e[rows_p, rows_k])])
    raw = _discretise(eta, rng.standard_normal((len(rows_p), len(params.codes))), params)

    df = _background_frame(rng, people, teams, team_idx, rows_p, rows_k, rounds)
    items = pd.DataFrame(raw.astype(float), columns=list(params.codes))
    extra = [c for c in cb.item_codes if c not in params.codes]
    for c in extra:  # items of extra scales in a custom codebook: not simulated
        items[c] = np.nan
    df = pd.concat([df, items[cb.item_codes]], axis=1)

    thema, voorbeeld, open_rows = _open_answers(rng, df, eta)
    df["OPEN_THEMA"] = pd.Series(thema, dtype=object)
    df["OPEN_VOORBEELD"] = pd.Series(voorbeeld, dtype=object)
    df["flag_straightliner"] = False
    df["flag_speeder"] = False
    df = df.sort_values(["round", "organisation", "team", "respondent"], kind="stable").reset_index(drop=True)
    df["source_file"] = [f"synthetisch-{r}" for r in df["round"]]
    df["source_row"] = df.groupby("round").cumcount() + 2
    code_of = {synthetic_id(p["code"]): p["code"] for p in people}
    df["personal_code"] = df["respondent"].map(code_of)

    open_labels = pd.DataFrame(open_rows, columns=["respondent", "round", "question", "text", "label", "topic"])
    truth = _network_truth(seed, rounds, scale, cb, params, teams, df, people)
    return SyntheticNetwork(df, open_labels, truth, seed, rounds)



def _person_round_residuals(rng, n_people: int, n_rounds: int, chol_w: np.ndarray):
    """Person-level factor scores ``z`` and outcome residuals ``e`` per round, each autocorrelated
    over rounds (the same people change slowly: the truth of the panel analyses)."""
    z = rng.standard_normal((n_people, n_rounds, len(PREDICTORS))) @ chol_w.T
    e = rng.standard_normal((n_people, n_rounds, 3))
    for k in range(1, n_rounds):
        z[:, k] = RHO_PERSON * z[:, k - 1] + np.sqrt(1 - RHO_PERSON ** 2) * z[:, k]
        e[:, k] = RHO_OUTCOME * e[:, k - 1] + np.sqrt(1 - RHO_OUTCOME ** 2) * e[:, k]
    return z, e


def _background_frame(rng, people, teams, team_idx, rows_p, rows_k, rounds) -> pd.DataFrame:
    """One row per response: respondent, round, organisation, team, role and the other background fields."""
    org_of = teams["organisation"].to_numpy()[team_idx]
    sector_of = teams["sector"].to_numpy()[team_idx]
    n = len(rows_p)
    starts = np.array([_round_start(rounds[k]) for k in rows_k])
    submitted = starts + rng.integers(0, 21 * 86400, n).astype("timedelta64[s]")
    duration = np.round(np.exp(rng.normal(np.log(540), .35, n)))
    df = pd.DataFrame({
        "respondent": [synthetic_id(people[p]["code"]) for p in rows_p],
        "round": [rounds[k] for k in rows_k],
        "organisation": org_of,
        "team": teams["team"].to_numpy()[team_idx],
        "role": [people[p]["role"] for p in rows_p],
        "sector": sector_of,
        "team_size": pd.array(teams["size"].to_numpy()[team_idx], dtype="Int64"),
        "tenure": [round(people[p]["tenure0"] + .5 * (k - people[p]["start"]), 1) for p, k in zip(rows_p, rows_k)],
        "contract_hours": [people[p]["hours"] for p in rows_p],
        "duration_s": duration.astype(float),
        "submitted": pd.to_datetime(submitted),
    })
    return df


def _staff(rng, teams: pd.DataFrame, n_rounds: int) -> tuple[list[dict], list[list[int]]]:
    """People in positions (slots) of the teams: per slot the person holding it in each round
    (someone leaves with probability P_LEAVE per round and a newcomer takes the slot)."""
    used_codes: set = set()
    people = []  # dicts
    occupant = []  # per slot: list of person index per round
    for t, team in teams.iterrows():
        for role in _slot_roles(rng, team["sector"], team["size"]):
            seq = []
            current = None
            for k in range(n_rounds):
                if current is None or rng.random() < P_LEAVE:
                    current = len(people)
                    tenure0 = float(rng.gamma(2.0, 5.0)) if k == 0 else float(rng.uniform(0, 2))
                    people.append({"code": _personal_code(rng, used_codes), "team": t, "role": role,
                                   "tenure0": min(tenure0, 45.0), "start": k,
                                   "hours": float(rng.choice([12, 16, 20, 24, 24, 28, 28, 32, 32, 36]))})
                seq.append(current)
            occupant.append(seq)
    return people, occupant


def _responders(rng, occupant, n_rounds: int) -> tuple[np.ndarray, np.ndarray]:
    """Who responds in which round: (person index, round position) per response, each slot with P_RESPOND."""
    rows_p, rows_k = [], []
    for k in range(n_rounds):
        for seq in occupant:
            if rng.random() < P_RESPOND:
                rows_p.append(seq[k])
                rows_k.append(k)
    return np.array(rows_p, dtype=int), np.array(rows_k, dtype=int)


def _open_answers(rng, df: pd.DataFrame, eta: np.ndarray):
    """The two open answers per response (label drawn from the latent IWL/ZICHT), and one row per answer."""
    iwl, zicht = eta[:, LATENT.index("IWL")], eta[:, LATENT.index("ZICHT")]
    open_rows = []
    voorbeeld, thema = [], []
    for i in range(len(df)):
        texts = {}
        for q, p_miss, logits, make in (
            ("OPEN_VOORBEELD", P_MISSING_VOORBEELD, [.2 + .5 * iwl[i], .1, -.5, -1.0 - .3 * iwl[i]],
             synth_text.voorbeeld_answer),
            ("OPEN_THEMA", P_MISSING_THEMA, [-.2 + .6 * zicht[i], .2, -.2 - .4 * zicht[i], -1.0],
             synth_text.thema_answer),
        ):
            if rng.random() < p_miss:
                texts[q] = None
                continue
            w = np.exp(np.array(logits))
            label = synth_text.LABELS[int(rng.choice(4, p=w / w.sum()))]
            text, topic = make(rng, label)
            texts[q] = text
            open_rows.append({"respondent": df.at[i, "respondent"], "round": df.at[i, "round"], "question": q,
                              "text": text, "label": label, "topic": topic})
        voorbeeld.append(texts["OPEN_VOORBEELD"])
        thema.append(texts["OPEN_THEMA"])
    return thema, voorbeeld, open_rows


def _network_truth(seed, rounds, scale, cb, params, teams, df, people) -> dict:
    structure = {}
    for org, grp in teams.groupby("organisation", sort=False):
        structure[org] = [{"team": r.team, "sector": r.sector, "size": int(r.size)} for r in grp.itertuples()]
    counts = {r: {o: int(n) for o, n in g.groupby("organisation").size().items()} for r, g in df.groupby("round")}
    return {
        "seed": int(seed),
        "rounds": list(rounds),
        "scale": float(scale),
        "organisations": list(ORG_EFFECT),
        "structure": structure,
        "n_people": len(people),
        "respondents_per_round": counts,
        "latent": _latent_truth(params, rounds),
        "observed": _population_truth(rounds, _item_key(cb)),
    }


# --- change in the same people (panel truth) ---------------------------------------------------

PANEL_POP_TEAMS = 5_000
"""Teams (of ``POP_TEAM_SIZE``) in the population that gives :func:`panel_truth`."""


def panel_truth(x: str, y: str, *, rounds=DEFAULT_ROUNDS, first: int = 0, codebook=None) -> dict:
    """True cross-lagged panel effects of the generator between round positions ``first`` and ``first + 1``.

    The generator's change process (predictors: team intercept + AR(1) person part with
    ``RHO_PERSON``, organisation round shifts; outcomes from the structural equations with AR(1)
    residuals ``RHO_OUTCOME``) is simulated for a population of people who stay in their team,
    with fresh item noise each round, as in :func:`generate_network`. On the scale means (items
    discretised and reverse keyed as in the data) the population regressions
    ``z(X_2) ~ z(X_1) + z(Y_1)`` and ``z(Y_2) ~ z(X_1) + z(Y_1)`` give the standardised
    autoregressive and cross-lagged effects a cross-lagged panel model estimates on matched
    respondents (:func:`informeel_lib.analysis.panel.cross_lagged`).

    Returns
    -------
    dict
        ``{"x_x": a_X, "y_y": a_Y, "x_y": X_1 -> Y_2, "y_x": Y_1 -> X_2, "n_population": N}``.
    """
    cb = codebook if codebook is not None else load_codebook()
    rounds = tuple(str(r) for r in rounds)
    if not 0 <= first < len(rounds) - 1:
        raise AnalysisError("Kies een eerste ronde waarna nog een ronde volgt.")
    for name in (x, y):
        if name not in LATENT:
            raise AnalysisError(f"'{name}' is geen schaal van de synthetische populatie ({', '.join(LATENT)}).")
    return dict(_panel_truth(LATENT.index(x), LATENT.index(y), len(rounds), first, _item_key(cb)))


@lru_cache(maxsize=8)
def _panel_truth(ix: int, iy: int, n_rounds: int, first: int, item_key: tuple) -> tuple:
    params = _params_from_key(item_key)
    rng = np.random.default_rng(_PARAM_SEED + 2)
    orgs = list(ORG_EFFECT)
    chol_b, chol_w = _within_cov()
    team_org = np.arange(PANEL_POP_TEAMS) % len(orgs)
    team_sector = [ORG_SECTORS[orgs[o]][(t // len(orgs)) % len(ORG_SECTORS[orgs[o]])] for t, o in enumerate(team_org)]
    team_fixed = np.array([_sector_vector(s) for s in team_sector])
    team_rand = rng.standard_normal((PANEL_POP_TEAMS, len(PREDICTORS))) @ chol_b.T
    person_team = np.repeat(np.arange(PANEL_POP_TEAMS), POP_TEAM_SIZE)
    person_org = team_org[person_team]
    n = len(person_team)
    z = rng.standard_normal((n, len(PREDICTORS))) @ chol_w.T
    e = rng.standard_normal((n, 3))
    scores = []
    for k in range(first + 2):
        if k > 0:
            z = RHO_PERSON * z + np.sqrt(1 - RHO_PERSON ** 2) * (rng.standard_normal((n, len(PREDICTORS))) @ chol_w.T)
            e = RHO_OUTCOME * e + np.sqrt(1 - RHO_OUTCOME ** 2) * rng.standard_normal((n, 3))
        if k < first:
            continue
        shift = np.array([_shift_vector(o, k) for o in orgs])[person_org]
        pred = shift + team_fixed[person_team] + team_rand[person_team] + z
        eta = np.column_stack([pred, _outcomes(pred, e)])
        raw = _discretise(eta, rng.standard_normal((n, len(params.codes))), params)
        sm = _scale_means(raw, params)
        scores.append((sm - sm.mean(axis=0)) / sm.std(axis=0))
    (x1, y1), (x2, y2) = [(s[:, ix], s[:, iy]) for s in scores]
    design = np.column_stack([x1, y1])
    bx, *_ = np.linalg.lstsq(design, x2, rcond=None)
    by, *_ = np.linalg.lstsq(design, y2, rcond=None)
    return (("x_x", round(float(bx[0]), 4)), ("y_x", round(float(bx[1]), 4)), ("x_y", round(float(by[0]), 4)),
            ("y_y", round(float(by[1]), 4)), ("n_population", int(n)))
