"""Interviews as meeting tools and transcription services write them: WebVTT captions (Zoom, Teams, Meet),
SubRip captions, Word documents, and plain text with speaker names and time stamps (Otter, Rev).

Each reader turns a file into `SpeakerTurn`s (a speaker's name, a time, words); consecutive turns of one
speaker become one. Names are mapped to roles by a speakers table beside the files (`speakers.csv` with
columns `speaker,role`, or `speakers.yaml` mapping each name to a role), else by one stated rule, which the
load report names for every file it decided: the speaker who asks the most questions is the interviewer.

The turns are then written in the labelled form the engine already splits, so quotes and the Transcript page
carry the speaker and time with no engine change, and hits stay out of the labels:

    Interviewer (Jane Doe, 00:14:03): How has AI changed your week?

    Participant (Sam Lee, 00:14:20): It writes my first drafts.
"""
from __future__ import annotations

import csv
import html
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import yaml

from core.ingest.model import LoadReport
from core.ingest.turns import ENGINE_LABELS, INTERVIEWER, PARTICIPANT, WRITTEN_LABELS

SPEAKER_TABLES = ("speakers.csv", "speakers.yaml", "speakers.yml")
ROLES = (INTERVIEWER, PARTICIPANT)
# names that say a role themselves ("Moderator: ..."); the engine's own labels are left to the engine
ROLE_WORDS = {"interviewer": INTERVIEWER, "moderator": INTERVIEWER, "host": INTERVIEWER, "ai": INTERVIEWER,
              "assistant": INTERVIEWER, "participant": PARTICIPANT, "respondent": PARTICIPANT,
              "interviewee": PARTICIPANT, "user": PARTICIPANT}
MAX_DOCX_BYTES = 200 << 20  # unpacked parts of one Word file: a 2-million-character interview is far below

_NAME = r"[^\W\d_][\w'’.-]*(?:[ \t]+[\w'’.-]+){0,3}"  # one to four words: "Jane Doe", "Speaker 1"
_TIME = r"(?:\d{1,2}:)?\d{1,2}:\d{2}"
_TEXT_STYLES = {  # how plain text and Word files mark a turn, tried in this order
    "name (time):": re.compile(rf"^[ \t]*(?P<name>{_NAME})[ \t]*[(\[](?P<time>{_TIME})(?:[.,]\d+)?[)\]][ \t]*:?"
                               r"[ \t]*(?P<rest>.*)$", re.M),
    "name  time": re.compile(rf"^[ \t]*(?P<name>{_NAME})[ \t]+(?P<time>{_TIME})[ \t]*$", re.M),  # Otter
    "name:": re.compile(rf"^[ \t]*(?P<name>{_NAME})[ \t]*:[ \t]*(?P<rest>.*)$", re.M),
}
_CUE_NAME = re.compile(rf"^[ \t]*(?:>>[ \t]*)?(?P<name>{_NAME})[ \t]*:[ \t]+(?P<rest>.*)", re.S)
_CUE_TIMING = re.compile(r"^\s*(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3}\s*-->\s*(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3}(?:\s|$)")


@dataclass(frozen=True)
class SpeakerTurn:
    """What one speaker said, and when (hh:mm:ss, "" when the file gives no time)."""

    speaker: str
    text: str
    time: str = ""


# ---------------------------------------------------------------- speakers -> roles
def speaker_key(name: str) -> str:
    """Names compare without case and extra spaces: "jane  DOE" is "Jane Doe"."""
    return " ".join(name.split()).casefold()


def is_speakers_table(path: Path) -> bool:
    return path.name.lower() in SPEAKER_TABLES


def speakers_table(folder: Path, report: LoadReport) -> dict[str, str]:
    """The speakers table beside the transcripts (speaker name key -> role); {} when there is none. A bad row
    is reported (once, however many files use the table) and left out. Read and parsed once per version of
    the file, not once per transcript beside it."""
    for name in SPEAKER_TABLES:
        path = folder / name
        if path.is_file():
            stat = path.stat()
            table, problems = _parsed_speakers(str(path), stat.st_mtime_ns, stat.st_size, stat.st_ino)
            for problem in problems:
                _add_once(report, path, problem.message, line=problem.line, hint=problem.hint)
            return dict(table)
    return {}


