"""What the frame computes once per run and every page reads: the analysis, the view and its filtered data.

The filtered data is a `core.views.snapshot.ViewSnapshot`, the very object the exports and the report use, so
a page, a downloaded file and a report of one view count the same transcripts and quotes.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from core import Analysis, Codebook
from core.share.redact import redactor
from core.views.colours import theme_highlights
from core.views.filters import Filters, ViewData
from core.views.snapshot import ViewSnapshot, snapshot
from dashboard.frame import loading
from dashboard.frame.state import filters_of, params_from_view, redacting, set_view

PAGES = Path(__file__).resolve().parents[1] / "pages"
OVERVIEW, QUOTES, TRANSCRIPT = (str(PAGES / name) for name in ("overview.py", "quotes.py", "transcript.py"))


@dataclass(eq=False)
class PageContext:
    """The view (dict of the URL's values), its `snapshot` and what the pages add: colours, redaction, links."""

    snapshot: ViewSnapshot
    view: dict
    colours: dict[str, str]

    # ------------------------------------------------------------ the snapshot's values, by their page names
    @property
    def analysis(self) -> Analysis:
        return self.snapshot.analysis

    @property
    def codebook(self) -> Codebook:
        return self.snapshot.analysis.codebook

    @property
    def data(self) -> ViewData:
        return self.snapshot.data

    @property
    def filters(self) -> Filters:
        return self.snapshot.filters

    @property
    def raised(self) -> np.ndarray:
        return self.snapshot.raised

    @property
    def mask(self) -> np.ndarray:
        return self.snapshot.mask

    @property
    def themes_in_view(self) -> list[str]:
        return self.snapshot.themes

    # ------------------------------------------------------------ what only the dashboard needs
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
    """The view's snapshot (a few numpy operations; the search index is cached) and the page extras."""
    filters = filters_of(view)
    text_index = loading.text_index_for(analysis.key, analysis) if filters.search else None
    shown = snapshot(analysis, data, filters, text_index=text_index, theme=view["sel_theme"],
                     occupation=view["sel_occupation"], sort=view["sort"])
    return PageContext(_valid_selection(shown), view, theme_highlights(data.theme_ids))


def _valid_selection(shown: ViewSnapshot) -> ViewSnapshot:
    """The snapshot without a drill-down selection its filters no longer allow (a theme out of view, an
    occupation without a matching transcript); the view, hence the URL, drops it too. With nothing matching
    the pages stop anyway, and the selection is kept for when the filters loosen."""
    if not shown.mask.any():
        return shown
    occupations = set(shown.data.transcripts["occupation"].to_numpy()[shown.mask])
    theme = shown.theme if shown.theme in shown.themes else None
    occupation = shown.occupation if shown.occupation in occupations else None
    if (theme, occupation) == (shown.theme, shown.occupation):
        return shown
    set_view(sel_theme=theme, sel_occupation=occupation)
    return replace(shown, theme=theme, occupation=occupation)


def stop_when_nothing_matches(context: PageContext) -> None:
    if not context.mask.any():
        st.info(f"No transcript of the {context.data.size:,} matches these filters. Loosen them in the "
                "sidebar, or press **Clear filters**.")
        st.stop()
