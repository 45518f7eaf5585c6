"""Workers and kernels stop with the command (issue 11, item 6): signal handling pieces, without a render."""

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from informeel_lib import cli
from informeel_lib.errors import Interrupted
from informeel_lib.report import processes


def test_interrupted_carries_the_shells_exit_code_and_a_dutch_message():
    assert Interrupted(signal.SIGINT).exit_code == 130
    assert Interrupted(signal.SIGTERM).exit_code == 143
    assert "Ctrl-C" in Interrupted(signal.SIGINT).message()
    assert "signaal 15" in Interrupted(signal.SIGTERM).message()
    assert isinstance(Interrupted(2), KeyboardInterrupt)  # code that handles Ctrl-C handles it too


def test_signal_in_a_deferred_block_fires_after_it():
    guard, done = processes.SignalGuard(), []
    with pytest.raises(Interrupted) as caught:
        with guard.deferred():
            guard.handle(signal.SIGTERM, None)
            done.append("swap")  # the block runs to its end
    assert done == ["swap"] and caught.value.signum == signal.SIGTERM


def test_a_second_signal_while_stopping_is_ignored():
    guard = processes.SignalGuard()
    with pytest.raises(Interrupted):
        guard.handle(signal.SIGINT, None)
    guard.handle(signal.SIGINT, None)  # no second exception out of the cleanup


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_stop_on_signals_raises_interrupted_and_restores_handlers(signum):
    before = signal.getsignal(signum)
    with pytest.raises(Interrupted) as caught, processes.stop_on_signals():
        os.kill(os.getpid(), signum)
        time.sleep(1)  # the handler runs at the next bytecode; never reached
    assert caught.value.signum == signum
    assert signal.getsignal(signum) is before


def test_outside_the_main_thread_no_handlers_are_installed():
    seen = []

    def run():
        with processes.stop_on_signals() as guard:
            seen.append(guard)

    t = threading.Thread(target=run)
    t.start()
    t.join()
    assert isinstance(seen[0], processes.SignalGuard)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux only")
def test_parent_death_signal_is_set_on_linux():
    code = ("import signal, ctypes; from informeel_lib.report.processes import set_parent_death_signal as s; "
            "assert s(signal.SIGTERM); v = ctypes.c_int(); ctypes.CDLL(None).prctl(2, ctypes.byref(v), 0, 0, 0); "
            "print(v.value)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == str(int(signal.SIGTERM))


def test_cli_turns_an_interruption_into_exit_130_without_traceback(monkeypatch, capsys):
    def interrupted(args):
        raise Interrupted(signal.SIGINT)

    monkeypatch.setattr(cli, "_cmd_synth", interrupted)
    assert cli.main(["synth", "--out", "x"]) == 130
    err = capsys.readouterr().err
    assert "Afgebroken met Ctrl-C" in err and "Traceback" not in err


def test_cli_plain_ctrl_c_is_130(monkeypatch, capsys):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_cmd_synth", interrupted)
    assert cli.main(["synth", "--out", "x"]) == 130
    assert "Afgebroken" in capsys.readouterr().err
