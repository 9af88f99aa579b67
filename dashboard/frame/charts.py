"""What the overview's charts do only in the dashboard: a click on a bar or a heatmap cell drills into its
quotes. The figures themselves are core.views.figures' plain ones (the report and image exports draw the
same); `clickable` adds the behaviour and `clicked` reads a click.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

CLICK_HINT = "<br><i>click for its quotes</i>"


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
