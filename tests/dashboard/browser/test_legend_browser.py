"""The transcript's theme legend in a real Chromium: it stays in view, above the text, while the transcript scrolls."""
from __future__ import annotations

from pw import screenshot, settle

IN_VIEW = """e => {
    const r = e.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + 5, r.top + r.height / 2);
    return {top: r.top, bottom: r.bottom, height: r.height, onTop: e.contains(hit), innerHeight};
}"""


def test_the_legend_stays_in_view_while_the_transcript_scrolls(page, server_url):
    page.goto(server_url + "/transcript")
    settle(page, 800)
    legend = page.locator(".themescope-legend")
    legend.wait_for(timeout=20_000)
    assert legend.locator("span").count() > 0  # chips, not the "no hits" note
    first_turn = page.locator("[id^=turn-]").first
    before = first_turn.bounding_box()
    page.mouse.move(700, 700)
    for _ in range(6):
        page.mouse.wheel(0, 800)
        page.wait_for_timeout(150)
    page.wait_for_timeout(400)
    after = first_turn.bounding_box()
    assert before and after and after["y"] < before["y"] - 1500  # the transcript really scrolled
    box = legend.evaluate(IN_VIEW)
    assert box["height"] > 0 and box["top"] >= 0 and box["bottom"] <= box["innerHeight"], box
    assert box["onTop"], box  # drawn above the transcript and under no header
    screenshot(page, "transcript-legend-after-scroll")
