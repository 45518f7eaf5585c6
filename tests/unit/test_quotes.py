"""Quotes a researcher approves (informeel_lib.report.quotes): proposing, the approval file, merging, showing.

The answers are lower case (no capital after the first letter, no '@'), so de-identification never has to
load deduce and every test stays fast; what deduce finds is tested in the de-identification benchmark.
"""

import html
import re

import pandas as pd
import pytest
import yaml

from informeel_lib import cli
from informeel_lib.codebook import load_codebook
from informeel_lib.errors import InputError
from informeel_lib.report import quotes as rq
from informeel_lib.report.context import ReportContext
from informeel_lib.report.sections import open_answers_section

ROUND = "2022-05"
FORM_TEXTS = {
    "zelfgestuurd": "ik heb zelf opgezocht hoe je een drukverband aanlegt, poging {k}",
    "incidenteel": "door een fout bij de overdracht kwam ik erachter hoe het moet, keer {k}",
    "tacit": "je kijkt het af van collega's zonder dat je het doorhebt, ook nu weer {k}",
}


def _rows(org, n_per_form, *, start=0):
    rows = []
    for form, text in FORM_TEXTS.items():
        for k in range(start, start + n_per_form):
            rows.append({"organisation": org, "team": "t1", "role": "zorgmedewerker",
                         "OPEN_VOORBEELD": text.format(k=k), "expected": form})
    return rows


@pytest.fixture(scope="module")
def codebook():
    return load_codebook()


@pytest.fixture()
def data():
    rows = _rows("Alfa", 6) + _rows("Beta", 6, start=10)
    rows[0]["OPEN_VOORBEELD"] = "ik heb zelf opgezocht wat het adres was, mail jan [at] zorg [punt] nl"
    rows[1]["OPEN_VOORBEELD"] = "ik heb zelf opgezocht hoe het zit met tillen & heffen, met een collega"
    frame = pd.DataFrame(rows)
    frame.insert(0, "respondent", [f"r{i}" for i in range(len(frame))])
    frame.insert(1, "round", ROUND)
    return frame.drop(columns="expected")


def _approve(approvals, ids):
    return rq.Approvals(approvals.round_name, tuple(q if q.id not in ids else rq.replace(q, approved=True)
                                                    for q in approvals.quotes), approvals.path)


def test_candidates_per_organisation_and_form_from_organisations_with_a_report(data, codebook):
    proposal = rq.propose_quotes(data, codebook, per_form=2)
    quotes = proposal.approvals.quotes
    assert proposal.added == len(quotes) == 2 * 3 * 2 and proposal.kept == 0
    assert {q.organisation for q in quotes} == {"Alfa", "Beta"}
    for org in ("Alfa", "Beta"):
        assert sorted(q.form for q in quotes if q.organisation == org) == sorted(list(rq.FORMS) * 2)
    assert not any(q.approved for q in quotes)
    assert all(q.id == rq.text_id(q.text) and not q.edited for q in quotes)
    assert len({q.source for q in quotes}) == len(quotes)
    planted = next(q for q in quotes if "adres" in q.text)
    assert "[e-mail]" in planted.text and "jan" not in planted.text  # de-identified again when proposed
    assert "Ronde 2022-05: 12 citaten uit 2 organisaties (12 nieuw" in proposal.summary()


def test_organisations_without_a_report_of_their_own_get_no_candidates(data, codebook):
    small = pd.concat([data, pd.DataFrame(_rows("Klein", 1, start=20)).drop(columns="expected")], ignore_index=True)
    assert rq.quote_organisations(small, min_group=5) == ["Alfa", "Beta"]  # Klein: 3 people
    assert rq.propose_quotes(data, codebook, min_group=19).approvals.quotes == ()  # 18 people each


