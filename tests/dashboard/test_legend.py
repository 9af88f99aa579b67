"""The transcript's theme legend (dashboard/frame/passages.legend_html): chips in the themes' highlight colours,
labels escaped, and a rule that keeps the legend in view while the transcript scrolls (the browser test
tests/dashboard/browser/test_legend_browser.py checks that it does)."""
import re

from core.views.colours import theme_highlights
from dashboard.frame.passages import LEGEND_CLASS, legend_html

COLOURS = theme_highlights(["speed", "risk"])


def test_the_legend_is_sticky_below_the_header():
    legend = legend_html({"speed": 3}, COLOURS, str.title)
    rule = re.search(r"<style>([^{]*)\{([^}]*)\}</style>", legend)
    assert rule and f":has(.{LEGEND_CLASS})" in rule.group(1) and "stElementContainer" in rule.group(1)
    assert "position:sticky" in rule.group(2) and "top:3.75rem" in rule.group(2) and "background:#fff" in rule.group(2)
    assert f'<div class="{LEGEND_CLASS}">' in legend


def test_chips_wear_the_highlight_colours_and_escape_labels():
    legend = legend_html({"speed": 3, "risk": 1}, COLOURS, lambda theme: f"<b>{theme}</b>")
    assert f"background:{COLOURS['speed']};" in legend and f"background:{COLOURS['risk']};" in legend
    assert "&lt;b&gt;speed&lt;/b&gt; &middot; 3" in legend and "<b>" not in legend


def test_a_legend_without_hits_says_so_and_stays_sticky():
    legend = legend_html({}, COLOURS, str)
    assert "No hits of the themes in view." in legend and "position:sticky" in legend