@lru_cache(maxsize=64)
def _parsed_speakers(path: str, mtime_ns: int, size: int, inode: int) -> tuple[dict[str, str], tuple]:
    """The table of the file at `path` as it is at that (mtime, size, inode), and the problems found in it."""
    found = LoadReport()
    return _read_speakers(Path(path), found), tuple(found.problems)


def _read_speakers(path: Path, report: LoadReport) -> dict[str, str]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        _add_once(report, path, f"speakers table could not be read ({exc}): ignored", hint="save it as UTF-8 text")
        return {}
    rows = _speaker_rows_csv(text, path, report) if path.suffix.lower() == ".csv" \
        else _speaker_rows_yaml(text, path, report)
    table = {}
    for line, name, role in rows:
        role = str(role).strip().lower()
        if role not in ROLES or not str(name).strip():
            _add_once(report, path, f"speaker {name!r}: role {role!r} is not interviewer or participant: row ignored",
                      line=line, hint="write interviewer or participant")
            continue
        table[speaker_key(str(name))] = role
    return table


def _speaker_rows_csv(text: str, path: Path, report: LoadReport) -> list[tuple[int | None, str, str]]:
    reader = csv.reader(io.StringIO(text))
    header = [cell.strip().lower() for cell in next(reader, [])]
    if "speaker" not in header or "role" not in header:
        _add_once(report, path, f"speakers table needs the columns speaker and role (has: {', '.join(header)}): "
                                "ignored", line=1, hint="start it with the line: speaker,role")
        return []
    name_at, role_at = header.index("speaker"), header.index("role")
    return [(reader.line_num, row[name_at], row[role_at]) for row in reader
            if len(row) > max(name_at, role_at) and any(cell.strip() for cell in row)]


def _speaker_rows_yaml(text: str, path: Path, report: LoadReport) -> list[tuple[int | None, str, str]]:
    try:
        mapping = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        _add_once(report, path, f"speakers table is not valid YAML ({getattr(exc, 'problem', exc)}): ignored",
                  line=mark.line + 1 if mark else None, hint="write one 'Name: role' per line")
        return []
    if not isinstance(mapping, dict):
        _add_once(report, path, "speakers table must map names to roles: ignored", hint="write one 'Name: role' "
                                                                                          "per line")
        return []
    return [(_yaml_line(text, str(name)), str(name), str(role)) for name, role in mapping.items()]


def _yaml_line(text: str, name: str) -> int | None:
    at = text.find(name)
    return text.count("\n", 0, at) + 1 if at >= 0 else None


def speaker_roles(turns: list[SpeakerTurn], table: dict[str, str]) -> tuple[dict[str, str], str | None]:
    """Each speaker's role, and the sentence saying how the rule decided it (None when the table or the names
    themselves decided every speaker). Names in the table get its role, role words ("Moderator") their own;
    of the rest, with no interviewer known yet, the one who asks the most questions (question marks) is the
    interviewer (the first to speak on a tie), everyone else a participant; a lone speaker is the participant.
    A name decided by the table is said as it is, so the sentence shows what the table did.

    >>> speaker_roles([SpeakerTurn("Jane", "Why? How?"), SpeakerTurn("Sam", "Because.")], {})[1]
    'speakers: Jane = interviewer (asked 2 of 2 questions), Sam = participant'
    """
    names = list(dict.fromkeys(turn.speaker for turn in turns))
    roles = {name: table.get(speaker_key(name)) or ROLE_WORDS.get(speaker_key(name), "") for name in names}
    undecided = [name for name in names if not roles[name]]
    if not undecided:
        return roles, None
    questions = {name: sum(t.text.count("?") for t in turns if t.speaker == name) for name in names}
    reason = {}
    if INTERVIEWER not in roles.values() and len(names) > 1:
        asker = max(undecided, key=lambda name: questions[name])  # max keeps the first of equals
        total = sum(questions.values())
        roles[asker] = INTERVIEWER
        reason[asker] = f"asked {questions[asker]} of {total} questions" if total else "no questions: spoke first"
    chosen = bool(reason)
    for name in undecided:
        if not roles[name]:
            roles[name] = PARTICIPANT
            if not chosen:
                reason[name] = "the only speaker" if len(names) == 1 else "not in the speakers table"
    said = [f"{name} = {roles[name]}" + (f" ({reason[name]})" if name in reason else "") for name in names]
    return roles, "speakers: " + ", ".join(said)


