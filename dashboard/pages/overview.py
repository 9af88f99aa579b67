"""Overview: headline numbers, theme prevalence, occupation x theme, co-occurrence. A click drills into quotes."""
from typing import Literal

import streamlit as st

from dashboard.frame import charts, context, sidebar
from dashboard.frame import page as frame
from dashboard.frame.state import params_from_view, set_view
from dashboard.frame.text import md_escape

PLOT_CONFIG = {"displayModeBar": False}

PRESENTING_CHART_HEIGHT = 335  # px: the first chart fits above the fold at 1280x720 with the larger type

page = frame.run()
if not page.presenting:  # presenting: the menu above names the page; the room goes to the first chart
    st.title("Overview")
context.stop_when_nothing_matches(page)


def drill_into(event) -> None:
    """A clicked bar or cell becomes the Quotes page's selection (kept in the view, hence in the URL)."""
    target = charts.clicked(event)
    if target is None:
        return
    set_view(sel_theme=target["theme"], sel_occupation=target["occupation"], qpage=1)
    st.session_state["_clicks"] = st.session_state.get("_clicks", 0) + 1  # fresh chart keys on return
    st.switch_page(context.QUOTES, query_params=params_from_view(page.view))


Height = int | Literal["stretch", "content"]


def chart(name: str, figure, *, clickable: bool = True, height: Height = "content") -> None:
    """One of the view's charts (the report's and the image exports' figures), clickable or not."""
    key = context.chart_key(name, page.filters, st.session_state.get("_clicks", 0))
    if clickable:
        drill_into(st.plotly_chart(figure, key=key, on_select="rerun", selection_mode="points", config=PLOT_CONFIG,
                                   height=height))
    else:
        st.plotly_chart(figure, key=key, config=PLOT_CONFIG, height=height)


numbers = page.snapshot.headline()
if numbers["nothing_raised"]:  # an empty result says so, instead of a row of 0% figures and empty charts
    st.info(sidebar.nothing_raised(page), icon=":material/filter_alt_off:")
    st.stop()
first, second, third, fourth = st.columns(4)
first.metric("Transcripts matching", f"{numbers['transcripts']:,}", help=f"of {numbers['total']:,} loaded",
             delta=f"of {numbers['total']:,} loaded", delta_color="off", delta_arrow="off")
second.metric("Raise at least one theme", f"{numbers['raising_any_share']:.0%}")
third.metric("Themes per transcript", f"{numbers['themes_per_transcript']:.1f}", help="mean, themes in view")
fourth.metric("Most raised theme", f"{numbers['top_share']:.0%}",
              delta=md_escape(page.label(numbers["top_theme"])) if numbers["top_theme"] else "none", delta_color="off",
              delta_arrow="off")

how_read = (f"Share of the {numbers['transcripts']:,} matching transcripts raising each theme, with its 95% "
            "interval. **Click a bar** to read its quotes.")
# presenting: the explanation moves into the heading's tooltip, so the chart fits above the fold
st.subheader("How many participants raise each theme", help=how_read if page.presenting else None)
if not page.presenting:
    st.caption(how_read)
shares, by_occupation, together = charts.drawn(page.snapshot, presenting=page.presenting,
                                               clickable=("prevalence", "by_occupation"))
chart(*shares, height=PRESENTING_CHART_HEIGHT if page.presenting else "content")

st.subheader("By occupation")
st.caption("Share of each occupation's matching transcripts raising each theme; * marks occupations with "
           "fewer than 5 transcripts (read with care). **Click a cell** for its quotes.")
chart(*by_occupation)

st.subheader("Which themes come up together")
st.caption("Numbers: matching transcripts raising both themes (the diagonal: raising the theme). Colour: their "
           "share of the row theme's transcripts.")
chart(*together, clickable=False)
