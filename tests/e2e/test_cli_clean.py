"""`informeel clean` on good and bad input: exit codes, Dutch messages naming file/column/row, no traceback."""

import pandas as pd
import pytest

from informeel_lib.cli import main
from informeel_lib.project import DEMO_NOTICE
from tests.support.exports import ITEMS, _write_csv, limesurvey_csv, make_people


@pytest.fixture(autouse=True)
def _salt(monkeypatch, tmp_path):
    monkeypatch.setenv("INFORMEEL_SALT", "cli-test")
    monkeypatch.chdir(tmp_path)


def _fails(capsys, args, *fragments):
    rc = main(["clean", *map(str, args), "--round", "2022-05", "--out", "uit"])
    out, err = capsys.readouterr()
    assert rc == 2, err
    assert err.startswith(DEMO_NOTICE + "\nFout: ")  # no codebook given, no informeel.yaml: the demo, said once
    err = err.removeprefix(DEMO_NOTICE + "\n")
    assert "Traceback" not in err + out
    for fragment in fragments:
        assert fragment in err, (fragment, err)
    return err


def test_clean_ok_prints_summary_and_warnings(tmp_path, capsys):
    people = make_people(4)
    path = limesurvey_csv(tmp_path / "goed.csv", people, answers="number")
    text = path.read_bytes().decode("cp1252")
    lines = text.split("\r\n")
    cells = lines[1].split(";")
    cells[16] = '"8"'  # out of range
    lines[1] = ";".join(cells)
    path.write_bytes("\r\n".join(lines).encode("cp1252"))
    rc = main(["clean", str(path), "--round", "2022-05", "--out", "uit", "--speeders", "markeer"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert "4 rijen ingelezen" in out and "4 bewaard" in out
    assert "Waarschuwing: 1 waarde(n) buiten het antwoordbereik" in err
    data = pd.read_parquet(tmp_path / "uit" / "2022-05.parquet")
    assert len(data) == 4 and (tmp_path / "uit" / "2022-05_log.csv").exists()


def test_strict_mode_out_of_range(tmp_path, capsys):
    rows = [["organisatie", "team", "rol"] + ITEMS,
            ["ZINN", "A", "manager"] + ["3"] * len(ITEMS),
            ["ZINN", "A", "manager"] + ["4", "8"] + ["3"] * (len(ITEMS) - 2)]
    path = _write_csv(tmp_path / "streng.csv", rows, delimiter=";")
    assert main(["clean", str(path), "--round", "r1", "--out", "uit"]) == 0
    capsys.readouterr()
    rc = main(["clean", str(path), "--round", "r1", "--out", "uit", "--streng"])
    err = capsys.readouterr().err
    assert rc == 2 and "streng.csv" in err and f"kolom '{ITEMS[1]}'" in err and "rij 3" in err and "'8'" in err


def test_strict_mode_unknown_label(tmp_path, capsys):
    people = make_people(2)
    path = limesurvey_csv(tmp_path / "label.csv", people)
    path.write_bytes(path.read_bytes().replace(b'"helemaal mee eens"', b'"Heel erg eens"', 1))
    rc = main(["clean", str(path), "--round", "r1", "--out", "uit", "--streng"])
    err = capsys.readouterr().err
    assert rc == 2 and "label.csv" in err and "Heel erg eens" in err and "rij " in err and "kolom '" in err


def test_empty_file(tmp_path, capsys):
    (tmp_path / "leeg.csv").write_bytes(b"")
    _fails(capsys, [tmp_path / "leeg.csv"], "leeg.csv", "leeg")


def test_header_only_file(tmp_path, capsys):
    _write_csv(tmp_path / "kop.csv", [["organisatie", "team", "rol"] + ITEMS])
    _fails(capsys, [tmp_path / "kop.csv"], "kop.csv", "geen enkele ingevulde rij")


def test_utf16_file(tmp_path, capsys):
    text = ",".join(["organisatie", "team", "rol"] + ITEMS) + "\n" + ",".join(["ZINN", "A", "manager"] + ["3"] * 47)
    (tmp_path / "utf16.csv").write_bytes(text.encode("utf-16"))
    _fails(capsys, [tmp_path / "utf16.csv"], "utf16.csv", "UTF-16")


def test_binary_file(tmp_path, capsys):
    (tmp_path / "ruis.csv").write_bytes(bytes(range(256)) * 20)
    _fails(capsys, [tmp_path / "ruis.csv"], "ruis.csv", "geen tekstbestand")


def test_wrong_delimiter(tmp_path, capsys):
    text = "|".join(["organisatie", "team", "rol"] + ITEMS) + "\n" + "|".join(["ZINN", "A", "manager"] + ["3"] * 47)
    (tmp_path / "pijp.csv").write_text(text)
    _fails(capsys, [tmp_path / "pijp.csv"], "pijp.csv", "één kolom", "scheidingsteken")


def test_missing_required_columns_all_listed(tmp_path, capsys):
    rows = [["team"] + ITEMS[1:], ["A"] + ["3"] * (len(ITEMS) - 1)]
    err = _fails(capsys, [_write_csv(tmp_path / "mist.csv", rows)], "mist.csv", "organisation", "role", ITEMS[0])
    assert "3 verplichte kolom(men) ontbreken" in err


def test_unknown_organisation(tmp_path, capsys):
    people = make_people(3)
    people[2]["organisation"] = "Oosterlenge"
    _fails(capsys, [limesurvey_csv(tmp_path / "org.csv", people)], "org.csv", "rij 4", "Oosterlenge",
           "Bedoelt u 'Oosterlengte'", "codeboek")


def test_unsupported_extension(tmp_path, capsys):
    (tmp_path / "export.pdf").write_bytes(b"%PDF-1.4")
    _fails(capsys, [tmp_path / "export.pdf"], "export.pdf", "niet ondersteund")


def test_path_does_not_exist(tmp_path, capsys):
    _fails(capsys, [tmp_path / "bestaat-niet.csv"], "bestaat-niet.csv", "bestaat niet")


def test_corrupt_xlsx_and_sav(tmp_path, capsys):
    (tmp_path / "kapot.xlsx").write_bytes(b"dit is geen zip")
    _fails(capsys, [tmp_path / "kapot.xlsx"], "kapot.xlsx", "Excel")
    (tmp_path / "kapot.sav").write_bytes(b"$FL2 kapot")
    _fails(capsys, [tmp_path / "kapot.sav"], "kapot.sav", "SPSS")


def test_folder_without_exports(tmp_path, capsys):
    (tmp_path / "leeg").mkdir()
    _fails(capsys, [tmp_path / "leeg"], "leeg", "geen exportbestanden")


def test_ragged_row(tmp_path, capsys):
    text = ",".join(["organisatie", "team", "rol"] + ITEMS) + "\n"
    text += ",".join(["ZINN", "A", "manager"] + ["3"] * 47) + "\n"
    text += ",".join(["ZINN", "A, B", "manager"] + ["3"] * 47) + "\n"
    (tmp_path / "rafel.csv").write_text(text)
    _fails(capsys, [tmp_path / "rafel.csv"], "rafel.csv", "rij 3", "velden")