# ---------------------------------------------------------------- turns -> labelled text
def merged(turns: Iterable[SpeakerTurn], joiner: str) -> list[SpeakerTurn]:
    """Consecutive turns of one speaker as one turn, at the first one's time."""
    out: list[SpeakerTurn] = []
    for turn in turns:
        if out and out[-1].speaker == turn.speaker:
            out[-1] = replace(out[-1], text=out[-1].text + joiner + turn.text)
        else:
            out.append(turn)
    return out


def labelled_text(preamble: str, turns: list[SpeakerTurn], roles: dict[str, str]) -> str:
    """The turns as "Interviewer (Jane Doe, 00:14:03): words" paragraphs, after any text before the first."""
    parts = [preamble] if preamble else []
    for turn in turns:
        detail = ", ".join(part for part in (re.sub(r"[()\n]", "", turn.speaker), turn.time) if part)
        parts.append(f"{WRITTEN_LABELS[roles[turn.speaker]]} ({detail}): {turn.text}")
    return "\n\n".join(parts)


def transcript_text(preamble: str, turns: list[SpeakerTurn], file: Path, report: LoadReport) -> str:
    """The labelled text of a file's turns, roles from the speakers table beside it or the stated rule."""
    roles, rule = speaker_roles(turns, speakers_table(file.parent, report))
    if rule:
        report.add(file, rule, hint=f"to change it, list the speakers in {file.parent / 'speakers.csv'} "
                                    "(columns speaker,role)")
    return labelled_text(preamble, turns, roles)


def clock(seconds: float) -> str:
    """hh:mm:ss of a number of seconds.

    >>> clock(843.4)
    '00:14:03'
    """
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def _clock_of(written: str) -> str:
    """"1:02" or "01:02:03" as hh:mm:ss."""
    parts = [int(p) for p in written.split(":")]
    return clock(sum(p * 60 ** i for i, p in enumerate(reversed(parts))))


# ---------------------------------------------------------------- plain text and Word
def named_turns(text: str) -> tuple[str, list[SpeakerTurn]] | None:
    """The text before the first turn and the turns, when `text` marks turns with speaker names ("Jane Doe
    (00:01:02): ...", Otter's "Jane Doe  1:02" line above the words, or "Jane Doe: ..."); None when it does
    not, or when it uses the engine's own labels ("User:", "Interviewer:"), which the engine reads as they are.

    >>> named_turns("Jane Doe  0:03\\nWhy?\\n\\nSam Lee  0:09\\nBecause.")[1][1]
    SpeakerTurn(speaker='Sam Lee', text='Because.', time='00:00:09')
    """
    for style, pattern in _TEXT_STYLES.items():
        heads = [m for m in pattern.finditer(text) if _is_name(m.group("name"))]
        names = {speaker_key(m.group("name")) for m in heads}
        enough = len(heads) >= 2 if style != "name:" else len(names) >= 2 and len(heads) > len(names)
        if enough:
            return None if names & ENGINE_LABELS else (text[:heads[0].start()].strip(), _turns_at(text, heads))
    return None


def _is_name(name: str) -> bool:
    return name[0].isupper() and len(name) <= 40 and not name.rstrip().endswith(".")


def _turns_at(text: str, heads: list[re.Match]) -> list[SpeakerTurn]:
    turns = []
    for head, following in zip(heads, [*heads[1:], None]):
        end = following.start() if following else len(text)
        rest = head.groupdict().get("rest") or ""
        words = (rest + text[head.end():end]).strip()
        time = head.groupdict().get("time")
        if words:
            turns.append(SpeakerTurn(" ".join(head.group("name").split()), words, _clock_of(time) if time else ""))
    return merged(turns, "\n\n")


