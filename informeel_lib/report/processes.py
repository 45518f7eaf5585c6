"""Report workers and their Jupyter kernels stop with the run that started them.

``informeel report`` runs notebooks in worker processes, each with a Jupyter kernel (a process of its own,
in its own session). Without care, a Ctrl-C, a ``kill`` or a ``kill -9`` of the command leaves workers
and kernels running for minutes (issue 11: 1.1 GB of orphans). What this module sets up:

* **Workers are started with SIGINT and SIGTERM blocked** (:class:`WorkerPool`), then
  (:func:`prepare_worker`, the first thing the pool's initializer does) ignore SIGINT, move into their
  own process group (a Ctrl-C in the terminal reaches only the command, which stops them in order; no
  worker prints a traceback), handle SIGTERM by stopping their kernels and exiting, ask Linux to send
  them SIGTERM when the command dies (``prctl(PR_SET_PDEATHSIG)``) and watch their parent's pid in a
  thread (every :data:`WATCH_SECONDS`, on every system): when the command is gone, they stop their
  kernels and exit.
* **Kernels** started through our kernel managers (:func:`kernel_launch_options`) get
  ``PR_SET_PDEATHSIG(SIGKILL)`` (they die with their worker) and are registered (:func:`track_kernel`) so a
  stopping worker can kill them and remove their connection files; ipykernel's own parent poller
  (``JPY_PARENT_PID``) is a second line.
* **The command** installs handlers for SIGINT and SIGTERM while it renders (:func:`stop_on_signals`):
  they send SIGTERM to every worker, wait up to :data:`GRACE_SECONDS`, SIGKILL the workers' process
  groups and raise :class:`~informeel_lib.errors.Interrupted` (a KeyboardInterrupt), which the command
  line turns into a Dutch message and exit code 130 (SIGINT) or 143 (SIGTERM). A signal that arrives
  while the report folder is being swapped in is held until the swap is done
  (:meth:`SignalGuard.deferred`), so the swap is never cut in half by our own handler.

References
----------
prctl(2), ``PR_SET_PDEATHSIG``: the signal is sent when the *thread* that created the child exits, so it
is only requested for processes started from a main thread.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import ctypes
import os
import signal
import sys
import threading
import time
import weakref

from ..errors import Interrupted

WATCH_SECONDS = 0.5
"""How often a worker checks that the command that started it is still alive."""

GRACE_SECONDS = 2.0
"""How long the command waits for its workers to stop their kernels before it kills them."""

_PR_SET_PDEATHSIG = 1
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_KERNELS: weakref.WeakSet = weakref.WeakSet()


# --- parent-death signals -----------------------------------------------------------------------

def set_parent_death_signal(signum: int) -> bool:
    """Ask Linux to send ``signum`` to this process when the thread that started it exits.

    Returns False (and does nothing) on other systems or when libc has no ``prctl``.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(signum), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _kernel_preexec() -> None:  # runs in the forked child, before exec: no Python objects of the parent's state
    set_parent_death_signal(signal.SIGKILL)


def kernel_launch_options() -> dict:
    """Extra ``Popen`` options for a kernel started by this thread: a parent-death SIGKILL on Linux when the
    thread is the main thread (see the module's References); empty otherwise."""
    if sys.platform.startswith("linux") and threading.current_thread() is threading.main_thread():
        return {"preexec_fn": _kernel_preexec}
    return {}


def track_kernel(km) -> None:
    """Remember a started kernel manager: a stopping worker kills its kernel (:func:`stop_kernels`)."""
    _KERNELS.add(km)


def stop_kernels() -> int:
    """Kill every tracked kernel of this process (its whole process group) and remove its connection files;
    returns how many were killed. Never raises: it runs while the process is stopping."""
    stopped = 0
    for km in list(_KERNELS):
        process = getattr(getattr(km, "provisioner", None), "process", None)
        pid = getattr(process, "pid", None)
        if pid:
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)  # the kernel leads its own session: its children go too
                stopped += 1
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        for cleanup in ("cleanup_connection_file", "cleanup_ipc_files"):
            with contextlib.suppress(Exception):
                getattr(km, cleanup)()
    return stopped


