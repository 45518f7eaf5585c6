"""Small scored rounds and report contexts for the fast report-number tests (no rendering, no papermill)."""

from informeel_lib.codebook import load_codebook
from informeel_lib.report.context import ReportContext, _scored

CB = load_codebook()
ROUND, PREVIOUS = "2022-05", "2021-11"
ORG = "ZINN"
REST = "rest van het netwerk"


def scored_round(n: int, seed: int, name: str):
    """A synthetic round of the demo questionnaire (``example_survey``), scored as a report scores it."""
    from informeel_lib.synth.example import example_survey

    data = example_survey(n, seed=seed)
    data["round"] = name
    return _scored(data, CB)


def own_round(n: int, seed: int, name: str):
    """A round of the wijkzorg questionnaire (tests/support/questionnaire): 7- and 5-point scales, outcome BEVL;
    returns (scored data, codebook)."""
    import yaml

    from informeel_lib.codebook import parse_codebook
    from informeel_lib.synth.example import example_survey
    from tests.support.own_questionnaire import ROUND_1, TRUTH

    cb = parse_codebook(yaml.safe_load(TRUTH[ROUND_1].read_text("utf-8")))
    raw = example_survey(n, seed=seed, codebook=cb)
    raw["round"] = name
    return _scored(raw, cb), cb


def report_ctx(data, previous=None, organisation=None, min_group=5, **kw) -> ReportContext:
    """The context of a report of ``ROUND`` (with ``PREVIOUS`` when ``previous`` is given) on the demo codebook."""
    return ReportContext(ROUND, data, previous, PREVIOUS if previous is not None else None, organisation, min_group,
                         CB, **kw)
