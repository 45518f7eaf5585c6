"""Dutch number and text formatting, and APA-style HTML tables for the reports.

Everything a network member reads in a report passes through here: decimal comma, thousands
point, APA conventions (no leading zero for statistics that cannot exceed 1, ``p < ,001``),
Dutch dates and enumerations, and tables whose every cell is HTML-escaped.
"""

from __future__ import annotations

import datetime as _dt
import html
import math
import re
from numbers import Number

import numpy as np
import pandas as pd

MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
           "oktober", "november", "december")
EMPTY = "–"  # shown for a missing value (en dash), never "nan"
MIN = "\u2212"  # minus sign (U+2212) for negative numbers: typographically right, and the same as the sentences


def _is_missing(x) -> bool:
    if x is None or x is pd.NA or x is pd.NaT:
        return True
    try:
        return bool(isinstance(x, Number) and math.isnan(float(x)))
    except (TypeError, ValueError):
        return False


def number(x, decimals: int = 2, *, leading_zero: bool = True, sign: bool = False) -> str:
    """Format a number the Dutch way: decimal comma, thousands point.

    Parameters
    ----------
    x : float or None
        The value; ``None``/NaN gives an en dash.
    decimals : int
        Digits after the comma.
    leading_zero : bool
        ``False`` drops the zero before the comma, as APA asks for statistics bounded by 1
        (correlations, alpha, p): ``,82``.
    sign : bool
        Always show the sign (``+0,20``), useful for changes.

    Examples
    --------
    >>> number(3.8, 1), number(12345.678), number(0.82, leading_zero=False), number(-0.2, sign=True)
    ('3,8', '12.345,68', ',82', '\u22120,20')

    Negative numbers get the minus sign U+2212 (``−``), not the ASCII hyphen, everywhere: in
    sentences, tables and figure axes.

    R equivalent: ``format(x, decimal.mark = ",", big.mark = ".", nsmall = 2)``.
    """
    if _is_missing(x):
        return EMPTY
    value = float(x)
    if math.isinf(value):
        return "∞" if value > 0 else MIN + "∞"
    text = f"{abs(value):,.{decimals}f}".replace(",", "\0").replace(".", ",").replace("\0", ".")
    if round(abs(value), decimals) == 0:
        negative = False
    else:
        negative = value < 0
    if not leading_zero and text.startswith("0,"):
        text = text[1:]
    if negative:
        return MIN + text
    return ("+" + text) if sign and round(abs(value), decimals) != 0 else text


def integer(n) -> str:
    """Format a whole number with a thousands point: ``1.234``; missing gives an en dash."""
    if _is_missing(n):
        return EMPTY
    return number(int(round(float(n))), 0)


def percent(fraction, decimals: int = 0) -> str:
    """Format a fraction (0..1) as a Dutch percentage: ``0.456 -> '46%'``."""
    if _is_missing(fraction):
        return EMPTY
    return f"{number(100 * float(fraction), decimals)}%"


def p_value(p) -> str:
    """APA-style p-value in Dutch notation: ``p < ,001`` or ``p = ,032``."""
    if _is_missing(p):
        return f"p = {EMPTY}"
    if p < 0.001:
        return "p < ,001"
    return f"p = {number(p, 3, leading_zero=False)}"


def date(d) -> str:
    """Dutch long date: ``28 november 2026``. Accepts a date, datetime, Timestamp or ISO string."""
    if _is_missing(d):
        return EMPTY
    if isinstance(d, str):
        d = pd.Timestamp(d)
    if isinstance(d, pd.Timestamp):
        d = d.to_pydatetime()
    if isinstance(d, _dt.datetime):
        d = d.date()
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def round_label(round_name: str) -> str:
    """Human name of a round code ``YYYY-MM``: ``'2022-05' -> 'mei 2022'`` (other codes unchanged)."""
    try:
        year, month = str(round_name).split("-")
        return f"{MONTHS[int(month) - 1]} {int(year)}"
    except (ValueError, IndexError):
        return str(round_name)


def word_list(items) -> str:
    """Dutch enumeration: ``['a', 'b', 'c'] -> 'a, b en c'``."""
    items = [str(i) for i in items]
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " en " + items[-1]


