"""What the overview's charts do only in the dashboard: a click on a bar or a heatmap cell drills into its
quotes. The figures themselves are core.views.figures' plain ones (the report and image exports draw the
same); `clickable` adds the behaviour and `clicked` reads a click.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from core.views.snapshot import ViewSnapshot

CLICK_HINT = "<br><i>click for its quotes</i>"
PRESENTING_FONT_SIZE = 16


def drawn(view: ViewSnapshot, *, presenting: bool, clickable: tuple[str, ...]) -> list[tuple[str, go.Figure]]:
    """(name, figure) of the view's overview charts (`ViewSnapshot.charts`) as the Overview draws them: larger
    type when presenting, the charts named in `clickable` made so. Built once per analysis, filters and mode and
    shared by every session: building the figures is most of an Overview rerun, and a figure is only read
    afterwards (`st.plotly_chart` sends a copy)."""
    return _drawn(view.analysis.key, repr(view.filters), presenting, clickable, view)


@st.cache_resource(show_spinner=False, max_entries=8)  # few: each rerun's garbage collection walks them
def _drawn(analysis_key: str, filters: str, presenting: bool, clickable_names: tuple[str, ...],
           _view: ViewSnapshot) -> list[tuple[str, go.Figure]]:
    figures = []
    for chart in _view.charts():
        if presenting:
            chart.figure.update_layout(font_size=PRESENTING_FONT_SIZE)
        figures.append((chart.name, clickable(chart.figure) if chart.name in clickable_names else chart.figure))
    return figures


def clickable(figure: go.Figure) -> go.Figure:
    """`figure` (changed in place and returned) selecting points on click, with a hover hint saying so;
    a heatmap with ids in its customdata gets invisible click targets over its cells, since plotly reports
    clicks on points, not on heatmap cells."""
    figure.update_layout(clickmode="event+select")
    targets = []
    for trace in figure.data:
        if trace.type == "heatmap" and trace.customdata is not None:
            targets.append(_click_targets(trace))
            trace.hoverinfo, trace.hovertemplate = "skip", None  # the targets on top say it, with the hint
        elif trace.hovertemplate:
            trace.hovertemplate = trace.hovertemplate.replace("<extra>", CLICK_HINT + "<extra>", 1)
    figure.add_traces(targets)
    return figure


def _click_targets(cells: go.Heatmap) -> go.Scatter:
    """Invisible squares over the heatmap's cells, carrying each cell's customdata and hover."""
    x, y = list(cells.x), list(cells.y)
    ids = np.asarray(cells.customdata, dtype=object).reshape(len(y) * len(x), -1).tolist()
    text = [value for row in cells.text for value in row]
    invisible = dict(marker=dict(opacity=0))
    return go.Scatter(x=[label for _ in y for label in x], y=[label for label in y for _ in x], mode="markers",
                      customdata=ids, text=text, marker=dict(symbol="square", size=26, opacity=0),
                      selected=invisible, unselected=invisible,
                      hovertemplate="<b>%{y}</b><br>%{x}: %{text}" + CLICK_HINT + "<extra></extra>")


def clicked(event) -> dict | None:
    """The customdata of the first clicked point of a plotly selection event, as a dict, or None."""
    points = ((event or {}).get("selection") or {}).get("points") or []
    for point in points:
        custom = point.get("customdata")
        if custom is not None and len(custom):
            return {"theme": custom[0], "occupation": (custom[1] if len(custom) > 1 else "") or None}
    return None
