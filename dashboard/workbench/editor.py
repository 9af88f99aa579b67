"""The Codebook page's editor: the YAML in a text area, Validate (problems pinned to line and column),
Preview (in `preview.py`), Save (atomic, earlier versions
kept, an invalid text kept as a draft, never over a text someone else saved meanwhile: then the three texts
and a choice) and the earlier versions to browse and restore."""
from __future__ import annotations

from collections.abc import Callable

import streamlit as st
import streamlit.components.v1 as components
from code_editor import code_editor

from core import CodebookError, Problem, ThemescopeError
from core.codebook.history import (
    Conflict,
    SaveResult,
    draft_path,
    list_versions,
    restore_version,
    save_codebook,
    text_hash,
)
from dashboard.frame import identity
from dashboard.frame.text import md_escape
from dashboard.workbench import session as workbench


def render_notice() -> None:
    notice = st.session_state.pop(workbench.NOTICE, None)
    if notice:
        kind, message = notice
        getattr(st, kind)(message, icon=":material/check_circle:" if kind == "success" else ":material/info:")


def editor(path: str) -> dict:
    """The text area and the state of the edit; returns the edit."""
    edit = workbench.current_edit(path)
    conflict = st.session_state.get(workbench.CONFLICT)
    if conflict is not None:
        conflict_view(path, edit, conflict)
    elif workbench.changed_on_disk(edit):
        st.warning("**The codebook file changed on disk** since you began this edit (an outside editor?). "
                   "Your text is kept; load the file's text to drop your edit.", icon=":material/sync_problem:")
        st.button("Load the file's text (drop my edit)", on_click=_load_file, args=(path,), key="cb-load-file")
    if _code_editor_shown():
        code_view(edit)
    status = "unsaved edit" if workbench.unsaved(edit) else "same as the saved file"
    label = f"`{path}` · {status}"
    if _code_editor_shown():
        st.caption(label)
    else:
        st.text_area(label, key=workbench.EDITOR, height=420, on_change=workbench.copy_editor,
                     help="Your text is kept while you switch pages; Save makes it the active codebook.")
    st.toggle("Plain text editor", key="cb-plain", help="A plain text area instead of the code editor (line "
              "numbers, colours, Ctrl+F search, errors marked in the margin)")
    return edit


def _code_editor_shown() -> bool:
    """The code editor is a component: it draws only in a browser. A browser's session always sends a
    User-Agent header; AppTest (no browser, components never run) sends none and gets the text area."""
    return bool(st.context.headers.get("User-Agent")) and not st.session_state.get("cb-plain", False)


def code_view(edit: dict) -> None:
    """The YAML in an Ace editor (bundled in streamlit-code-editor's wheel: works offline). It answers after
    a pause in typing and when it loses focus; a text a button put in the editor redraws it (a new key)."""
    checked = workbench.validate(edit["text"], edit["path"])
    marks = checked.problems if isinstance(checked, CodebookError) else []
    answer = code_editor(edit["text"], lang="yaml", height=[22, 22], response_mode=["debounce", "blur"],
                         # no completion: Enter at the end of a typed word must start a new line, never insert a
                         # word the editor guessed from elsewhere in the file
                         options={"showLineNumbers": True, "wrap": False, "tabSize": 2,
                                  "enableBasicAutocompletion": False, "enableLiveAutocompletion": False,
                                  "enableSnippets": False},
                         # Ace's own "chrome" theme: the component's streamlit themes fetch a font from Google
                         props={"theme": "chrome", "navigateToFileEnd": False, "debounceChangePeriod": 600,
                                "annotations": [{"row": m.line - 1, "column": (m.column or 1) - 1, "type": "error",
                                                 "text": _message(m)} for m in marks if m.line],
                                "markers": [{"startRow": m.line - 1, "endRow": m.line - 1, "startCol": 0,
                                             "endCol": 1, "className": "ace_error-marker", "type": "fullLine"}
                                            for m in marks if m.line]},
                         key=f"cb_code_{st.session_state.get(workbench.GENERATION, 0)}")
    if answer and answer.get("id") and answer["id"] != st.session_state.get("_codebook_seen"):
        st.session_state["_codebook_seen"] = answer["id"]
        if answer["text"] != edit["text"]:
            edit["text"] = st.session_state[workbench.EDITOR] = answer["text"]
    line = st.session_state.pop("_codebook_goto", None)
    if line:
        _go_to_line(line)


def _go_to_line(line: int) -> None:
    """Move the code editor's cursor to `line` and scroll it into view. Ace keeps its editor on its element
    (`el.env.editor`); the component's frame and this one are served by the same origin, so a script may reach
    it. A no-op where there is no such editor."""
    components.html(f"""<script>
for (const frame of window.parent.document.querySelectorAll("iframe")) {{
  try {{
    const element = frame.contentDocument.querySelector(".ace_editor");
    if (!element || !element.env) continue;
    const editor = element.env.editor;
    editor.gotoLine({int(line)}, 0, false); editor.scrollToLine({int(line)}, true, false); editor.focus();
    frame.scrollIntoView({{block: "center"}});
  }} catch (e) {{}}
}}
</script>""", height=0)


