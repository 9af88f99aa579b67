"""The one-file HTML report: self-contained, the charts' data inside, quotes escaped and masked; and its CLI."""
import argparse
import base64
import json
import re

import numpy as np
import pytest
from sharing_corpus import CODEBOOK, write_corpus
from sharing_corpus import analysed as analysed_corpus

from core import ThemescopeError
from core.cli.report import add_report_command
from core.share.report import build_report
from core.views.filters import Filters
from core.views.snapshot import snapshot


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_corpus(tmp_path_factory.mktemp("sharing") / "transcripts")


@pytest.fixture(scope="module")
def analysed(corpus, tmp_path_factory):
    return analysed_corpus(corpus, tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def report(analysed):
    return build_report(snapshot(*analysed, Filters()))


def test_the_report_loads_nothing_from_outside(report):
    assert report.startswith("<!DOCTYPE html>")
    tags = re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", report)
    assert tags and all("src=" not in t and "href=" not in t for t in tags), tags
    assert "plotly.js v" in report  # the library itself is inlined
    assert report.count("Plotly.newPlot(") == 3


def test_the_report_holds_the_charts_data(report, analysed):
    for name in ("prevalence", "by_occupation", "cooccurrence"):
        assert f'id="chart-{name}"' in report
    calls = re.findall(r'Plotly\.newPlot\(\s*"chart-prevalence",\s*(\[.*?\]),\s*\{', report, re.S)
    bars = json.loads(calls[0])[0]
    assert bars["y"] == ["Accuracy", "Scheduling", "Worry", "Art"]  # 3, 3, 2 and 0 of the 5 transcripts
    assert [round(x) for x in numbers(bars["x"])] == [60, 60, 40, 0]
    assert "click for its quotes" not in report  # nothing to click through to in a file


def numbers(values) -> list[float]:
    """A plotly data array as written in the HTML: a list, or numpy's bytes in base64 ({dtype, bdata})."""
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return list(values)


def test_quotes_are_escaped_highlighted_and_masked(report):
    assert "<script>alert" not in report
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in report
    assert re.search(r'<mark style="background:[^"]+" title="[^"]*">double check</mark>', report)
    for detail in ("jane.doe@acme.org", "+44 20 7946 0958", "intranet.acme.org", "@fake_news_bot"):
        assert detail not in report
    assert "are masked in the quotes" in report


def test_the_report_states_filters_codebook_and_data(analysed):
    analysis, data = analysed
    page = build_report(snapshot(analysis, data, Filters(occupations=("it_software",), min_hits=1)))
    assert "<b>Filters:</b> occupation: IT" in page and "<b>n = 3</b> of 5 transcripts" in page
    assert analysis.codebook.content_hash in page and "Tiny test codebook" in page
    assert "Files loaded" in page and "it_1.txt" in page


def test_redaction_can_be_turned_off(analysed):
    page = build_report(snapshot(*analysed, Filters()), redact=False)
    assert "jane.doe@acme.org" in page and "are NOT masked" in page


def test_top_quotes_follow_a_theme_selection(analysed):
    page = build_report(snapshot(*analysed, Filters(), theme="scheduling"), quotes_per_theme=5)
    quotes = page.split("Top quotes per theme")[1]
    assert "<h3>Scheduling <span" in quotes and "<h3>Accuracy" not in quotes


# ---------------------------------------------------------------- the CLI command
@pytest.fixture
def parser():
    parser = argparse.ArgumentParser(prog="themescope")
    add_report_command(parser.add_subparsers(dest="command", required=True))
    return parser


def run(parser, *argv) -> int:
    args = parser.parse_args(["report", *map(str, argv)])
    return args.run(args)


def test_report_command_writes_the_filtered_report(parser, corpus, tmp_path, capsys):
    out = tmp_path / "out" / "report.html"
    code = run(parser, "--data", corpus, "--codebook", CODEBOOK, "--filter", "region=EU", "--theme", "accuracy",
               "--cache-dir", tmp_path / "cache", "--out", out)
    assert code == 0
    page = out.read_text(encoding="utf-8")
    assert "<b>Filters:</b> theme: Accuracy; region: EU" in page and "<b>n = 2</b> of 5" in page
    assert "jane.doe@acme.org" not in page
    assert "2 of 5 transcripts" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["--filter", "occupation=pirate"], "no such value in this data. Fix: use one of education, it_software"),
    (["--filter", "colour=red"], "unknown filter. Fix: use one of occupation, theme, min_hits, q, region"),
    (["--filter", "occupation"], "expected KEY=VALUE"),
    (["--filter", "min_hits=lots"], "not a whole number"),
    (["--filter", "q=nothing-says-this"], "no transcript of the 5 matches these filters"),
])
def test_report_command_explains_bad_filters(parser, corpus, tmp_path, argv, message):
    with pytest.raises(ThemescopeError, match=re.escape(message)):
        run(parser, "--data", corpus, "--codebook", CODEBOOK, "--cache-dir", tmp_path / "cache", *argv,
            "--out", tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()
