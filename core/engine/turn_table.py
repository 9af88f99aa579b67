"""A shard's speaker turns found on the code points of its texts, with numpy: no Python object per line or turn.

The texts are joined with a line break between them, a 16-bit unit per character (`ShardText`). A turn
starts where a line starts with a speaker label (`core.ingest.turns.speaker_pattern`, the one definition): the
lines are found as the units after a line break, and each line that may start a label is compared with every
label at once as a small matrix of its first characters. The few lines numpy cannot decide exactly (leading
blanks, details in brackets, a character beyond ASCII where a label is compared, a blank run longer than the
window) are matched with the regex itself, so the result is the regex's whatever the text. A turn's text then
runs to the next label or its transcript's end, trailing white space left out (as `str.rstrip`), and the turns
to tokenize are gathered from the same units as code points.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from core.engine.passages import white_space
from core.ingest.loaders import LoadReport, RawTranscript

ROLE_CODES = {"interviewer": 0, "participant": 1}
_SLACK = 8  # window past the longest label: blanks, the colon, the blanks after it
_TRAILING = 16  # window before a turn's end in which its trailing white space is counted
_TRAILING_FIRST = 4  # the window tried first
_NEWLINE, _SPACE, _TAB, _COLON, _BRACKET = 10, 32, 9, ord(":"), ord("(")
_BEYOND_BMP = 0xFFFF  # what a character beyond the BMP is in a `ShardText`


@dataclass(frozen=True)
class ShardText:
    """The texts of a shard, one after the other with a line break between them (and a zero after the end,
    which no label or white space matches), a 16-bit unit per character, and where each text starts in them.
    A character beyond the BMP (an emoji) is one unit too, U+FFFF, which is no label character, blank or white
    space, as the character is not; its code point is kept apart (`astral_at`, `astral_code`) for the turns
    cut from the texts (`segments`). Half the bytes of UTF-32 to copy and scan."""

    texts: list[str]
    codes: np.ndarray        # uint16
    text_at: np.ndarray      # int64, per text
    length: np.ndarray       # int64, per text
    astral_at: np.ndarray    # int64, where a character beyond the BMP is in `codes`, in order
    astral_code: np.ndarray  # uint32, its code point

    @classmethod
    def of(cls, texts: list[str]) -> ShardText:
        """Each text copied in as its UTF-16 units, encoded on its own (a text with an emoji makes a joined
        string four bytes a character, and joining and encoding that cost four times as much); a text with a
        surrogate pair (a character beyond the BMP) from its code points instead."""
        length = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        text_at = np.concatenate(([0], np.cumsum(length + 1)[:-1])).astype(np.int64)
        codes = np.empty(int(length.sum()) + len(texts) + 1, dtype=np.uint16)
        codes[text_at + length] = _NEWLINE
        codes[-1] = 0
        astral_at, astral_code = [np.zeros(0, np.int64)], [np.zeros(0, np.uint32)]
        for at, size, text in zip(text_at.tolist(), length.tolist(), texts):
            wide = text.encode("utf-16-le", errors="surrogatepass")  # a lone surrogate stays one unit
            if len(wide) == 2 * size:
                codes[at:at + size] = np.frombuffer(wide, dtype=np.uint16)
            else:
                points = np.frombuffer(text.encode("utf-32-le", errors="surrogatepass"), dtype=np.uint32)
                codes[at:at + size] = np.minimum(points, _BEYOND_BMP)
                beyond = np.flatnonzero(points > _BEYOND_BMP)
                astral_at.append(beyond + at)
                astral_code.append(points[beyond])
        return cls(texts, codes, text_at, length, np.concatenate(astral_at), np.concatenate(astral_code))

    def segments(self, doc: np.ndarray, start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The code points (uint32) of the given spans, in order, joined by line breaks (as "\\n".join of their
        texts) and where each span starts in them: each span cut with the character after it (a slice each:
        an index array of every position would cost more), which becomes the line break."""
        lengths = (end - start).astype(np.int64)
        offset = np.concatenate(([0], np.cumsum(lengths + 1)[:-1])).astype(np.int64)
        if not len(lengths):
            return np.zeros(0, dtype=np.uint32), offset
        at = self.text_at[doc] + start
        codes = self.codes
        picked = np.concatenate([codes[first:last] for first, last in zip(at.tolist(), (at + lengths + 1).tolist())])
        picked[offset[1:] - 1] = _NEWLINE
        points = picked[:-1].astype(np.uint32)
        span = np.searchsorted(at, self.astral_at, side="right") - 1  # the span each such character may be in
        inside = (span >= 0) & (self.astral_at < at[span] + lengths[span])
        points[offset[span[inside]] + self.astral_at[inside] - at[span[inside]]] = self.astral_code[inside]
        return points, offset


