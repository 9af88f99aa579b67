"""A page of the quotes in view, grouping only that page's hits: quotes are counted per transcript x theme cell
(`quote_cells`), the cells laid out in the sort's order, and only the transcripts the page falls in are read
(for hits in a streamed run's parts, read from the parts); fuzziest first, the quotes are counted per lowest
similarity and transcript instead (`fuzziest_page`); `page_of` pages a whole table.

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
    page, pages = _clamped(page, size, int(counts.sum()))
    first, last, skip = _units_of_page(counts, page, size)
    chosen = units[first:last]
    docs = chosen % data.size
    hits = data.hits_of(np.unique(docs))
    keep = scope.hit_mask(data, hits)
    if sort == "theme":  # only the cells on the page: the transcripts hold quotes of other themes too
        unit = np.searchsorted(columns, hits["theme_index"].to_numpy()) * data.size + hits["doc"].to_numpy()
        keep &= np.isin(unit, chosen)
    table = quotes(data, keep, theme=theme, occupation=occupation, sort=sort, hits=hits)
    return table.iloc[skip:skip + size].reset_index(drop=True), page, pages


def _units_of_page(counts: np.ndarray, page: int, size: int) -> tuple[int, int, int]:
    """The units (with `counts` quotes each, in order) a page's quotes are in, units[first:last], and how many
    quotes of those units come before the page (`skip`)."""
    ends = np.cumsum(counts)
    wanted = [(page - 1) * size, min(page * size, int(ends[-1]) if len(ends) else 0) - 1]
    first, last = np.searchsorted(ends, wanted, side="right")
    return int(first), int(last) + 1, (page - 1) * size - (int(ends[first - 1]) if first else 0)


def fuzziest_page(data: ViewData, scope: QuoteScope, cells: np.ndarray, columns: np.ndarray, *, page: int,
                  size: int, theme: str | None = None, occupation: str | None = None) -> tuple[pd.DataFrame, int, int]:
    """A page of quotes sorted fuzziest first (QUOTE_SORTS: lowest similarity, transcript, start) with no order
    of every quote: the quotes are counted per (similarity, transcript) unit (`fuzziest_units`), the units
    laid out in that order, and only the transcripts of the units the page falls in are read and grouped. At a
    million transcripts DuckDB ordering the 29 million quotes of a view spilled gigabytes and filled the disk."""
    units = fuzziest_units(data, scope, cells, columns)
    counts = units["quotes"].to_numpy()
    page, pages = _clamped(page, size, int(counts.sum()))
    first, last, skip = _units_of_page(counts, page, size)
    chosen = units.iloc[first:last]
    hits = data.hits_of(np.unique(chosen["doc"].to_numpy()))
    table = quotes(data, scope.hit_mask(data, hits), theme=theme, occupation=occupation, sort="fuzziest", hits=hits)
    in_units = pd.MultiIndex.from_arrays([table["similarity"].to_numpy(float), table["doc"].to_numpy(np.int64)]) \
        .isin(pd.MultiIndex.from_frame(chosen[["similarity", "doc"]]))
    return table.loc[in_units].iloc[skip:skip + size].reset_index(drop=True), page, pages


def fuzziest_units(data: ViewData, scope: QuoteScope, cells: np.ndarray, columns: np.ndarray) -> pd.DataFrame:
    """similarity, doc, quotes: the quotes in view (`cells`, of theme `columns`) per lowest similarity and
    transcript, in fuzziest-first order. The fuzzy ones come from `ViewData.fuzzy_quotes` (already in that
    order; some 40 distinct similarities), those of a cell in view; the exact ones (similarity 100, after
    every fuzzy one) are each transcript's quotes in view less its fuzzy ones."""
    fuzzy = data.fuzzy_quotes(scope.mentions)
    themes = len(data.theme_ids)
    docs, numbers = fuzzy["cell"] // themes, fuzzy["cell"] % themes
    column_of = np.full(themes, -1)
    column_of[columns] = np.arange(len(columns))
    held = column_of[numbers] >= 0
    held[held] = cells[docs[held], column_of[numbers[held]]] > 0  # its transcript and theme in view
    similarities, docs, counts = fuzzy["similarity"][held], docs[held], fuzzy["quotes"][held].astype(np.int64)
    starts = np.flatnonzero(np.r_[True, (similarities[1:] != similarities[:-1]) | (docs[1:] != docs[:-1])])[:len(docs)]
    exact = cells.sum(axis=1) - np.bincount(docs, counts, minlength=data.size).astype(np.int64)
    exact_docs = np.flatnonzero(exact)
    per_unit = np.add.reduceat(counts, starts) if len(starts) else counts
    return pd.DataFrame({"similarity": np.r_[similarities[starts], np.full(len(exact_docs), 100.0)],
                         "doc": np.r_[docs[starts], exact_docs], "quotes": np.r_[per_unit, exact[exact_docs]]})


def count_fuzzy_quotes(cells: np.ndarray, passage_starts: np.ndarray, passage_ends: np.ndarray,
                       similarities: np.ndarray) -> dict[str, np.ndarray]:
    """Per cell (an integer, such as doc x themes + theme) and lowest similarity: how many fuzzy quotes
    (distinct passages holding a hit below similarity 100) the hits give, sorted by similarity, then cell. The
    one count of them, for hits in memory and for each part of a streamed run.

    >>> counted = count_fuzzy_quotes(np.array([0, 0, 0, 1]), np.array([5, 5, 20, 5]), np.array([9, 9, 30, 9]),
    ...                              np.array([90.0, 80.0, 100.0, 90.0]))
    >>> {name: values.tolist() for name, values in counted.items()}
    {'cell': [0, 1], 'similarity': [80.0, 90.0], 'quotes': [1, 1]}
    """
    fuzzy = np.asarray(similarities) < 100
    hits = pd.DataFrame({"cell": np.asarray(cells, np.int64)[fuzzy], "start": np.asarray(passage_starts)[fuzzy],
                         "end": np.asarray(passage_ends)[fuzzy], "similarity": np.asarray(similarities, float)[fuzzy]})
    lowest = hits.groupby(["cell", "start", "end"], sort=False)["similarity"].min()
    counted = lowest.groupby([lowest.to_numpy(), lowest.index.get_level_values("cell")]).size()  # sorted
    return {"cell": counted.index.get_level_values(1).to_numpy(np.int64),
            "similarity": counted.index.get_level_values(0).to_numpy(float), "quotes": counted.to_numpy(np.int32)}


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


