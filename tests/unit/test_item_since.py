"""An item added to the codebook in a later round (``since:``) does not break cleaning an earlier round.

Found in the acceptance test: re-cleaning round 1 after the codebook gained an item for round 2 stopped
with 'verplichte kolom ontbreekt'. Now an item that a round did not ask is left empty there and logged,
while an item missing from a round that did ask it stays an error naming the file and the column.
"""

import copy

import pytest
import yaml

from informeel_lib.codebook import parse_codebook
from informeel_lib.errors import CodebookError, InputError
from informeel_lib.io.check import check_exports
from informeel_lib.io.cleaning import clean, clean_files
from informeel_lib.synth.example import example_survey
from informeel_lib.synth.generic import asked_in_round
from tests.support.own_questionnaire import ROUND_1, ROUND_2, TRUTH

SALT = "test-salt"


def _raw_round_2() -> dict:
    return yaml.safe_load(TRUTH[ROUND_2].read_text("utf-8"))


def _codebook(since=ROUND_2):
    """The round-2 questionnaire, BEVL5 (new in round 2) marked with ``since`` (None: not marked)."""
    raw = copy.deepcopy(_raw_round_2())
    for item in raw["scales"]["BEVL"]["items"]:
        if item["code"] == "BEVL5" and since is not None:
            item["since"] = since
    return parse_codebook(raw)


def _export(cb, *, without=("BEVL5",)):
    """A round's export as the survey tool gives it (labels for organisation and role), without ``without``."""
    frame = example_survey(20, seed=1, codebook=cb).drop(columns=["respondent", "round", *without])
    return frame.rename(columns={"organisation": "organisatie", "role": "functie"})


def test_since_is_read_and_decides_which_rounds_asked_an_item():
    cb = _codebook()
    assert cb.item("BEVL5").since == ROUND_2 and cb.item("BEVL1").since == ""
    assert cb.items_not_asked(ROUND_1) == ["BEVL5"]
    assert cb.items_not_asked(ROUND_2) == [] and cb.items_not_asked("2025-03") == []
    raw = _raw_round_2()
    raw["scales"]["BEVL"]["items"][0]["since"] = [ROUND_2]
    with pytest.raises(CodebookError, match=r"scales\.BEVL\.items\[0\]\.since"):
        parse_codebook(raw)


def test_an_earlier_round_without_the_new_item_is_cleaned_with_the_item_empty_and_logged():
    res = clean([_export(_codebook())], round_name=ROUND_1, codebook=_codebook(), salt=SALT)
    assert res.n_kept == 20 and res.data["BEVL5"].isna().all()
    assert res.data["BEVL1"].notna().all()
    logged = res.log[res.log["reason_code"] == "niet_gevraagd"]
    assert logged[["source_file", "column", "action"]].values.tolist() == [["dataframe1", "BEVL5", "niet_gevraagd"]]
    assert "BEVL5" not in res.codebook_info["items"]            # the round does not hold it: reports see it as added
    assert "Niet gevraagd in deze ronde (kolom leeg): BEVL5" in res.summary()


def test_the_item_missing_from_a_round_that_asked_it_stays_an_error_naming_file_and_column():
    with pytest.raises(InputError) as err:
        clean([_export(_codebook())], round_name=ROUND_2, codebook=_codebook(), salt=SALT)
    message = str(err.value)
    assert "dataframe1" in message and "BEVL5" in message and "ontbreken" in message
    assert "since: 2024-10" in message                          # the way out, when the item really is new


def test_without_since_an_earlier_round_needs_every_item():
    with pytest.raises(InputError, match="BEVL5"):
        clean([_export(_codebook(None))], round_name=ROUND_1, codebook=_codebook(None), salt=SALT)


