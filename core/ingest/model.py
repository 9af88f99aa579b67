"""What every reader gives and keeps to: a `RawTranscript`, the `LoadOptions` that map table columns to it, the
`LoadReport` that records each problem instead of stopping, and the limits on a transcript's length and its
attribute columns (read here when checked, so a test can lower them).

    report = LoadReport()
    report.add("t.csv", "row 3 (t3): no text, row skipped", line=3)
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.errors import Problem

MAX_TRANSCRIPT_CHARS = 2_000_000  # 75 times the longest public interview; a 50 MB one kept the dashboard busy minutes
MAX_ATTRIBUTE_COLUMNS = 50  # every attribute can become a filter: 100,000 columns never rendered


class _DecodedWhenRead:
    """`RawTranscript.text` given as None: the text is `utf8` as read (already checked to be valid UTF-8 that
    needs no repair), decoded when first read. A run streamed from one large CSV sends the file's bytes to its
    workers and never reads the text itself: decoding a million texts there cost ~10 CPU-s for nothing."""

    def __get__(self, raw: RawTranscript | None, owner: type | None = None) -> str:
        if raw is None:
            raise AttributeError("text")  # a dataclass field without a default
        text = raw.__dict__["_text"]
        if text is None:
            text = raw.__dict__["_text"] = raw.utf8.decode("utf-8")  # type: ignore[union-attr]
        return text

    def __set__(self, raw: RawTranscript, text: str | None) -> None:
        raw.__dict__["_text"] = text


@dataclass
class RawTranscript:
    """A transcript as read: its id, repaired text, where it came from and any further attributes."""

    transcript_id: str
    text: _DecodedWhenRead = _DecodedWhenRead()  # a str; None with `utf8`: decoded from it when first read
    source: str  # type: ignore[misc]  # mypy takes `text` for a field with a default: its class access raises
    attributes: dict[str, object] = field(default_factory=dict)
    utf8: bytes | None = field(default=None, repr=False, compare=False)  # `text` as read, when exactly it


@dataclass
class PlainRun:
    """Consecutive transcripts of one table whose texts are kept exactly as read, every check passing them
    unchanged: what as many `RawTranscript`s with `text` None hold, without an object (or bytes) per transcript.
    A large CSV is mostly such rows; a run streamed from it packs their bytes for the workers in one copy.

    The i-th text is `utf8[bounds[i]:bounds[i + 1]]` (`utf8` may be a whole chunk shared with other runs)."""

    ids: list[str]
    utf8: bytes
    bounds: list[int]  # one more than `ids`
    source: str
    attributes: list[dict[str, object]]

    def __len__(self) -> int:
        return len(self.ids)

    def sliced(self, start: int, stop: int) -> PlainRun:
        return PlainRun(self.ids[start:stop], self.utf8, self.bounds[start:stop + 1], self.source,
                        self.attributes[start:stop])

    def texts_utf8(self) -> memoryview:
        """The texts' bytes one after the other, without copying them."""
        return memoryview(self.utf8)[self.bounds[0]:self.bounds[-1]]

    def lengths(self) -> list[int]:
        return np.diff(self.bounds).tolist()

    def transcripts(self) -> list[RawTranscript]:
        utf8, bounds = self.utf8, self.bounds
        return [RawTranscript(transcript_id, None, self.source, attributes, utf8[start:end])
                for transcript_id, start, end, attributes in zip(self.ids, bounds, bounds[1:], self.attributes)]


Loaded = RawTranscript | PlainRun  # what a reader yields


def transcripts_of(items: Iterable[Loaded]) -> Iterator[RawTranscript]:
    """Each transcript of what a reader yields: a run's one by one."""
    for item in items:
        if isinstance(item, PlainRun):
            yield from item.transcripts()
        else:
            yield item


def loaded_count(item: Loaded) -> int:
    return len(item) if isinstance(item, PlainRun) else 1


@dataclass(frozen=True)
class LoadOptions:
    """How table columns map to transcripts; other columns become attributes (`attributes` names those to
    keep; None keeps the first MAX_ATTRIBUTE_COLUMNS)."""

    id_column: str = "transcript_id"
    text_column: str = "text"
    attributes: tuple[str, ...] | None = None


@dataclass
class LoadReport:
    """Everything noteworthy that happened while loading: problems, and counts per source file."""

    problems: list[Problem] = field(default_factory=list)
    loaded: dict[str, int] = field(default_factory=dict)

    def add(self, file: str | Path, message: str, *, line: int | None = None, hint: str | None = None) -> None:
        self.problems.append(Problem(str(file), message, line=line, hint=hint))

    def count(self, file: str | Path, transcripts: int = 1) -> None:
        if transcripts:
            self.loaded[str(file)] = self.loaded.get(str(file), 0) + transcripts

    @property
    def total(self) -> int:
        return sum(self.loaded.values())

    def to_dict(self) -> dict:
        return {"loaded": self.loaded, "total": self.total,
                "problems": [p.__dict__ | {"text": str(p)} for p in self.problems]}

    def lines(self) -> list[str]:
        out = [f"loaded {self.total:,} transcripts from {len(self.loaded)} file(s)"]
        out += [f"  skipped or changed: {p}" for p in self.problems]
        return out


def too_long(file: Path, size: str, report: LoadReport, *, row: int | None = None, transcript_id: str = "") -> None:
    """Report a transcript over MAX_TRANSCRIPT_CHARS (of `size`, as measured), left out: of a file, or of its `row`."""
    where = f"row {row} ({transcript_id or 'no id'}): " if row is not None else ""
    report.add(file, f"{where}transcript of {size}, over the limit of {MAX_TRANSCRIPT_CHARS:,} characters: left out",
               line=row, hint="split it into interviews (or parts) under the limit; is the whole file one interview?")
