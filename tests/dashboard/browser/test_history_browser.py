"""Browser history in a real Chromium: one back press per user action, and back returns where the user was."""
from __future__ import annotations

from pw import path, query, settle

QUOTES = "/quotes?occupation=it_software&sel_theme=accuracy_trust&qpage=2"


def history_length(page) -> int:
    return page.evaluate("history.length")


def open_third_quote(page, server_url: str) -> dict[str, list[str]]:
    """Opens the third quote card of QUOTES in its transcript; returns the quote's link parameters."""
    page.goto(server_url + QUOTES)
    settle(page)
    page.get_by_text("Open in transcript").nth(2).click()
    page.wait_for_url("**/transcript?**", timeout=10_000)
    settle(page, 800)
    return query(page)


def opened_card(page, opened: dict[str, list[str]]):
    """The "Open in transcript" link of the quote card that was opened."""
    return page.locator(f'a:has-text("Open in transcript")[href*="transcript={opened["transcript"][0]}&"]'
                        f'[href$="hit={opened["hit"][0]}"]')


def test_opening_a_quotes_transcript_adds_one_entry_and_back_returns_to_it(page, server_url):
    page.goto(server_url + QUOTES)
    settle(page)
    before = history_length(page)
    opened = open_third_quote(page, server_url)
    assert history_length(page) == before + 1
    page.go_back()
    settle(page, 800)
    assert path(page) == "/quotes" and query(page) == {"occupation": ["it_software"],
                                                       "sel_theme": ["accuracy_trust"], "qpage": ["2"]}
    assert opened_card(page, opened).count() == 1  # the card that was opened is on the page shown


def test_back_to_quotes_returns_to_the_quote_the_user_came_from(page, server_url):
    opened = open_third_quote(page, server_url)
    page.get_by_text("Back to quotes").click()
    page.wait_for_url("**/quotes?**", timeout=10_000)
    settle(page)
    assert query(page)["qpage"] == ["2"] and query(page)["sel_theme"] == ["accuracy_trust"]
    assert opened_card(page, opened).count() == 1


def test_each_page_switch_and_presentation_toggle_is_one_entry(page, server_url):
    page.goto(server_url + "/?occupation=it_software")
    settle(page)
    steps = [("Transcript", "/transcript"), ("Quotes", "/quotes"), ("Overview", "/")]
    for title, where in steps:
        before = history_length(page)
        page.locator(".st-key-page-menu").get_by_text(title, exact=True).click()
        settle(page, 600)
        assert (path(page), history_length(page)) == (where, before + 1), title
        assert query(page)["occupation"] == ["it_software"]
    for presenting in (True, False):
        before = history_length(page)
        page.get_by_text("Present", exact=True).click()
        settle(page, 600)
        assert history_length(page) == before + 1 and ("present" in query(page)) == presenting
    page.go_back()
    settle(page, 600)
    assert query(page).get("present") == ["1"]  # one back press undoes one toggle


def test_switching_pages_while_presenting_is_one_entry_per_page(page, server_url):
    page.goto(server_url + "/?present=1")
    settle(page)
    for title in ("Quotes", "Transcript", "Overview"):
        before = history_length(page)
        page.locator(".st-key-page-menu").get_by_text(title, exact=True).click()
        settle(page, 600)
        assert history_length(page) == before + 1 and query(page)["present"] == ["1"], title
