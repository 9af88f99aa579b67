"""Chart images as they leave the dashboard: titled with the chart, the filter line and n; a heatmap of one
occupation keeps a colour bar that can be read (rendered by kaleido with the system Chromium)."""
import re
import struct

import pytest
from sharing_corpus import analysed, write_corpus

from core.share.images import IMAGE_SCALE, chart_figures, find_browser, render_chart_images, titled
from core.views.figures import COLOUR_BAR_MIN_PX, MIN_GRID_PX
from core.views.filters import Filters
from core.views.snapshot import snapshot

needs_browser = pytest.mark.skipif(find_browser() is None, reason="no Chrome/Chromium for kaleido")


@pytest.fixture(scope="module")
def one_occupation(tmp_path_factory):
    """The view of one occupation: its heatmap has a single row."""
    folder = write_corpus(tmp_path_factory.mktemp("images") / "transcripts")
    return snapshot(*analysed(folder, tmp_path_factory.mktemp("cache")), Filters(occupations=("education",)))


def test_each_exported_figure_names_its_chart_the_filters_and_n(one_occupation):
    figures = chart_figures(one_occupation)
    on_screen = {chart.name: chart for chart in one_occupation.charts()}
    assert set(figures) == set(on_screen)
    for name, figure in figures.items():
        spec = figure.to_plotly_json()["layout"]  # what the renderer receives
        assert spec["title"]["text"] == f"<b>{on_screen[name].title}</b>"
        assert spec["title"]["subtitle"]["text"] == "occupation: Education · n = 2 transcripts"
        assert one_occupation.n == 2
        # the plot keeps its size: the image grows by the title band
        band = spec["margin"]["t"] - on_screen[name].figure.layout.margin.t
        assert band > 40 and spec["height"] == on_screen[name].figure.layout.height + band
        assert on_screen[name].figure.layout.title.text is None  # the dashboard's figure is untouched


def test_a_title_is_escaped_and_a_long_filter_line_wrapped(one_occupation):
    figure = titled(one_occupation.charts()[0].figure, "<script>x</script>", "word " * 200)
    assert figure.layout.title.text == "<b>&lt;script&gt;x&lt;/script&gt;</b>"
    lines = figure.layout.title.subtitle.text.split("<br>")
    assert len(lines) == 3 and lines[-1].endswith("...") and all(len(line) <= 150 for line in lines)


@pytest.fixture(scope="module")
def rendered(one_occupation):
    figures = chart_figures(one_occupation)
    return figures, render_chart_images({"by_occupation": figures["by_occupation"]}, ("png", "svg"))


@needs_browser
def test_a_one_row_heatmap_image_has_a_readable_colour_bar(rendered):
    figures, images = rendered
    svg = images["by_occupation.svg"].decode()
    fill = re.search(r'<rect class="cbfill[^"]*"[^>]*? height="([\d.]+)"', svg)  # the drawn colour scale
    assert fill and float(fill.group(1)) >= COLOUR_BAR_MIN_PX - 1, fill  # not a smudge
    width, height = struct.unpack(">II", images["by_occupation.png"][16:24])
    assert height == figures["by_occupation"].layout.height * IMAGE_SCALE
    assert height >= (MIN_GRID_PX + 200) * IMAGE_SCALE


@needs_browser
def test_the_svg_carries_the_title_the_filters_and_n(rendered):
    svg = rendered[1]["by_occupation.svg"].decode()
    assert ">By occupation<" in svg and "occupation: Education · n = 2 transcripts" in svg
