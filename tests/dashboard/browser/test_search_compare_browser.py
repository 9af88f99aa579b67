"""Full-text search and group comparison in a real Chromium: type a search, read the mentions in context, open
one in its transcript; compare an occupation with everyone else."""
from __future__ import annotations

import pytest
from pw import path, query, screenshot, settle

from core import analyse, load_codebook
from core.views.search import TextIndex

ROOT_DIR = __import__("pathlib").Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def students():
    """The mentions of "students" in the shipped data, found by core alone."""
    codebook = load_codebook(ROOT_DIR / "config" / "codebook.yaml")
    analysis = analyse([ROOT_DIR / "data"], codebook=codebook, cache_dir=ROOT_DIR / ".themescope-cache")
    return TextIndex.of(analysis).search("students").matches


def test_a_search_lists_every_mention_and_opens_its_transcript_at_the_spot(page, server_url, students):
    page.goto(server_url + "/search")
    settle(page)
    box = page.get_by_label("Search what participants said").last
    box.fill("students")
    box.press("Enter")
    settle(page)
    assert query(page)["q"] == ["students"]
    assert page.get_by_text(f"{len(students)} mentions").count() == 1
    marks = page.locator("mark")
    assert marks.count() == len(students) and marks.first.inner_text().lower() == "students"
    screenshot(page, "search-mentions-in-context")
    page.get_by_text("Open").first.click()
    page.wait_for_url("**/transcript?**", timeout=10_000)
    settle(page)
    first = students.iloc[0]
    assert query(page)["transcript"] == [first.transcript_id] and query(page)["hit"] == [str(first.start)]
    assert path(page) == "/transcript"


def test_comparing_an_occupation_with_everyone_else(page, server_url):
    page.goto(server_url + "/compare")
    settle(page)
    group_a = page.get_by_label("Group A")
    group_a.click()
    page.get_by_role("option", name="IT & software").click()
    page.keyboard.press("Escape")
    settle(page)
    assert page.get_by_text("everyone else in view").count() >= 1
    assert page.get_by_text("A: IT & software").count() == 1
    assert page.get_by_text("raised more by").count() + page.get_by_text("No theme differs clearly").count() >= 1
    assert page.get_by_text("Download this comparison (CSV)").count() == 1
    screenshot(page, "compare-groups")
