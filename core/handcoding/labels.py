"""Hand-coding files: reading quote marks and writing transcript and quote marks, in the labels format.

The format (benchmarks/labels/README.md) is the one `core.evaluate.read_labels` reads, plus an optional
`quotes:` list, one flow mapping per line so a new mark is a one-line diff:

    coder: team-a
    transcripts:
      work_0121:
        occupation: it_software
        present: [coding, time_savings]
        absent: [job_anxiety]
    quotes:
      - {transcript: work_0121, theme: coding, start: 812, end: 818, correct: true}
    missed:
      - {transcript: work_0121, theme: job_anxiety, start: 1502, end: 1577}

`missed:` lists passages the codebook did not find but a coder says show the theme (read into
`Labels.missed` by `read_labels`, so `evaluate` counts the theme present there).

Writes are atomic (temporary file + rename) and re-render the whole file in this canonical layout, which
keeps every other entry, key and value, and leaves files already in this layout byte for byte the same.
YAML comments are not kept.

Concurrent marks all land: every write reads, changes and writes the file while holding its lock
(`core.files.locked`), so two sessions (threads of the dashboard's process) or two processes marking at the
same moment each change the file the other has just written, instead of both rewriting the same old copy.
Lock and re-read is enough here: a labels file is small (load_labels_document refuses files over 20 MB),
so reading and rewriting it whole under the lock takes milliseconds (the text a mark has just written is
not even parsed again: `RECENT_LABELS` keeps its document); an append-only log with compaction would only pay
off for files far larger than hand coding produces.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from core.errors import Problem
from core.files import locked, write_atomically
from core.handcoding.evaluate import RECENT_LABELS, LabelsError, MissedPassage, load_labels_document, read_labels

QUOTE_KEYS = ("transcript", "theme", "start", "end", "correct")


@dataclass(frozen=True)
class QuoteMark:
    """A coder's verdict on one quote: is text[start:end] of the transcript evidence of the theme?"""

    transcript: str
    theme: str
    start: int
    end: int
    correct: bool
    term: str | None = None

    @property
    def key(self) -> tuple[str, str, int, int]:
        return self.transcript, self.theme, self.start, self.end


# ---------------------------------------------------------------- reading quote marks
def read_quote_marks(*paths: str | Path) -> list[QuoteMark]:
    """Every quote mark in the files (a later mark of the same quote wins); files without `quotes:` give none.

    Raises LabelsError naming the file, line and the fix for a malformed mark.
    """
    marks: dict[tuple, QuoteMark] = {}
    for path in map(Path, paths):
        document = load_labels_document(path)
        lines = _quote_lines(path)
        for number, entry in enumerate(document.get("quotes") or []):
            mark = _quote_mark(entry, path, lines[number] if number < len(lines) else None)
            marks[mark.key] = mark
    return list(marks.values())


def _quote_mark(entry, path: Path, line: int | None) -> QuoteMark:
    problem = _quote_problem(entry)
    if problem:
        raise LabelsError(str(Problem(str(path), problem, line=line, key="quotes",
                                      hint="write {transcript: ID, theme: ID, start: N, end: N, correct: true}")))
    return QuoteMark(str(entry["transcript"]), str(entry["theme"]), entry["start"], entry["end"], entry["correct"],
                     entry.get("term"))


def _quote_problem(entry) -> str | None:
    if not isinstance(entry, dict):
        return "a quote mark must be a mapping"
    missing = [k for k in QUOTE_KEYS if k not in entry]
    if missing:
        return "quote mark without " + ", ".join(missing)
    if not all(isinstance(entry[k], int) and not isinstance(entry[k], bool) for k in ("start", "end")):
        return "quote mark start and end must be whole numbers"
    if not isinstance(entry["correct"], bool):
        return "quote mark `correct` must be true or false"
    return None


