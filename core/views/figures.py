"""Plain plotly figures of the tables that core.views.aggregates computes; they draw and never compute
shares themselves.

One source for every face: the dashboard shows them, the HTML report embeds them, the image export renders
them. They carry data, not behaviour: every bar and cell holds its theme (and occupation) id in `customdata`,
and the dashboard (dashboard/frame/charts.py) adds what only works there: clicking a mark to read its quotes.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.views.aggregates import cooccurrence, occupation_theme, prevalence
from core.views.filters import ViewData

BAR_COLOUR = "#4C78A8"
FONT = dict(family="Source Sans Pro, sans-serif", size=13)
COLOUR_BAR_MIN_PX = 120   # the shortest colour scale drawn, legible with any number of rows
COLOUR_BAR_MAX_PX = 320
COLOUR_BAR_TITLE_PX = 50  # plotly counts a colour bar's title and padding in its length
MIN_GRID_PX = COLOUR_BAR_MIN_PX + COLOUR_BAR_TITLE_PX + 20  # a heatmap's plot area holds its whole colour bar
Label = Callable[[str], str]


def _grid_height(rows_px: int, labels_px: int) -> int:
    """A heatmap's height: its rows plus room for the angled labels, and never so short that its colour bar
    would be squeezed (a heatmap of one or two rows)."""
    return max(rows_px, MIN_GRID_PX) + labels_px


def _colour_bar(title: str, rows_px: int) -> dict:
    """A colour bar with its length in pixels, its scale most of the rows' height but never shorter than
    COLOUR_BAR_MIN_PX: a length given as a fraction of a one-row plot shrinks to a smudge."""
    scale = min(max(int(0.8 * rows_px), COLOUR_BAR_MIN_PX), COLOUR_BAR_MAX_PX)
    return dict(title=title, thickness=12, len=scale + COLOUR_BAR_TITLE_PX, lenmode="pixels", y=0.5,
                yanchor="middle")


def _layout(figure: go.Figure, height: int, **extra) -> go.Figure:
    # Room for the labels everywhere (Streamlit's theme adds it; a report or an image needs it said).
    figure.update_xaxes(automargin=True)
    figure.update_yaxes(automargin=True)
    figure.update_layout(height=height, margin=dict(l=10, r=20, t=10, b=10), font=FONT,
                         plot_bgcolor="white", dragmode=False, **extra)
    return figure


def prevalence_figure(table: pd.DataFrame, label_of: Label) -> go.Figure:
    """Horizontal bars of each theme's share with its 95% interval; the most raised at the top."""
    labels = [label_of(t) for t in table["theme"]]
    # customdata: theme, occupation (none here), then what the hover shows
    custom = [[t, "", int(p), int(n), lo * 100, hi * 100] for t, p, n, lo, hi
              in zip(table["theme"], table["present"], table["n"], table["low"], table["high"])]
    bars = go.Bar(x=table["share"] * 100, y=labels, orientation="h", marker_color=BAR_COLOUR,
                  customdata=custom, text=[f"{s:.0%}" for s in table["share"]], textposition="inside",
                  insidetextanchor="start", textfont=dict(color="white"),
                  error_x=dict(type="data", symmetric=False, array=(table["high"] - table["share"]) * 100,
                               arrayminus=(table["share"] - table["low"]) * 100, color="#888", thickness=1),
                  hovertemplate="<b>%{y}</b><br>%{x:.0f}% (%{customdata[2]} of %{customdata[3]})<br>"
                                "95% interval %{customdata[4]:.0f}-%{customdata[5]:.0f}%<extra></extra>")
    figure = go.Figure(bars)
    figure.update_xaxes(range=[0, 108], ticksuffix="%", showgrid=True, gridcolor="#eee", fixedrange=True)
    figure.update_yaxes(autorange="reversed", fixedrange=True)
    return _layout(figure, 34 * len(table) + 40, bargap=0.25)


def heatmap_figure(table: pd.DataFrame, label_of: Label) -> go.Figure:
    """Occupation x theme shares; rows name their n and cells over fewer than 5 transcripts get a *.
    Each cell's customdata is [theme, occupation]."""
    grid = table.pivot(index="occupation", columns="theme", values="share")
    grid = grid.loc[list(dict.fromkeys(table["occupation"])), list(dict.fromkeys(table["theme"]))]
    n = table.drop_duplicates("occupation").set_index("occupation")["n"].reindex(grid.index)
    thin = n.to_numpy() < 5
    text = [[f"{v:.0%}" + ("*" if thin[r] else "") for v in row] for r, row in enumerate(grid.to_numpy())]
    custom = [[[theme, occupation] for theme in grid.columns] for occupation in grid.index]
    cells = go.Heatmap(z=grid.to_numpy() * 100, x=[label_of(t) for t in grid.columns],
                       y=[f"{label_of(o)} (n={k})" for o, k in n.items()], text=text, texttemplate="%{text}",
                       customdata=custom, hovertemplate="<b>%{y}</b><br>%{x}: %{text}<extra></extra>",
                       colorscale="Blues", zmin=0, zmax=100, xgap=2, ygap=2,
                       colorbar=_colour_bar("%", 32 * len(grid)))
    figure = go.Figure(cells)
    figure.update_xaxes(tickangle=-35, side="bottom", fixedrange=True)
    figure.update_yaxes(autorange="reversed", fixedrange=True)
    return _layout(figure, _grid_height(32 * len(grid), 200), showlegend=False)


def cooccurrence_figure(matrix: pd.DataFrame, label_of: Label) -> go.Figure:
    """Transcripts raising both themes; colour is the share of the row theme's transcripts."""
    counts = matrix.to_numpy()
    row_totals = np.maximum(np.diag(counts), 1)[:, None]
    labels = [label_of(t) for t in matrix.index]
    cells = go.Heatmap(z=counts / row_totals * 100, x=labels, y=labels, text=counts, texttemplate="%{text}",
                       colorscale="Purples", zmin=0, zmax=100, xgap=2, ygap=2,
                       colorbar=_colour_bar("% of row", 30 * len(matrix)),
                       hovertemplate="<b>%{y}</b> and <b>%{x}</b>: %{text} transcripts<br>"
                                     "%{z:.0f}% of those raising %{y}<extra></extra>")
    figure = go.Figure(cells)
    figure.update_xaxes(tickangle=-35, fixedrange=True)
    figure.update_yaxes(autorange="reversed", fixedrange=True)
    return _layout(figure, _grid_height(30 * len(matrix), 190))


@dataclass(frozen=True, eq=False)
class Chart:
    """One chart of the overview: its file-friendly name, title, the table behind it and the figure."""

    name: str
    title: str
    table: pd.DataFrame
    figure: go.Figure


def overview_charts(data: ViewData, mask: np.ndarray, raised: np.ndarray, theme_ids: list[str],
                    label_of: Label) -> list[Chart]:
    """The overview's three charts for a filtered view, in the order the overview shows them."""
    shares = prevalence(data, mask, raised, theme_ids)
    by_occupation = occupation_theme(data, mask, raised, theme_ids)
    together = cooccurrence(data, mask, raised, theme_ids)
    return [Chart("prevalence", "How many participants raise each theme", shares,
                  prevalence_figure(shares, label_of)),
            Chart("by_occupation", "By occupation", by_occupation, heatmap_figure(by_occupation, label_of)),
            Chart("cooccurrence", "Which themes come up together", together,
                  cooccurrence_figure(together, label_of))]
