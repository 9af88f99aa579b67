"""A page of the quotes in view, grouping only that page's hits: quotes are counted per transcript x theme cell
(`quote_cells`), the cells laid out in the sort's order, and only the transcripts the page falls in are read
(for hits in a streamed run's parts, read from the parts); `page_of` pages a whole table.

    page, number, pages = quote_page(data, scope, page=3, size=20, sort="transcript")

Grouping every quote of 80,000 transcripts to show 20 of them took 9 s and 2 GB; a page here groups a few
transcripts' hits, and its rows, page and pages are those `page_of` gives on the whole table.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from core.views.filters import quote_hit_mask, theme_columns
from core.views.quotes import quotes

if TYPE_CHECKING:
    from core.views.filters import ViewData
    from core.views.search import Mentions

PAGED_SORTS = ("transcript", "occupation", "theme")  # orders led by a transcript's or a cell's own value


@dataclass(frozen=True)
class QuoteScope:
    """What decides the quotes in view with the hits in parts: the transcripts kept (`mask`), the cells raised,
    the themes in view, the quotes per transcript x theme cell (`ViewData.quote_counts`, or only those
    holding a search's mentions) and the search's `mentions` (None: no search)."""

    mask: np.ndarray
    raised: np.ndarray
    theme_ids: list[str]
    counts: np.ndarray
    mentions: Mentions | None = None

    def hit_mask(self, data: ViewData, hits: pd.DataFrame) -> np.ndarray:
        """`quote_hit_mask` of some of the data's hits (read from the parts for a page)."""
        matching = None if self.mentions is None else self.mentions.in_passages(hits)
        return quote_hit_mask(data, self.mask, self.raised, self.theme_ids, hits=hits, matching_text=matching)


def quote_cells(data: ViewData, scope: QuoteScope, *, theme: str | None = None,
                occupation: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The quotes in view per transcript x theme cell (the scope's counts where the transcript matches and
    raises the theme) and the theme columns they are of: the counts `quotes` would give, from numbers."""
    columns = np.array([c for c in theme_columns(data, scope.theme_ids)
                        if theme is None or data.theme_ids[c] == theme], dtype=np.int64)
    rows = scope.mask if occupation is None else scope.mask & (data.transcripts["occupation"].to_numpy() == occupation)
    return scope.counts[:, columns] * (scope.raised[:, columns] & rows[:, None]), columns


def quote_page(data: ViewData, scope: QuoteScope, *, page: int, size: int, theme: str | None = None,
               occupation: str | None = None, sort: str = "transcript") -> tuple[pd.DataFrame, int, int]:
    """`page_of(quotes(...), page, size)` reading only the hits of the transcripts on that page: quotes are
    counted per cell (`quote_cells`), the cells laid out in the sort's order (transcripts, transcripts by
    occupation, or themes then transcripts), and only the cells the page falls in are grouped. For the
    PAGED_SORTS and "fuzziest" (`fuzziest_page`); the rows, page and pages are those `page_of` gives on the
    whole table."""
    cells, columns = quote_cells(data, scope, theme=theme, occupation=occupation)
    if sort == "fuzziest":
        return fuzziest_page(data, scope, cells, columns, page=page, size=size, theme=theme, occupation=occupation)
    units, counts = _units_in_order(data, cells, sort)
    total = int(counts.sum())
    page, pages = _clamped(page, size, total)
    ends = np.cumsum(counts)
    first, last = np.searchsorted(ends, [(page - 1) * size, min(page * size, total) - 1], side="right")
    chosen = units[first:last + 1]
    docs = chosen % data.size
    hits = data.hits_of(np.unique(docs))
    keep = scope.hit_mask(data, hits)
    if sort == "theme":  # only the cells on the page: the transcripts hold quotes of other themes too
        unit = np.searchsorted(columns, hits["theme_index"].to_numpy()) * data.size + hits["doc"].to_numpy()
        keep &= np.isin(unit, chosen)
    table = quotes(data, keep, theme=theme, occupation=occupation, sort=sort, hits=hits)
    skip = (page - 1) * size - (int(ends[first - 1]) if first else 0)
    return table.iloc[skip:skip + size].reset_index(drop=True), page, pages


def fuzziest_page(data: ViewData, scope: QuoteScope, cells: np.ndarray, columns: np.ndarray, *, page: int,
                  size: int, theme: str | None = None, occupation: str | None = None) -> tuple[pd.DataFrame, int, int]:
    """A page of quotes sorted fuzziest first with the hits in parts: DuckDB orders the quotes of the cells in
    view over every part (`HitsInParts.fuzziest_quotes`) and names the page's; only their transcripts' hits
    are then read and grouped, as on any page."""
    assert data.in_parts is not None
    page, pages = _clamped(page, size, int(cells.sum()))
    docs, positions = np.nonzero(cells)
    chosen = data.in_parts.fuzziest_quotes(data.transcripts["transcript_id"].to_numpy(), data.theme_ids,
                                           (docs, columns[positions]), offset=(page - 1) * size, limit=size,
                                           mentions=scope.mentions)
    hits = data.hits_of(np.unique(chosen["doc"].to_numpy(np.int64)))
    key = ["doc", "theme", "passage_start", "passage_end"]
    on_page = pd.MultiIndex.from_frame(hits[key]).isin(pd.MultiIndex.from_frame(chosen.set_axis(key, axis=1)))
    table = quotes(data, scope.hit_mask(data, hits) & on_page, theme=theme, occupation=occupation, sort="fuzziest",
                   hits=hits)
    return table.reset_index(drop=True), page, pages


def _clamped(page: int, size: int, total: int) -> tuple[int, int]:
    """The 1-based page shown (clamped) and the number of pages, as `page_of` gives them."""
    pages = max(1, -(-total // size))
    return min(max(int(page), 1), pages), pages


def _units_in_order(data: ViewData, cells: np.ndarray, sort: str) -> tuple[np.ndarray, np.ndarray]:
    """The units quotes come in for a sort (a transcript's doc, or theme position x size + doc for "theme"),
    in that sort's order, with their quotes in view; units without quotes left out."""
    if sort == "theme":
        counts = cells.T.ravel()
        units = np.flatnonzero(counts)
        return units, counts[units]
    per_doc = cells.sum(axis=1)
    docs = np.flatnonzero(per_doc)
    if sort == "occupation":  # as the table's stable sort by occupation, then doc
        occupations = pd.Series(data.transcripts["occupation"].to_numpy()[docs])
        docs = docs[occupations.sort_values(kind="stable").index.to_numpy()]
    return docs, per_doc[docs]


def page_of(table: pd.DataFrame, page: int, size: int) -> tuple[pd.DataFrame, int, int]:
    """Rows of a 1-based page, the page actually shown (clamped) and the number of pages."""
    page, pages = _clamped(page, size, len(table))
    return table.iloc[(page - 1) * size: page * size], page, pages