def _revert(path: str) -> None:
    """Back to the saved text: the edit and its draft go (the warning about the draft with them)."""
    draft_path(path).unlink(missing_ok=True)
    _load_file(path)


def _load_file(path: str) -> None:
    text = workbench.file_text(path)
    workbench.set_text(text, base=text)


def actions(edit: dict) -> str | None:
    """The three buttons; returns "validate" or "preview" when one was pressed (Save acts in its callback)."""
    validate, preview, save, revert = st.columns(4)
    pressed = None
    if validate.button("Validate", icon=":material/rule:", key="cb-validate", width="stretch"):
        pressed = "validate"
    if preview.button("Preview", icon=":material/compare_arrows:", key="cb-preview", type="primary",
                      width="stretch", help="What this edit changes against the saved codebook, before saving"):
        pressed = "preview"
    save.button("Save", icon=":material/save:", key="cb-save", on_click=_save, args=(edit["path"],),
                width="stretch", help="Atomic; the text it replaces is kept in the history. An invalid text "
                "is kept as a draft and never becomes active.")
    revert.button("Revert to saved", icon=":material/undo:", key="cb-revert", on_click=_revert,
                  args=(edit["path"],), disabled=not workbench.unsaved(edit), width="stretch",
                  help="Drop the edit, and the draft kept of it if it did not validate")
    return pressed


def read_only(path: str, role: str) -> None:
    """The saved codebook for a role that may not change it: no editor, no Save, no Restore."""
    st.info(f"Your role ({role}) may read the codebook; changing it needs the editor role.",
            icon=":material/lock:")
    st.code(workbench.file_text(path), language="yaml", line_numbers=True, height=420)


def _refused() -> bool:
    """Saving needs the editor role. The buttons are not drawn for other roles; this holds even so."""
    if identity.current_access().permissions.edit_codebook:
        return False
    workbench.notify("warning", "Not saved: your role may not change the codebook.")
    return True


def _save(path: str) -> None:
    if _refused():
        return
    edit = st.session_state[workbench.EDIT]
    text = edit["text"]
    _report(path, text, lambda: save_codebook(path, text, expected=workbench.expected_hash(edit),
                                              base_text=edit["base"]))


def _report(path: str, text: str, save: Callable[[], SaveResult]) -> None:
    """Run the save and say what it did: saved, refused for a conflict (the merge view shows), kept as a
    draft, or could not run (another writer held the file too long)."""
    try:
        result = save()
    except ThemescopeError as problem:
        workbench.notify("warning", f"Not saved: {problem}." + (f" {problem.hint.capitalize()}." if problem.hint
                                                                  else ""))
        return
    if result.saved:
        workbench.set_text(text, base=text)
        kept = f" The previous version is kept as `{result.previous.path.name}`." if result.previous else ""
        workbench.notify("success", f"Saved `{path}`: the dashboard now uses it.{kept}")
    elif result.conflict is not None:
        st.session_state[workbench.CONFLICT] = result.conflict
    else:
        st.session_state["_codebook_save_problems"] = result.problems
        workbench.notify("warning", f"Not saved: the text has {len(result.problems)} problem(s), listed below. "
                         f"It is kept as a draft in `{result.path}`; the active codebook is unchanged.")


# ---------------------------------------------------------------- a save refused: the merge view
def conflict_view(path: str, edit: dict, conflict: Conflict) -> None:
    """The refused save: a warning, the three texts in tabs (st.code shows them as plain text) and the choice."""
    st.warning("**Someone else saved the codebook since you began.** Nothing was saved: your edit is still "
               "here and their text is the active codebook. Compare the texts, then choose.",
               icon=":material/sync_problem:")
    yours, theirs, base = st.tabs(["Yours", "Theirs (the file now)", "Where you began"])
    yours.code(edit["text"], language="yaml", line_numbers=True, height=300)
    theirs.code(conflict.theirs, language="yaml", line_numbers=True, height=300)
    base.code(conflict.base if conflict.base is not None else "(not known)", language="yaml",
              line_numbers=True, height=300)
    take, overwrite = st.columns(2)
    take.button("Take theirs (drop my edit)", key="cb-take-theirs", on_click=_load_file, args=(path,),
                icon=":material/download:", width="stretch")
    overwrite.button("Save mine over theirs", key="cb-save-over", on_click=_save_over, args=(path, conflict),
                     icon=":material/save:", width="stretch",
                     help="Their text goes to the earlier versions, like any text a save replaces")


