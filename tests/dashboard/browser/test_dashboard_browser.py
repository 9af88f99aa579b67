"""The dashboard in a real Chromium: shared links, clicks on charts, page switches, the back button."""
from __future__ import annotations

import pytest
from pw import matching_count, path, query, screenshot, settle

from core import analyse, load_codebook
from core.views.filters import Filters, prepare, raised_matrix, transcript_mask

ROOT_DIR = __import__("pathlib").Path(__file__).resolve().parents[3]
SHARED = "/?occupation=it_software&occupation=education&min_hits=2"


@pytest.fixture(scope="module")
def expected_count():
    """How many shipped transcripts the SHARED link's filters keep, computed with core alone."""
    codebook = load_codebook(ROOT_DIR / "config" / "codebook.yaml")
    analysis = analyse([ROOT_DIR / "data"], codebook=codebook, cache_dir=ROOT_DIR / ".themescope-cache")
    data = prepare(analysis.transcripts, analysis.themes, analysis.hits, codebook.theme_ids)
    filters = Filters(occupations=("it_software", "education"), min_hits=2)
    return int(transcript_mask(data, filters, raised_matrix(data, 2)).sum())


def open_overview(page, url: str) -> None:
    page.goto(url)
    settle(page)
    page.wait_for_selector(".js-plotly-plot .bars .point path", timeout=20_000)
    page.wait_for_timeout(300)


def test_a_shared_link_shows_the_same_filtered_view(page, server_url, expected_count):
    open_overview(page, server_url + SHARED)
    assert matching_count(page) == expected_count
    chips = page.locator("[data-testid=stSidebar] [data-testid=stMultiSelectTagsContainer] [data-tag]")
    labels = [chips.nth(i).get_attribute("aria-label") or chips.nth(i).inner_text() for i in range(chips.count())]
    assert any("IT & software" in label for label in labels) and any("Education" in label for label in labels)
    assert page.get_by_test_id("stMetricValue").first.inner_text() == str(expected_count)
    assert query(page)["min_hits"] == ["2"]
    screenshot(page, "overview-shared-link")


def test_clicking_a_bar_shows_its_quotes_and_back_returns(page, server_url):
    open_overview(page, server_url + SHARED)
    bar = page.locator(".js-plotly-plot").first.locator(".bars .point path").first
    box = bar.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url("**/quotes?**", timeout=10_000)
    settle(page)
    assert query(page)["occupation"] == ["it_software", "education"] and "sel_theme" in query(page)
    counts = page.get_by_text(" quotes from ").first.inner_text()
    assert int(counts.split()[0].replace(",", "")) > 0
    assert page.get_by_text("why it matched").count() > 0
    screenshot(page, "quotes-after-bar-click")
    page.go_back()
    settle(page)
    assert path(page) == "/" and query(page)["occupation"] == ["it_software", "education"]


def test_switching_pages_keeps_the_filters_in_the_url(page, server_url):
    open_overview(page, server_url + SHARED)
    assert page.get_by_test_id("stSidebarNav").count() == 0  # one menu: ours, no list of the page scripts
    for title in ["Quotes", "Transcript", "Overview", "Quotes", "Transcript"]:
        page.locator(".st-key-page-menu").get_by_text(title, exact=True).click()
        settle(page, 300)
        assert query(page).get("occupation") == ["it_software", "education"], (title, page.url)
        assert query(page).get("min_hits") == ["2"]


def test_a_quote_opens_its_transcript_scrolled_to_it(page, server_url):
    page.goto(server_url + "/quotes?occupation=it_software&sel_theme=accuracy_trust&qpage=2")
    settle(page)
    # a card is a quote: 23 quotes (25 hits) leave 3 cards on page 2, so the third card's link
    link = page.get_by_text("Open in transcript").nth(2)
    link.click()
    page.wait_for_url("**/transcript?**", timeout=10_000)
    settle(page, 800)
    wanted = query(page)
    assert wanted["occupation"] == ["it_software"] and "transcript" in wanted and "hit" in wanted
    marker = page.locator(f"#hit-{wanted['hit'][0]}")
    assert marker.count() == 1 and marker.is_visible()
    assert marker.evaluate("e => { const r = e.getBoundingClientRect(); return r.top > 0 && r.bottom < innerHeight; }")
    screenshot(page, "transcript-from-quote")


def test_a_changed_filter_goes_into_the_url(page, server_url):
    open_overview(page, server_url + "/")
    box = page.get_by_test_id("stNumberInputField")
    box.fill("3")
    box.press("Enter")
    settle(page)
    assert query(page)["min_hits"] == ["3"]
    page.locator(".st-key-page-menu").get_by_text("Quotes", exact=True).click()
    settle(page)
    assert query(page)["min_hits"] == ["3"]
