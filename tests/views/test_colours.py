"""core.views.colours: theme colours told apart in normal vision and by colour-blind readers, visible on white,
and highlights that keep dark text readable. The colour science is written out here (no dependency): sRGB ->
CIELAB, CIEDE2000, Machado et al. (2009) dichromacy matrices, the WCAG contrast ratio."""
from __future__ import annotations

import itertools
import math
import re

import pytest

from core.views.colours import THEME_PALETTE, theme_colours, theme_highlights, tint

# Machado, Oliveira & Fernandes (2009), severity 1.0, applied to linear RGB.
PROTANOPIA = ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998))
DEUTERANOPIA = ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881))
VISIONS = {"normal": None, "protanopia": PROTANOPIA, "deuteranopia": DEUTERANOPIA}
# What the palette must keep apart (CIEDE2000; 2.3 is a just-noticeable difference). Simulated dichromats see
# a plane of colours, so 15 colours cannot be as far apart there as in normal vision.
MIN_DISTANCE = {"normal": 8.0, "protanopia": 5.0, "deuteranopia": 5.0}
MIN_CONTRAST_ON_WHITE = 2.0   # every colour shows on the page (the old palette had a white-on-white grey: 1.03)
MIN_TEXT_CONTRAST = 7.0       # WCAG AAA for the dark text on a highlight


def linear_rgb(colour: str) -> tuple[float, ...]:
    """#RRGGBB or rgb(r, g, b) -> linear-light RGB in 0..1."""
    if colour.startswith("rgb"):
        channels = [int(c) for c in re.findall(r"\d+", colour)]
    else:
        channels = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    return tuple(c / 255 / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in channels)


def simulate(rgb: tuple[float, ...], matrix) -> tuple[float, ...]:
    if matrix is None:
        return rgb
    return tuple(min(1.0, max(0.0, sum(m * c for m, c in zip(row, rgb)))) for row in matrix)


def lab(rgb: tuple[float, ...]) -> tuple[float, float, float]:
    r, g, b = rgb
    x, y, z = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047, 0.2126 * r + 0.7152 * g + 0.0722 * b, \
              (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116
    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def ciede2000(one, two) -> float:
    (l1, a1, b1), (l2, a2, b2) = one, two
    mean_c = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(mean_c ** 7 / (mean_c ** 7 + 25 ** 7)))
    a1, a2 = a1 * (1 + g), a2 * (1 + g)
    c1, c2 = math.hypot(a1, b1), math.hypot(a2, b2)
    h1, h2 = math.degrees(math.atan2(b1, a1)) % 360, math.degrees(math.atan2(b2, a2)) % 360
    dh = 0.0 if c1 * c2 == 0 else (h2 - h1 + 180) % 360 - 180
    big_dh = 2 * math.sqrt(c1 * c2) * math.sin(math.radians(dh / 2))
    mean_l, mean_cp = (l1 + l2) / 2, (c1 + c2) / 2
    if c1 * c2 == 0:
        mean_h = h1 + h2
    elif abs(h1 - h2) <= 180:
        mean_h = (h1 + h2) / 2
    else:
        mean_h = (h1 + h2 + 360) / 2 if h1 + h2 < 360 else (h1 + h2 - 360) / 2
    t = (1 - 0.17 * math.cos(math.radians(mean_h - 30)) + 0.24 * math.cos(math.radians(2 * mean_h))
         + 0.32 * math.cos(math.radians(3 * mean_h + 6)) - 0.20 * math.cos(math.radians(4 * mean_h - 63)))
    rotation = -math.sin(math.radians(60 * math.exp(-(((mean_h - 275) / 25) ** 2)))) \
        * 2 * math.sqrt(mean_cp ** 7 / (mean_cp ** 7 + 25 ** 7))
    s_l = 1 + 0.015 * (mean_l - 50) ** 2 / math.sqrt(20 + (mean_l - 50) ** 2)
    s_c, s_h = 1 + 0.045 * mean_cp, 1 + 0.015 * mean_cp * t
    dl, dc, dhh = (l2 - l1) / s_l, (c2 - c1) / s_c, big_dh / s_h
    return math.sqrt(dl ** 2 + dc ** 2 + dhh ** 2 + rotation * dc * dhh)


def contrast(one: str, two: str) -> float:
    """The WCAG 2 contrast ratio of two colours."""
    lighter, darker = sorted((0.2126 * r + 0.7152 * g + 0.0722 * b for r, g, b in map(linear_rgb, (one, two))),
                             reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def closest_pair(colours: list[str], matrix) -> tuple[float, str, str]:
    labs = {c: lab(simulate(linear_rgb(c), matrix)) for c in colours}
    return min((ciede2000(labs[a], labs[b]), a, b) for a, b in itertools.combinations(colours, 2))


def test_the_reference_formulas_hold():
    # Sharma, Wu & Dalal (2005), the CIEDE2000 test data, pairs 1 and 17
    assert ciede2000((50, 2.6772, -79.7751), (50, 0, -82.7485)) == pytest.approx(2.0425, abs=1e-4)
    assert ciede2000((50, 2.5, 0), (73, 25, -18)) == pytest.approx(27.1492, abs=1e-4)
    assert contrast("#000000", "#FFFFFF") == pytest.approx(21)
    assert lab(linear_rgb("#FFFFFF")) == pytest.approx((100, 0, 0), abs=0.02)


@pytest.fixture
def colours(default_codebook) -> list[str]:
    ids = default_codebook.theme_ids
    assert len(ids) >= 15
    return list(theme_colours(ids).values())


@pytest.mark.parametrize("vision", VISIONS)
def test_every_two_themes_look_different(colours, vision):
    distance, one, two = closest_pair(colours, VISIONS[vision])
    assert distance >= MIN_DISTANCE[vision], f"{one} and {two} look alike in {vision} vision ({distance:.1f})"


def test_every_theme_colour_shows_on_white(colours):
    faint = {c: round(contrast(c, "#FFFFFF"), 2) for c in colours if contrast(c, "#FFFFFF") < MIN_CONTRAST_ON_WHITE}
    assert not faint


def test_colours_are_stable_by_theme_order_and_distinct_up_to_the_palette_size():
    ids = [f"theme_{i}" for i in range(len(THEME_PALETTE) + 1)]
    colours = theme_colours(ids)
    assert len(set(list(colours.values())[:-1])) == len(THEME_PALETTE)
    assert theme_colours(ids[:3]) == {i: colours[i] for i in ids[:3]}  # adding themes never recolours the first


def test_dark_text_stays_readable_on_every_highlight():
    for colour in THEME_PALETTE:
        assert contrast(tint(colour), "#111111") >= MIN_TEXT_CONTRAST, colour


def test_a_highlight_is_its_tint_underlined_in_the_full_colour(default_codebook):
    ids = default_codebook.theme_ids
    for theme, background in theme_highlights(ids).items():
        full = theme_colours(ids)[theme]
        assert background == f"linear-gradient(to top,{full} 3px,{tint(full)} 3px)"
        assert not set(background) & set("<>\"'&;")  # safe inside a style attribute
