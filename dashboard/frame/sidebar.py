"""The shared sidebar: the data summary, the matching count and the filters every page obeys."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from core import Analysis, CodebookError
from core.engine.occupation_choice import source_counts
from dashboard.frame import identity
from dashboard.frame.context import PageContext
from dashboard.frame.state import MAX_MIN_HITS, copy_widget, seed, set_view
from dashboard.frame.text import md_code, md_escape

ATTRIBUTE_TITLES = {"file": "Source file"}
PAGES = Path(__file__).resolve().parents[1] / "pages"
# The pages, in menu order: (script, title, icon). The entrypoint registers them with its navigation hidden
# and the frame draws the menu as links that carry the view: Streamlit's own menu drops the query string on a
# page switch, so writing it back pushed a second history entry per click (one back press per action).
NAVIGATION = (("overview.py", "Overview", ":material/bar_chart:"), ("quotes.py", "Quotes", ":material/format_quote:"),
              ("transcript.py", "Transcript", ":material/article:"), ("search.py", "Search", ":material/search:"),
              ("compare.py", "Compare groups", ":material/compare_arrows:"),
              ("codebook.py", "Codebook", ":material/edit_note:"))


def page_menu(context: PageContext) -> None:
    """A link per page, each carrying the view, so a page switch is one history entry with the URL whole."""
    for script, title, icon in NAVIGATION:
        st.page_link(str(PAGES / script), label=title, icon=icon, query_params=context.link())


def render(context: PageContext) -> None:
    with st.sidebar:
        with st.container(key="page-menu", gap=None):
            page_menu(context)
        identity.account(identity.current_access())
        data_summary(context.analysis)
        st.markdown(f"**{context.snapshot.n:,}** of {context.data.size:,} transcripts match"
                    + (" · **none raises a theme**" if nothing_raised(context) else ""),
                    help="Transcripts passing every filter below; every page counts only these.")
        filters(context)


def nothing_raised(context: PageContext) -> str | None:
    """What to say instead of 0% figures when transcripts match but none raises a theme in view, else None."""
    if not context.snapshot.headline()["nothing_raised"]:
        return None
    return (f"**No transcript raises a theme at this minimum of hits** ({context.filters.min_hits:,} per theme): "
            f"the {context.snapshot.n:,} matching transcripts raise none of the themes in view. Lower **Minimum "
            "hits per theme**, or pick other themes.")


def data_summary(analysis: Analysis) -> None:
    """A popover with what was loaded, what was skipped and why, and which codebook scored it."""
    book, report = analysis.codebook, analysis.report
    label = f"{len(analysis.transcripts):,} transcripts · codebook v{md_escape(book.version)}"
    with st.popover(label, icon=":material/database:", width="stretch"):
        st.markdown(f"**{report.total:,} transcripts loaded** from {len(report.loaded)} file(s)")
        st.dataframe({"file": [Path(f).name for f in report.loaded], "transcripts": list(report.loaded.values())},
                     hide_index=True, height=min(35 * len(report.loaded) + 38, 220))
        if report.problems:
            st.markdown(f"**{len(report.problems)} skipped or changed**")
            st.markdown("\n".join(f"- {md_code(Path(p.file).name)}{_where(p)}: {md_escape(p.message)}"
                                  + (f" *(fix: {md_escape(p.hint)})*" if p.hint else "") for p in report.problems[:50]))
        else:
            st.markdown("Nothing skipped.")
        origin = "loaded from the cache" if analysis.cached == "results" else "scored when the dashboard started"
        st.markdown(f"**Codebook:** {md_escape(book.name)}, version {md_escape(book.version)} "
                    f"(`{book.content_hash[:12]}`): "
                    f"{len(book.themes)} themes, {len(book.occupations)} occupation groups, scope "
                    f"`{book.settings.scope}`.  \nResults: {origin}.")
        occupation_summary(analysis)


def occupation_summary(analysis: Analysis) -> None:
    """Where the occupations come from, so a reader knows how many rest on weak evidence."""
    counts = source_counts(analysis.transcripts)
    if not counts:
        return
    titles = analysis.codebook.job_titles
    lexicon = f"{len(titles):,} job titles" if titles is not None else "no job-title file (keywords only)"
    st.markdown(f"**Occupations:** {counts['self-description']:,} from the participant's own job description, "
                f"{counts['keywords']:,} from keywords, {counts['metadata']:,} from metadata, "
                f"{counts['none']:,} with no evidence; **{counts['uncertain']:,} uncertain**. ({lexicon})")


def _where(problem) -> str:
    return f" line {problem.line}" if problem.line is not None else ""


def filters(context: PageContext, *, compact: bool = False) -> None:
    """The filter widgets. `compact`: only occupation and theme, keyed apart from the sidebar's (the
    presentation popover draws them where the sidebar is not drawn)."""
    book, data, view = context.codebook, context.data, context.view
    prefix = "w_compact_" if compact else "w_"
    found = set(data.occupations)
    occupations = [o for o in book.occupation_ids if o in found]
    occupations += sorted(found - set(occupations))  # values from metadata that the codebook does not name
    # select_all=False: Enter takes the best match of what was typed ("IT" -> IT & software), never "Select 8
    # matches"; and selecting every option of a filter means the same as selecting none.
    st.multiselect("Occupation", occupations, key=seed(f"{prefix}occupation", view["occupation"]),
                   format_func=book.label_of, on_change=copy_widget, args=("occupation", prefix),
                   placeholder="All occupations", select_all=False)
    st.multiselect("Theme", data.theme_ids, key=seed(f"{prefix}theme", view["theme"]), format_func=book.label_of,
                   on_change=copy_widget, args=("theme", prefix), placeholder="All themes", select_all=False,
                   help="Only transcripts raising one of these themes match, and only these themes are shown.")
    if compact:  # the presentation popover: occupation and theme only
        return
    for column, values in data.attributes.items():
        st.multiselect(md_escape(ATTRIBUTE_TITLES.get(column, column.replace("_", " ").capitalize())), values,
                       key=seed(f"w_attr_{column}", view["attr"].get(column, [])), on_change=_copy_attribute,
                       args=(column,), placeholder="Any", select_all=False)
    st.number_input("Minimum hits per theme", 1, MAX_MIN_HITS, key=seed("w_min_hits", view["min_hits"]),
                    on_change=copy_widget, args=("min_hits",),
                    help="A transcript raises a theme when the theme has at least this many hits in it.")
    st.text_input("Search what participants said", key=seed("w_q", view["q"]), on_change=copy_widget, args=("q",),
                  placeholder='e.g. deadline, "human in the loop", hallucinat*',
                  help="Keeps transcripts whose participants said every term: a word (with its other forms: "
                       "deadline finds deadlines), a phrase in quotes, or a prefix ending in *. The Quotes page "
                       "then shows the quotes holding it; the Search page lists every mention in context.")
    st.toggle("Leave out uncertain occupations", key=seed("w_certain", view.get("certain", False)),
              on_change=copy_widget, args=("certain",),
              help="Drops transcripts whose occupation rests on weak or conflicting evidence.")
    st.button("Clear filters", on_click=clear_filters, icon=":material/filter_alt_off:", width="stretch")


def _copy_attribute(column: str) -> None:
    view = st.session_state["view"]
    view["attr"] = {**view["attr"], column: st.session_state[f"w_attr_{column}"]}
    set_view(qpage=1)


def clear_filters() -> None:
    for key in [k for k in st.session_state if str(k).startswith("w_attr_")]:
        del st.session_state[key]
    set_view(occupation=[], theme=[], attr={}, min_hits=1, q="", sel_theme=None, sel_occupation=None, qpage=1,
             certain=False)


def codebook_problems(error: CodebookError, *, keeping: bool) -> None:
    """The codebook's problems with file:line:column, and what is shown meanwhile."""
    where = "Showing the results of the last version that loaded." if keeping else "Nothing to show until it loads."
    st.error(f"**The codebook has {len(error.problems)} problem(s).** {where}", icon=":material/error:")
    st.code("\n".join(str(p) for p in error.problems[:30]), language=None, wrap_lines=True)

