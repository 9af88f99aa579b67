"""AppTest: the sharing toolbar on every page, presentation mode (present=1) and on-screen redaction."""
import re
import sys

import pytest
from sharing_corpus import CODEBOOK, write_corpus
from support import ROOT, run_app

from core import analyse, load_codebook
from core.share.exports import chart_tables, quotes_table
from core.share.report import build_report
from core.views.filters import Filters, prepare
from core.views.snapshot import snapshot

APP = str(ROOT / "dashboard" / "app.py")
PAGES = ["overview", "quotes", "transcript"]
EXPORT_LABELS = ["Quotes (CSV)", "Quotes (Excel)", "Theme prevalence table (CSV)", "Occupation x theme table (CSV)",
                 "Co-occurrence table (CSV)", "Report (one HTML file, works offline)", "REFI-QDA project (.qdpx)"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_corpus(tmp_path_factory.mktemp("sharing") / "transcripts")


@pytest.fixture
def app(monkeypatch, tmp_path, corpus):
    """app(page, **query) -> an AppTest that has run that page on the sharing corpus."""
    monkeypatch.setenv("THEMESCOPE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(sys, "argv", ["app.py", "--data", str(corpus), "--codebook", str(CODEBOOK)])

    def run(page="overview", **query):
        return run_app(page, **query)
    return run


@pytest.fixture(scope="module")
def analysed(corpus, tmp_path_factory):
    codebook = load_codebook(CODEBOOK)
    analysis = analyse([corpus], codebook=codebook, cache_dir=tmp_path_factory.mktemp("cache"))
    return analysis, prepare(analysis.transcripts, analysis.themes, analysis.hits, codebook.theme_ids)


def html_of(at) -> str:
    return "\n".join(element.proto.body for element in at.get("html"))


def url(at) -> dict[str, list[str]]:
    return {k: ([v] if isinstance(v, str) else list(v)) for k, v in at.query_params.items()}


def markdown_of(at) -> str:
    return "\n".join(m.value for m in at.markdown)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_has_the_toolbar(app, page):
    at = app(page)
    assert 'id="ts-copy-link"' in html_of(at) and "navigator.clipboard.writeText(url)" in html_of(at)
    assert at.toggle(key="w_present").value is False and at.toggle(key="w_redact").value is False
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == EXPORT_LABELS


def test_the_export_menu_states_the_view_and_masks_by_default(app):
    at = app(occupation="education")
    assert at.toggle(key="export_redact").value is True
    assert any("The current view: occupation: Education · n = 2" in c.value for c in at.caption)


# ---------------------------------------------------------------- presentation mode
def test_present_in_the_url_hides_sidebar_and_editing_controls(app):
    at = app("quotes", occupation="it_software", sel_theme="scheduling", present="1")
    assert len(at.sidebar.multiselect) == 0 and len(at.sidebar.text_input) == 0 and len(at.selectbox) == 0
    assert "**Showing** occupation: IT · **n = 3** of 5 transcripts" in markdown_of(at)
    assert "**Scheduling** · **All matching occupations**" in markdown_of(at)
    assert 'html{font-size:125%}' in html_of(at) and 'id="ts-fullscreen"' in html_of(at)


def test_presenting_masks_personal_details_by_default(app):
    at = app("quotes", sel_theme="scheduling", present="1")
    shown = html_of(at)
    assert at.toggle(key="w_redact").value is True
    assert "[email]" in shown and "jane.doe@acme.org" not in shown and "7946" not in shown
    assert "calendar@acme.org" not in shown  # not even in the "why it matched" line of the hit inside it


def test_toggling_presentation_keeps_the_view(app):
    at = app("quotes", occupation="it_software", sel_theme="accuracy", min_hits="1")
    at.toggle(key="w_present").set_value(True).run()
    assert url(at) == {"occupation": ["it_software"], "sel_theme": ["accuracy"], "present": ["1"]}
    assert at.title[0].value == "Quotes" and len(at.selectbox) == 0
    at.toggle(key="w_present").set_value(False).run()
    assert url(at) == {"occupation": ["it_software"], "sel_theme": ["accuracy"]}
    assert at.selectbox(key="w_sel_theme").value == "accuracy"
    assert at.sidebar.multiselect(key="w_occupation").value == ["it_software"]


def test_present_survives_a_page_switch(app):
    at = app(occupation="education", present="1")
    at.switch_page("pages/transcript.py").run()
    assert url(at)["present"] == ["1"] and url(at)["occupation"] == ["education"]
    assert len(at.selectbox) == 0 and any(m.value.startswith("### edu_") for m in at.markdown)


# ---------------------------------------------------------------- redaction on screen
def test_the_researchers_own_view_shows_the_text_as_it_is(app):
    assert "jane.doe@acme.org" in html_of(app("quotes", sel_theme="accuracy"))
    shown = html_of(app("transcript", transcript="it_3"))
    assert ">calendar</mark>@acme.org" in shown and "[email]" not in shown


def test_the_redaction_switch_masks_quotes_and_goes_into_the_url(app):
    at = app("transcript", transcript="it_1", hit="124")
    at.toggle(key="w_redact").set_value(True).run()
    shown = html_of(at)
    assert url(at)["redact"] == ["1"]
    assert "jane.doe@acme.org" not in shown and "+44 20 7946 0958" not in shown and "[phone]" in shown
    assert ">calendar</mark>" in shown and 'id="hit-124"' in shown  # highlights and the marker still line up


def test_redact_0_turns_masking_off_while_presenting(app):
    at = app("transcript", transcript="it_1", present="1", redact="0")
    assert at.toggle(key="w_redact").value is False and "jane.doe@acme.org" in html_of(at)


# ---------------------------------------------------------------- one filtered view for every face
@pytest.mark.parametrize("query, filters, selection", [
    ({}, Filters(), {}),
    ({"occupation": "education"}, Filters(occupations=("education",)), {}),
    ({"attr_region": "Asia"}, Filters(attributes=(("region", ("Asia",)),)), {}),
    ({"q": "backups"}, Filters(search="backups"), {}),
    ({"theme": "accuracy"}, Filters(themes=("accuracy",)), {}),
    ({"min_hits": "2"}, Filters(min_hits=2), {}),
    ({"sel_theme": "accuracy", "sel_occupation": "it_software"}, Filters(),
     {"theme": "accuracy", "occupation": "it_software"}),
])
def test_the_pages_the_exports_and_the_report_count_the_same(app, analysed, query, filters, selection):
    view = snapshot(*analysed, filters, **selection)
    at = app("quotes", **query)
    line = next(m.value for m in at.markdown if " quotes** from " in m.value)
    on_page = int(re.search(r"\*\*([\d,]+) quotes\*\*", line).group(1))
    matching = next(m.value for m in at.sidebar.markdown if "transcripts match" in m.value)
    assert on_page == len(view.quotes()) == len(quotes_table(view))
    assert matching.startswith(f"**{view.n}** of")
    assert any(f"n = {view.n}" in c.value for c in at.caption)  # the export menu's statement of the view
    report = build_report(view)
    assert f"<b>n = {view.n:,}</b>" in report
    assert chart_tables(view)["prevalence"]["n"].eq(view.n).all()
