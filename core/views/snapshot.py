"""The one filtered view every face uses: the dashboard's pages, the exports and the HTML report.

    view = snapshot(analysis, prepare(...), Filters(occupations=("legal",)), theme="speed")
    view.n, view.headline()["raising_any_share"], len(view.quotes())

A `ViewSnapshot` holds an analysis, its filters, what they keep (transcripts and quotes) and the Quotes
page's drill-down selection; `snapshot()` is the only place filters are applied.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.engine.pipeline import Analysis
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
from core.views.quotes import quotes
from core.views.search import TextIndex, view_of_search


@dataclass(eq=False)
class ViewSnapshot:
    """One filtered view of an analysis: the filters, what they keep, and the quotes' drill-down."""

    analysis: Analysis
    data: ViewData
    filters: Filters
    raised: np.ndarray        # transcripts x themes
    mask: np.ndarray          # transcripts passing the filters
    themes: list[str]         # themes in view
    keep: np.ndarray          # hits in view (inside the quotes in view; `quotes()` groups them)
    theme: str | None = None  # the quotes' selection, as on the Quotes page
    occupation: str | None = None
    sort: str = "transcript"

    @property
    def n(self) -> int:
        return int(self.mask.sum())

    def label(self, code_id: str) -> str:
        return self.analysis.codebook.label_of(code_id)

    def describe(self) -> str:
        return describe_filters(self.filters, self.label, theme=self.theme, occupation=self.occupation)

    def headline(self) -> dict:
        """`aggregates.headline` of this view."""
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
        return quotes(self.data, self.keep, theme=theme, occupation=occupation, sort=self.sort)

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
    searched = matching_text = None
    if filters.search:
        found = (text_index or TextIndex.of(analysis)).search(filters.search)
        searched, matching_text = view_of_search(found, data)
    mask = transcript_mask(data, filters, raised, searched)
    keep = quote_hit_mask(data, mask, raised, themes, matching_text=matching_text)
    return ViewSnapshot(analysis, data, filters, raised, mask, themes, keep, theme, occupation, sort)
