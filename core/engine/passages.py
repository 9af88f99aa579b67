"""Passages: the one cut of the passage (sentence) around a hit, found for every hit while a shard is scored.

A hit's passage is the sentence holding it inside its speaker turn: from the last sentence end before the hit
(`. ! ?`, optionally closing quotes or brackets, then white space; or a blank line) to the punctuation of the
next one after it, white space trimmed, never cutting the hit. Where a shard's sentences end is worked out
once, with numpy over the code points of its turns (`SentenceEnds`, kept in the cache with the shard), and
every hit's passage is cut from that while the shard is scored, so the views group quotes by integer offsets
and slice text only for the quotes they show; `passage_of` cuts one (any span) and is the definition both
follow.

    passage_of("Why?\\n\\nUser: I like it. I double check.", 25, 31, lo=12)   # (23, 38): 'I double check.'
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

# A sentence ends at . ! ? (optionally followed by quotes/brackets) and white space, or at a blank line.
_SENTENCE_END = re.compile(r"[.!?]+[\"'”’)\]]*\s+|\n\s*\n")
# The same characters as classes for `SentenceEnds` (white space is what `\s` and str.strip() take).
_OTHER, _STOP, _CLOSING, _SPACE, _NEWLINE = range(5)


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
    never cutting the hit. The definition `SentenceEnds.passages` computes for every hit at once.

    >>> text = "Assistant: Why?\\n\\nUser: I like it. I double check. Then I ship."
    >>> begin, finish = passage_of(text, 35, 41, lo=23)
    >>> text[begin:finish]
    'I double check.'
    """
    begin, finish = stripped(text, *sentence_bounds(text, int(start), int(end), lo=lo, hi=hi))
    return min(begin, int(start)), max(finish, int(end))


