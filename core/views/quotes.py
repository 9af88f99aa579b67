"""Quotes: hits grouped by the passage the engine found for each (`group_quotes`), the quotes a view lists, and
HTML with the matched words highlighted, always escaped.

Every hit carries its passage and turn bounds from the engine (`core.engine.passages`), so quotes are grouped
and counted by integers, and only the quotes a page shows are sliced from their text. Everything here is a
pure function of tables, text and offsets, so the dashboard, the exports, the report and the codebook preview
show exactly what the engine matched, and transcript text can never inject HTML (a `<script>` in an
interview shows as text):

    quote = quote_of(row)                       # a row of `group_quotes`
    highlight_html(quote.of(text), quote_spans(row, "#ffe58f"), offset=quote.start)
"""
from __future__ import annotations

import contextlib
import gc
import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from core.engine.passages import passage_of, stripped

if TYPE_CHECKING:
    from core.engine.results import Analysis
    from core.views.filters import ViewData

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


# ---------------------------------------------------------------- one quote
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
    """The quote around text[start:end] (a span that is not one of the engine's hits, such as a word's first
    occurrence): the passage `core.engine.passages.passage_of` cuts, inside its turn.

    >>> text = "Assistant: Why?\\n\\nUser: I like it. I double check. Then I ship."
    >>> bounds = TurnBounds([0, 1], [0, 17], [15, len(text)])
    >>> cut_quote(text, bounds, 1, 35, 41).of(text)
    'I double check.'
    """
    lo, hi = bounds.around(turn, len(text))
    return Quote(*passage_of(text, int(start), int(end), lo=lo, hi=hi), lo, hi)


# ---------------------------------------------------------------- hits -> quotes
# A quote is one (transcript, theme, passage): the passage the engine found around a hit (its passage_start and
# passage_end), holding every hit of that theme inside it. Two hits of one theme in one sentence are one quote;
# hits of two themes in one sentence are two quotes. Every page, export, the report, the preview and hand coding
# count quotes this way.
QUOTE_KEY = ["transcript_id", "theme", "quote_start", "quote_end"]
PASSAGE_COLUMNS = ["quote_start", "quote_end", "turn_start", "turn_end"]
HIT_LISTS = {"hit_starts": "start", "hit_ends": "end", "terms": "term", "matched_texts": "matched_text"}
# the engine's passage and turn columns of a hit, as a quote's columns are named
QUOTE_BOUNDS = dict(zip(["passage_start", "passage_end", "turn_start", "turn_end"], PASSAGE_COLUMNS))


def group_quotes(hits: pd.DataFrame) -> pd.DataFrame:
    """One row per quote from hits (with the engine's passage columns): the columns of the quote's first hit
    (`start`, `end`, `term`, `matched_text`: the anchor a link or a mark uses), PASSAGE_COLUMNS, `hits` (how
    many), `similarity` (the lowest of its hits) and the lists `hit_starts`, `hit_ends`, `terms`,
    `matched_texts` (its hits in text order). Rows come in QUOTE_KEY order.

    >>> hits = pd.DataFrame({"transcript_id": ["t"] * 3, "turn": [1] * 3, "theme": ["a", "a", "b"],
    ...     "term": ["x", "y", "x"], "matched_text": ["x", "y", "x"], "start": [9, 3, 3], "end": [10, 4, 4],
    ...     "similarity": [90.0, 100.0, 100.0], "passage_start": [0] * 3, "passage_end": [12] * 3,
    ...     "turn_start": [0] * 3, "turn_end": [20] * 3})
    >>> group_quotes(hits)[["theme", "hits", "similarity", "terms"]].to_dict("list")
    {'theme': ['a', 'b'], 'hits': [2, 1], 'similarity': [90.0, 100.0], 'terms': [['y', 'x'], ['x']]}
    """
    table = hits.rename(columns=QUOTE_BOUNDS)
    table = table.sort_values([*QUOTE_KEY, "start", "end"], kind="stable", ignore_index=True)
    first = _first_of_each_quote(table)
    quotes = table.loc[first].reset_index(drop=True)
    starts = np.flatnonzero(first)
    quotes["hits"] = np.diff(np.append(starts, len(table)))
    if len(table):
        quotes["similarity"] = np.minimum.reduceat(table["similarity"].to_numpy(float), starts)
    bounds = list(zip(starts.tolist(), np.append(starts[1:], len(table)).tolist()))
    with _collector_paused():
        for listed, column in HIT_LISTS.items():
            values = table[column].tolist() if column in table else [""] * len(table)
            quotes[listed] = pd.Series([values[a:b] for a, b in bounds], dtype=object)
    return quotes


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Making tens of thousands of small lists sets off Python's cycle collector every 700 of them, and each
    run walks every object of a large heap: 8x the time of making the lists. They hold no cycles."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _first_of_each_quote(table: pd.DataFrame) -> np.ndarray:
    """Boolean per row of a QUOTE_KEY-sorted table: does a new quote start here?"""
    first = np.ones(len(table), dtype=bool)
    if len(table) > 1:
        same = np.ones(len(table) - 1, dtype=bool)
        for column in QUOTE_KEY:
            values = table[column].to_numpy()
            same &= values[1:] == values[:-1]
        first[1:] = ~same
    return first


