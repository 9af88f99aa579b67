"""Presentation mode in a real Chromium at 1280x720: the first chart above the fold, filters still at hand."""
from __future__ import annotations

import pytest
from pw import new_tab, query, screenshot, settle


@pytest.fixture
def small_screen(browser):
    with new_tab(browser, 1280, 720) as tab:
        yield tab


def open_presenting(page, url: str) -> None:
    page.goto(url)
    settle(page)
    page.wait_for_selector(".js-plotly-plot .bars .point path", timeout=20_000)
    settle(page, 600)


def test_the_first_chart_is_above_the_fold(small_screen, server_url):
    open_presenting(small_screen, server_url + "/?present=1")
    box = small_screen.locator(".js-plotly-plot").first.bounding_box()
    assert box["y"] > 0 and box["y"] + box["height"] <= 720, box
    sidebar = small_screen.get_by_test_id("stSidebar")
    assert sidebar.count() == 0 or not sidebar.is_visible()
    screenshot(small_screen, "presentation-1280x720")


def test_filters_change_from_the_popover_while_presenting(small_screen, server_url):
    open_presenting(small_screen, server_url + "/?present=1")
    small_screen.get_by_text("Filters", exact=True).click()
    small_screen.locator(".st-key-w_compact_occupation input").click()
    small_screen.keyboard.type("Education")
    small_screen.wait_for_timeout(300)
    small_screen.keyboard.press("Enter")
    settle(small_screen, 800)
    assert query(small_screen)["occupation"] == ["education"] and query(small_screen)["present"] == ["1"]
    screenshot(small_screen, "presentation-filters-popover")
    small_screen.keyboard.press("Escape")
    settle(small_screen, 600)
    assert "occupation: Education" in small_screen.locator(".st-key-sharing-toolbar").inner_text()
    box = small_screen.locator(".js-plotly-plot").first.bounding_box()
    assert box["y"] + box["height"] <= 720, box