def _save_over(path: str, conflict: Conflict) -> None:
    """Save the edit over the text the researcher has just seen (refused again if that changed too)."""
    if _refused():
        return
    text = st.session_state[workbench.EDIT]["text"]
    _report(path, text, lambda: save_codebook(path, text, expected=text_hash(conflict.theirs),
                                              base_text=conflict.theirs))


def problems(error: CodebookError, text: str) -> None:
    """Each problem with its line and column, and the lines around it with a caret under the column."""
    st.error(f"**{len(error.problems)} problem(s)**: fix them, then Validate again.", icon=":material/error:")
    for index, problem in enumerate(error.problems[:30]):
        st.markdown(f"**line {problem.line or '?'}, column {problem.column or '?'}**: "
                    f"{md_escape(_message(problem))}")
        if problem.line:
            st.code(_excerpt(text, problem.line, problem.column), language="yaml", line_numbers=False)
            if _code_editor_shown():
                st.button(f"Go to line {problem.line}", key=f"cb-goto-{index}",
                          on_click=st.session_state.__setitem__, args=("_codebook_goto", problem.line),
                          icon=":material/arrow_upward:")


def _message(problem: Problem) -> str:
    return problem.message + (f" (at `{problem.key}`)" if problem.key else "") + \
        (f". Fix: {problem.hint}" if problem.hint else "")


def _excerpt(text: str, line: int, column: int | None) -> str:
    lines = text.splitlines()
    start = max(line - 2, 0)
    shown = [f"{n + 1:>4} | {lines[n]}" for n in range(start, min(line, len(lines)))]
    if column:
        shown.append("     | " + " " * (column - 1) + "^")
    shown += [f"{n + 1:>4} | {lines[n]}" for n in range(line, min(line + 1, len(lines)))]
    return "\n".join(shown)


def validate(edit: dict) -> None:
    checked = workbench.validate(edit["text"], edit["path"])
    if isinstance(checked, CodebookError):
        problems(checked, edit["text"])
    else:
        st.success(f"**Valid**: {len(checked.themes)} themes, {len(checked.occupations)} occupation groups, "
                   f"{sum(len(t.terms) for t in checked.themes)} theme terms.", icon=":material/check_circle:")


def saved_problems(edit: dict) -> None:
    found = st.session_state.pop("_codebook_save_problems", None)
    if found:
        problems(CodebookError(found), edit["text"])


# ---------------------------------------------------------------- versions and drafts
def versions(path: str) -> None:
    draft = draft_path(path)
    if draft.exists():
        st.warning(f"A draft that did not validate is kept in `{draft}`.", icon=":material/draft:")
        st.button("Load the draft into the editor", key="cb-load-draft", on_click=_load_draft, args=(str(draft),))
    found = list_versions(path)
    with st.expander(f"Earlier versions ({len(found)})", icon=":material/history:"):
        if not found:
            st.caption("None yet: every save keeps the text it replaces here.")
            return
        chosen = st.selectbox("Version", range(len(found)), key="cb-version",
                              format_func=lambda i: f"{found[i].saved_at:%Y-%m-%d %H:%M:%S} UTC · "
                                                    f"{found[i].content_hash}")
        version = found[chosen]
        load, restore = st.columns(2)
        load.button("Load into the editor", key="cb-version-load", on_click=_load_version, args=(version,),
                    icon=":material/edit:", width="stretch", help="As an unsaved edit: preview it, then save")
        restore.button("Restore (make it active)", key="cb-version-restore", on_click=_restore,
                       args=(path, version), icon=":material/restore:", width="stretch",
                       help="The text it replaces goes to the history too")
        st.code(version.text(), language="yaml", line_numbers=True, height=300)


def _load_draft(draft: str) -> None:
    workbench.set_text(workbench.file_text(draft))


def _load_version(version) -> None:
    workbench.set_text(version.text())
    workbench.notify("info", f"Loaded `{version.path.name}` into the editor as an unsaved edit.")


def _restore(path: str, version) -> None:
    if _refused():
        return
    edit = st.session_state[workbench.EDIT]
    try:
        result = restore_version(path, version, expected=workbench.expected_hash(edit), base_text=edit["base"])
    except ThemescopeError as problem:  # another writer held the file too long
        workbench.notify("warning", f"Not restored: {problem}.")
        return
    if result.saved:
        text = workbench.file_text(path)
        workbench.set_text(text, base=text)
        workbench.notify("success", f"Restored `{version.path.name}`: it is the active codebook again.")
    elif result.conflict is not None:
        workbench.notify("warning", f"Not restored: someone else saved `{path}` since this page last read it. "
                         "Look at their text, then restore again if you still want to.")
    else:
        workbench.notify("warning", f"`{version.path.name}` does not validate any more; kept as a draft in "
                         f"`{result.path}`.")