def raising_hits(hits: pd.DataFrame, themes: pd.DataFrame, min_hits: int = 1) -> pd.DataFrame:
    """The hits that can be quotes: those in a transcript that raises their theme (the codebook marks it
    present and it has at least `min_hits` hits). A hit in a transcript below the theme's minimum is no
    evidence of the theme and is left out of every quote count (the one presence rule for quotes).

    >>> hits = pd.DataFrame({"transcript_id": ["a", "b"], "theme": ["x", "x"]})
    >>> themes = pd.DataFrame({"transcript_id": ["a", "b"], "theme": ["x", "x"], "hits": [1, 1],
    ...                        "present": [1, 0]})
    >>> raising_hits(hits, themes)["transcript_id"].tolist()
    ['a']
    """
    return hits.loc[raising_rows(hits, themes, min_hits)]


def raising_rows(hits: pd.DataFrame, themes: pd.DataFrame, min_hits: int = 1) -> np.ndarray:
    """`raising_hits` as a boolean per row of `hits`, for callers that need a few columns of those rows
    (a copy of every column of 3 million hits is 350 MB)."""
    raises = ((themes["present"] == 1) & (themes["hits"] >= max(int(min_hits), 1))).to_numpy()
    # (transcript, theme) as one integer per row of both tables: a look-up of integers, not of string pairs
    doc = pd.factorize(pd.concat([themes["transcript_id"], hits["transcript_id"]], ignore_index=True))[0]
    theme, names = pd.factorize(pd.concat([themes["theme"], hits["theme"]], ignore_index=True))
    cell = doc.astype(np.int64) * max(len(names), 1) + theme
    raised = np.zeros(int(cell.max()) + 1 if len(cell) else 0, dtype=bool)
    raised[cell[:len(themes)][raises]] = True
    return raised[cell[len(themes):]]


def quotes_of_analysis(analysis: Analysis, *, min_hits: int = 1) -> pd.DataFrame:
    """Every quote of an analysis (`group_quotes` of its `raising_hits`): what the Quotes page lists without
    filters, and what the preview and hand coding count."""
    return group_quotes(raising_hits(analysis.hits, analysis.themes, min_hits))


