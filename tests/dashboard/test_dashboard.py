"""AppTest: every page runs on the shipped data; filters, drill-down and transcripts via query parameters;
escaping and empty states. Exact numbers come from a tiny corpus written here, scored with the tiny codebook.
"""
import json
import re
import shutil
import sys

import pytest
from support import DATA, ROOT, run_app

from core.views.filters import Filters
from dashboard.frame.context import chart_key

APP = str(ROOT / "dashboard" / "app.py")
PAGES = ["overview", "quotes", "transcript"]
TINY = {  # id -> participant's words; scored with tests/data/tiny_codebook.yaml
    "it_1": "I'm a sysadmin and I double check every script. My calendar is full.",
    "it_2": "Sysadmin here. I schedule backups and I double check logs.",
    "it_3": "I work as a sysadmin. Nothing else to say.",
    "edu_1": "I am a teacher. In the classroom I fear <script>alert('x')</script> tricks and I double check "
             "<img src=x onerror=alert(1)> every answer.",
    "edu_2": "Teacher here. I fear misinformation.",
}
REGIONS = {"it_1": "EU", "it_2": "Asia", "it_3": "EU", "edu_1": "EU", "edu_2": "Asia"}


@pytest.fixture(scope="module")
def tiny_corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny") / "transcripts"
    folder.mkdir()
    for transcript_id, words in TINY.items():
        (folder / f"{transcript_id}.txt").write_text(f"Assistant: Tell me about your work.\n\nUser: {words}\n")
    (folder / "metadata.csv").write_text("transcript_id,region\n" + "".join(f"{k},{v}\n" for k, v in REGIONS.items()))
    return folder


@pytest.fixture
def start(monkeypatch, tmp_path):
    """start(page, *app_args, **query) -> an AppTest that has run that page."""
    monkeypatch.setenv("THEMESCOPE_CACHE", str(tmp_path / "cache"))

    def run(page="overview", *args, **query):
        monkeypatch.setattr(sys, "argv", ["app.py", *map(str, args)])
        return run_app(page, **query)
    return run


@pytest.fixture
def tiny(start, tiny_corpus):
    return lambda page="overview", **query: start(page, "--data", tiny_corpus, "--codebook",
                                                  DATA / "tiny_codebook.yaml", **query)


def matching_count(at) -> int:
    line = next(m.value for m in at.sidebar.markdown if "transcripts match" in m.value)
    return int(re.search(r"\*\*([\d,]+)\*\*", line).group(1).replace(",", ""))


def url_values(at, key: str) -> list[str]:
    value = at.query_params.get(key, [])
    return [value] if isinstance(value, str) else list(value)


def html_of(at) -> str:
    return "\n".join(element.proto.body for element in at.get("html"))


def quote_counts(at) -> tuple[int, int]:
    line = next(m.value for m in at.markdown if " quotes** from " in m.value)
    quotes, transcripts = re.findall(r"\*\*([\d,]+) (?:quotes|transcripts)\*\*", line)
    return int(quotes.replace(",", "")), int(transcripts.replace(",", ""))


# ---------------------------------------------------------------- smoke: every page on the shipped data
@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_the_shipped_data(start, page):
    at = start(page)
    assert at.title[0].value == page.capitalize()
    assert matching_count(at) == 48
    assert any("**48 transcripts loaded**" in m.value for m in at.sidebar.markdown)  # the data summary


def test_overview_shows_headline_numbers_and_three_charts(start):
    at = start()
    assert [m.label for m in at.metric][:2] == ["Transcripts matching", "Raise at least one theme"]
    assert at.metric[0].value == "48"
    assert len(at.get("plotly_chart")) == 3


def test_data_summary_names_the_codebook_and_files(tiny):
    at = tiny()
    text = "\n".join(m.value for m in at.sidebar.markdown)
    assert "Tiny test codebook, version t1" in text and "5 transcripts loaded" in text