@dataclass(frozen=True)
class LabelSet:
    """The speaker labels as the regex tries them (longest first), lower-cased code points, and their roles."""

    pattern: re.Pattern
    labels: tuple[str, ...]
    roles: np.ndarray  # int8, per label
    participant: frozenset[str]

    @classmethod
    def of(cls, pattern: re.Pattern, interviewer: tuple[str, ...], participant: tuple[str, ...]) -> LabelSet:
        labels = tuple(sorted({*interviewer, *participant}, key=len, reverse=True))  # as speaker_pattern
        lowered = frozenset(label.lower() for label in participant)
        roles = np.array([ROLE_CODES["participant" if label.lower() in lowered else "interviewer"]
                          for label in labels], dtype=np.int8)
        return cls(pattern, labels, roles, lowered)

    @property
    def comparable(self) -> bool:
        """Whether numpy may compare the labels: ASCII without blanks, colons or brackets (else only the regex)."""
        return bool(self.labels) and all(label and label.isascii() and not set(label) & set(" \t:()\n")
                                         for label in self.labels)

    def role_of(self, name: str | None) -> int:
        """A label's role as written in a text; None (a text read whole) is the participant's."""
        return ROLE_CODES["participant" if name is None or name.lower() in self.participant else "interviewer"]


def turn_table(transcripts: list[RawTranscript], labels: LabelSet,
               report: LoadReport) -> tuple[np.ndarray, ShardText]:
    """(doc, number, role, start, end) of every turn of every transcript, as an int64 array (`start`: after
    the label and the blanks after it, `end`: before the turn's trailing white space, both offsets in the
    transcript's text), and the shard's text the turns were found in."""
    text = ShardText.of([t.text for t in transcripts])
    label_at, content_at, role = _labelled_lines(text, labels)
    doc = np.searchsorted(text.text_at, label_at, side="right") - 1
    unlabelled = np.flatnonzero(np.bincount(doc, minlength=len(transcripts)) == 0)
    for d in unlabelled.tolist():
        raw = transcripts[d]
        report.add(raw.source, f"{raw.transcript_id}: no speaker labels (such as 'User:'), so the whole text "
                   "is read as the participant's", hint="label turns, or map labels in the codebook")
    order = np.argsort(np.concatenate((label_at, text.text_at[unlabelled])), kind="stable")
    doc = np.concatenate((doc, unlabelled))[order]
    label_at = np.concatenate((label_at, text.text_at[unlabelled]))[order]
    content_at = np.concatenate((content_at, text.text_at[unlabelled]))[order]
    role = np.concatenate((role, np.full(len(unlabelled), ROLE_CODES["participant"], np.int64)))[order]
    # a turn runs to the next label of its transcript, or to the transcript's end
    last = np.append(doc[1:] != doc[:-1], True)
    bound = np.where(last, text.text_at[doc] + text.length[doc], np.append(label_at[1:], 0))
    end = _trimmed_ends(text, content_at, bound)
    number = np.arange(len(doc)) - np.searchsorted(doc, doc)  # position of the turn in its transcript
    table = np.column_stack((doc, number, role, content_at - text.text_at[doc], end - text.text_at[doc]))
    return table.reshape(-1, 5).astype(np.int64), text


def _labelled_lines(text: ShardText, labels: LabelSet) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where each label starts, where its turn's text starts (both in the joined text) and its role, in order."""
    line = np.concatenate(([0], np.flatnonzero(text.codes[:-1] == _NEWLINE) + 1))
    first = text.codes[line]
    blank_or_wide = (first == _SPACE) | (first == _TAB) | (first >= 128)
    if labels.comparable:
        initials = np.array(sorted({ord(c) for label in labels.labels for c in (label[0].lower(), label[0].upper())}))
        compared = line[np.isin(first, initials) & ~blank_or_wide]
        unsure = line[blank_or_wide]
    else:
        compared, unsure = line[:0], line
    found, content, role, undecided = _compared(text.codes, compared, labels)
    by_regex = _by_regex(text, np.sort(np.concatenate((unsure, undecided))), labels)
    label_at = np.concatenate((found, by_regex[0]))
    order = np.argsort(label_at, kind="stable")
    return label_at[order], np.concatenate((content, by_regex[1]))[order], np.concatenate((role, by_regex[2]))[order]


