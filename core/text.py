"""Text clean-up and the one tokenizer every other module uses.

Matching and highlighting both work on character offsets into the *repaired* text, so repair happens once,
before anything else reads the text, and the tokenizer keeps offsets exact.
"""
from __future__ import annotations

import re
from functools import cache

import ftfy
import numpy as np

# A word: letters/digits, with inner apostrophes kept ("don't" is one word). \w would also take "_" and
# treats "fact-check" the same way we want: two words.
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")

# Mojibake from a UTF-8 -> Windows-1252 round trip always contains one of these lead characters followed by
# a character from the C1/punctuation range; checking for it first keeps ftfy (slow) off clean text.
_MOJIBAKE_HINT = re.compile("[ÂÃâÅÆÐÑ][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u2122]")


_MOJIBAKE_LEADS = tuple("ÂÃâÅÆÐÑ")


def repair_text(text: str) -> str:
    """Undo encoding damage and normalise line endings.

    >>> repair_text("no right or wrong answers â€“ we")
    'no right or wrong answers – we'
    """
    if "\r" in text:  # `in` scans without copying: most texts need none of these steps
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\ufeff" in text:
        text = text.replace("\ufeff", "")
    if any(lead in text for lead in _MOJIBAKE_LEADS) and _MOJIBAKE_HINT.search(text):
        text = ftfy.fix_encoding(text)
    return text


def lower_same_length(text: str) -> str:
    """Lower-case `text` one character at a time, so offsets into it are offsets into `text`.

    str.lower() turns a few characters (e.g. 'İ') into two, and a capital sigma into a final 'ς' at the end
    of a word; here each character becomes its own first lower-case character, as `lower_codes` does.
    """
    lowered = text.lower()
    if len(lowered) == len(text) and "ς" not in lowered:
        return lowered
    return "".join(ch.lower()[0] for ch in text)


@cache
def _lower_table() -> np.ndarray:
    """The lower-case code point of every character of the Basic Multilingual Plane (made once, ~20 ms)."""
    return np.array([ord(chr(c).lower()[0]) for c in range(65536)], dtype=np.uint32)


def lower_codes(codes: np.ndarray) -> np.ndarray:
    """lower_same_length on UTF-32 code points: one table look-up (beyond the BMP, one call per distinct
    character)."""
    lowered = np.take(_lower_table(), codes, mode="clip")
    if len(codes) and codes.max() > 65535:
        astral = np.flatnonzero(codes > 65535)
        distinct, which = np.unique(codes[astral], return_inverse=True)
        lowered[astral] = np.array([ord(chr(c).lower()[0]) for c in distinct.tolist()], dtype=np.uint32)[which]
    return lowered


def words(text: str) -> list[str]:
    """The normalised words of `text`, in order.

    >>> words("Fact-check it, don’t guess")
    ['fact', 'check', 'it', "don't", 'guess']
    """
    return [w.replace("’", "'") for w in WORD.findall(lower_same_length(text))]


def word_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of every word of `text`, matching `words(text)` one for one."""
    return [m.span() for m in WORD.finditer(text)]