# ---------------------------------------------------------------- filters from the URL
@pytest.mark.parametrize("query, expected", [
    ({}, 5),
    ({"occupation": "it_software"}, 3),
    ({"occupation": ["it_software", "education"]}, 5),
    ({"theme": "worry"}, 2),
    ({"theme": "worry", "min_hits": "2"}, 1),
    ({"attr_region": "EU"}, 3),
    ({"attr_region": "EU", "occupation": "education"}, 1),
    ({"q": "BACKUPS"}, 1),
    ({"occupation": "no_such_job", "min_hits": "lots"}, 5),  # a bad link is ignored, never a traceback
])
def test_filters_from_the_url(tiny, query, expected):
    assert matching_count(tiny(**query)) == expected


def test_filters_show_in_the_sidebar_widgets(tiny):
    at = tiny(occupation="education", attr_region="EU", min_hits="2", q="fear")
    assert at.sidebar.multiselect(key="w_occupation").value == ["education"]
    assert at.sidebar.multiselect(key="w_attr_region").value == ["EU"]
    assert at.sidebar.number_input(key="w_min_hits").value == 2
    assert at.sidebar.text_input(key="w_q").value == "fear"


def test_changing_a_filter_updates_the_count_and_the_url(tiny):
    at = tiny()
    at.sidebar.multiselect(key="w_occupation").select("education").run()
    assert matching_count(at) == 2
    assert url_values(at, "occupation") == ["education"]
    at.switch_page("pages/quotes.py").run()
    assert matching_count(at) == 2 and url_values(at, "occupation") == ["education"]


def test_clear_filters(tiny):
    at = tiny(occupation="education", q="fear")
    at.sidebar.button[0].click().run()
    assert matching_count(at) == 5 and "occupation" not in at.query_params


def test_no_match_shows_a_message(tiny):
    at = tiny("quotes", occupation="education", q="backups")
    assert matching_count(at) == 0
    assert "No transcript of the 5 matches these filters" in at.info[0].value


# ---------------------------------------------------------------- drill-down
def test_quotes_for_a_theme_and_occupation_from_the_url(tiny):
    at = tiny("quotes", sel_theme="accuracy", sel_occupation="it_software")
    assert quote_counts(at) == (2, 2)
    assert at.selectbox(key="w_sel_theme").value == "accuracy"
    assert "why it matched" in html_of(at) and "double check" in html_of(at)


def test_quotes_search_keeps_matching_sentences_only(tiny):
    at = tiny("quotes", q="calendar")
    assert quote_counts(at) == (1, 1)


def test_clicking_a_bar_drills_into_its_quotes(tiny):
    at = tiny()
    at.session_state[chart_key("prevalence", Filters(), 0)] = {
        "selection": {"points": [{"customdata": ["worry", ""]}], "point_indices": [0], "box": [], "lasso": []}}
    at.run()
    assert not at.exception
    assert at.title[0].value == "Quotes"
    assert at.selectbox(key="w_sel_theme").value == "worry"
    assert quote_counts(at) == (2, 2)  # a card is a quote: edu_2's "fear" and "misinformation" are one (3 hits)


def test_clicking_a_heatmap_cell_drills_into_theme_and_occupation(tiny):
    at = tiny()
    at.session_state[chart_key("by_occupation", Filters(), 0)] = {
        "selection": {"points": [{"customdata": ["accuracy", "education"]}], "point_indices": [0], "box": [],
                      "lasso": []}}
    at.run()
    assert at.selectbox(key="w_sel_occupation").value == "education"
    assert quote_counts(at) == (1, 1)


def test_quote_links_to_its_spot_in_the_transcript(tiny):
    at = tiny("quotes", sel_theme="scheduling")
    links = at.get("page_link")
    assert any("transcript=it_1" in str(link.proto) and "hit=" in str(link.proto) for link in links)