_COUNT_WORDS = ("nul", "een", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen", "tien", "elf", "twaalf")


def count_word(n: int) -> str:
    """A count in running text: written out up to twelve (``5 -> 'vijf'``), digits above.

    >>> count_word(5), count_word(13)
    ('vijf', '13')
    """
    return _COUNT_WORDS[n] if 0 <= n < len(_COUNT_WORDS) else integer(n)


def from_to(before: float, after: float, decimals: int = 1) -> str:
    """``'3,7 → 3,8'``: two means with as many decimals (up to 3) as it takes to show that they differ.

    A sentence that says "hoger" must never read ``3,7 → 3,7``; when the rounded values are equal,
    one more decimal is shown (``3,72 → 3,74``).

    Examples
    --------
    >>> from_to(3.72, 3.74)
    '3,72 → 3,74'
    >>> from_to(3.6, 3.9)
    '3,6 → 3,9'
    """
    for d in range(decimals, 4):
        if number(before, d) != number(after, d):
            break
    return f"{number(before, d)} → {number(after, d)}"


def plural(n: int, singular: str, plural_form: str) -> str:
    """``'1 respondent'`` / ``'3 respondenten'`` with the number formatted the Dutch way."""
    return f"{integer(n)} {singular if n == 1 else plural_form}"


def _cell(value, decimals: int, leading_zero: bool, is_p: bool = False) -> str:
    if is_p and isinstance(value, (float, np.floating)) and not _is_missing(value):
        return "< ,001" if value < 0.001 else number(value, 3, leading_zero=False)
    if isinstance(value, (bool, np.bool_)):
        return "ja" if value else "nee"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return integer(value)
    if isinstance(value, (float, np.floating)):
        if _is_missing(value):
            return EMPTY
        return number(value, decimals, leading_zero=leading_zero)
    if _is_missing(value):
        return EMPTY
    return str(value)


_NUMERIC_TEXT = re.compile(r"[\d.,%*<>≤≥+\-\u2212\[\];() \u00a0–]+")


def _numeric_text(text: str) -> bool:
    """Pre-formatted numbers (``'< 5'``, ``'12 (34%)'``, ``'+0,12*'``, ``'[0,1; 0,3]'``) are aligned as numbers."""
    return bool(_NUMERIC_TEXT.fullmatch(text)) and any(ch.isdigit() for ch in text)


def html_table(df: pd.DataFrame, *, title: str, number: int | None = None, note: str | None = None,
               decimals: int | dict = 2, no_leading_zero=(), p_columns=("p",), index: bool = False,
               css_class: str = "apa") -> str:
    """Render a DataFrame as an APA-style HTML table with Dutch number formatting.

    Parameters
    ----------
    df : DataFrame
        The (aggregate) table. Integers get a thousands point, floats a decimal comma.
    title : str
        Italic table title under the bold "Tabel n".
    number : int, optional
        Table number; omitted label when None.
    note : str, optional
        Shown under the table as "*Noot.* ...".
    decimals : int or dict
        Digits for floats; a dict gives per-column digits (others 2).
    no_leading_zero : iterable of str
        Columns whose values are bounded by 1 (alpha, r): printed as ``,82``.
    p_columns : iterable of str
        Columns holding p-values: three decimals without leading zero, ``< ,001`` below .001.
    index : bool
        Include the index as first column(s).

    Returns
    -------
    str
        HTML; every header and cell is escaped with :func:`html.escape`.

    Notes
    -----
    APA 7 tables: number in bold, title in italics, horizontal rules only, no vertical rules.
    Column headers are kept as given (callers pass Dutch headers). Numeric cells (also
    pre-formatted ones such as ``'< 5'`` or ``'+0,12*'``) get ``class="num"``: right-aligned and,
    through :data:`TABLE_CSS`, never wrapped (``< ,001`` stays on one line).
    """
    if index:
        df = df.reset_index()
    no_lz, p_set = set(no_leading_zero), set(p_columns)
    rows, numeric_cols = [], [len(df) > 0] * len(df.columns)
    for rec in df.itertuples(index=False, name=None):
        cells = []
        for col, value in zip(df.columns, rec):
            d = decimals.get(col, 2) if isinstance(decimals, dict) else decimals
            numeric = isinstance(value, (Number, np.number)) and not isinstance(value, (bool, np.bool_))
            text = _cell(value, d, col not in no_lz, col in p_set)
            is_num = numeric or (isinstance(value, str) and _numeric_text(text))
            cls = ' class="num"' if is_num else ""
            numeric_cols[len(cells)] &= is_num or text == EMPTY
            interval = text.startswith("[") and _numeric_text(text)  # '[,78; ,85]', not a name like '[naam] afd. 2'
            shown = html.escape(text).replace(" ", "&nbsp;") if interval else html.escape(text)
            cells.append(f"<td{cls}>{shown}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    num_th = ' class="num"'
    head = "".join(f"<th{num_th if num else ''}>{html.escape(str(c))}</th>" for c, num in zip(df.columns, numeric_cols))
    label = f"<strong>Tabel {number}</strong><br>" if number is not None else ""
    caption = f"<caption>{label}<em>{html.escape(title)}</em></caption>"
    foot = f'<p class="apa-note"><em>Noot.</em> {html.escape(note)}</p>' if note else ""
    return (f'<table class="{css_class}">{caption}<thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>{foot}")


TABLE_CSS = """
table.apa { border-collapse: collapse; margin: 1em 0; font-size: 0.95em; }
table.apa caption { text-align: left; caption-side: top; padding-bottom: .4em; }
table.apa thead th { border-top: 2px solid #222; border-bottom: 1px solid #222; padding: .3em .8em; text-align: left; }
table.apa thead th.num { text-align: right; }
table.apa tbody tr:last-child td { border-bottom: 2px solid #222; }
table.apa td { padding: .25em .8em; border: none; }
table.apa td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
p.apa-note { font-size: .9em; margin-top: -.5em; }
"""
