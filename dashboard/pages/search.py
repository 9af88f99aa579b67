"""Search: every mention of the search in the participants' words, in context, each opening its transcript at
that spot (core.views.search). The search is the view's (the sidebar's box, the URL's `q`)."""
import html

import streamlit as st

from core import CodebookError
from core.codebook.edits import add_term
from core.views.quote_pages import page_of
from core.views.search import in_context
from dashboard.frame import context, identity, loading
from dashboard.frame import page as frame
from dashboard.frame.state import seed, set_view
from dashboard.frame.text import md_code, md_escape
from dashboard.workbench import session as workbench

PAGE_SIZE = 50
CODEBOOK_PAGE = str(context.PAGES / "codebook.py")

page = frame.run()
view = page.view
st.title("Search")


def copy_search() -> None:
    set_view(q=st.session_state["w_q_search"].strip(), qpage=1)


st.text_input("Search what participants said", key=seed("w_q_search", view["q"]), on_change=copy_search,
              placeholder='e.g. deadline, "human in the loop", hallucinat*',
              help="A word also finds its other forms (deadline: deadlines); a phrase in double quotes; a "
                   "prefix ending in *. Several terms: transcripts where the participant said every one.")
if not page.filters.search:
    st.info("Type a word, a phrase in quotes or a prefix ending in * to see every place a participant said it.")
    st.stop()
context.stop_when_nothing_matches(page)

found = loading.text_index_for(page.analysis.key, page.analysis).search(page.filters.search)
matches = found.within(page.data, page.mask)
st.markdown(f"**{len(matches):,} mentions** in **{matches['transcript_id'].nunique():,} transcripts** of the "
            f"{page.snapshot.n:,} in view, for {md_escape(page.filters.search)}")
if matches.empty:
    st.stop()


def kwic_line(row) -> str:
    """One mention in context, as escaped HTML (the masked text when masking is on)."""
    text = page.text(row.transcript_id)
    turn = page.analysis.turns(row.transcript_id).set_index("turn").loc[int(row.turn)]
    left, match, right = in_context(text, int(row.start), int(row.end), within=(int(turn.start), int(turn.end)))
    occupation = page.data.transcripts["occupation"].iat[page.data.doc_of(row.transcript_id)]
    return (f'<div style="font-family:ui-monospace,monospace;font-size:0.9rem">'
            f'<span style="color:#555">{html.escape(left)}</span><mark>{html.escape(match)}</mark>'
            f'<span style="color:#555">{html.escape(right)}</span></div>'
            f'<div style="color:#777;font-size:0.8rem">{html.escape(str(row.transcript_id))} · '
            f'{html.escape(page.label(occupation))} · turn {int(row.turn)}</div>')


shown, number, pages = page_of(matches, view["qpage"], PAGE_SIZE)
for row in shown.itertuples():
    line, link = st.columns([6, 1])
    line.html(kwic_line(row))
    link.page_link(context.TRANSCRIPT, label="Open", icon=":material/open_in_new:",
                   query_params=page.link(transcript=row.transcript_id, hit=int(row.start)))

previous, status, following = st.columns([1, 2, 1])
previous.button("Previous", disabled=number <= 1, on_click=set_view, kwargs={"qpage": number - 1},
                icon=":material/chevron_left:", width="stretch")
status.markdown(f"Page {number} of {pages}")
following.button("Next", disabled=number >= pages, on_click=set_view, kwargs={"qpage": number + 1},
                 icon=":material/chevron_right:", width="stretch")


def add_as_term(theme: str, term: str) -> None:
    """An unsaved edit of the codebook with the term added: the researcher previews it, then saves."""
    edit = workbench.current_edit(loading.sources_from_argv().codebook)
    try:
        workbench.set_text(add_term(edit["text"], "theme", theme, term, source=edit["path"]))
    except CodebookError as error:
        st.session_state["_search_notice"] = ("warning", f"Could not add {md_code(term)}: {md_escape(error)}")
        return
    workbench.notify("success", f"{md_code(term)} is a term of {md_code(theme)} in the editor: an unsaved "
                                "edit. Preview it, then save.")
    st.session_state["_search_added"] = True


if identity.current_access().permissions.edit_codebook and not page.presenting:
    notice = st.session_state.pop("_search_notice", None)
    if notice:
        getattr(st, notice[0])(notice[1])
    if st.session_state.pop("_search_added", False):
        st.switch_page(CODEBOOK_PAGE)
    with st.expander("Make this a term of a theme"):
        term = " ".join(found.terms[0].words)  # a prefix's stem: the typo tolerance reaches its other endings
        chosen = st.selectbox("Theme", page.codebook.theme_ids, format_func=page.label, key="search_term_theme")
        st.button(f"Add {md_code(term)} to the codebook editor", on_click=add_as_term, args=(chosen, term),
                  icon=":material/add_circle:", help="An unsaved edit on the Codebook page: preview what it "
                                                     "adds, then save")
