"""core.views.figures: plain figures (data, no behaviour), the same for the dashboard, the report and images."""
import numpy as np
import pandas as pd
import pytest

from core.views.figures import overview_charts
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
