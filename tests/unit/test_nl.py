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
    (-0.2, 2, "\u22120,20"),  # the minus sign U+2212, not an ASCII hyphen
    (-1234.5, 1, "\u22121.234,5"),
    (-0.001, 2, "0,00"),  # no "−0,00"
    (0, 1, "0,0"),
])
def test_number_uses_decimal_comma_and_thousands_point(value, decimals, expected):
    assert nl.number(value, decimals) == expected


def test_number_missing_apa_and_sign():
    assert nl.number(None) == nl.EMPTY
    assert nl.number(float("nan")) == nl.EMPTY
    assert nl.number(pd.NA) == nl.EMPTY
    assert nl.number(0.823, 2, leading_zero=False) == ",82"
    assert nl.number(-0.823, 2, leading_zero=False) == "\u2212,82"
    assert nl.number(0.2, 2, sign=True) == "+0,20"
    assert nl.number(-0.2, 2, sign=True) == "\u22120,20"
    assert nl.number(0.001, 2, sign=True) == "0,00"  # no sign on a rounded zero
    assert nl.number(float("-inf")) == "\u2212∞"
    assert all("-" not in nl.number(v, d) for v in (-3.5, -0.04, -1e6) for d in (0, 1, 3))


def test_whole_numbers_percent_p_values():
    assert nl.integer(12345) == "12.345"
    assert nl.integer(np.int64(7)) == "7"
    assert nl.percent(0.456) == "46%"
    assert nl.percent(0.4567, 1) == "45,7%"
    assert nl.p_value(0.0004) == "p < ,001"
    assert nl.p_value(0.0321) == "p = ,032"
    assert nl.p_value(float("nan")) == f"p = {nl.EMPTY}"


def test_dates_rounds_and_enumerations():
    assert nl.date(dt.date(2026, 11, 28)) == "28 november 2026"
    assert nl.date("2022-05-03") == "3 mei 2022"
    assert nl.date(pd.Timestamp("2021-03-01 10:00")) == "1 maart 2021"
    assert nl.round_label("2022-05") == "mei 2022"
    assert nl.round_label("voorjaar") == "voorjaar"
    assert nl.word_list([]) == ""
    assert nl.word_list(["a"]) == "a"
    assert nl.word_list(["a", "b", "c"]) == "a, b en c"
    assert nl.plural(1, "team", "teams") == "1 team"
    assert nl.plural(1200, "team", "teams") == "1.200 teams"


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
                           "B", "1.500", nl.EMPTY, ",70", ",040", "nee"]
    assert '<p class="apa-note"><em>Noot.</em> Let op: x &lt; y</p>' in out
    assert out.count('<td class="num"') == 8  # numeric cells right-aligned; text and booleans not
    assert out.count('<th class="num"') == 4  # and so are the headers of the numeric columns


def test_html_table_without_number_or_note_and_with_index():
    df = pd.DataFrame({"x": [1.0]}, index=pd.Index(["rij"], name="naam"))
    out = nl.html_table(df, title="t", index=True)
    assert "Tabel" not in out and "Noot" not in out
    assert '<th>naam</th><th class="num">x</th>' in out and _cells(out) == ["rij", "1,00"]


def test_html_table_negative_numbers_use_the_minus_sign_and_numeric_cells_do_not_wrap():
    df = pd.DataFrame({"Schaal": ["a-b", "c"], "Verschil": [-0.13, 0.2], "p": [0.0004, 0.2],
                       "Δ": ["\u22120,15*", nl.EMPTY], "n": ["< 5", "12 (34%)"]})
    out = nl.html_table(df, title="t")
    cells = _cells(out)
    assert cells[:2] == ["a-b", "\u22120,13"]  # text keeps its hyphen; the number gets U+2212
    assert not re.search(r"-\d|-,\d", "".join(cells[1:]))
    # numbers, p-values and pre-formatted numbers ("< 5", "12 (34%)", "−0,15*") are numeric cells ...
    assert re.findall(r'<td class="num">([^<]*)</td>', out) == [
        "\u22120,13", "&lt; ,001", "\u22120,15*", "&lt; 5", "0,20", ",200", "12 (34%)"]
    # ... right-aligned under a right-aligned header, and never wrapped ("< ,001" stays on one line)
    assert '<th>Schaal</th><th class="num">Verschil</th>' in out
    assert re.search(r"td\.num \{[^}]*white-space: nowrap", nl.TABLE_CSS)


