"""Theme colours: one stable, colour-blind-safe colour per theme, the same in the dashboard, the report and charts.

    theme_colours(["speed", "risk"])     # {"speed": "#44BB99", "risk": "#882255"}: marks on white
    theme_highlights(["speed", "risk"])  # CSS backgrounds for highlighted words: a light tint, underlined

Every colour comes from a published colour-blind-safe qualitative palette: Okabe & Ito, "Color Universal
Design" (2008, https://jfly.uni-koeln.de/color/), and Paul Tol's "bright", "vibrant", "muted" and "light"
schemes (https://personal.sron.nl/~pault/#sec:qualitative). Their colours were ordered greedily so that each
next colour is the farthest (CIEDE2000) from those before it, in normal vision and under simulated protanopia and
deuteranopia (Machado et al. 2009); greys, near-whites and colours lighter than 2:1 against white (WCAG contrast)
were left out, so none fades into the page. The first 15 differ by at least 8 ΔE00 in normal vision and 5
under either simulation (tests/views/test_colours.py measures it); past 20 themes the colours repeat.
"""
from __future__ import annotations

THEME_PALETTE = (
    "#44BB99", "#882255", "#D55E00", "#0077BB", "#33BBEE", "#E69F00", "#EE6677", "#CC79A7", "#AA4499", "#EE8866",
    "#CC3311", "#EE3377", "#117733", "#EE7733", "#009988", "#AA3377", "#009E73", "#228833", "#999933", "#44AA99",
)
# Text sits on a highlight, so its background is the theme's colour mixed with white (dark text on it stays
# above 7:1); the full colour underlines it, since tints alone are too alike for a colour-blind reader.
HIGHLIGHT_TINT = 0.4
UNDERLINE_PX = 3


def theme_colours(theme_ids: list[str]) -> dict[str, str]:
    """A stable colour per theme (`#RRGGBB`), by codebook order: for marks on a white page.

    >>> theme_colours(["speed", "risk"])
    {'speed': '#44BB99', 'risk': '#882255'}
    """
    return {theme: THEME_PALETTE[i % len(THEME_PALETTE)] for i, theme in enumerate(theme_ids)}


def tint(colour: str, strength: float = HIGHLIGHT_TINT) -> str:
    """`colour` (#RRGGBB) mixed with white: `strength` 1 keeps it, 0 gives white.

    >>> tint("#0077BB", 0.4)
    '#99C9E4'
    """
    channels = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(255 - (255 - c) * strength):02X}" for c in channels)


def highlight_background(colour: str) -> str:
    """A CSS `background` value for words highlighted in `colour`: its tint, with a bar of the full colour
    along the bottom (a gradient, so it fits the one `background` a highlight has).

    >>> highlight_background("#0077BB")
    'linear-gradient(to top,#0077BB 3px,#99C9E4 3px)'
    """
    return f"linear-gradient(to top,{colour} {UNDERLINE_PX}px,{tint(colour)} {UNDERLINE_PX}px)"


def theme_highlights(theme_ids: list[str]) -> dict[str, str]:
    """`highlight_background` of each theme's colour: what the transcript, quotes, legend and report draw."""
    return {theme: highlight_background(colour) for theme, colour in theme_colours(theme_ids).items()}
