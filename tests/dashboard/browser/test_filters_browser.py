"""The filter widgets in a real Chromium: typing a name and pressing Enter selects what was meant."""
from __future__ import annotations

from pw import query, screenshot, settle


def chips(page, key: str) -> list[str]:
    tags = page.locator(f".st-key-{key} [data-testid=stMultiSelectTagsContainer] [data-tag]")
    return [tags.nth(i).get_attribute("aria-label") or tags.nth(i).inner_text() for i in range(tags.count())]


def test_typing_it_and_enter_selects_the_it_occupation_only(page, server_url):
    page.goto(server_url + "/")
    settle(page)
    page.locator(".st-key-w_occupation input").click()
    page.keyboard.type("IT")
    page.wait_for_timeout(300)
    page.keyboard.press("Enter")
    settle(page)
    assert len(chips(page, "w_occupation")) == 1 and "IT & software" in chips(page, "w_occupation")[0]
    assert query(page)["occupation"] == ["it_software"]
    screenshot(page, "filter-typed-it")