def hits_of_quotes(quotes: pd.DataFrame) -> pd.DataFrame:
    """The hits inside quotes (the inverse of `group_quotes`): transcript_id, theme, start, end, term,
    matched_text and `quote`, the row number of its quote in `quotes`.

    >>> q = pd.DataFrame({"transcript_id": ["t"], "theme": ["a"], "hits": [2], "hit_starts": [[1, 5]],
    ...                   "hit_ends": [[3, 7]], "terms": [["x", "y"]], "matched_texts": [["x", "y"]]})
    >>> hits_of_quotes(q)[["start", "term", "quote"]].values.tolist()
    [[1, 'x', 0], [5, 'y', 0]]
    """
    counts = quotes["hits"].to_numpy(np.int64) if len(quotes) else np.zeros(0, np.int64)
    table: dict[str, np.ndarray | list] = {"transcript_id": np.repeat(quotes["transcript_id"].to_numpy(), counts),
             "theme": np.repeat(quotes["theme"].to_numpy(), counts)}
    for listed, column in HIT_LISTS.items():
        table[column] = [value for values in quotes[listed] for value in values]
    table["quote"] = np.repeat(np.arange(len(quotes)), counts)
    return pd.DataFrame(table).astype({"start": "int64", "end": "int64"})


def quote_spans(quote, colour: str, title: str = "") -> list[Span]:
    """A highlight for every hit of a quote (a row of `group_quotes`), all in its theme's colour."""
    return [Span(int(s), int(e), colour, title) for s, e in zip(quote.hit_starts, quote.hit_ends)]


# The label the caption and Word readers write before a turn: "Participant (Sam Lee, 00:14:20): "
_TIMED_LABEL = re.compile(r"\((?:[^()\n]*, )?(\d{1,2}:\d{2}(?::\d{2})?)\):[ \t]*$")


def spoken_at(text: str, turn_start: int) -> str | None:
    """The time stamp of the turn starting at `turn_start` (from its label, e.g. "00:14:20"), None without one.

    >>> spoken_at("Participant (Sam Lee, 00:14:20): I teach.", 33), spoken_at("User: I teach.", 6)
    ('00:14:20', None)
    """
    line_start = text.rfind("\n", 0, turn_start) + 1
    found = _TIMED_LABEL.search(text, line_start, turn_start)
    return found.group(1) if found else None


def quote_of(row) -> Quote:
    """The `Quote` (passage and turn bounds) of a row of `group_quotes`."""
    return Quote(int(row.quote_start), int(row.quote_end), int(row.turn_start), int(row.turn_end))


# ---------------------------------------------------------------- the quotes of a view
def quotes(data: ViewData, keep: np.ndarray, *, theme: str | None = None, occupation: str | None = None,
           sort: str = "transcript", hits: pd.DataFrame | None = None) -> pd.DataFrame:
    """The quotes (`group_quotes`) of the hits kept by `quote_hit_mask`, narrowed to one theme and/or
    occupation, sorted by one of QUOTE_SORTS. `hits`: some rows of the data's hits (`ViewData.hits_of`) that
    `keep` is a mask of; default all of `data.hits`."""
    hits = data.hits if hits is None else hits
    keep = keep.copy()
    if theme is not None:
        keep &= hits["theme_index"].to_numpy() == (data.theme_ids.index(theme) if theme in data.theme_ids else -1)
    if occupation is not None:
        keep &= hits["occupation"].to_numpy() == occupation
    chosen = group_quotes(hits.loc[keep])
    return chosen.sort_values(QUOTE_SORTS.get(sort, QUOTE_SORTS["transcript"]), kind="stable", ignore_index=True)


def transcript_hits(data: ViewData, doc: int, theme_ids: Iterable[str]) -> pd.DataFrame:
    """Every hit of one transcript in the given themes (for the transcript reader)."""
    rows = data.hits.loc[data.hits["doc"].to_numpy() == doc]
    return rows.loc[rows["theme"].isin(list(theme_ids))]


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


def best_quotes(quotes: pd.DataFrame, count: int) -> pd.DataFrame:
    """The first `count` of quotes by lowest similarity (highest first), one per transcript (the report's
    top quotes: exact matches first).

    >>> q = pd.DataFrame({"similarity": [90.0, 100.0, 100.0], "doc": [0, 1, 1], "start": [0, 5, 2]})
    >>> best_quotes(q, 2)[["doc", "start"]].values.tolist()
    [[1, 2], [0, 0]]
    """
    chosen = quotes.sort_values(["similarity", "doc", "start"], ascending=[False, True, True], kind="stable")
    return chosen.drop_duplicates("doc").head(count)
