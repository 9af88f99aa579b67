"""What the frame computes once per run and every page reads: the analysis, the view and its filtered data."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from core import Analysis, Codebook
from core.share.exports import ViewSnapshot
from core.share.redact import redactor
from core.views.filters import (Filters, ViewData, quote_hit_mask, raised_matrix, search_mask, transcript_mask)

from dashboard.frame import loading
from dashboard.frame.charts import theme_colours
from dashboard.frame.state import filters_of, params_from_view, redacting

PAGES = Path(__file__).resolve().parents[1] / "pages"
OVERVIEW, QUOTES, TRANSCRIPT = (str(PAGES / name) for name in ("overview.py", "quotes.py", "transcript.py"))


@dataclass(eq=False)
class PageContext:
    analysis: Analysis
    codebook: Codebook
    data: ViewData
    view: dict
    filters: Filters
    raised: np.ndarray          # transcripts x themes
    mask: np.ndarray            # transcripts passing the filters
    themes_in_view: list[str]
    quote_keep: np.ndarray      # hits that are quotes in view
    colours: dict[str, str]

    def label(self, code_id: str | None) -> str:
        return "All" if code_id is None else self.codebook.label_of(code_id)

    @property
    def presenting(self) -> bool:
        return bool(self.view.get("present"))

    @property
    def redacting(self) -> bool:
        return redacting(self.view)

    def shown(self, text: str) -> str:
        """Text as this view shows it: personal details masked when redacting (same length, same offsets)."""
        return redactor(self.redacting)(text)

    def text(self, transcript_id: str) -> str:
        """A transcript's text as this view shows it (see `shown`)."""
        return self.shown(self.analysis.text(transcript_id))

    def snapshot(self) -> ViewSnapshot:
        """This view for the exports: the filters, what they keep and the Quotes page's selection."""
        return ViewSnapshot(self.analysis, self.data, self.filters, self.raised, self.mask, self.themes_in_view,
                            self.quote_keep, self.view["sel_theme"], self.view["sel_occupation"],
                            self.view["sort"])

    def link(self, **changes) -> dict[str, list[str]]:
        """Query parameters of this view with some values changed, for a link to another page."""
        return params_from_view({**self.view, **changes})

    def matching(self) -> pd.DataFrame:
        return self.data.transcripts.loc[self.mask]


def chart_key(name: str, filters: Filters, clicks: int) -> str:
    """A chart's widget key: a selection must not outlive the filters it was made under, nor a drill-down
    (STREAMLIT-NOTES traps 3 and 4), so both are part of the key."""
    return f"{name}-{hashlib.sha1(repr(filters).encode()).hexdigest()[:10]}-{clicks}"


def build(analysis: Analysis, data: ViewData, view: dict) -> PageContext:
    """Apply the view's filters to the data (a few numpy operations; the search index is cached)."""
    filters = filters_of(view)
    raised = raised_matrix(data, filters.min_hits)
    in_view = filters.themes_in_view(data.theme_ids)
    searched = matching_text = None
    if filters.search:
        sentences = loading.sentences_for(analysis.key, analysis, data)
        searched, matching_text = search_mask(data, raised, in_view, sentences, filters.search)
    mask = transcript_mask(data, filters, raised, searched)
    keep = quote_hit_mask(data, mask, raised, in_view, matching_text=matching_text)
    return PageContext(analysis, analysis.codebook, data, view, filters, raised, mask, in_view, keep,
                       theme_colours(data.theme_ids))


def stop_when_nothing_matches(context: PageContext) -> None:
    if not context.mask.any():
        st.info(f"No transcript of the {context.data.size:,} matches these filters. Loosen them in the "
                "sidebar, or press **Clear filters**.")
        st.stop()