def docx_text(data: bytes, file: Path, report: LoadReport) -> str | None:
    """The text of a Word file, paragraphs and table rows in order (a row as "cell: cell"); None, reported,
    when it is not a Word file or unpacks to more than MAX_DOCX_BYTES."""
    import docx  # python-docx: imported here, so reading text files never pays for it

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            unpacked = sum(info.file_size for info in package.infolist())
        if unpacked > MAX_DOCX_BYTES:
            report.add(file, f"unpacks to {unpacked:,} bytes, over the limit of {MAX_DOCX_BYTES:,}: skipped",
                       hint="is it really one interview? save the text as .txt")
            return None
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several types for a damaged package
        report.add(file, f"not a Word .docx file ({type(exc).__name__}: {exc}): skipped",
                   hint="open it in Word and save it again as .docx, or save the text as .txt")
        return None
    return "\n".join(_block_text(block) for block in document.iter_inner_content())


def _block_text(block) -> str:
    if hasattr(block, "text"):
        return block.text
    lines = []
    for row in block.rows:
        cells = list(dict.fromkeys(cell.text.strip() for cell in row.cells if cell.text.strip()))
        if len(cells) == 3 and re.fullmatch(_TIME, cells[1]):
            cells = [f"{cells[0]} ({cells[1]})", cells[2]]
        lines.append(": ".join(cells))
    return "\n".join(lines)


# ---------------------------------------------------------------- captions
def caption_text(text: str, file: Path, kind: str, report: LoadReport) -> str | None:
    """The labelled text of a WebVTT (`kind` "vtt") or SubRip ("srt") file; None, reported, when it is not
    one or names no speaker. Cues with a broken timing line are reported by line and left out."""
    import webvtt
    from webvtt.errors import MalformedCaptionError, MalformedFileError

    _report_bad_timings(text, file, report)
    try:
        captions = webvtt.from_buffer(io.StringIO(text), format=kind).captions
    except (MalformedFileError, MalformedCaptionError, ValueError) as exc:
        first = "WEBVTT on its first line" if kind == "vtt" else "a cue number, then a timing line"
        report.add(file, f"not a {'WebVTT' if kind == 'vtt' else 'SubRip'} file ({exc}): skipped",
                   line=1, hint=f"a {kind} file starts with {first}")
        return None
    turns = merged((_cue_turn(c.voice, c.text, c.start_in_seconds) for c in captions if c.text.strip()), " ")
    turns = _carry_speakers(turns)
    named = [turn for turn in turns if turn.speaker]
    if not named:
        report.add(file, f"no speaker names in its {len(captions)} cue(s): skipped",
                   hint="name the speaker at the start of a cue: '<v Jane Doe>' or 'Jane Doe: '")
        return None
    preamble = " ".join(turn.text for turn in turns if not turn.speaker)  # cues before anyone is named
    return transcript_text(preamble, named, file, report)


def _cue_turn(voice: str | None, text: str, seconds: float) -> SpeakerTurn:
    """A cue as a turn: its speaker from a voice tag, else from "Name: " at its start ("" for neither)."""
    words = " ".join(html.unescape(text).split())
    if voice:
        return SpeakerTurn(" ".join(voice.split()), words, clock(seconds))
    named = _CUE_NAME.match(words)
    if named and _is_name(named.group("name")):
        return SpeakerTurn(named.group("name"), named.group("rest"), clock(seconds))
    return SpeakerTurn("", words, clock(seconds))


def _carry_speakers(turns: list[SpeakerTurn]) -> list[SpeakerTurn]:
    """A cue that names no one continues the speaker before it (captions split a turn into many cues)."""
    out: list[SpeakerTurn] = []
    for turn in turns:
        speaker = turn.speaker or (out[-1].speaker if out else "")
        out.append(replace(turn, speaker=speaker))
    return merged(out, " ")


def _report_bad_timings(text: str, file: Path, report: LoadReport) -> None:
    for number, line in enumerate(text.splitlines(), 1):
        if "-->" in line and not _CUE_TIMING.match(line):
            report.add(file, f"cue timing {line.strip()[:60]!r} is not valid: cue left out", line=number,
                       hint="write it as 00:01:02.000 --> 00:01:05.000")


def _add_once(report: LoadReport, file: Path, message: str, *, line: int | None = None, hint: str | None = None):
    """Report a problem of the speakers table once, however many transcripts beside it read it."""
    if not any(p.file == str(file) and p.message == message and p.line == line for p in report.problems):
        report.add(file, message, line=line, hint=hint)
