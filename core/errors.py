"""The error types that reach a user, one per failure family, all derived from `ThemescopeError`.

Every message names where the problem is (file, line, column, row or option) and, in `hint`, how to fix it,
so the CLI (`core.cli.main`) and the dashboard (`dashboard.frame.errors`) show it as it is, never as a
traceback. Anything else that escapes is a bug: both faces log its traceback and show a short notice.

    raise OutputError("--out results.csv: is a file, not a folder", hint="choose a folder path")
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where, what, and how to fix it."""

    file: str
    message: str
    line: int | None = None
    column: int | None = None
    key: str | None = None
    hint: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: {self.message}"
        if self.key:
            text += f" (at `{self.key}`)"
        if self.hint:
            text += f". Fix: {self.hint}"
        return text


class ThemescopeError(Exception):
    """Base class of every error Themescope reports to a user: `str(error)` is the message (what is wrong
    and where); `hint`, when given, says what to do about it."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):  # keeps the hint when the error crosses a process boundary (worker pools)
        return type(self), (self.message, self.hint)


class CodebookError(ThemescopeError):
    """A codebook that cannot be used; `problems` lists every error found, not just the first (each with
    its own fix, so there is no overall hint)."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self):
        return type(self), (self.problems,)


class DataError(ThemescopeError):
    """Input data that cannot be loaded at all (nothing usable in any of the given paths)."""


class DownloadError(ThemescopeError):
    """The public data set could not be fetched."""


class LabelsError(ThemescopeError):
    """A hand-coding labels file that cannot be used."""


class ChartImageError(ThemescopeError):
    """Chart images could not be rendered (no browser, a browser failure or a timeout)."""


class UsageError(ThemescopeError):
    """An option value that cannot be used (a threshold that is not a number, an unknown rule or filter)."""


class OutputError(ThemescopeError):
    """A place to write results that cannot be written (a file where a folder is needed, no permission)."""


class CacheError(ThemescopeError):
    """A results cache that cannot be used (not writable, damaged beyond what a recompute repairs)."""


class FileLockError(ThemescopeError):
    """A file that stayed locked by another writer (another session, process or thread) past the time limit."""
