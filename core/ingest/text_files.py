"""Readers of one transcript per file: plain text and markdown (.txt, .md, an export header naming it), captions
(.vtt, .srt) and Word files (.docx), the last two through `core.ingest.formats`.

    transcripts = list(read_text_file(Path("alpha.txt"), LoadOptions(), report))

A file is read whole (it is one interview), but never more than a transcript can hold: bytes past
4 x MAX_TRANSCRIPT_CHARS are not read. Text that is not UTF-8 is read as Windows-1252 and reported.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from core.ingest import formats, model
from core.ingest.model import LoadOptions, LoadReport, RawTranscript, too_long
from core.ingest.sources import data_suffix, open_data
from core.ingest.text import repair_text
from core.ingest.turns import strip_header

TEXT_SUFFIXES = (".txt", ".md")
CAPTION_SUFFIXES = (".vtt", ".srt")


def decode_bytes(data: bytes, file: Path, report: LoadReport) -> str:
    """UTF-8 text; other bytes are read as Windows-1252 (what legacy exports use) and reported."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        report.add(file, f"bytes that are not UTF-8 (first: 0x{data[exc.start]:02x}); read as Windows-1252",
                   line=line, hint="save the file as UTF-8")
        return data.decode("cp1252", errors="replace")


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control characters in the first 8 KB: not a text file."""
    head = data[:8192]
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return bool(head) and controls / len(head) > 0.05


def read_text_file(file: Path, options: LoadOptions, report: LoadReport) -> Iterator[RawTranscript]:
    """One transcript per file; a markdown header's `**Transcript ID:**` names it, else the file name does.
    Turns marked with speaker names ("Jane Doe (00:01:02): ...") are written as labelled turns."""
    text = _file_text(file, report)
    if text is None:
        return
    body, header = strip_header(repair_text(text))
    transcript_id = header.pop("transcript_id", "") or file.stem
    if not body.strip():
        report.add(file, "header but no interview text: skipped")
        return
    named = formats.named_turns(body)
    if named is not None:
        body = formats.transcript_text(*named, file, report)
    yield RawTranscript(transcript_id, body, str(file), dict(header))


def read_caption_file(file: Path, options: LoadOptions, report: LoadReport) -> Iterator[RawTranscript]:
    """One transcript per WebVTT or SubRip file, named by the file: its cues as speaker turns with times."""
    text = _file_text(file, report)
    if text is not None:
        body = formats.caption_text(repair_text(text), file, data_suffix(file).lstrip("."), report)
        yield from _checked_transcript(file, body, report)


def read_word_file(file: Path, options: LoadOptions, report: LoadReport) -> Iterator[RawTranscript]:
    """One transcript per Word file, named by the file; speaker names and times as in a text file."""
    data = _file_bytes(file, report)
    text = formats.docx_text(data, file, report) if data is not None else None
    if text is None:
        return
    body = repair_text(text).strip()
    named = formats.named_turns(body)
    if named is not None:
        body = formats.transcript_text(*named, file, report)
    yield from _checked_transcript(file, body, report)


def _checked_transcript(file: Path, body: str | None, report: LoadReport) -> Iterator[RawTranscript]:
    if body is None:
        return
    if not body.strip():
        report.add(file, "no interview text: skipped")
    elif len(body) > model.MAX_TRANSCRIPT_CHARS:
        too_long(file, f"{len(body):,} characters", report)
    else:
        yield RawTranscript(file.stem, body, str(file))


def _file_bytes(file: Path, report: LoadReport) -> bytes | None:
    """The file's bytes; None, reported, when it is empty or surely too long."""
    most = 4 * model.MAX_TRANSCRIPT_CHARS  # UTF-8 takes at most 4 bytes a character: more bytes is surely too long
    with open_data(file) as stream:
        data = stream.read(most + 1)
    if len(data) > most:
        too_long(file, f"more than {most:,} bytes", report)
        return None
    if not data.strip():
        report.add(file, "empty file skipped")
        return None
    return data


def _file_text(file: Path, report: LoadReport) -> str | None:
    """The file's text; None, reported, when it is empty, binary or too long."""
    data = _file_bytes(file, report)
    if data is None:
        return None
    if looks_binary(data):
        report.add(file, "binary file (not text) skipped", hint="only plain-text transcripts can be read")
        return None
    text = decode_bytes(data, file, report)
    if len(text) > model.MAX_TRANSCRIPT_CHARS:
        too_long(file, f"{len(text):,} characters", report)
        return None
    return text

