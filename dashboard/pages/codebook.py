"""Codebook: edit the YAML, validate it, preview what an edit changes, save it (earlier versions kept), read
what each term matches, and check the codebook against your hand coding."""
import streamlit as st

from dashboard.frame import identity, loading
from dashboard.frame import page as frame
from dashboard.workbench import agreement as agreement_view
from dashboard.workbench import editor, preview
from dashboard.workbench import session as workbench
from dashboard.workbench import suggest as suggest_view
from dashboard.workbench import terms as terms_view

access = identity.require_sign_in()
sources = loading.sources_from_argv()
# nothing loaded yet: still let an editor fix it (other roles get the frame's message)
if access.permissions.edit_codebook and loading.codebook_for(sources.codebook)[0] is None:
    st.title("Codebook")
    editor.render_notice()
    edit = editor.editor(sources.codebook)
    if editor.actions(edit) == "validate":
        editor.validate(edit)
    editor.saved_problems(edit)
    editor.versions(sources.codebook)
    st.stop()

page = frame.run()
st.title("Codebook")
if page.presenting:
    st.info("The codebook workbench is not shown in presentation mode: switch **Present** off to edit.")
    st.stop()

edit_tab, terms_tab, check_tab = st.tabs(["Edit and preview", "Terms", "Hand-coding check"], key="cb-tab",
                                         on_change="rerun")
if edit_tab.open and not access.permissions.edit_codebook:  # viewers and coders: the saved text, read only
    with edit_tab:
        editor.read_only(sources.codebook, access.role)
elif edit_tab.open:
    with edit_tab:
        editor.render_notice()
        edit = editor.editor(sources.codebook)
        workbench.corpus_of(page.analysis)  # loaded now (cached), so the first Preview click is as quick as any
        pressed = editor.actions(edit)
        editor.saved_problems(edit)
        if pressed == "validate":
            editor.validate(edit)
        elif pressed == "preview":
            preview.run_preview(page, edit)
        preview.show_preview(page, edit, agreement_view.compare_with_labels(page))
        editor.versions(sources.codebook)
SAVED_ONLY = ("These figures are for the **saved** codebook. Your unsaved edit's effect, with precision and "
              "recall against your hand coding, is under **Edit and preview** → **Preview**.")
if terms_tab.open:
    with terms_tab:
        editor.render_notice()
        if workbench.unsaved(workbench.current_edit(sources.codebook)):  # the one-click edits change this text
            st.caption(SAVED_ONLY)
        terms_view.render(page)
if check_tab.open:
    with check_tab:
        if workbench.unsaved(workbench.current_edit(sources.codebook)):
            st.caption(SAVED_ONLY)
        agreement_view.render(page)
        suggest_view.render(page)
