"""Exceptions whose messages are shown to users (in Dutch)."""

from __future__ import annotations

from dataclasses import dataclass


class InformeelError(Exception):
    """An error with a Dutch message meant for the user; the CLI prints it without a traceback."""


class CodebookError(InformeelError):
    """The codebook YAML is malformed; the message names the offending key."""


class InputError(InformeelError):
    """A raw export cannot be used as it is.

    Parameters
    ----------
    message : str
        Dutch description of the problem.
    file, column, row : optional
        Where the problem is; included in the message so the user can find it.
    """

    def __init__(self, message: str, *, file=None, column=None, row=None):
        self.file, self.column, self.row = file, column, row
        where = []
        if file is not None:
            where.append(f"bestand '{file}'")
        if column is not None:
            where.append(f"kolom '{column}'")
        if row is not None:
            where.append(f"rij {row}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class Interrupted(KeyboardInterrupt):
    """The run was stopped by a signal (Ctrl-C: SIGINT, or SIGTERM) after its workers were stopped.

    A KeyboardInterrupt, so code that handles Ctrl-C handles it too; ``exit_code`` is the shell's
    convention (128 + the signal number: 130 for Ctrl-C, 143 for SIGTERM).
    """

    def __init__(self, signum: int = 2):
        self.signum = int(signum)
        super().__init__(self.message())

    @property
    def exit_code(self) -> int:
        return 128 + self.signum

    def message(self) -> str:
        how = "met Ctrl-C" if self.signum == 2 else f"door signaal {self.signum}"
        return (f"Afgebroken {how}. De werkprocessen zijn gestopt; onvolledige rapporten zijn niet geplaatst "
                "(de vorige staan er nog).")


class AnalysisError(InformeelError):
    """An analysis cannot be run on this data (too few cases, no variance, ...)."""


@dataclass(frozen=True)
class Failure:
    """An analysis that could not be done, passed on as a value instead of raised.

    The network-wide report parts are computed once per round, in other processes, and cached;
    one that fails must not stop the reports, so it travels as a ``Failure`` (it pickles) and
    the report section prints ``message``.

    Attributes
    ----------
    reason : str
        ``"not_converged"`` (the model has no finite estimate in this data), ``"timeout"`` (the
        fit was abandoned), ``"error"`` (an :class:`InformeelError`: the data do not allow the
        analysis) or ``"crash"`` (an unexpected exception in the worker).
    message : str
        Dutch text for the reader of the report.
    """

    reason: str
    message: str

    def __str__(self) -> str:
        return self.message