def test_transcript_from_the_url_marks_and_scrolls_to_the_quote(tiny):
    at = tiny("transcript", transcript="it_2", hit="60")
    assert at.selectbox(key="w_transcript").value == "it_2"
    body = html_of(at)
    assert 'id="hit-60"' in body and "PARTICIPANT" in body.upper() and "Scheduling &middot; 1" in body
    assert "getElementById('hit-60')" in body


def test_unknown_transcript_in_the_url_falls_back_with_a_warning(tiny):
    at = tiny("transcript", transcript="nobody")
    assert "no transcript “nobody”" in at.warning[0].value


# ---------------------------------------------------------------- safety
@pytest.mark.parametrize("page, query", [("transcript", {"transcript": "edu_1"}),
                                          ("quotes", {"sel_theme": "accuracy", "sel_occupation": "education"})])
def test_transcript_text_is_escaped(tiny, page, query):
    body = html_of(tiny(page, **query))
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body
    assert "<script>alert" not in body and "<img" not in body


def test_only_our_own_script_may_run(tiny):
    at = tiny("transcript", transcript="edu_1", hit="60")
    scripts = [e.proto.body for e in at.get("html") if e.proto.unsafe_allow_javascript]
    ours = [s for s in scripts if 'id="ts-copy-link"' in s]  # the toolbar's copy-link button (no data in it)
    assert len(ours) == 1 and "alert" not in ours[0]
    scripts.remove(ours[0])
    assert len(scripts) == 1 and scripts[0].startswith("<script>(function(){let tries=0;")


