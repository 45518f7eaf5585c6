"""The report section on the outcome questions: every number in its sentences comes from its tables,
and with too few matched respondents it says so instead of fitting a panel model."""

from __future__ import annotations

import html
import re

import pytest

import informeel_lib as il
from informeel_lib.report import context as rc
from informeel_lib.report.outcomes import compute_outcomes, outcomes_section

NUMBER = re.compile(r"[−+]?(?:\d[\d.]*(?:,\d+)?|,\d+)%?")


@pytest.fixture(scope="module")
def network():
    return il.generate_network(seed=2021)


def write_rounds(path, network, *, keep_matched: int | None = None):
    first, second = network.rounds[:2]
    previous = network.round(first)
    current = network.round(second)
    if keep_matched is not None:  # only this many respondents of the second round answered in the first
        both = sorted(set(previous["respondent"]) & set(current["respondent"]))
        drop = set(both[keep_matched:])
        previous = previous[~previous["respondent"].isin(drop)]
    path.mkdir(parents=True, exist_ok=True)
    previous.to_parquet(path / f"{first}.parquet")
    current.to_parquet(path / f"{second}.parquet")
    return second


def section_html(path, round_name, **kwargs) -> str:
    ctx = rc.load_context(round_name, data_dir=path)
    shared = {"outcomes": compute_outcomes(round_name, data_dir=path, bootstrap=100, **kwargs)}
    return outcomes_section(ctx, shared).html


def sentences(text: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", p)) for p in re.findall(r"<p>(.*?)</p>", text, flags=re.S)]


def table_numbers(text: str) -> set[str]:
    tables = " ".join(re.findall(r"<table.*?</table>", text, flags=re.S))
    return set(NUMBER.findall(html.unescape(re.sub(r"<[^>]+>", " ", tables))))


@pytest.fixture(scope="module")
def full(network, tmp_path_factory):
    path = tmp_path_factory.mktemp("uitkomsten")
    round_name = write_rounds(path, network)
    return section_html(path, round_name), compute_outcomes(round_name, data_dir=path, bootstrap=100)


def test_every_number_in_the_sentences_is_in_a_table(full):
    text, _ = full
    numbers = table_numbers(text)
    checked = 0
    for sentence in sentences(text):
        for token in NUMBER.findall(sentence):
            assert token in numbers, f"{token!r} in '{sentence}' staat in geen tabel"
            checked += 1
    assert checked > 20  # the sentences do carry numbers


def test_sentences_state_the_analysis_results(full):
    text, res = full
    model = il.load_codebook().research_model
    assoc = res["associations"]
    body = " ".join(sentences(text))
    for _code, row in assoc.iterrows():
        assert f"β = {il.nl.number(row['beta'])} (95%-BI {il.nl.number(row['ci_low'])} tot " \
               f"{il.nl.number(row['ci_high'])})" in body
    for further in model.further_outcomes:
        panel = res["panels"][further]
        assert panel.fitted and f"{il.nl.integer(panel.n_matched)} respondenten" in body
        row = panel.effects.loc[f"{model.outcome} → {further}"]
        assert f"β = {il.nl.number(row['beta'])}" in body
    effects = res["paths"].effects
    top = effects.loc[effects[effects["outcome"] == model.further_outcomes[0]]["indirect"].abs().idxmax()]
    assert il.nl.number(top["indirect"]) in body
    assert "niet wat oorzaak en gevolg is" in body  # one round is a correlation, not a cause
    assert "<table" in text and text.count("<table") == 2 + len(model.further_outcomes)


def test_too_few_matched_respondents_are_reported_not_fitted(network, tmp_path):
    round_name = write_rounds(tmp_path, network, keep_matched=20)
    text = section_html(tmp_path, round_name)
    body = " ".join(sentences(text))
    assert "20 respondenten vulden de vragenlijst zowel in" in body
    assert "minder dan de 50 die nodig zijn" in body and "niet gedaan" in body
    assert "Panelmodel" not in text  # no estimates
    numbers = table_numbers(text)
    for sentence in sentences(text):
        for token in NUMBER.findall(sentence):
            assert token in numbers, f"{token!r} in '{sentence}'"


def test_without_a_previous_round_it_says_so(network, tmp_path):
    first = network.rounds[0]
    network.round(first).to_parquet(tmp_path / f"{first}.parquet")
    text = section_html(tmp_path, first)
    assert "Er is geen eerdere ronde" in text
