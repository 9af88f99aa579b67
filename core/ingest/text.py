"""Text clean-up and the one tokenizer every other module uses.

Matching and highlighting both work on character offsets into the *repaired* text, so repair happens once,
before anything else reads the text, and the tokenizer keeps offsets exact.
"""
from __future__ import annotations

import re

# A word: letters/digits, with inner apostrophes kept ("don't" is one word). \w would also take "_" and
# treats "fact-check" the same way we want: two words.
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")

# Mojibake from a UTF-8 -> Windows-1252 round trip always contains one of these lead characters followed by
# a character from the C1/punctuation range; checking for it first keeps ftfy (slow) off clean text.
_MOJIBAKE_HINT = re.compile("[ÂÃâÅÆÐÑ][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6"
                            "\u02dc\u2013-\u2122]")


_MOJIBAKE_LEADS = tuple("ÂÃâÅÆÐÑ")


def repair_text(text: str, utf8: bytes | None = None) -> str:
    """Undo encoding damage and normalise line endings. `utf8`: the text's UTF-8 bytes, when the caller has them
    (every mojibake lead character is encoded as 0xC3 and a second byte: one search of the bytes rules them out).

    >>> repair_text("no right or wrong answers â€“ we")
    'no right or wrong answers – we'
    """
    if "\r" in text:  # `in` scans without copying: most texts need none of these steps
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\ufeff" in text:
        text = text.replace("\ufeff", "")
    if (utf8 is None or b"\xc3" in utf8) and any(lead in text for lead in _MOJIBAKE_LEADS) \
            and _MOJIBAKE_HINT.search(text):
        import ftfy  # only for damaged text: importing it costs every command 35 ms

        text = ftfy.fix_encoding(text)
    return text


def lower_same_length(text: str) -> str:
    """Lower-case `text` one character at a time, so offsets into it are offsets into `text`.

    str.lower() turns a few characters (e.g. 'İ') into two, and a capital sigma into a final 'ς' at the end
    of a word; here each character becomes its own first lower-case character, as shards do
    (core.corpus.normalise).
    """
    lowered = text.lower()
    if len(lowered) == len(text) and "ς" not in lowered:
        return lowered
    return "".join(ch.lower()[0] for ch in text)


def words(text: str) -> list[str]:
    """The normalised words of `text`, in order.

    >>> words("Fact-check it, don’t guess")
    ['fact', 'check', 'it', "don't", 'guess']
    """
    return [w.replace("’", "'") for w in WORD.findall(lower_same_length(text))]


def word_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of every word of `text`, matching `words(text)` one for one."""
    return [m.span() for m in WORD.finditer(text)]
