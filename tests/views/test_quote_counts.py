"""One quote, counted the same everywhere: for every theme and a few filters, the Quotes page, the quotes CSV and
XLSX (rows and the about sheet), the report, `snapshot(...).quotes()`, the codebook preview of an unchanged
codebook and hand coding's quote precision give the same number of quotes."""
import io
import re
import sys

import pandas as pd
import pytest
from openpyxl import load_workbook
from sharing_corpus import CODEBOOK, write_corpus
from sharing_corpus import analysed as analysed_corpus
from support import run_app

from core.engine.rescore import CachedCorpus
from core.handcoding.agreement import quote_precision
from core.share.exports import EXPORTERS
from core.share.report import build_report
from core.views.filters import Filters
from core.views.quotes import quotes_of_analysis
from core.views.snapshot import snapshot
from core.workbench.diff import preview

THEMES = ["accuracy", "scheduling", "worry", "art"]
FILTERS = {  # name -> (the page's query, the same filters for core)
    "none": ({}, Filters()),
    "occupation": ({"occupation": "it_software"}, Filters(occupations=("it_software",))),
    "min_hits": ({"min_hits": "2"}, Filters(min_hits=2)),
    "search": ({"q": "double check"}, Filters(search="double check")),
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_corpus(tmp_path_factory.mktemp("counts") / "transcripts")


@pytest.fixture(scope="module")
def analysed(corpus, tmp_path_factory):
    return analysed_corpus(corpus, tmp_path_factory.mktemp("cache"))


@pytest.fixture
def quotes_page(monkeypatch, tmp_path, corpus):
    monkeypatch.setenv("THEMESCOPE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(sys, "argv", ["app.py", "--data", str(corpus), "--codebook", str(CODEBOOK)])

    def count(**query) -> int:
        at = run_app("quotes", **query)
        line = next(m.value for m in at.markdown if " quotes** from " in m.value)
        return int(re.search(r"\*\*([\d,]+) quotes\*\*", line).group(1).replace(",", ""))
    return count


def export_counts(view) -> dict[str, int]:
    """The quotes each file of a view holds: CSV rows, XLSX rows, the XLSX about sheet, the report's theme."""
    csv = pd.read_csv(io.BytesIO(EXPORTERS["quotes_csv"].make(view, redact=True)), encoding="utf-8-sig")
    book = load_workbook(io.BytesIO(EXPORTERS["quotes_xlsx"].make(view, redact=True)))
    about = dict(list(book["about"].values)[1:])
    report = re.search(r'data-quotes="(\d+)"', build_report(view))
    return {"csv": len(csv), "xlsx": len(list(book["quotes"].values)) - 1,
            "about": int(about["Quotes in this file"].replace(",", "")),
            "report": int(report.group(1)) if report else 0}


@pytest.mark.parametrize("name", FILTERS)
@pytest.mark.parametrize("theme", THEMES)
def test_every_face_counts_the_same_quotes(quotes_page, analysed, theme, name):
    query, filters = FILTERS[name]
    view = snapshot(*analysed, filters, theme=theme)
    expected = len(view.quotes())
    assert export_counts(view) == {"csv": expected, "xlsx": expected, "about": expected, "report": expected}
    assert quotes_page(sel_theme=theme, **query) == expected


@pytest.mark.parametrize("theme", THEMES)
def test_the_preview_and_hand_coding_count_the_quotes_of_the_unfiltered_view(analysed, theme):
    analysis, data = analysed
    expected = len(snapshot(analysis, data, Filters(), theme=theme).quotes())
    change = preview(CachedCorpus.of(analysis), analysis, analysis.codebook).themes.set_index("theme")
    assert change.loc[theme, ["quotes_before", "quotes_after"]].tolist() == [expected, expected]
    precision = quote_precision(quotes_of_analysis(analysis), [], analysis.codebook.theme_ids).set_index("theme")
    assert precision.loc[theme, "quotes"] == expected


def test_the_counts_are_quotes_not_hits(analysed):
    """edu_2's "fear" and "misinformation" share a sentence: two hits, one Worry quote with both highlighted."""
    view = snapshot(*analysed, Filters(), theme="worry")
    quotes = view.quotes().set_index("transcript_id")
    assert int(view.keep[view.data.hits["theme"].to_numpy() == "worry"].sum()) == 3
    assert len(quotes) == 2 and quotes.loc["edu_2", "hits"] == 2
    assert quotes.loc["edu_2", "terms"] == ["fear", "misinformation"]
    row = pd.read_csv(io.BytesIO(EXPORTERS["quotes_csv"].make(view, redact=True)), encoding="utf-8-sig")
    assert row.set_index("transcript_id").loc["edu_2", ["hits", "term"]].tolist() == [2, "fear; misinformation"]


def test_a_hit_below_the_themes_minimum_is_in_no_count(analysed):
    """With min_hits=2 only edu_2 raises Worry: the single Worry hit of edu_1 is no quote anywhere."""
    analysis, data = analysed
    assert len(snapshot(analysis, data, Filters(min_hits=2), theme="worry").quotes()) == 1
    assert len(quotes_of_analysis(analysis, min_hits=2).query("theme == 'worry'")) == 1


def test_the_about_sheet_gives_the_whole_view_beside_the_selection(analysed):
    view = snapshot(*analysed, Filters(), theme="accuracy", occupation="it_software")
    about = dict(list(load_workbook(io.BytesIO(EXPORTERS["quotes_xlsx"].make(view, redact=True)))["about"].values))
    assert about["Quotes in this file"] == str(len(view.quotes()))
    assert about["Quotes in the whole view (without the Quotes page's selection)"] == \
        str(len(view.quotes(selection=False)))
    assert len(view.quotes()) < len(view.quotes(selection=False))