@dataclass(frozen=True)
class SentenceEnds:
    """Where the sentences of a shard's turns end, computed with numpy over their code points: they depend on
    the text alone, so a shard works them out once (and the cache keeps them with it), and cutting any hit's
    passage is then two binary searches (`passages`).

    What `passage_of` finds, said in white-space runs: a run is a sentence end when punctuation (. ! ?, then
    any closing quotes or brackets) comes right before it, or when it holds two line breaks; a passage
    starts where the sentence end before it ends and finishes where the one after it starts (trimmed), else
    at its turn's first or last character that is not white space. That holds for a hit that starts and ends
    on a word character, as every engine hit does (tests/engine/test_passages.py checks it against the
    regular expression on varied text).

    Positions are into the turns' code points laid end to end with one separator between (a character of
    no class, so no run or sentence end crosses it): `turn_at` is where each turn starts there (-1: a turn
    not read, which holds no hit)."""

    turn_at: np.ndarray    # per turn of the shard
    first: np.ndarray      # per turn: its first character that is not white space
    last: np.ndarray       # per turn: the position after its last one
    run_start: np.ndarray  # the white-space runs that end a sentence, in order
    run_end: np.ndarray

    @classmethod
    def of_codes(cls, codes: np.ndarray, turn_at: np.ndarray, turn_length: np.ndarray) -> SentenceEnds:
        """From the code points of the turns laid end to end (whatever the character between two turns: it
        is read as of no class), `turn_at` where each starts (-1: not there) and `turn_length` per turn."""
        kind = np.take(_classes(), codes, mode="clip")
        there = turn_at >= 0
        begins, ends = turn_at[there], turn_at[there] + turn_length[there]
        kind[ends[ends < len(kind)]] = _OTHER  # the separators
        all_start, all_end = _runs(kind >= _SPACE)
        first, last = np.full(len(turn_at), -1, np.int64), np.full(len(turn_at), -1, np.int64)
        first[there], last[there] = _trimmed_bounds(all_start, all_end, begins, ends)
        sentence_end = _sentence_end(kind, all_start, all_end)
        return cls(turn_at.astype(np.int64), first, last, all_start[sentence_end], all_end[sentence_end])

    @classmethod
    def of_texts(cls, texts: Sequence[str], turn_doc: np.ndarray, turn_start: np.ndarray, turn_end: np.ndarray,
                 turns: np.ndarray) -> SentenceEnds:
        """Of the given turns (a shard without its turns' code points: their texts are joined first)."""
        codes, begins = _joined_turns(texts, turn_doc, turn_start, turn_end, turns)
        turn_at = np.full(len(turn_doc), -1, np.int64)
        turn_at[turns] = begins
        return cls.of_codes(codes, turn_at, turn_end.astype(np.int64) - turn_start)

    def passages(self, turn_start: np.ndarray, turn_end: np.ndarray, turn: np.ndarray, start: np.ndarray,
                 end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`passage_of` of every hit (its turn, and start and end in its transcript), as two int32 arrays."""
        begins = self.turn_at[turn]
        shift = begins - turn_start[turn]  # from offsets in the transcript to positions here
        ends = begins + (turn_end[turn] - turn_start[turn])
        before = np.searchsorted(self.run_end, start + shift, side="right") - 1  # the last sentence end before
        after = np.searchsorted(self.run_start, end + shift, side="left")        # the first one after the hit
        run_end, run_start = _picked(self.run_end, before), _picked(self.run_start, after)
        begin = np.where((before >= 0) & (run_end > begins), run_end, self.first[turn])
        finish = np.where((after < len(self.run_start)) & (run_start < ends), run_start, self.last[turn])
        return (np.minimum(begin - shift, start).astype(np.int32), np.maximum(finish - shift, end).astype(np.int32))

    def arrays(self) -> dict[str, np.ndarray]:
        """As arrays to keep in a shard's bundle (`from_arrays` reads them back), int32 where they fit."""
        return {f"sentences_{name}": _narrow(getattr(self, name)) for name in _SENTENCE_ARRAYS}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> SentenceEnds | None:
        """What `arrays` gave, or None from a bundle written without them."""
        if not all(f"sentences_{name}" in arrays for name in _SENTENCE_ARRAYS):
            return None
        return cls(*(arrays[f"sentences_{name}"].astype(np.int64) for name in _SENTENCE_ARRAYS))


_SENTENCE_ARRAYS = ("turn_at", "first", "last", "run_start", "run_end")


def _narrow(values: np.ndarray) -> np.ndarray:
    return values.astype(np.int32) if not len(values) or int(values.max()) < 2**31 - 1 else values


def _joined_turns(texts: Sequence[str], turn_doc: np.ndarray, turn_start: np.ndarray, turn_end: np.ndarray,
                  turns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The code points of the given turns, one after the other with a separator, and where each turn starts
    in them."""
    pieces = [texts[d][s:e] for d, s, e in zip(turn_doc[turns].tolist(), turn_start[turns].tolist(),
                                                turn_end[turns].tolist())]
    codes = np.frombuffer("\0".join(pieces).encode("utf-32-le", errors="surrogatepass"), dtype=np.uint32)
    lengths = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
    return codes, np.concatenate(([0], np.cumsum(lengths + 1)[:-1])).astype(np.int64)


def white_space(codes: np.ndarray) -> np.ndarray:
    """Whether each code point is white space (`str.isspace`), from the one class table."""
    return np.take(_classes(), codes, mode="clip") >= _SPACE


@cache
def _classes() -> np.ndarray:
    """The class of every character of the Basic Multilingual Plane (none beyond it is white space,
    punctuation or a closing quote; code points past it are looked up as U+FFFF, of no class)."""
    table = np.full(65536, _OTHER, dtype=np.uint8)
    table[[c for c in range(65536) if chr(c).isspace()]] = _SPACE
    table[ord("\n")] = _NEWLINE
    table[[ord(c) for c in ".!?"]] = _STOP
    table[[ord(c) for c in "\"'”’)]"]] = _CLOSING
    return table


def _runs(flags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each run of True starts and ends."""
    padded = np.concatenate(([False], flags, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return edges[0::2], edges[1::2]


def _sentence_end(kind: np.ndarray, run_start: np.ndarray, run_end: np.ndarray) -> np.ndarray:
    """Which white-space runs end a sentence: punctuation, then closing quotes or brackets, right before
    the run; or two line breaks in it. (Each step looks only at runs or line breaks: a pass over every
    character, or a search per run, costs several times more.)"""
    before, kind_before = _before_closing(kind, run_start)
    stopped = (before >= 0) & (kind_before == _STOP)
    newlines = np.flatnonzero(kind == _NEWLINE)  # every line break is inside one white-space run
    breaks = np.bincount(np.searchsorted(run_start, newlines, side="right") - 1, minlength=len(run_start))
    return stopped | (breaks >= 2)


def _before_closing(kind: np.ndarray, run_start: np.ndarray, steps: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """The position before each run, stepped back over the closing quotes and brackets right before it, and the
    class there: one step at a time for the few runs that have any, and, for a longer row of them, from the
    runs of closing characters (a pass over every character, needed only then). The classes before the runs
    are read once (750,000 runs a batch) and again only where a run was stepped back from."""
    before = run_start - 1
    kind_before = _picked(kind, before)
    stepped = closed = np.flatnonzero(kind_before == _CLOSING)
    for _ in range(steps):
        if not len(closed):
            break
        before[closed] -= 1
        closed = closed[_picked(kind, before[closed]) == _CLOSING]
    if len(closed):
        closing_start, closing_end = _runs(kind == _CLOSING)
        before[closed] = closing_start[np.searchsorted(closing_end, run_start[closed])] - 1
    kind_before[stepped] = _picked(kind, before[stepped])
    return before, kind_before


def _trimmed_bounds(run_start: np.ndarray, run_end: np.ndarray, begins: np.ndarray,
                    ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each turn's first character that is not white space, and the position after its last one (from the
    runs of white space: one starting where a turn starts, one ending where it ends)."""
    leading = np.minimum(np.searchsorted(run_start, begins), max(len(run_start) - 1, 0))
    first = np.where(_picked(run_start, leading) == begins, _picked(run_end, leading), begins)
    trailing = np.searchsorted(run_end, ends)
    last = np.where(_picked(run_end, trailing) == ends, _picked(run_start, trailing), ends)
    return np.minimum(first, ends), np.maximum(last, begins)


def _picked(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """values[index], with 0 where the index is out of range (those rows are not used)."""
    if not len(values):
        return np.zeros(len(index), dtype=np.int64)
    return values[np.clip(index, 0, len(values) - 1)]