def test_number_drops_the_sign_of_a_value_that_rounds_to_zero():
    assert nl.number(0.2349) == "0,23" and nl.number(-0.2349) == "\u22120,23" and nl.number(-0.001) == "0,00"
    assert nl.number(float("nan")) == "–" and nl.number(None) == "–"


def test_count_words_up_to_twelve_then_digits():
    assert [nl.count_word(n) for n in (0, 1, 5, 12)] == ["nul", "een", "vijf", "twaalf"]
    assert nl.count_word(13) == "13" and nl.count_word(1500) == "1.500"
    assert nl.count_word(-1) == "\u22121"  # never a word picked from the end of the list


def test_from_to_shows_as_many_decimals_as_it_takes_to_differ_up_to_three():
    assert nl.from_to(3.6, 3.9) == "3,6 → 3,9"
    assert nl.from_to(3.72, 3.74) == "3,72 → 3,74"
    assert nl.from_to(3.7204, 3.7214) == "3,720 → 3,721"
    assert nl.from_to(1.00001, 1.00002) == "1,000 → 1,000"  # three decimals at most
    assert nl.from_to(3.6, 3.9, 2) == "3,60 → 3,90"
    assert nl.from_to(-0.25, 0.25) == "\u22120,2 → 0,2"


def test_p_value_boundary_and_infinity():
    assert nl.p_value(0.001) == "p = ,001"  # exactly ,001 is not "< ,001"
    assert nl.p_value(0.000999) == "p < ,001"
    assert nl.p_value(1.0) == "p = 1,000"
    assert nl.number(float("inf")) == "∞"


def test_round_label_of_an_impossible_month_is_left_as_written():
    assert nl.round_label("2022-13") == "2022-13"
    assert nl.round_label("2022-05-01") == "2022-05-01"
    assert nl.round_label("2023-12") == "december 2023"


def test_html_table_exact_markup():
    df = pd.DataFrame({"Groep": ["a", "b"], "M": [3.5, 4.25]})
    assert nl.html_table(df, title="t") == (
        '<table class="apa"><caption><em>t</em></caption><thead><tr><th>Groep</th><th class="num">M</th></tr>'
        '</thead><tbody><tr><td>a</td><td class="num">3,50</td></tr><tr><td>b</td><td class="num">4,25</td></tr>'
        "</tbody></table>")
    assert nl.html_table(df.iloc[:0], title="leeg") == (
        '<table class="apa"><caption><em>leeg</em></caption><thead><tr><th>Groep</th><th>M</th></tr></thead>'
        "<tbody></tbody></table>")  # an empty table has no numeric columns to align


def test_html_table_a_column_is_numeric_only_if_every_row_is():
    df = pd.DataFrame({"mixed": ["tekst", 2.0], "numeric": [1.0, np.nan]}, dtype=object)
    out = nl.html_table(df, title="t")
    assert "<th>mixed</th>" in out and '<th class="num">numeric</th>' in out  # a missing value does not count


def test_html_table_intervals_do_not_break_but_names_in_brackets_do():
    df = pd.DataFrame({"Team": ["[naam] afd. 2", "Noord"], "BI": ["[,78; ,85]", "[0,1; 0,3]"]})
    cells = _cells(nl.html_table(df, title="t"))
    assert cells == ["[naam] afd. 2", "[,78;&nbsp;,85]", "Noord", "[0,1;&nbsp;0,3]"]


def test_html_table_p_of_exactly_one_thousandth_is_not_below_it():
    df = pd.DataFrame({"p": [0.001, 0.0009999, 0.5]})
    assert _cells(nl.html_table(df, title="t")) == [",001", "&lt; ,001", ",500"]
