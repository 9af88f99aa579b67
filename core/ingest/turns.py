"""Splitting an interview into speaker turns, and reading the optional markdown header of exported files.

A turn starts with a speaker label at the start of a line ("User:", "AI:") and runs, across paragraphs,
until the next label. A label may carry details in brackets before its colon, "Participant (Sam Lee,
00:14:20):", as the format readers (`core.ingest.formats`) write it: the details are part of the label,
never of the turn's words. Every turn keeps the character offsets of its words in the transcript text, so a hit
found in a turn maps back to the exact place in the text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

INTERVIEWER, PARTICIPANT = "interviewer", "participant"
# the labels the format readers write ("Interviewer (Jane Doe, 00:14:03): ..."), in the codebook's defaults
WRITTEN_LABELS = {INTERVIEWER: "Interviewer", PARTICIPANT: "Participant"}
# the codebook's default labels: a file already using them is left to the engine as it is
ENGINE_LABELS = {"assistant", "ai", "interviewer", "user", "participant", "respondent"}

# "**Transcript ID:** work_0188" and any other "**Key:** value" line of a markdown export header
_HEADER_FIELD = re.compile(r"^\*\*(?P<key>[^*:\n]+):\*\*[ \t]*(?P<value>.*?)[ \t]*$", re.M)
_HEADER_RULE = re.compile(r"^---+[ \t]*$", re.M)
_HEADER_START = re.compile(r"\s*(?:#|\*\*)")


@dataclass(frozen=True)
class Turn:
    """One speaker turn: its label as written, its role, and where its words are in the text."""

    number: int
    label: str
    role: str
    start: int  # first character after "Label:" (leading spaces skipped)
    end: int


def speaker_pattern(interviewer: tuple[str, ...], participant: tuple[str, ...]) -> re.Pattern:
    """A regex for a line that starts a turn with any of the given labels, details in brackets allowed.

    >>> speaker_pattern(("AI",), ("Participant",)).match("Participant (Sam Lee, 00:14:20): Yes").end()
    33
    """
    labels = sorted({*interviewer, *participant}, key=len, reverse=True)
    alternatives = "|".join(re.escape(label) for label in labels)
    details = r"(?:[ \t]*\([^()\n]{0,120}\))?"
    return re.compile(rf"^[ \t]*(?P<label>{alternatives}){details}[ \t]*:[ \t]*", re.M | re.I)


def split_turns(text: str, pattern: re.Pattern, participant: tuple[str, ...]) -> list[Turn]:
    """The turns of `text`; [] when no line starts with a speaker label.

    >>> p = speaker_pattern(("AI",), ("User",))
    >>> [(t.role, t.start, t.end) for t in split_turns("AI: Hi\\nUser: Hello", p, ("User",))]
    [('interviewer', 4, 6), ('participant', 13, 18)]
    """
    participant_lower = {label.lower() for label in participant}
    matches = list(pattern.finditer(text))
    turns = []
    for number, match in enumerate(matches):
        end = matches[number + 1].start() if number + 1 < len(matches) else len(text)
        label = match.group("label")
        role = PARTICIPANT if label.lower() in participant_lower else INTERVIEWER
        turns.append(Turn(number, label, role, match.end(), _trim_end(text, match.end(), end)))
    return turns


def _trim_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def strip_header(text: str) -> tuple[str, dict[str, str]]:
    """Remove a markdown export header ('# Dialog ...', '**Transcript ID:** ...', '---') if there is one.

    Returns the body and the header's fields, keys in snake case.

    >>> strip_header("# Dialog 1\\n\\n**Transcript ID:** work_0188\\n\\n---\\n\\nAI: Hi")
    ('AI: Hi', {'transcript_id': 'work_0188'})
    """
    if not _HEADER_START.match(text):
        return text, {}
    rule = _HEADER_RULE.search(text)
    if not rule:
        return text, {}
    head = text[: rule.start()]
    fields = {_snake(m.group("key")): m.group("value") for m in _HEADER_FIELD.finditer(head)}
    body = text[rule.end():].lstrip("\n")
    return body, fields


def _snake(key: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", key.strip().lower()).strip("_")
