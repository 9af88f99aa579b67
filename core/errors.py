"""The error types that reach a user, one per failure family.

Every message names where the problem is (file, line, column or row) and how to fix it, so the CLI and the
dashboard can show it as it is, never as a traceback.
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
    """Base class of every error Themescope reports to a user."""


class CodebookError(ThemescopeError):
    """A codebook that cannot be used; `problems` lists every error found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class DataError(ThemescopeError):
    """Input data that cannot be loaded at all (nothing usable in any of the given paths)."""


class DownloadError(ThemescopeError):
    """The public data set could not be fetched."""