def _compared(codes: np.ndarray, line: np.ndarray, labels: LabelSet) -> tuple[np.ndarray, ...]:
    """The lines (their starts) that start with a label, by comparing each line's first characters with every
    label, the longest first: where its turn's text starts, the role, and the lines left to the regex. A line
    is compared only with the labels of its first letter (in any case: the first character is ASCII here, so
    no other character folds to it)."""
    width = max(map(len, labels.labels), default=0) + _SLACK
    window = np.take(codes, line[:, None] + np.arange(width), mode="clip")
    lower = np.where((window >= 65) & (window <= 90), window + 32, window)
    next_solid = _next_solid(window)
    open_ = np.ones(len(line), dtype=bool)
    colon, role, unsure = np.full(len(line), -1), np.zeros(len(line), np.int64), np.zeros(len(line), bool)
    for number, label in enumerate(labels.labels):
        size = len(label)
        rows = np.flatnonzero(open_ & (lower[:, 0] == ord(label[0].lower())))
        same = (lower[rows, :size] == [ord(c) for c in label.lower()]).all(axis=1)
        wide = ~same & (window[rows, :size] >= 128).any(axis=1)  # the regex's case folding decides
        after = next_solid[rows, size]
        stop = window[rows, np.minimum(after, width - 1)]
        unsure[rows] |= wide | (same & ((after == width) | (stop == _BRACKET)))
        hit = rows[same & (after < width) & (stop == _COLON)]
        colon[hit], role[hit] = next_solid[hit, size], labels.roles[number]
        open_[hit] = False
        open_ &= ~unsure
    found = np.flatnonzero(colon >= 0)
    content = next_solid[found, np.minimum(colon[found] + 1, width - 1)]
    unsure[found[(colon[found] + 1 >= width) | (content == width)]] = True
    hit = (colon >= 0) & ~unsure
    return line[hit], line[hit] + next_solid[hit, np.minimum(colon[hit] + 1, width - 1)], role[hit], line[unsure]


def _next_solid(window: np.ndarray) -> np.ndarray:
    """Per line and column of the window: the first column at or after it that is not a blank (space or
    tab), or the window's width when there is none."""
    blank = (window == _SPACE) | (window == _TAB)
    width = window.shape[1]
    next_solid = np.empty(window.shape, dtype=np.int64)
    following = np.full(len(window), width)
    for column in range(width - 1, -1, -1):
        following = np.where(blank[:, column], following, column)
        next_solid[:, column] = following
    return next_solid


def _by_regex(text: ShardText, line: np.ndarray, labels: LabelSet) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The lines (their starts) that start with a label, by the regex in their texts (`^` matches at a line's
    start): where the turn's text starts and its role."""
    starts, contents, roles = [], [], []
    doc = np.searchsorted(text.text_at, line, side="right") - 1
    for at, d in zip(line.tolist(), doc.tolist()):
        match = labels.pattern.match(text.texts[d], at - int(text.text_at[d]))
        if match:
            starts.append(at)
            contents.append(match.end() + int(text.text_at[d]))
            roles.append(labels.role_of(match.group("label")))
    return (np.array(starts, dtype=np.int64), np.array(contents, dtype=np.int64), np.array(roles, dtype=np.int64))


def _trimmed_ends(text: ShardText, start: np.ndarray, bound: np.ndarray) -> np.ndarray:
    """Where each span [start, bound) ends without its trailing white space (as `str.rstrip`): counted in a
    short window before `bound` (most turns end in a line break or two), in a longer one for the spans whose
    white space fills it, by `str.rstrip` itself for the few whose white space fills that too."""
    trailing = _trailing(text.codes, bound, _TRAILING_FIRST)
    longer = np.flatnonzero(trailing == _TRAILING_FIRST)
    trailing[longer] = _trailing(text.codes, bound[longer], _TRAILING)
    trailing = np.minimum(trailing, bound - start)
    end = bound - trailing
    for i in np.flatnonzero((trailing == _TRAILING) & (bound - start > _TRAILING)).tolist():
        d = int(np.searchsorted(text.text_at, start[i], side="right")) - 1
        at = int(text.text_at[d])
        end[i] = start[i] + len(text.texts[d][start[i] - at:bound[i] - at].rstrip())
    return end


def _trailing(codes: np.ndarray, bound: np.ndarray, width: int) -> np.ndarray:
    """How many of the `width` characters before each `bound` are white space after the last that is not
    (`width` when all are)."""
    solid = ~white_space(codes[np.maximum(bound[:, None] - width + np.arange(width), 0)])
    return width - np.where(solid.any(axis=1), width - 1 - np.argmax(solid[:, ::-1], axis=1), -1) - 1
