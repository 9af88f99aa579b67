"""Quotes: the sentence around a hit, and HTML with the matched words highlighted, always escaped.

Everything here is a pure function of text and offsets, so the dashboard and reports show exactly what the
engine matched, and transcript text can never inject HTML (a `<script>` in an interview shows as text).
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass

# A sentence ends at . ! ? (optionally followed by quotes/brackets) and white space, or at a blank line.
_SENTENCE_END = re.compile(r"[.!?]+[\"'”’)\]]*\s+|\n\s*\n")


@dataclass(frozen=True)
class Span:
    """A highlighted stretch of text: offsets, the CSS colour and a tooltip."""

    start: int
    end: int
    colour: str = "#ffe58f"
    title: str = ""


def sentence_bounds(text: str, start: int, end: int, *, lo: int = 0, hi: int | None = None) -> tuple[int, int]:
    """The sentence containing text[start:end], kept within [lo, hi) (a turn's bounds).

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


def highlight_html(text: str, spans: list[Span], *, offset: int = 0) -> str:
    """`text` as escaped HTML with each span wrapped in <mark>; spans use offsets into the full text and
    `offset` is where `text` starts in it. Overlapping spans: the earlier one wins the overlap.

    >>> highlight_html("a <b> c", [Span(2, 5, "#ff0", "tag")])
    'a <mark style="background:#ff0" title="tag">&lt;b&gt;</mark> c'
    """
    out, cursor = [], 0
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        start, end = max(span.start - offset, cursor), min(span.end - offset, len(text))
        if end <= start:
            continue
        out.append(html.escape(text[cursor:start]))
        out.append(f'<mark style="background:{html.escape(span.colour)}" title="{html.escape(span.title)}">'
                   f"{html.escape(text[start:end])}</mark>")
        cursor = end
    out.append(html.escape(text[cursor:]))
    return "".join(out)


def paragraphs_html(fragment: str) -> str:
    """Escaped-and-highlighted text with its line breaks kept (blank lines become paragraph gaps)."""
    return fragment.replace("\n", "<br>")
