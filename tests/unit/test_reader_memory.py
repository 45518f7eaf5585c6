"""The CSV reader's memory savings (issue 11: a 200 MB export) read exactly what the plain csv module reads."""

import csv
import io

import pytest

from informeel_lib.io import readers

TEXTS = [
    "a;b;c\n1;2;3\n",
    "a;b;c\r\n1;2;3\r\n4;5;6",  # no newline at the end
    'a;b\n"regel 1\nregel 2";x\n"met ; erin";"y"\n',  # a newline inside a quoted answer
    "a;b\n\u2028los;\x0bteken\n\n\n3;4\n",  # separators that str.splitlines would split at
    "",
]


@pytest.mark.parametrize("text", TEXTS)
def test_split_records_equals_csv_over_stringio(text):
    expected = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert readers._split_records(text, ";") == expected
    assert readers._split_records(text, ";", share=True) == expected
    assert readers._split_records(text, ";", limit=1) == expected[:1]


def test_equal_cells_share_one_string_object():
    text = "vraag;code\n" + "".join(f"Mee eens;p{i}\n" for i in range(50))
    records = readers._split_records(text, ";", share=True)[1:]
    assert len({id(r[0]) for r in records}) == 1  # one 'Mee eens' for all rows
    assert len({id(r[1]) for r in records}) == 50


def test_a_column_with_many_distinct_values_stops_being_pooled(monkeypatch):
    monkeypatch.setattr(readers, "SHARED_CELL_LIMIT", 3)
    pool = readers._CellPool()
    for i in range(10):
        pool.share([f"id{i}", "ja"])
    assert pool.pools[0] is None and pool.pools[1] == {"ja": "ja"}
