"""Property-based tests: random dirt thrown at intake and cleaning.

Whatever is in the cells, spellings, column order, delimiter or encoding, the intake and cleaning
never raise anything but InformeelError, every row is accounted for (kept + dropped = in, per
file), kept item values are 1..5 or missing, and clean input gives no error at all.
"""

import csv
import io

import numpy as np
from hypothesis import HealthCheck, given, settings, strategies as st

from informeel_lib.codebook import load_codebook
from informeel_lib.errors import InformeelError, InputError
from informeel_lib.io.cleaning import clean_files
from informeel_lib.io.intake import read_export
from informeel_lib.io.values import convert_item

CB = load_codebook()
ITEMS = CB.item_codes
SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

printable = st.characters(codec="cp1252", exclude_categories=("Cc", "Cs"))
garbage = st.text(alphabet=printable, max_size=12)


def _vary(draw, text):
    """Random case and surrounding white space."""
    style = draw(st.sampled_from([str, str.upper, str.lower, str.title]))
    return draw(st.sampled_from(["", " ", "  "])) + style(text) + draw(st.sampled_from(["", " ", "\t"]))


@st.composite
def item_cell(draw):
    kind = draw(st.sampled_from(["label", "number", "float", "blank", "missing", "garbage"]))
    if kind == "label":
        return _vary(draw, draw(st.sampled_from(sorted(CB.response_labels))))
    if kind == "number":
        return str(draw(st.integers(-120, 120)))
    if kind == "float":
        return repr(draw(st.floats(allow_nan=False, allow_infinity=False, width=32)))
    if kind == "blank":
        return ""
    if kind == "missing":
        return _vary(draw, draw(st.sampled_from(sorted(CB.missing_labels))))
    return draw(garbage)


def _aliases(categories):
    return sorted({a for c in categories for a in (c.code, c.label, *c.aliases)})


@st.composite
def export_file(draw, n_max=8):
    """(headings, rows, known_orgs_and_roles) for a random dirty export."""
    n = draw(st.integers(1, n_max))
    junk_org = draw(st.booleans()) and draw(st.booleans())  # about a quarter of the files
    orgs = []
    for _ in range(n):
        if junk_org and draw(st.booleans()):
            orgs.append(draw(garbage))
        else:
            orgs.append(_vary(draw, draw(st.sampled_from(_aliases(CB.organisations)))))
    roles = [_vary(draw, draw(st.sampled_from(_aliases(CB.roles)))) for _ in range(n)]
    codes = [draw(st.sampled_from(["", "A1", "a-1", "B2", "c3 ", "D4"])) for _ in range(n)]
    columns = {
        draw(st.sampled_from(["organisatie", "Organisation", CB.background["organisation"]["text"]])): orgs,
        draw(st.sampled_from(["team", "Team", CB.background["team"]["text"]])): [draw(garbage) for _ in range(n)],
        draw(st.sampled_from(["rol", "Functie", CB.background["role"]["text"]])): roles,
        "code": codes,
        "Email": ["x@example.nl"] * n,
        "teamgrootte": [draw(st.sampled_from(["", "12", "0", "80", "81", "twaalf", "-9"])) for _ in range(n)],
    }
    for item in ITEMS:
        heading = draw(st.sampled_from([item, item.lower(), f"{CB.scale_of(item)}[{item}]", CB.item(item).text]))
        columns[heading] = [draw(item_cell()) for _ in range(n)]
    order = draw(st.permutations(list(columns)))
    rows = [list(order)] + [[columns[h][i] for h in order] for i in range(n)]
    all_known = all(CB.resolve_organisation(o) or not o.strip() for o in orgs)  # blank: row dropped, no error
    return rows, all_known


def _write(path, rows, delimiter, encoding):
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL).writerows(rows)
    data = buf.getvalue().encode(encoding, errors="replace")
    path.write_bytes(data)


@SETTINGS
@given(files=st.lists(export_file(), min_size=1, max_size=3),
       delimiter=st.sampled_from([",", ";", "\t"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
       rules=st.tuples(st.sampled_from(["flag", "drop"]), st.sampled_from(["flag", "drop"])))
def test_dirt_never_crashes_and_every_row_is_accounted_for(tmp_path_factory, files, delimiter, encoding, rules):
    folder = tmp_path_factory.mktemp("vuil")
    for i, (rows, _) in enumerate(files):
        _write(folder / f"export{i}.csv", rows, delimiter, encoding)
    try:
        res = clean_files(folder, round_name="r1", salt="s", straightliners=rules[0], speeders=rules[1])
    except InformeelError as exc:
        assert str(exc)  # a Dutch message
        assert encoding == "utf-16" or not all(known for _, known in files), str(exc)
        return
    assert encoding != "utf-16"
    assert all(known for _, known in files)
    assert res.n_in == sum(len(rows) - 1 for rows, _ in files)
    assert res.n_in == res.n_kept + sum(res.n_dropped_by_reason.values())
    table = res.to_frame()
    assert (table["n_in"] == table["n_kept"] + table["n_dropped"]).all()
    dropped = res.log[res.log["action"] == "verwijderd"]
    accounted = list(zip(res.data["source_file"], res.data["source_row"])) + list(
        zip(dropped["source_file"], dropped["source_row"]))
    expected = [(f"export{i}.csv", r) for i, (rows, _) in enumerate(files) for r in range(2, len(rows) + 1)]
    assert sorted(accounted) == sorted(expected)  # each row exactly once: kept or dropped
    values = res.data[ITEMS].to_numpy(dtype=float)
    assert np.isnan(values[~np.isin(values, [1, 2, 3, 4, 5])]).all()
    assert "x@example.nl" not in res.log.to_csv() and "Email" not in res.data.columns


@SETTINGS
@given(data=export_file(n_max=4), delimiter=st.sampled_from([",", ";", "\t"]))
def test_shuffled_columns_give_the_same_data(tmp_path_factory, data, delimiter):
    rows, _ = data
    folder = tmp_path_factory.mktemp("schud")
    _write(folder / "a.csv", rows, delimiter, "utf-8")
    perm = list(reversed(range(len(rows[0]))))
    _write(folder / "b.csv", [[r[j] for j in perm] for r in rows], delimiter, "utf-8")
    a, b = read_export(folder / "a.csv"), read_export(folder / "b.csv")
    cols = sorted(a.data.columns)
    assert sorted(b.data.columns) == cols
    assert a.data[cols].astype(str).equals(b.data[cols].astype(str))
    assert sorted((i.column, i.row, i.value) for i in a.issues) == sorted((i.column, i.row, i.value) for i in b.issues)


@settings(max_examples=300, deadline=None)
@given(value=st.one_of(item_cell(), st.integers(), st.floats(), st.text(), st.none(), st.booleans()))
def test_convert_item_is_total(value):
    v, problem = convert_item(value, CB)
    assert np.isnan(v) or v in (1.0, 2.0, 3.0, 4.0, 5.0)
    assert problem is None or (np.isnan(v) and problem[0] in ("buiten_bereik", "onbekend_label"))


def test_utf16_is_an_input_error(tmp_path):
    _write(tmp_path / "u.csv", [["organisatie", "team", "rol"] + ITEMS, ["ZINN", "a", "rol"] + ["3"] * len(ITEMS)],
           ",", "utf-16")
    try:
        read_export(tmp_path / "u.csv")
    except InputError as exc:
        assert "UTF-16" in str(exc) and "u.csv" in str(exc)
    else:  # pragma: no cover - the assertion below documents the failure
        raise AssertionError("UTF-16 was accepted")