def test_the_approval_file_round_trips_and_explains_itself(data, codebook, tmp_path):
    path = rq.approval_path(tmp_path, ROUND)
    assert path == tmp_path / f"{ROUND}_citaten.yaml"
    approvals = _approve(rq.propose_quotes(data, codebook, per_form=1).approvals, set())
    rq.write_approvals(approvals, path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Citaten voor de rapporten van ronde 2022-05") and "goedgekeurd: true" in text
    raw = yaml.safe_load(text)
    assert raw["ronde"] == ROUND and sorted(raw["organisaties"]) == ["Alfa", "Beta"]
    assert set(raw["organisaties"]["Alfa"][0]) == {"id", "bron", "vraag", "vorm", "goedgekeurd", "tekst"}
    back = rq.read_approvals(path, round_name=ROUND)
    assert back.quotes == approvals.quotes and back.path == path
    assert rq.read_approvals(tmp_path / "none.yaml", round_name=ROUND).quotes == ()


def test_rerunning_keeps_the_decisions_and_does_not_grow(data, codebook, tmp_path):
    first = rq.propose_quotes(data, codebook, per_form=2).approvals
    chosen = {first.quotes[0].id, first.quotes[4].id}
    path = rq.write_approvals(_approve(first, chosen), tmp_path / "c.yaml")
    path.write_text(path.read_text(encoding="utf-8").replace("goedgekeurd: false\n", "goedgekeurd: false\n"
                                                             "    opmerking: gelezen\n", 1), encoding="utf-8")
    existing = rq.read_approvals(path, round_name=ROUND)
    again = rq.propose_quotes(data, codebook, existing=existing, per_form=2)
    assert again.added == 0 and again.kept == len(first.quotes) and again.notes == ()
    assert again.approvals.quotes == existing.quotes
    assert {q.id for q in again.approvals.approved()} == chosen
    assert sum(q.note == "gelezen" for q in again.approvals.quotes) == 1
    more = rq.propose_quotes(data, codebook, existing=existing, per_form=3)  # asking for more fills up
    assert more.added == 2 * 3 and {q.id for q in more.approvals.approved()} == chosen


def test_an_edited_text_is_not_shown_and_comes_back_unapproved(data, codebook, tmp_path):
    first = rq.propose_quotes(data, codebook, per_form=1).approvals
    target = first.quotes[0]
    path = rq.write_approvals(_approve(first, {target.id}), rq.approval_path(tmp_path, ROUND))
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["organisaties"][target.organisation][0]["tekst"] = target.text + " en nog iets"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    edited = rq.read_approvals(path, round_name=ROUND)
    assert edited.quotes[0].edited and edited.approved() == []
    warnings = rq.check_approvals(tmp_path, ROUND)
    assert len(warnings) == 1 and target.id in warnings[0] and "gewijzigd" in warnings[0]
    again = rq.propose_quotes(data, codebook, existing=edited, per_form=1)
    back = next(q for q in again.approvals.quotes if q.source == target.source)
    assert back.text == target.text and not back.approved and not back.edited
    assert len(again.notes) == 1 and target.id in again.notes[0] and again.kept == len(first.quotes) - 1


def test_a_quote_whose_answer_is_gone_is_dropped(data, codebook):
    first = _approve(rq.propose_quotes(data, codebook, per_form=1).approvals, set())
    target = first.quotes[0]
    data = data[data["OPEN_VOORBEELD"] != next(a for a in data["OPEN_VOORBEELD"]
                                               if rq.source_id(target.organisation, "OPEN_VOORBEELD", a)
                                               == target.source)]
    again = rq.propose_quotes(data, codebook, existing=first, per_form=1)
    assert target.source not in {q.source for q in again.approvals.quotes}
    assert len(again.notes) == 1 and "weggelaten" in again.notes[0]
    assert again.added == 1  # its place is filled by another answer of the same organisation and form


@pytest.mark.parametrize("content, message", [
    ("ronde: [2022-05\n", "geen geldige YAML (regel"),
    ("ronde: 2021-11\norganisaties: {}\n", "hoort bij ronde '2021-11'"),
    ("- a\n- b\n", "verwacht 'ronde:'"),
    ("ronde: 2022-05\norganisaties:\n  Alfa: tekst\n", "onder 'Alfa' hoort een lijst"),
    ("ronde: 2022-05\norganisaties:\n  Alfa:\n  - {id: a, bron: b, vraag: c, goedgekeurd: ja, tekst: d}\n",
     "'goedgekeurd' moet true of false zijn"),
    ("ronde: 2022-05\norganisaties:\n  Alfa:\n  - {id: a, bron: b, vraag: c, goedgekeurd: true, tekst: d, x: 1}\n",
     "onbekende sleutel(s) x"),
    ("ronde: 2022-05\norganisaties:\n  Alfa:\n  - {id: a, vraag: c, goedgekeurd: true}\n", "mist bron, tekst"),
])
def test_an_invalid_approval_file_is_a_dutch_error_naming_file_and_round(tmp_path, content, message):
    path = rq.approval_path(tmp_path, ROUND)
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as err:
        rq.read_approvals(path, round_name=ROUND)
    assert message in str(err.value) and str(path) in str(err.value) and "ronde 2022-05" in str(err.value)


def test_the_demo_approves_quotes_in_which_nothing_was_replaced(data, codebook):
    approvals = rq.approve_for_demo(rq.propose_quotes(data, codebook, per_form=3).approvals, per_form=2)
    approved = approvals.approved()
    assert len(approved) == 2 * 3 * 2
    assert not any("[" in q.text for q in approved)
    assert any("[e-mail]" in q.text and not q.approved for q in approvals.quotes)


def _context(data, codebook, folder, organisation=None):
    return ReportContext(ROUND, data, None, None, organisation, 5, codebook, data_dir=str(folder))


def _blockquotes(text):
    return re.findall(r'<blockquote class="citaat">(.*?) <em>\((\w+)\)</em></blockquote>', text)


def test_without_approvals_a_report_shows_counts_and_says_so(data, codebook, tmp_path):
    approvals = rq.propose_quotes(data, codebook, per_form=2).approvals
    for stored in (None, approvals):  # no file; a file with nothing approved
        if stored is not None:
            rq.write_approvals(stored, rq.approval_path(tmp_path, ROUND))
        for org in ("Alfa", None):
            section = open_answers_section(_context(data, codebook, tmp_path, org)).html
            assert "<blockquote" not in section and "<table" in section
            assert html.escape(rq.NO_QUOTES.format(focus=org or "het netwerk")) in section


def test_reports_show_only_approved_unchanged_quotes_escaped(data, codebook, tmp_path):
    approvals = rq.propose_quotes(data, codebook, per_form=3).approvals
    alfa = [q for q in approvals.quotes if q.organisation == "Alfa"]
    chosen = {q.id for q in alfa if q.form != "tacit"} | {approvals.quotes[-1].id}  # + one of Beta
    rq.write_approvals(_approve(approvals, chosen), rq.approval_path(tmp_path, ROUND))
    shown = _blockquotes(rq.quotes_html(_context(data, codebook, tmp_path, "Alfa"), ["OPEN_VOORBEELD"]))
    expected = [(html.escape(q.text), q.form) for q in alfa if q.id in chosen]
    assert sorted(shown) == sorted(expected[:2] + expected[3:5])  # at most two per form, only Alfa's
    assert any("tillen &amp; heffen" in text for text, _ in shown)
    network = _blockquotes(rq.quotes_html(_context(data, codebook, tmp_path), ["OPEN_VOORBEELD"]))
    assert len(network) == 2 + 2 + 1 and html.escape(approvals.quotes[-1].text) in {t for t, _ in network}


def test_a_quote_is_not_shown_once_its_answer_changed(data, codebook, tmp_path):
    approvals = rq.propose_quotes(data, codebook, per_form=1).approvals
    rq.write_approvals(_approve(approvals, {q.id for q in approvals.quotes}), rq.approval_path(tmp_path, ROUND))
    changed = data.assign(OPEN_VOORBEELD=data["OPEN_VOORBEELD"] + " (herzien)")
    section = rq.quotes_html(_context(changed, codebook, tmp_path, "Alfa"), ["OPEN_VOORBEELD"])
    assert "<blockquote" not in section and "geen citaten" in section
    # approved, but not showable: the report does not claim that nothing was approved
    assert html.escape(rq.NOT_SHOWABLE.format(focus="Alfa")) in section
    assert "(nog) geen citaten" not in section


def test_cli_citaten_writes_keeps_and_refuses_bad_input(data, tmp_path, capsys):
    data.to_parquet(tmp_path / f"{ROUND}.parquet")
    args = ["citaten", "--round", ROUND, "--data", str(tmp_path), "--per-vorm", "1"]
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    path = rq.approval_path(tmp_path, ROUND)
    assert str(path) in out and "goedgekeurd: true" in out
    assert len(rq.read_approvals(path, round_name=ROUND).quotes) == 6
    path.write_text(path.read_text(encoding="utf-8").replace("goedgekeurd: false", "goedgekeurd: true", 1),
                    encoding="utf-8")
    assert cli.main(args) == 0
    assert len(rq.read_approvals(path, round_name=ROUND).approved()) == 1  # the decision survived the rerun
    path.write_text("ronde: [", encoding="utf-8")
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert "Fout:" in err and str(path) in err and "Traceback" not in err
    assert path.read_text(encoding="utf-8") == "ronde: ["  # an invalid file is left for the researcher to fix
    for bad in (["--round", "2023-01"], ["--round", "../x"]):
        assert cli.main(["citaten", "--data", str(tmp_path), *bad]) == 2
        assert "Fout:" in capsys.readouterr().err


def test_report_stops_on_an_invalid_approval_file_before_rendering(data, tmp_path, capsys):
    data.to_parquet(tmp_path / f"{ROUND}.parquet")
    path = rq.approval_path(tmp_path, ROUND)
    path.write_text("ronde: 2022-05\norganisaties:\n  Alfa:\n  - {id: a, bron: b, vraag: c, goedgekeurd: wel, "
                    "tekst: d}\n", encoding="utf-8")
    out = tmp_path / "rapporten"
    assert cli.main(["report", "--round", ROUND, "--data", str(tmp_path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "'goedgekeurd' moet true of false zijn" in err and "Traceback" not in err
    assert not out.exists()