def test_re_cleaning_a_round_cleaned_before_the_codebook_gained_an_item(tmp_path):
    """No ``since`` in the codebook: the earlier cleaning of the round shows the item was never asked."""
    raw = tmp_path / "raw"
    raw.mkdir()
    old = parse_codebook({**_raw_round_2(), "scales": {
        code: {**spec, "items": [it for it in spec["items"] if it["code"] != "BEVL5"]}
        for code, spec in _raw_round_2()["scales"].items()}})
    _export(old, without=()).to_csv(raw / "ronde1.csv", index=False)
    clean_files([raw], round_name=ROUND_1, out=tmp_path / "verwerkt", codebook=old, salt=SALT)
    res = clean_files([raw], round_name=ROUND_1, out=tmp_path / "verwerkt", codebook=_codebook(None), salt=SALT)
    assert res.data["BEVL5"].isna().all() and res.data["BEVL4"].notna().all()
    (reason,) = res.log.loc[res.log["reason_code"] == "niet_gevraagd", "reason"]
    assert "eerder opgeschoonde data van deze ronde" in reason
    with pytest.raises(InputError, match=r"ronde1\.csv.*BEVL5"):  # a round never cleaned before: still an error
        clean_files([raw], round_name="2023-11", out=tmp_path / "verwerkt", codebook=_codebook(None), salt=SALT)


def test_synthetic_exports_of_an_earlier_round_leave_out_the_items_it_did_not_ask():
    cb = _codebook()
    assert "BEVL5" not in asked_in_round(cb, ROUND_1).item_codes
    assert asked_in_round(cb, ROUND_2) is cb


def test_codebook_check_lets_an_earlier_rounds_export_lack_an_item_asked_since_a_later_round(tmp_path):
    cb = _codebook()
    _export(cb).to_csv(tmp_path / "ronde1.csv", index=False)
    earlier = check_exports([tmp_path / "ronde1.csv"], codebook=cb, round_name=ROUND_1)
    assert not earlier.blocking
    unknown = check_exports([tmp_path / "ronde1.csv"], codebook=cb)     # round not given: allowed, with a note
    assert not unknown.blocking and any("BEVL5" in p and ROUND_2 in p for p in unknown.files[0].problems)
    later = check_exports([tmp_path / "ronde1.csv"], codebook=cb, round_name=ROUND_2)
    assert later.blocking and "BEVL5" in later.text()


def test_reliability_and_the_notebooks_model_of_the_earlier_round_use_the_items_it_asked(tmp_path):
    from informeel_lib.report.context import ReportContext, _scored
    from informeel_lib.report.notebook import Notebook
    from informeel_lib.report.sections import reliability_section

    cb = _codebook()
    frame = example_survey(60, seed=2, codebook=cb).drop(columns=["respondent", "round", "BEVL5"])
    res = clean([frame.rename(columns={"organisation": "organisatie", "role": "functie"})], round_name=ROUND_1,
                codebook=cb, salt=SALT)
    data = _scored(res.data, cb)
    ctx = ReportContext(ROUND_1, data, None, None, None, min_group=5, codebook=cb)
    html = reliability_section(ctx).html
    row = html.split("<td>Bevlogenheid</td>")[1].split("</tr>")[0]
    assert row.startswith('<td class="num">4</td>') and "–" not in row      # 4 items asked, an alpha for them
    assert "Bevlogenheid: alleen de items die in deze ronde gevraagd zijn." in html
    nb = Notebook(ROUND_1, None, tmp_path, 5, cb, False, data, ctx)
    assert "BEVL5" not in nb.items.columns and nb.model["BEVL"] == ["BEVL1", "BEVL2", "BEVL3", "BEVL4"]


def test_re_cleaning_keeps_the_wording_the_round_was_asked_in(tmp_path):
    """The codebook reworded STEUN2 since (old wording under ``was``): the re-cleaned round keeps the old
    wording, so the reports still say the item was reworded."""
    old = parse_codebook(yaml.safe_load(TRUTH[ROUND_1].read_text("utf-8")))
    raw = _raw_round_2()
    for item in raw["scales"]["STEUN"]["items"]:
        if item["code"] == "STEUN2":
            item["was"] = [old.item("STEUN2").text]
    new = parse_codebook(raw)
    assert new.item("STEUN2").text != old.item("STEUN2").text
    (tmp_path / "raw").mkdir()
    _export(old, without=()).to_csv(tmp_path / "raw" / "ronde1.csv", index=False)
    clean_files([tmp_path / "raw"], round_name=ROUND_1, out=tmp_path / "verwerkt", codebook=old, salt=SALT)
    res = clean_files([tmp_path / "raw"], round_name=ROUND_1, out=tmp_path / "verwerkt", codebook=new, salt=SALT)
    assert res.codebook_info["items"]["STEUN2"] == old.item("STEUN2").text
    assert res.codebook_info["items"]["STEUN1"] == new.item("STEUN1").text
