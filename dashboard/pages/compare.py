"""Compare groups: which themes two groups of participants raise differently (core.views.compare)."""
import numpy as np
import streamlit as st

from core.share.exports import csv_bytes
from core.views.compare import ALPHA, SMALL_GROUP, Group, compare, group_of, rest_of
from dashboard.frame import context
from dashboard.frame import page as frame
from dashboard.frame.text import md_escape

OCCUPATION = "occupation"
COLUMNS = {"label": "Theme", "differs": "Differs", "share_a": "Share A", "share_b": "Share B",
           "difference": "Difference",
           "low_a": "A from", "high_a": "A to", "low_b": "B from", "high_b": "B to",
           "per_1k_words_a": "A per 1,000 words", "per_1k_words_b": "B per 1,000 words",
           "test": "Test", "p_adjusted": "p (Holm)"}

page = frame.run()
st.title("Compare groups")
context.stop_when_nothing_matches(page)
data = page.data


def value_label(column: str):
    return page.label if column == OCCUPATION else str


def two_groups(within: np.ndarray) -> tuple[Group, Group] | None:
    """Group A and group B chosen by one column's values, within the filtered view."""
    columns = [OCCUPATION, *data.attributes]
    column = st.selectbox("Compare by", columns, key="cmp_column",
                          format_func=lambda c: "Occupation" if c == OCCUPATION else c)
    values = data.occupations if column == OCCUPATION else data.attributes[column]
    label = value_label(column)
    left, right = st.columns(2)
    chosen_a = left.multiselect("Group A", values, key=f"cmp_a_{column}", format_func=label,
                                placeholder="choose one or more")
    others = [v for v in values if v not in chosen_a]
    chosen_b = right.multiselect("Group B", others, key=f"cmp_b_{column}", format_func=label,
                                 placeholder="everyone else in view")
    if not chosen_a:
        st.info("Choose the values of group A (group B is everyone else in view unless you choose it too).")
        return None
    a = group_of(data, column, chosen_a, label, within=within)
    b = group_of(data, column, chosen_b, label, within=within) if chosen_b \
        else rest_of(a, within=within, name="everyone else in view")
    return a, b


def filter_vs_rest() -> tuple[Group, Group]:
    everyone = np.ones(data.size, bool)
    st.caption(md_escape(f"Group A: {page.snapshot.describe()}"))
    return Group("the filtered view", page.mask.copy()), Group("everyone else", everyone & ~page.mask)


mode = st.radio("Groups", ["Two groups within the view", "The filtered view vs everyone else"], horizontal=True,
                key="cmp_mode")
groups = two_groups(page.mask) if mode.startswith("Two") else filter_vs_rest()
if groups is None:
    st.stop()
a, b = groups
if a.n == 0 or b.n == 0:
    st.warning(md_escape(f"Nothing to compare: {a.name if a.n == 0 else b.name} has no transcripts in view."))
    st.stop()

table = compare(data, page.raised, a, b, page.snapshot.themes, page.label)
st.markdown(md_escape(f"A: {a.name} ({a.n:,} transcripts) · B: {b.name} ({b.n:,} transcripts)"))
if min(a.n, b.n) < SMALL_GROUP:
    st.warning(f"A group has fewer than {SMALL_GROUP} transcripts: shares swing widely and few differences can "
               "show. Read with care.", icon=":material/warning:")
differing = table[table["differs"]]
if differing.empty:
    st.info("No theme differs clearly between the groups (Holm-adjusted p < 0.05).")
for line in differing["verdict"]:
    st.markdown(f"- {md_escape(line)}")

shown = table.assign(label=table["theme"].map(page.label))[list(COLUMNS)].rename(columns=COLUMNS)
st.dataframe(shown, hide_index=True, width="stretch", column_config={
    name: st.column_config.NumberColumn(name, format="percent") for name in
    ("Share A", "Share B", "Difference", "A from", "A to", "B from", "B to")} | {
    "A per 1,000 words": st.column_config.NumberColumn(format="%.2f"),
    "B per 1,000 words": st.column_config.NumberColumn(format="%.2f"),
    "p (Holm)": st.column_config.NumberColumn(format="%.4f")})
st.caption(f"Share: transcripts raising the theme, with its 95% interval. Test: chi-square, or Fisher's exact "
           f"when a cell is small; p-values adjusted for testing every theme at once (Holm), a difference "
           f"counted at p < {ALPHA}. Per 1,000 words: hits per 1,000 words the participants said.")
st.download_button("Download this comparison (CSV)", data=csv_bytes(table), file_name="themescope-comparison.csv",
                   mime="text/csv", icon=":material/download:")
