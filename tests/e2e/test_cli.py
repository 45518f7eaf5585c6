"""CLI plumbing: Dutch help, InformeelError without traceback, unexpected errors without traceback."""

import subprocess
import sys

import pytest

from informeel_lib import cli
from informeel_lib.errors import InputError


def test_help_is_dutch(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for command in ("synth", "clean", "report", "demo"):
        assert command in out
    assert "synthetisch netwerk" in out


def test_informeel_error_is_one_line_exit_2(monkeypatch, capsys):
    def boom(args):
        raise InputError("dit bestand is leeg.", file="ronde.csv", row=3)

    monkeypatch.setattr(cli, "_cmd_synth", boom)
    assert cli.main(["synth", "--out", "x"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "Fout: bestand 'ronde.csv', rij 3: dit bestand is leeg."


def test_unexpected_error_has_no_traceback(monkeypatch, capsys):
    def boom(args):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(cli, "_cmd_synth", boom)
    assert cli.main(["synth", "--out", "x"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "Onverwachte fout" in err


def test_console_script_runs_as_module():
    proc = subprocess.run([sys.executable, "-m", "informeel_lib.cli", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0 and "opdracht" in proc.stdout


def test_functions_named_like_their_module_stay_functions():
    code = ("import informeel_lib.analysis.reliability, informeel_lib.analysis.cfa, informeel_lib as il; "
            "assert callable(il.reliability) and callable(il.cfa), (il.reliability, il.cfa)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
