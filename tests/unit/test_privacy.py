"""Tests for informeel_lib.privacy: scrubbing open answers and suppressing small groups."""

import html

import numpy as np
import pandas as pd
import pytest

from informeel_lib.errors import AnalysisError
from informeel_lib.privacy import MIN_GROUP, first_names, scrub_text, suppress_small_groups


@pytest.mark.parametrize("number", [
    "06-12345678", "06 12345678", "06 1234 5678", "0612345678", "+31 6 12345678", "+31612345678",
    "+31 (0)6 12345678", "0031 6 12345678", "0031612345678", "050-1234567", "050 123 4567", "0591-123456",
    "020 - 1234567".replace(" - ", "-"), "(050) 123 4567",
])
def test_phone_numbers_are_replaced(number):
    out = scrub_text(f"Bel me op {number} als het kan.")
    assert out == "Bel me op [telefoonnummer] als het kan."


def test_numbers_that_are_not_phone_numbers_stay():
    text = "Om 7.30 uur, 12 cliënten, datum 2022-05-01, 1.234 euro en code 12345."
    assert scrub_text(text) == text


@pytest.mark.parametrize("address", ["m.de.vries@zinn.nl", "Jan_Jansen+zorg@treant-zorg.com", "a.b(at)interzorg.nl"])
def test_email_addresses_are_replaced(address):
    assert scrub_text(f"mail {address} graag") == "mail [e-mail] graag"


@pytest.mark.parametrize("url", ["https://www.zinn.nl/leren?id=3", "http://intranet/x", "www.treant.nl",
                                 "leerplein.interzorg.nl/wond"])
def test_urls_are_replaced(url):
    assert scrub_text(f"zie {url} voor meer") == "zie [website] voor meer"


@pytest.mark.parametrize("text, expected", [
    ("Ik vroeg het aan Marieke de Vries.", "Ik vroeg het aan [naam]."),
    ("Samen met Jan van der Berg en Piet gedaan.", "Samen met [naam] en [naam] gedaan."),
    ("Anouk Bakker liet het zien.", "[naam] liet het zien."),
    ("Mevrouw Jansen had pijn, dhr. van Dijk ook.", "Mevrouw [naam] had pijn, dhr. [naam] ook."),
    ("Eva. Ze zei het.", "[naam]. Ze zei het."),
])
def test_names_are_replaced(text, expected):
    assert scrub_text(text) == expected


def test_ordinary_words_are_not_taken_for_names():
    text = "Ik ben blij, ik wil leren en het lot is goed; de mevrouw at weinig."
    assert scrub_text(text) == text
    assert len(first_names()) >= 300


@pytest.mark.parametrize("text, expected", [
    ("Goed <script>alert(1)</script>gedaan", "Goed gedaan"),
    ("<SCRIPT type='x'>var a = '<b>';</SCRIPT>tekst", "tekst"),
    ("<b>vet</b> en <a href='javascript:alert(1)'>link</a>", "vet en link"),
    ("&lt;script&gt;alert(2)&lt;/script&gt;rest", "rest"),
    ("hallo <script>nooit gesloten alert(3)", "hallo"),
    ("<!-- commentaar --> zichtbaar <img src=x onerror=alert(4)>", "zichtbaar"),
    ("ouder & wijzer", "ouder & wijzer"),
])
def test_html_is_stripped(text, expected):
    out = scrub_text(text)
    assert out == expected
    assert "<" not in out and ">" not in out


def test_missing_values_give_empty_string():
    assert scrub_text(None) == "" and scrub_text(float("nan")) == "" and scrub_text(pd.NA) == ""


def test_scrubbed_text_is_safe_after_escaping():
    out = html.escape(scrub_text("<script>alert('x')</script> Bel Sanne: 06-12345678, s@x.nl"))
    assert "script" not in out and "Sanne" not in out and "06-" not in out and "@" not in out


def test_suppress_small_groups_masks_and_marks():
    t = pd.DataFrame({"team": ["A", "B", "C"], "n": [12, 3, 5], "mean": [3.4, 4.1, 3.0], "sd": [0.5, 0.2, 0.7],
                      "label": ["x", "y", "z"]})
    out = suppress_small_groups(t)
    assert MIN_GROUP == 5
    assert out["n"].tolist() == [12, 3, 5]
    assert out.loc[1, ["mean", "sd"]].isna().all()
    assert out.loc[[0, 2], "mean"].tolist() == [3.4, 3.0]
    assert out["suppressed"].tolist() == [False, True, False]
    assert "minder dan 5" in out.loc[1, "note"] and out.loc[0, "note"] == ""
    assert out["label"].tolist() == ["x", "y", "z"]          # text columns untouched by default
    assert t["mean"].notna().all()                            # input not modified


def test_suppress_small_groups_explicit_columns_and_missing_n():
    t = pd.DataFrame({"g": ["a", "b"], "count": [np.nan, 9], "value": [1, 2], "other": [7.0, 8.0]})
    out = suppress_small_groups(t, n_col="count", min_group=10, value_cols=["value"])
    assert out["value"].isna().all() and out["other"].tolist() == [7.0, 8.0]
    assert out["suppressed"].all()


def test_suppress_small_groups_bad_input():
    with pytest.raises(AnalysisError, match="kolom 'n'"):
        suppress_small_groups(pd.DataFrame({"x": [1]}))
    with pytest.raises(AnalysisError, match="minimale groepsgrootte"):
        suppress_small_groups(pd.DataFrame({"n": [1]}), min_group=0)
