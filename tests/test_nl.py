"""Dutch number/text formatting and APA-style HTML tables (informeel_lib.nl)."""

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

from informeel_lib import nl


@pytest.mark.parametrize("value, decimals, expected", [
    (3.8, 1, "3,8"),
    (3.849, 2, "3,85"),
    (12345.678, 2, "12.345,68"),
    (1234567, 0, "1.234.567"),
    (-0.2, 2, "-0,20"),
    (-0.001, 2, "0,00"),  # no "-0,00"
    (0, 1, "0,0"),
])
def test_getal_uses_decimal_comma_and_thousands_point(value, decimals, expected):
    assert nl.getal(value, decimals) == expected


def test_getal_missing_apa_and_sign():
    assert nl.getal(None) == nl.LEEG
    assert nl.getal(float("nan")) == nl.LEEG
    assert nl.getal(pd.NA) == nl.LEEG
    assert nl.getal(0.823, 2, leading_zero=False) == ",82"
    assert nl.getal(-0.823, 2, leading_zero=False) == "-,82"
    assert nl.getal(0.2, 2, sign=True) == "+0,20"
    assert nl.getal(-0.2, 2, sign=True) == "-0,20"


def test_whole_numbers_percent_p_values():
    assert nl.geheel(12345) == "12.345"
    assert nl.geheel(np.int64(7)) == "7"
    assert nl.procent(0.456) == "46%"
    assert nl.procent(0.4567, 1) == "45,7%"
    assert nl.p_waarde(0.0004) == "p < ,001"
    assert nl.p_waarde(0.0321) == "p = ,032"
    assert nl.p_waarde(float("nan")) == f"p = {nl.LEEG}"


def test_dates_rounds_and_enumerations():
    assert nl.datum(dt.date(2026, 11, 28)) == "28 november 2026"
    assert nl.datum("2022-05-03") == "3 mei 2022"
    assert nl.datum(pd.Timestamp("2021-03-01 10:00")) == "1 maart 2021"
    assert nl.ronde_naam("2022-05") == "mei 2022"
    assert nl.ronde_naam("voorjaar") == "voorjaar"
    assert nl.opsomming([]) == ""
    assert nl.opsomming(["a"]) == "a"
    assert nl.opsomming(["a", "b", "c"]) == "a, b en c"
    assert nl.meervoud(1, "team", "teams") == "1 team"
    assert nl.meervoud(1200, "team", "teams") == "1.200 teams"


def _cells(table_html):
    return re.findall(r"<td[^>]*>(.*?)</td>", table_html)


def test_html_table_formats_escapes_and_labels():
    df = pd.DataFrame({"Groep": ["<b>Team & co</b>", "B"], "n": [12, 1500], "M": [3.456, np.nan],
                       "α": [0.812, 0.7], "p": [0.0002, 0.04], "ok": [True, False]})
    out = nl.html_table(df, title="Scores <per> groep", number=3, note="Let op: x < y", no_leading_zero=["α"],
                        decimals={"M": 1})
    assert "<strong>Tabel 3</strong>" in out and "<em>Scores &lt;per&gt; groep</em>" in out
    assert "<b>" not in out  # every cell escaped
    assert _cells(out) == ["&lt;b&gt;Team &amp; co&lt;/b&gt;", "12", "3,5", ",81", "&lt; ,001", "ja",
                           "B", "1.500", nl.LEEG, ",70", ",040", "nee"]
    assert '<p class="apa-note"><em>Noot.</em> Let op: x &lt; y</p>' in out
    assert out.count('class="num"') == 8  # numeric cells right-aligned; text and booleans not


def test_html_table_without_number_or_note_and_with_index():
    df = pd.DataFrame({"x": [1.0]}, index=pd.Index(["rij"], name="naam"))
    out = nl.html_table(df, title="t", index=True)
    assert "Tabel" not in out and "Noot" not in out
    assert "<th>naam</th><th>x</th>" in out and _cells(out) == ["rij", "1,00"]
