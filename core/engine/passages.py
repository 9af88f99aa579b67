"""Passages: the one cut of the passage (sentence) around a hit, found for every hit while a shard is scored.

A hit's passage is the sentence holding it inside its speaker turn: from the last sentence end before the hit
(`. ! ?`, optionally closing quotes or brackets, then white space; or a blank line) to the punctuation of the
next one after it, white space trimmed, never cutting the hit. The engine cuts every hit's passage while it
has the shard's texts in hand (`shard_passages`: one scan per turn holding hits), so the views group quotes
by integer offsets and slice text only for the quotes they show; `passage_of` cuts one (any span).

    passage_of("Why?\\n\\nUser: I like it. I double check.", 27, 33, lo=12)   # (24, 39): 'I double check.'
"""
from __future__ import annotations

import re

import numpy as np

# A sentence end; `stop` is its punctuation (unset for a blank line), `space` the white space after it.
_SENTENCE_END = re.compile(r"(?:(?P<stop>[.!?]+[\"'”’)\]]*)\s+|\n\s*\n)(?=(?P<space>\s*))")
_POSITION_BITS = 32  # a transcript is at most 2,000,000 characters: (turn, offset) packs into one int64


def sentence_bounds(text: str, start: int, end: int, *, lo: int = 0, hi: int | None = None) -> tuple[int, int]:
    """The sentence containing text[start:end], kept within [lo, hi) (a turn's bounds), untrimmed.

    >>> t = "First one. I double check. Last."
    >>> s, e = sentence_bounds(t, 13, 19)
    >>> t[s:e]
    'I double check.'
    """
    hi = len(text) if hi is None else hi
    begin = lo
    for match in _SENTENCE_END.finditer(text, lo, start):
        begin = match.end()
    finish = hi
    following = _SENTENCE_END.search(text, end, hi)
    if following:
        finish = following.start() + len(following.group().rstrip())
    return begin, max(finish, end)


def stripped(text: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) without the white space at either end (offsets into `text`, nothing collapsed).

    >>> stripped("  ab  ", 0, 6)
    (2, 4)
    """
    fragment = text[start:end]
    begin = start + len(fragment) - len(fragment.lstrip())
    return begin, max(begin, start + len(fragment.rstrip()))


def passage_of(text: str, start: int, end: int, *, lo: int = 0, hi: int | None = None) -> tuple[int, int]:
    """The passage of text[start:end] (a hit) inside the turn [lo, hi): its sentence, white space trimmed,
    never cutting the hit. The definition `shard_passages` computes for every hit at once.

    >>> text = "Assistant: Why?\\n\\nUser: I like it. I double check. Then I ship."
    >>> begin, finish = passage_of(text, 35, 41, lo=23)
    >>> text[begin:finish]
    'I double check.'
    """
    begin, finish = stripped(text, *sentence_bounds(text, int(start), int(end), lo=lo, hi=hi))
    return min(begin, int(start)), max(finish, int(end))


def shard_passages(texts: list[str], turn_doc: np.ndarray, turn_start: np.ndarray, turn_end: np.ndarray,
                   turn: np.ndarray, start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`passage_of` of every hit (its shard turn, start, end), as two int32 arrays. Each turn holding hits is
    scanned for sentence ends once and the hits are placed among them with numpy. A hit starts and ends on a
    word character, as every engine hit does, so no sentence end runs over its edges and the scan of its
    turn finds the sentence ends a scan from the hit finds (tests/engine/test_passages.py)."""
    turns = np.unique(turn)
    ends = _sentence_ends(texts, turn_doc, turn_start, turn_end, turns)
    key = (np.asarray(turn, np.int64) << _POSITION_BITS)
    at_start, at_end = key + start, key + end
    before = np.searchsorted(ends["end_key"], at_start, side="right") - 1  # the last end before the hit
    after = np.searchsorted(ends["start_key"], at_end, side="left")        # the first end after it
    lo, hi = _turn_trimmed(texts, turn_doc, turn_start, turn_end, turns)
    row = np.searchsorted(turns, turn)
    begin = np.where(_in_turn(ends, before, turn), _picked(ends["begin"], before), lo[row])
    finish = np.where(_in_turn(ends, after, turn), _picked(ends["finish"], after), hi[row])
    passage_start, passage_end = np.minimum(begin, start), np.maximum(finish, end)
    return passage_start.astype(np.int32), passage_end.astype(np.int32)


def _sentence_ends(texts: list[str], turn_doc: np.ndarray, turn_start: np.ndarray, turn_end: np.ndarray,
                   turns: np.ndarray) -> dict[str, np.ndarray]:
    """Every sentence end in the given turns, in order: its turn, where it starts and ends (packed with the
    turn, for one sorted search over the shard), `begin` (where a passage after it starts, trimmed) and
    `finish` (where a passage before it ends, trimmed)."""
    found: list[tuple[int, int, int, int, int]] = []
    for t in turns.tolist():
        text, lo, hi = texts[turn_doc[t]], int(turn_start[t]), int(turn_end[t])
        for match in _SENTENCE_END.finditer(text, lo, hi):
            stop = match.end("stop")  # -1 for a blank line: trim the white space before it
            finish = stop if stop >= 0 else lo + len(text[lo:match.start()].rstrip())
            found.append((t, match.start(), match.end(), match.end("space"), finish))
    table = np.array(found, dtype=np.int64).reshape(-1, 5)
    return {"turn": table[:, 0], "start_key": (table[:, 0] << _POSITION_BITS) + table[:, 1],
            "end_key": (table[:, 0] << _POSITION_BITS) + table[:, 2], "begin": table[:, 3], "finish": table[:, 4]}


def _picked(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """values[index], with 0 where the index is out of range (those rows are not used)."""
    if not len(values):
        return np.zeros(len(index), dtype=np.int64)
    return values[np.clip(index, 0, len(values) - 1)]


def _in_turn(ends: dict[str, np.ndarray], index: np.ndarray, turn: np.ndarray) -> np.ndarray:
    """Whether sentence end `index` exists and lies in the hit's turn."""
    return (index >= 0) & (index < len(ends["turn"])) & (_picked(ends["turn"], index) == turn)


def _turn_trimmed(texts: list[str], turn_doc: np.ndarray, turn_start: np.ndarray, turn_end: np.ndarray,
                  turns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each turn's first and past-last characters that are not white space (a passage without a sentence
    end before or after it starts or ends there)."""
    lo, hi = np.zeros(len(turns), np.int64), np.zeros(len(turns), np.int64)
    for row, t in enumerate(turns.tolist()):
        turn_text, first = texts[turn_doc[t]][int(turn_start[t]):int(turn_end[t])], int(turn_start[t])
        lo[row] = first + len(turn_text) - len(turn_text.lstrip())
        hi[row] = first + len(turn_text.rstrip())
    return lo, hi
