"""The overview's figures (built in core.figures, so the report and image exports draw the same ones) and
reading a click on them.
"""
from __future__ import annotations

from core.views.figures import (BAR_COLOUR, FONT, HIGHLIGHTS, cooccurrence_figure, heatmap_figure,  # noqa: F401
                          prevalence_figure, theme_colours)


def clicked(event) -> dict | None:
    """The customdata of the first clicked point of a plotly selection event, as a dict, or None."""
    points = ((event or {}).get("selection") or {}).get("points") or []
    for point in points:
        custom = point.get("customdata")
        if custom is not None and len(custom):
            return {"theme": custom[0], "occupation": (custom[1] if len(custom) > 1 else "") or None}
    return None