# ---------------------------------------------------------------- empty states and a broken codebook
def test_no_data_is_a_message_not_a_traceback(start, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    at = start("overview", "--data", empty)
    assert "No transcripts were loaded" in at.warning[0].value


def test_invalid_codebook_shows_its_problems_with_line_and_column(start, tiny_corpus, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: broken\nthemes:\n  - id: Bad Id\n    label: x\n    description: y\n    terms: [a]\n")
    at = start("overview", "--data", tiny_corpus, "--codebook", broken)
    assert "problem" in at.error[0].value
    assert re.search(r"broken\.yaml:\d+:\d+", at.code[0].value)


def test_codebook_broken_while_running_keeps_the_last_good_results(start, tiny_corpus, tmp_path):
    codebook = tmp_path / "codebook.yaml"
    shutil.copy(DATA / "tiny_codebook.yaml", codebook)
    at = start("overview", "--data", tiny_corpus, "--codebook", codebook)
    codebook.write_text(codebook.read_text().replace("threshold: 88", "treshold: 88"))
    at.run()
    assert not at.exception
    assert "Showing the results of the last version" in at.error[0].value
    assert re.search(r"codebook\.yaml:\d+:\d+", at.code[0].value)
    assert at.metric[0].value == "5"


# ---------------------------------------------------------------- the URL <-> view conversion itself
def test_view_and_url_round_trip():
    from dashboard.frame.state import Choices, params_from_view, view_from_params
    choices = Choices(("it", "legal"), ("speed", "risk"), {"region": ["EU", "Asia"]})
    params = {"occupation": ["it", "legal"], "theme": ["risk"], "attr_region": ["EU"], "min_hits": ["3"],
              "q": ["budget"], "sel_theme": ["risk"], "sort": ["fuzziest"], "qpage": ["2"],
              "transcript": ["t1"], "hit": ["0"]}
    assert params_from_view(view_from_params(params, choices)) == params
    assert params_from_view(view_from_params({}, choices)) == {}


def test_bad_url_values_are_dropped():
    from dashboard.frame.state import Choices, view_from_params
    view = view_from_params({"occupation": ["pirate"], "attr_region": ["Mars"], "min_hits": ["-4"],
                             "sort": ["random"], "hit": ["x"]}, Choices(("it",), ("speed",), {"region": ["EU"]}))
    shown = (view["occupation"], view["attr"], view["min_hits"], view["sort"], view["hit"])
    assert shown == ([], {}, 1, "transcript", None)


def test_the_overview_makes_the_plain_figures_clickable(tiny):
    prevalence, heatmap, together = (json.loads(chart.proto.spec) for chart in tiny().get("plotly_chart"))
    assert prevalence["layout"]["clickmode"] == "event+select"
    assert "click for its quotes" in prevalence["data"][0]["hovertemplate"]
    cells, targets = heatmap["data"]
    assert (cells["type"], cells["hoverinfo"], targets["type"]) == ("heatmap", "skip", "scatter")
    assert len(targets["customdata"]) == len(cells["x"]) * len(cells["y"])
    assert targets["customdata"][0] == cells["customdata"][0][0] and "click" in targets["hovertemplate"]
    assert "clickmode" not in together["layout"] and len(together["data"]) == 1  # co-occurrence: not clickable


# ---------------------------------------------------------------- empty results, the page menu, presenting
def test_a_minimum_no_transcript_reaches_says_so_instead_of_zero_figures(tiny):
    at = tiny(min_hits="50")
    assert "No transcript raises a theme at this minimum of hits** (50 per theme)" in at.info[0].value
    assert len(at.metric) == 0 and len(at.get("plotly_chart")) == 0  # no 0% figures, no empty charts
    assert any("5** of 5 transcripts match · **none raises a theme**" in m.value for m in at.sidebar.markdown)


def test_the_page_menu_links_carry_the_view(tiny):
    at = tiny(occupation="education", min_hits="2")
    links = [link.proto for link in at.sidebar.get("page_link")]
    assert [link.label for link in links] == ["Overview", "Quotes", "Transcript", "Search", "Compare groups",
                                              "Codebook"]
    assert all("occupation=education" in link.query_string and "min_hits=2" in link.query_string for link in links)


def test_the_default_transcript_stays_out_of_the_url(tiny):
    at = tiny("transcript", occupation="education")  # one URL write per run: one history entry
    assert at.selectbox(key="w_transcript").value == "edu_1" and "transcript" not in at.query_params


def test_filters_change_from_the_popover_while_presenting(tiny):
    at = tiny(present="1")
    assert len(at.sidebar.multiselect) == 0  # no sidebar when presenting
    at.multiselect(key="w_compact_occupation").select("education").run()
    assert url_values(at, "occupation") == ["education"] and at.metric[0].value == "2"
    assert at.multiselect(key="w_compact_occupation").value == ["education"]


def test_a_quote_from_a_timed_transcript_says_when_it_was_said():
    """The caption, Word and Otter files of data/formats keep each turn's time: the quote card shows it."""
    at = run_app("quotes", q="handover")  # the Teams captions of a (synthetic) ward nurse
    assert re.search(r"turn \d+ at 00:00:\d{2} &middot;", html_of(at))


def test_back_from_a_transcript_the_quotes_page_scrolls_to_the_card_that_was_opened():
    from dashboard.frame.passages import quote_anchor
    at = run_app("quotes")
    card = re.search(r'<span id="(quote-[0-9a-f]{12})"></span>', html_of(at)).group(1)
    link = next(p.proto for p in at.get("page_link") if p.proto.label == "Open in transcript")
    query = dict(pair.split("=", 1) for pair in link.query_string.split("&"))
    opened = (query["transcript"], int(query["hit"]))
    assert quote_anchor(*opened) == card
    at.query_params["transcript"], at.query_params["hit"] = opened[0], str(opened[1])
    at.switch_page("pages/transcript.py").run()  # as the link does: the transcript page remembers the quote
    assert at.session_state["_opened_quote"] == opened
    at.switch_page("pages/quotes.py").run()
    assert f"getElementById('{card}')" in html_of(at)
    at.run()
    assert f"getElementById('{card}')" not in html_of(at)  # once: a later rerun leaves the reader's scroll alone
