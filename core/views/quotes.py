"""Quotes: the one cut of the sentence around a hit (`cut_quote`), the quotes a view lists, and HTML with the
matched words highlighted, always escaped.

Everything here is a pure function of text and offsets, so the dashboard, the exports, the report and the
codebook preview show exactly what the engine matched, and transcript text can never inject HTML (a
`<script>` in an interview shows as text):

    bounds = TurnBounds.of(analysis.turns("it_1"))
    quote = cut_quote(text, bounds, hit.turn, hit.start, hit.end)
    highlight_html(quote.of(text), [Span(hit.start, hit.end)], offset=quote.start)
"""
from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # the quotes list takes prepared data; filters does not need this module at run time
    from core.views.filters import ViewData

# A sentence ends at . ! ? (optionally followed by quotes/brackets) and white space, or at a blank line.
_SENTENCE_END = re.compile(r"[.!?]+[\"'”’)\]]*\s+|\n\s*\n")
QUOTE_SORTS = {
    "transcript": ["doc", "start"],
    "fuzziest": ["similarity", "doc", "start"],
    "occupation": ["occupation", "doc", "start"],
    "theme": ["theme_index", "doc", "start"],
}


@dataclass(frozen=True)
class Span:
    """A highlighted stretch of text: offsets, the CSS colour and a tooltip."""

    start: int
    end: int
    colour: str = "#ffe58f"
    title: str = ""


# ---------------------------------------------------------------- cutting a quote
def sentence_bounds(text: str, start: int, end: int, *, lo: int = 0, hi: int | None = None) -> tuple[int, int]:
    """The sentence containing text[start:end], kept within [lo, hi) (a turn's bounds). The primitive of
    `cut_quote`, which is what everything else calls.

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


class TurnBounds:
    """Where each speaker turn of one transcript starts and ends; build it once per transcript.

    >>> TurnBounds.of(pd.DataFrame({"turn": [0, 1], "start": [0, 12], "end": [12, 40]})).around(1, 40)
    (12, 40)
    """

    def __init__(self, turns: Iterable[int], starts: Iterable[int], ends: Iterable[int]):
        self._bounds = {int(t): (int(s), int(e)) for t, s, e in zip(turns, starts, ends)}

    @classmethod
    def of(cls, turns: pd.DataFrame) -> TurnBounds:
        """From a turns table (`Analysis.turns(id)`: turn, start, end)."""
        return cls(turns["turn"].tolist(), turns["start"].tolist(), turns["end"].tolist())

    def around(self, turn: int, length: int) -> tuple[int, int]:
        """The bounds of `turn`; the whole text (of `length` characters) for a turn it does not know."""
        return self._bounds.get(int(turn), (0, length))


@dataclass(frozen=True)
class Quote:
    """Where a hit's quote is in its transcript: the sentence (start, end, white space trimmed) and the
    speaker turn around it (turn_start, turn_end); offsets into the transcript text, exact."""

    start: int
    end: int
    turn_start: int
    turn_end: int

    def of(self, text: str) -> str:
        """The quote's words in `text` (the transcript, or the same text with details masked)."""
        return text[self.start:self.end]

    def whole_turn(self, text: str) -> tuple[int, int]:
        """The quote's turn, white space trimmed."""
        return stripped(text, self.turn_start, self.turn_end)


def cut_quote(text: str, bounds: TurnBounds, turn: int, start: int, end: int) -> Quote:
    """The one cut of a quote: the sentence containing text[start:end] (a hit), inside its turn.

    >>> text = "Assistant: Why?\\n\\nUser: I like it. I double check. Then I ship."
    >>> bounds = TurnBounds([0, 1], [0, 17], [15, len(text)])
    >>> cut_quote(text, bounds, 1, 35, 41).of(text)
    'I double check.'
    """
    lo, hi = bounds.around(turn, len(text))
    begin, finish = stripped(text, *sentence_bounds(text, int(start), int(end), lo=lo, hi=hi))
    return Quote(min(begin, int(start)), max(finish, int(end)), lo, hi)


def cut_quotes(hits: pd.DataFrame, text_of: Callable[[str], str],
               turns_of: Callable[[str], pd.DataFrame]) -> Iterator[tuple[int, str, Quote]]:
    """(position in `hits`, its transcript's text, its quote) of every hit; each transcript is read once,
    in the order of the hits table (hits need transcript_id, turn, start and end)."""
    positions = np.arange(len(hits))
    for transcript_id, rows in hits.groupby("transcript_id", sort=False).indices.items():
        text, bounds = text_of(transcript_id), TurnBounds.of(turns_of(transcript_id))
        part = hits.iloc[rows]
        for position, turn, start, end in zip(positions[rows], part["turn"].tolist(), part["start"].tolist(),
                                              part["end"].tolist()):
            yield int(position), text, cut_quote(text, bounds, turn, start, end)


def hit_sentences(hits: pd.DataFrame, text_of: Callable[[str], str],
                  turns_of: Callable[[str], pd.DataFrame]) -> pd.Series:
    """The quote of every hit as text (the search index of `search_mask`), aligned with `hits`."""
    sentences = np.empty(len(hits), dtype=object)
    for position, text, quote in cut_quotes(hits, text_of, turns_of):
        sentences[position] = quote.of(text)
    return pd.Series(sentences, index=hits.index, dtype=object)


# ---------------------------------------------------------------- the quotes of a view
def quotes(data: ViewData, keep: np.ndarray, *, theme: str | None = None, occupation: str | None = None,
           sort: str = "transcript") -> pd.DataFrame:
    """The hits kept by `quote_hit_mask`, narrowed to one theme and/or occupation, sorted by one of
    QUOTE_SORTS; columns of the hits table plus doc, theme_index and occupation."""
    keep = keep.copy()
    if theme is not None:
        keep &= data.hits["theme_index"].to_numpy() == (data.theme_ids.index(theme) if theme in data.theme_ids else -1)
    if occupation is not None:
        keep &= data.hits["occupation"].to_numpy() == occupation
    chosen = data.hits.loc[keep]
    return chosen.sort_values(QUOTE_SORTS.get(sort, QUOTE_SORTS["transcript"]), kind="stable")


def transcript_hits(data: ViewData, doc: int, theme_ids: Iterable[str]) -> pd.DataFrame:
    """Every hit of one transcript in the given themes (for the transcript reader)."""
    rows = data.hits.loc[data.hits["doc"].to_numpy() == doc]
    return rows.loc[rows["theme"].isin(list(theme_ids))]


def page_of(table: pd.DataFrame, page: int, size: int) -> tuple[pd.DataFrame, int, int]:
    """Rows of a 1-based page, the page actually shown (clamped) and the number of pages."""
    pages = max(1, -(-len(table) // size))
    page = min(max(int(page), 1), pages)
    return table.iloc[(page - 1) * size: page * size], page, pages


# ---------------------------------------------------------------- HTML
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


def quote_html(text: str, quote: Quote, spans: list[Span]) -> str:
    """The quote's sentence in `text` as escaped HTML, the spans highlighted, line breaks kept.

    >>> text = "Why? I double check. Done."
    >>> quote_html(text, Quote(5, 20, 0, 26), [Span(7, 13)])
    'I <mark style="background:#ffe58f" title="">double</mark> check.'
    """
    return paragraphs_html(highlight_html(quote.of(text), spans, offset=quote.start))


def paragraphs_html(fragment: str) -> str:
    """Escaped-and-highlighted text with its line breaks kept (blank lines become paragraph gaps)."""
    return fragment.replace("\n", "<br>")
