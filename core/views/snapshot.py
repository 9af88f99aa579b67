"""The one filtered view every face uses: the dashboard's pages, the exports and the HTML report.

    view = snapshot(analysis, prepare(...), Filters(occupations=("legal",)), theme="speed")
    view.n, view.headline()["raising_any_share"], len(view.quotes())

A `ViewSnapshot` holds an analysis, its filters, what they keep (transcripts and quotes) and the Quotes
page's drill-down selection; `snapshot()` is the only place filters are applied.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from core.engine.pipeline import Analysis
from core.errors import UsageError
from core.views.aggregates import headline, prevalence
from core.views.figures import Chart, overview_charts
from core.views.filters import (
    Filters,
    ViewData,
    describe_filters,
    quote_hit_mask,
    raised_matrix,
    transcript_mask,
)
from core.views.quote_pages import PAGED_SORTS, QuoteScope, page_of, quote_cells, quote_page
from core.views.quotes import best_quotes, quotes
from core.views.search import Mentions, TextIndex, mentions_in

TRANSCRIPTS_READ_AT_ONCE = 2_000  # the report's top quotes of a streamed corpus: transcripts read per step
QUOTES_AT_ONCE = 200_000  # a streamed corpus's quotes listed whole (exports) up to this many; pages any number


@dataclass(eq=False)
class ViewSnapshot:
    """One filtered view of an analysis: the filters, what they keep, and the quotes' drill-down."""

    analysis: Analysis
    data: ViewData
    filters: Filters
    raised: np.ndarray        # transcripts x themes
    mask: np.ndarray          # transcripts passing the filters
    themes: list[str]         # themes in view
    mentions: Mentions | None  # with a search: its mentions in the transcripts in view
    theme: str | None = None  # the quotes' selection, as on the Quotes page
    occupation: str | None = None
    sort: str = "transcript"

    @cached_property
    def keep(self) -> np.ndarray:
        """Hits in view (inside the quotes in view; `quotes()` groups them); only for hits in memory."""
        matching = None if self.mentions is None else self.mentions.in_passages(self.data.hits)
        return quote_hit_mask(self.data, self.mask, self.raised, self.themes, matching_text=matching)

    @cached_property
    def scope(self) -> QuoteScope:
        """What decides the quotes in view, for counting them per cell and reading them a page at a time; with
        a search, only the quotes holding a mention are counted (by DuckDB, once, with the hits in parts)."""
        counts = self.data.quote_counts if self.mentions is None else self.data.quote_counts_holding(self.mentions)
        return QuoteScope(self.mask, self.raised, self.themes, counts, self.mentions)

    @property
    def in_parts(self) -> bool:
        """The hits stay in a streamed run's parts: quotes are counted from numbers and read per page."""
        return self.data.in_parts is not None

    @property
    def n(self) -> int:
        return int(self.mask.sum())

    def label(self, code_id: str) -> str:
        return self.analysis.codebook.label_of(code_id)

    def describe(self) -> str:
        return describe_filters(self.filters, self.label, theme=self.theme, occupation=self.occupation)

    def headline(self) -> dict:
        """`aggregates.headline` of this view (a copy: computed once, as the sidebar and the page both ask)."""
        return dict(self._headline)

    @cached_property
    def _headline(self) -> dict:  # 0.5 s at a million transcripts
        return headline(self.data, self.mask, self.raised, self.themes)

    def prevalence(self) -> pd.DataFrame:
        """`aggregates.prevalence` of this view: its themes, the most raised first."""
        return prevalence(self.data, self.mask, self.raised, self.themes)

    def quotes(self, *, theme: str | None = None, occupation: str | None = None,
               selection: bool = True) -> pd.DataFrame:
        """The quotes in view (`core.views.quotes.group_quotes`: one row per quote, all its hits in it), narrowed
        to the drill-down selection (or to `theme`/`occupation` given here; none with `selection=False`), in
        the view's sort order. A quote is only ever a hit's passage in a transcript raising its theme."""
        if selection:
            theme, occupation = theme or self.theme, occupation or self.occupation
        if not self.in_parts:
            return quotes(self.data, self.keep, theme=theme, occupation=occupation, sort=self.sort)
        counted, _ = quote_cells(self.data, self.scope, theme=theme, occupation=occupation)
        if counted.sum() > QUOTES_AT_ONCE:
            raise UsageError(f"this view holds {int(counted.sum()):,} quotes, more than the {QUOTES_AT_ONCE:,} "
                             "listed at once for a corpus this size",
                             hint="narrow the view (an occupation, a theme, an attribute) and export again")
        docs = np.flatnonzero(counted.sum(axis=1))
        hits = self.data.hits_of(docs)
        return quotes(self.data, self.scope.hit_mask(self.data, hits), theme=theme, occupation=occupation,
                      sort=self.sort, hits=hits)

    def quote_count(self, *, theme: str | None = None, occupation: str | None = None) -> tuple[int, int]:
        """(quotes, transcripts giving them) of the selection (or of `theme`/`occupation` given here)."""
        theme, occupation = theme or self.theme, occupation or self.occupation
        if self.mentions is not None and not self.in_parts:  # quotes holding a mention: counted from the table
            table = self.quotes(theme=theme, occupation=occupation, selection=False)
            return len(table), int(table["doc"].nunique())
        cells, _ = quote_cells(self.data, self.scope, theme=theme, occupation=occupation)
        return int(cells.sum()), int(np.count_nonzero(cells.sum(axis=1)))

    def top_quotes(self, theme: str, count: int) -> pd.DataFrame:
        """The best `count` quotes of a theme in view (`quotes.best_quotes`: exact matches first, one per
        transcript). With the hits in parts the transcripts are read in order, a few thousand at a time, until
        `count` exact ones are found (no later transcript can then come before them)."""
        if not self.in_parts:
            return best_quotes(self.quotes(theme=theme), count)
        cells, _ = quote_cells(self.data, self.scope, theme=theme, occupation=self.occupation)
        docs, best = np.flatnonzero(cells.sum(axis=1)), None
        for start in range(0, len(docs), TRANSCRIPTS_READ_AT_ONCE):
            hits = self.data.hits_of(docs[start:start + TRANSCRIPTS_READ_AT_ONCE])
            found = quotes(self.data, self.scope.hit_mask(self.data, hits), theme=theme, occupation=self.occupation,
                           hits=hits)
            best = best_quotes(found if best is None else pd.concat([best, found], ignore_index=True), count)
            if len(best) == count and bool((best["similarity"] >= 100).all()):
                break
        return best if best is not None else self.quotes(theme=theme).head(0)

    def quote_page(self, number: int, size: int) -> tuple[pd.DataFrame, int, int]:
        """One page of the selection's quotes (`quote_pages.page_of`): its rows, the page shown and the pages. Only
        that page's transcripts' hits are grouped (the sorts of `quote_pages.PAGED_SORTS` and fuzziest first):
        grouping every quote of 80,000 transcripts took 9 s and 2 GB. In memory a search groups every quote."""
        if not self.in_parts and (self.mentions is not None or self.sort not in (*PAGED_SORTS, "fuzziest")):
            return page_of(self.quotes(), number, size)
        sort = self.sort if self.sort in (*PAGED_SORTS, "fuzziest") else "transcript"
        return quote_page(self.data, self.scope, page=number, size=size, theme=self.theme,
                          occupation=self.occupation, sort=sort)

    @property
    def narrowed(self) -> bool:
        """Does the drill-down selection narrow the quotes of the view?"""
        return bool(self.theme or self.occupation)

    def charts(self) -> list[Chart]:
        return overview_charts(self.data, self.mask, self.raised, self.themes, self.label)


def snapshot(analysis: Analysis, data: ViewData, filters: Filters, *, text_index: TextIndex | None = None,
             theme: str | None = None, occupation: str | None = None, sort: str = "transcript") -> ViewSnapshot:
    """Apply `filters` to prepared data. `text_index` (the dashboard keeps one per analysis) is only needed
    with a search and is made when not given.

    snapshot(analysis, data, Filters(occupations=("legal",))).n
    12
    """
    raised = raised_matrix(data, filters.min_hits)
    themes = filters.themes_in_view(data.theme_ids)
    searched = mentions = None
    if filters.search:
        found = (text_index or TextIndex.of(analysis)).search(filters.search)
        searched, mentions = mentions_in(found, data)
    mask = transcript_mask(data, filters, raised, searched)
    return ViewSnapshot(analysis, data, filters, raised, mask, themes, mentions, theme, occupation, sort)