# --- worker side ----------------------------------------------------------------------------------

def _stop_worker(signum=None, frame=None) -> None:
    stop_kernels()
    os._exit(128 + (signum or signal.SIGTERM))


def _watch_parent(parent: int, interval: float) -> None:
    while True:
        time.sleep(interval)
        if os.getppid() != parent:
            stop_kernels()
            os._exit(1)


def prepare_worker(*, interval: float = WATCH_SECONDS) -> None:
    """Set up a report worker so that it never outlives the command (see the module docstring).

    Called first by the pool's initializer. Idempotent enough to call once per process.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_worker)
    with contextlib.suppress(OSError):
        os.setpgid(0, 0)
    set_parent_death_signal(signal.SIGTERM)
    parent = os.getppid()
    threading.Thread(target=_watch_parent, args=(parent, interval), name="informeel-ouderwacht",
                     daemon=True).start()
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
    if parent == 1:  # the command died before we got here
        _stop_worker()


@contextlib.contextmanager
def signals_blocked():
    """Block SIGINT and SIGTERM in this thread (children started meanwhile inherit the block)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


class WorkerPool(cf.ProcessPoolExecutor):
    """A ProcessPoolExecutor whose workers start with SIGINT/SIGTERM blocked, until :func:`prepare_worker`
    has put them in their own process group (so a Ctrl-C during their start-up cannot make them print a
    traceback)."""

    def _spawn_process(self):
        with signals_blocked():
            return super()._spawn_process()


# --- the command's side ---------------------------------------------------------------------------

def worker_processes(executor) -> list:
    """The live worker processes of a ProcessPoolExecutor (empty for other executors)."""
    processes = getattr(executor, "_processes", None) or {}
    return [p for p in list(processes.values()) if p is not None]


def stop_workers(executor, *, grace: float = GRACE_SECONDS) -> None:
    """SIGTERM every worker of ``executor`` (each stops its kernels), wait up to ``grace`` seconds, then
    SIGKILL the workers' process groups."""
    processes = worker_processes(executor)
    for p in processes:
        with contextlib.suppress(OSError, TypeError):
            os.kill(p.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(_alive(p) for p in processes):
        time.sleep(0.05)
    for p in processes:
        with contextlib.suppress(OSError, TypeError):
            os.killpg(p.pid, signal.SIGKILL)
        with contextlib.suppress(OSError, TypeError):
            os.kill(p.pid, signal.SIGKILL)


def _alive(process) -> bool:
    try:
        return process.is_alive()
    except (AssertionError, ValueError, OSError):
        return False


class SignalGuard:
    """The command's SIGINT/SIGTERM handler while it renders (see :func:`stop_on_signals`)."""

    def __init__(self):
        self.executor = None
        self.pending: int | None = None
        self.fired = False
        self._deferring = 0

    def handle(self, signum, frame) -> None:
        if self.fired:  # a second Ctrl-C while the workers are being stopped: that is already happening
            return
        if self._deferring:
            self.pending = signum
            return
        self.fire(signum)

    def fire(self, signum: int) -> None:
        self.fired = True
        if self.executor is not None:
            stop_workers(self.executor)
        raise Interrupted(signum)

    @contextlib.contextmanager
    def deferred(self):
        """Hold SIGINT/SIGTERM while the block runs (e.g. the folder swap); act on them afterwards."""
        self._deferring += 1
        try:
            yield
        finally:
            self._deferring -= 1
        if not self._deferring and self.pending is not None:
            signum, self.pending = self.pending, None
            self.fire(signum)


@contextlib.contextmanager
def stop_on_signals(executor=None):
    """While the block runs, SIGINT and SIGTERM stop the executor's workers and raise
    :class:`~informeel_lib.errors.Interrupted`. Yields the :class:`SignalGuard` (set ``guard.executor`` once
    the executor exists). Outside the main thread (where Python cannot install handlers) it only yields."""
    guard = SignalGuard()
    guard.executor = executor
    if threading.current_thread() is not threading.main_thread():
        yield guard
        return
    previous = {s: signal.signal(s, guard.handle) for s in _STOP_SIGNALS}
    try:
        yield guard
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
