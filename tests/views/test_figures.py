"""core.views.figures: plain figures (data, no behaviour), the same for the dashboard, the report and images."""
import numpy as np
import pandas as pd
import pytest

from core.views.figures import COLOUR_BAR_MIN_PX, COLOUR_BAR_TITLE_PX, overview_charts
from core.views.filters import Filters, prepare, raised_matrix, transcript_mask

THEMES = ["speed", "risk"]


@pytest.fixture
def charts():
    transcripts = pd.DataFrame({"transcript_id": list("abc"), "source": "x/one.csv",
                                "occupation": ["it", "it", "legal"]})
    raised = {("a", "speed"), ("a", "risk"), ("c", "risk")}
    themes = pd.DataFrame([{"transcript_id": t, "theme": th, "hits": int((t, th) in raised),
                            "present": int((t, th) in raised)} for t in "abc" for th in THEMES])
    hits = pd.DataFrame(columns=["transcript_id", "turn", "theme", "start", "end", "similarity"])
    data = prepare(transcripts, themes, hits, THEMES)
    matrix = raised_matrix(data)
    return {c.name: c for c in overview_charts(data, transcript_mask(data, Filters(), matrix), matrix, THEMES,
                                               str.upper)}


def test_figures_have_no_click_behaviour(charts):
    for chart in charts.values():
        figure = chart.figure
        assert figure.layout.clickmode is None
        assert [trace.type for trace in figure.data] in (["bar"], ["heatmap"])  # no invisible click targets
        assert all("click" not in (trace.hovertemplate or "") for trace in figure.data)
        assert "click" not in figure.to_json()


def test_the_ids_stay_in_customdata(charts):
    bars = charts["prevalence"].figure.data[0]
    assert [row[0] for row in bars.customdata] == ["risk", "speed"] and list(bars.y) == ["RISK", "SPEED"]
    cells = charts["by_occupation"].figure.data[0]
    assert np.asarray(cells.customdata).tolist() == [[["speed", "it"], ["risk", "it"]],
                                                     [["speed", "legal"], ["risk", "legal"]]]
    assert list(cells.y) == ["IT (n=2)", "LEGAL (n=1)"]


def charts_of(occupations: list[str], themes: list[str]) -> dict:
    """The overview charts of one transcript per occupation, each raising every theme."""
    ids = [f"t{i}" for i in range(len(occupations))]
    transcripts = pd.DataFrame({"transcript_id": ids, "source": "x/one.csv", "occupation": occupations})
    table = pd.DataFrame([{"transcript_id": t, "theme": th, "hits": 1, "present": 1} for t in ids for th in themes])
    hits = pd.DataFrame(columns=["transcript_id", "turn", "theme", "start", "end", "similarity"])
    data = prepare(transcripts, table, hits, themes)
    matrix = raised_matrix(data)
    mask = transcript_mask(data, Filters(), matrix)
    return {c.name: c.figure for c in overview_charts(data, mask, matrix, themes, str.upper)}


@pytest.mark.parametrize("rows", [1, 2, 12])
def test_heatmap_colour_bars_stay_legible_with_few_rows(rows):
    figures = charts_of([f"occupation_{i}" for i in range(rows)], ["speed"] if rows < 12 else THEMES)
    for name, labels_px in (("by_occupation", 200), ("cooccurrence", 190)):
        figure = figures[name]
        bar = figure.data[0].colorbar
        assert bar.lenmode == "pixels" and bar.len >= COLOUR_BAR_MIN_PX + COLOUR_BAR_TITLE_PX
        assert bar.thickness >= 10
        # the plot area (the height less the angled labels' room) holds the whole bar
        assert figure.layout.height - labels_px >= bar.len + 20, (name, figure.layout.height, bar.len)
    if rows == 12:  # longer with more rows
        assert figures["by_occupation"].data[0].colorbar.len > COLOUR_BAR_MIN_PX + COLOUR_BAR_TITLE_PX
