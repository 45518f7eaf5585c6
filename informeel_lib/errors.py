"""Exceptions whose messages are shown to users (in Dutch)."""

from __future__ import annotations


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


class AnalysisError(InformeelError):
    """An analysis cannot be run on this data (too few cases, no variance, ...)."""