def _quote_lines(path: Path) -> list[int]:
    """The line of each item of the `quotes:` list, for error messages."""
    root = yaml.compose(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    quotes = next((v for k, v in root.value if k.value == "quotes"), None) \
        if isinstance(root, yaml.MappingNode) else None
    return [item.start_mark.line + 1 for item in quotes.value] if isinstance(quotes, yaml.SequenceNode) else []


# ---------------------------------------------------------------- writing marks
def mark_transcript(path: str | Path, transcript_id: str, *, present: Iterable[str] = (),
                    absent: Iterable[str] = (), occupation: str | None = None, coder: str | None = None) -> None:
    """Mark themes present or absent in a transcript (and optionally its occupation), keeping its other marks.

    A new entry gets an explicit `absent:` list, so themes nobody looked at stay uncoded rather than
    counting as absent. In an entry without `absent:` (every theme not present is absent) marking a theme
    absent just removes it from `present`.
    """
    path = Path(path)
    present, absent = list(present), list(absent)

    def change(document: dict) -> None:
        transcripts: dict = document.get("transcripts") or {}
        entry = dict(transcripts.get(transcript_id) or {"present": [], "absent": []})
        entry["present"] = _merged(entry.get("present"), add=present, remove=absent)
        if "absent" in entry:
            entry["absent"] = _merged(entry.get("absent"), add=absent, remove=present)
        if occupation is not None:  # occupation first, as in the hand-written files
            entry = {"occupation": occupation} | {k: v for k, v in entry.items() if k != "occupation"}
        transcripts[transcript_id] = entry
        document["transcripts"] = transcripts
    _update_labels(path, change, new={"coder": coder or path.stem})


def unmark_transcript(path: str | Path, transcript_id: str) -> bool:
    """Take back the coding of a whole transcript (its themes and occupation; quote marks stay).
    Returns whether there was one."""
    def change(document: dict) -> bool:
        transcripts = document.get("transcripts") or {}
        if transcript_id not in transcripts:
            return False
        del transcripts[transcript_id]
        document["transcripts"] = transcripts
        return True
    return _update_labels(Path(path), change, new=None)


def mark_quote(path: str | Path, mark: QuoteMark, *, coder: str | None = None) -> None:
    """Add the mark of one quote, replacing an earlier mark of the same quote (transcript, theme, span)."""
    entry = {"transcript": mark.transcript, "theme": mark.theme, "start": mark.start, "end": mark.end,
             "correct": mark.correct} | ({"term": mark.term} if mark.term else {})
    _write_quotes(Path(path), mark.key, entry, coder)


def unmark_quote(path: str | Path, transcript: str, theme: str, start: int, end: int) -> None:
    """Remove the mark of one quote, if there is one."""
    _write_quotes(Path(path), (transcript, theme, start, end), None, None)


def _write_quotes(path: Path, key: tuple, entry: dict | None, coder: str | None) -> None:
    def change(document: dict) -> None:
        quotes = [q for q in document.get("quotes") or []
                  if (str(q.get("transcript")), str(q.get("theme")), q.get("start"), q.get("end")) != key]
        document["quotes"] = quotes + ([entry] if entry else [])
    _update_labels(path, change, new={"coder": coder or path.stem, "transcripts": {}})


def _update_labels(path: Path, change: Callable[[dict], bool | None], *, new: dict | None) -> bool:
    """Read the labels file, `change` the document in place and write it back, all under the file's lock so
    no concurrent mark is lost (module docstring). `change` returns False when there is nothing to write;
    `new` is the document of a file that does not exist yet (None: a missing file stays missing).
    Returns whether the file was written."""
    if new is None and not path.exists():
        return False  # before taking the lock, which would create the folder
    with locked(path):
        if not path.exists() and new is None:
            return False
        document = load_labels_document(path) if path.exists() else new
        if document is None or change(document) is False:
            return False
        text = render_labels(document)
        write_atomically(path, text.encode("utf-8"))
        RECENT_LABELS.put(text, document)  # the next mark reads this text back: skip parsing it again
        return True


# ---------------------------------------------------------------- missed passages
def read_missed(*paths: str | Path) -> list[MissedPassage]:
    """Every missed passage in the files, each once (files without `missed:` give none)."""
    return list(read_labels(*paths).missed) if paths else []


def locate_passage(text: str, turns: pd.DataFrame, passage: str) -> tuple[int, int]:
    """The (start, end) offsets of the first place a participant turn says `passage` (case and runs of white
    space ignored, so a passage copied from the page is found). LabelsError when no participant turn does.

    >>> turns = pd.DataFrame({"speaker": ["interviewer", "participant"], "start": [0, 12], "end": [12, 40]})
    >>> locate_passage("AI: Worry?\\n\\nUser: I fear  for my job.", turns, "fear for my JOB")
    (20, 36)
    """
    words = passage.split()
    if not words:
        raise LabelsError("no passage given", hint="paste the words the codebook missed, as the transcript has them")
    pattern = re.compile(r"\s+".join(map(re.escape, words)), re.IGNORECASE)
    for turn in turns[turns["speaker"] == "participant"].itertuples():
        found = pattern.search(text, int(turn.start), int(turn.end))
        if found:
            return found.span()
    raise LabelsError(f"“{passage[:60]}” is not in what the participant says in this transcript",
                      hint="copy the words from one participant turn (interviewer turns never count)")


def mark_missed(path: str | Path, passage: MissedPassage, *, coder: str | None = None) -> None:
    """Add a passage the codebook missed (once: the same transcript, theme and span is not added twice)."""
    if not 0 <= passage.start < passage.end:
        raise LabelsError(f"a missed passage needs 0 <= start < end, not {passage.start}..{passage.end}",
                          hint="select a passage of at least one character")
    entry = {"transcript": passage.transcript, "theme": passage.theme, "start": passage.start, "end": passage.end}
    _write_missed(Path(path), passage.key, entry, coder)


def unmark_missed(path: str | Path, passage: MissedPassage) -> None:
    """Remove a missed passage, if it is there."""
    _write_missed(Path(path), passage.key, None, None)


def _write_missed(path: Path, key: tuple, entry: dict | None, coder: str | None) -> None:
    def change(document: dict) -> None:
        kept = [m for m in document.get("missed") or []
                if (str(m.get("transcript")), str(m.get("theme")), m.get("start"), m.get("end")) != key]
        document["missed"] = kept + ([entry] if entry else [])
    _update_labels(path, change, new={"coder": coder or path.stem, "transcripts": {}} if entry else None)


def _merged(values, *, add: list[str], remove: list[str]) -> list[str]:
    kept = [v for v in values or [] if v not in remove]
    return kept + [v for v in add if v not in kept]


# ---------------------------------------------------------------- the canonical layout
def render_labels(document: dict) -> str:
    """The labels file text: top-level keys in their order, transcripts as block mappings with flow lists,
    quotes and missed passages one per line."""
    out = []
    for key, value in document.items():
        if key == "transcripts":
            out.append("transcripts:" + ("" if value else " {}"))
            for transcript_id, entry in (value or {}).items():
                out.append(f"  {_scalar(str(transcript_id))}:" + ("" if entry else " {}"))
                out += [f"    {_scalar(k)}: {_scalar(v)}" for k, v in (entry or {}).items()]
        elif key in ("quotes", "missed"):  # one flow mapping per line: a new mark is a one-line diff
            out.append(f"{key}:" + ("" if value else " []"))
            out += [f"  - {_scalar(q)}" for q in value or []]
        else:
            out.append(f"{_scalar(key)}: {_scalar(value)}")
    return "\n".join(out) + "\n"


def _scalar(value) -> str:
    """One value in YAML flow style on one line: lists as [a, b], mappings as {k: v}."""
    if isinstance(value, list):
        return "[" + ", ".join(map(_scalar, value)) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_scalar(k)}: {_scalar(v)}" for k, v in value.items()) + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return _dumped_text(value) if isinstance(value, str) else _dumped(value)


def _dumped(value) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, width=10**9, allow_unicode=True)
    return text.removesuffix("\n").removesuffix("\n...").strip()


# ids and themes repeat on every line, and every mark re-renders the whole file: dump each text once
_dumped_text = functools.lru_cache(maxsize=4096)(_dumped)
