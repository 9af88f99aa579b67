"""The Codebook page's term report: per term hits, transcripts and matched variants with their similarity, the
lint findings with their codebook line and column, near misses under a threshold you choose, and one click
to put a variant on a term's allow or deny list (as an unsaved edit in the editor)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core import CodebookError
from core.codebook.edits import set_setting
from dashboard.frame import identity
from dashboard.frame.context import PageContext
from dashboard.frame.text import md_code, md_escape
from dashboard.workbench import session as workbench

ALL = ""


def render(page: PageContext) -> None:
    """The report on the sidebar's filtered view, for the theme chosen here (the sidebar's themes only)."""
    _, findings = workbench.report_for(page.analysis.key, page.analysis)
    view_ids = page.data.transcripts["transcript_id"][page.mask]
    report = workbench.view_report(page.analysis, view_ids)
    codes = [ALL, *page.themes_in_view, *page.codebook.occupation_ids]
    code = st.selectbox("Theme or occupation", codes, key="cb-term-code",
                        index=codes.index(page.view["sel_theme"]) if page.view["sel_theme"] in codes else 0,
                        format_func=lambda c: page.label(c) if c else "All")
    lint_findings(findings, code)
    terms = report.terms if not code else report.terms[report.terms["code"] == code]
    terms = terms[terms["code"].isin(codes) | (terms["kind"] == "occupation")]
    st.markdown(f"**Terms** ({len(terms):,}) on the {report.n_transcripts:,} transcripts in view"
                + (f" ({md_escape(page.snapshot.describe())})" if page.snapshot.n < page.data.size else ""))
    st.dataframe(_terms_table(terms, page), hide_index=True, height=320,
                 column_config={"share": st.column_config.ProgressColumn("share", format="percent", max_value=1)})
    window = st.slider("Near misses: words this many points under the threshold", 1, 20, 10, key="cb-near-window")
    misses = workbench.near_misses_for(page.analysis.key, float(window), page.analysis)
    if code:
        misses = misses[misses["code"] == code]
    st.markdown(f"**Near misses** ({len(misses):,}): words a term would match with a lower threshold, in all "
                f"{page.data.size:,} transcripts (a vocabulary: the filters do not apply)")
    st.dataframe(_readable_misses(misses, page), hide_index=True, height=240)
    variant_picker(page, report.variants if not code else report.variants[report.variants["code"] == code], misses,
                   code)
    threshold_control(page)


def _readable_misses(misses: pd.DataFrame, page: PageContext) -> pd.DataFrame:
    """Labels for codes, no internal positions."""
    table = misses.drop(columns=["term_index"]).head(500).copy()
    table["code"] = table["code"].map(page.label)
    return table.rename(columns={"code": "theme or occupation"})


def lint_findings(findings, code: str) -> None:
    shown = [f for f in findings if not code or f.about(code)]
    errors = sum(f.severity == "error" for f in shown)
    with st.expander(f"Lint: {errors} error(s), {len(shown) - errors} warning(s)", icon=":material/rule:",
                     expanded=bool(errors)):
        if shown:
            st.dataframe(pd.DataFrame([{"severity": f.severity, "line": f.line, "column": f.column, "rule": f.rule,
                                        "finding": f.message, "fix": f.hint} for f in shown]),
                         hide_index=True, height=min(38 + 35 * len(shown), 320))
        else:
            st.caption("Nothing to report.")


def _terms_table(terms: pd.DataFrame, page: PageContext) -> pd.DataFrame:
    table = terms[["kind", "code", "term", "hits", "transcripts", "share"]].copy()
    table["code"] = table["code"].map(page.label)
    table["variants"] = [", ".join(f"{v} {s:g} \u00d7{n}" for v, s, n in variants[:6])
                         for variants in terms["variants"]]
    return table


# ---------------------------------------------------------------- one click: a variant onto allow or deny
def variant_picker(page: PageContext, variants: pd.DataFrame, misses: pd.DataFrame, code: str = ALL) -> None:
    """Near misses (to allow) and matched variants other than the term itself (to deny)."""
    options = [("near miss", r.kind, r.code, r.term, r.variant, r.similarity) for r in misses.head(300).itertuples()]
    options += [("matched", r.kind, r.code, r.term, r.variant, r.similarity) for r in variants.itertuples()
                if r.match != "exact" or r.variant != r.term]
    if not may_edit():
        return  # the one-click edits change the codebook: an editor's
    st.markdown("**Add a variant to a term's allow or deny list** (an unsaved edit: preview it, then save)")
    if not options:
        st.caption("No near misses or variants for this selection.")
        return
    chosen = st.selectbox("Variant", range(len(options)), key=f"cb-variant-{code}",  # per theme: never another's
                          format_func=lambda i: f"{options[i][4]} \u2192 {options[i][3]} ({page.label(options[i][2])}"
                                                f", {options[i][0]}, similarity {options[i][5]:g})")
    allow, deny = st.columns(2)
    allow.button("Add to the allow list", key="cb-allow", on_click=_add, args=(options[chosen], "allow"),
                 icon=":material/add_circle:", width="stretch")
    deny.button("Add to the deny list", key="cb-deny", on_click=_add, args=(options[chosen], "deny"),
                icon=":material/block:", width="stretch")


def _add(option: tuple, to: str) -> None:
    _, kind, code, term, variant, _ = option
    _edit_text(lambda text, path: workbench.with_variant(text, path, kind, code, term, variant, to),
               done=f"{md_code(variant)} is on the {to} list of {md_code(term)} ({md_escape(code)}) in the editor",
               failed=f"Could not add {md_code(variant)}")


def _edit_text(change, *, done: str, failed: str) -> None:
    """From a button: put change(text, path) in the editor as an unsaved edit, or say why it cannot be."""
    if not may_edit():  # checked again here: a button drawn before a role changed must not edit
        return
    edit = st.session_state[workbench.EDIT]
    try:
        workbench.set_text(change(edit["text"], edit["path"]))
    except CodebookError as error:
        workbench.notify("warning", f"{failed}: {md_escape(error)}")
        return
    workbench.notify("success", f"{done}: an unsaved edit. Preview it, then save.")


def threshold_control(page: PageContext) -> None:
    current = float(page.codebook.settings.threshold)
    threshold = st.slider("What if every typo threshold were", 70, 100, int(round(current)), key="cb-threshold",
                          help="Scores the corpus with every threshold (settings, themes, terms) at this value")
    if threshold == round(current):
        st.caption(f"The codebook's threshold is {current:g}: move the slider to see what another would change.")
        return
    change = workbench.threshold_change_for(page.analysis.key, float(threshold), page.analysis)
    moved = change[change[["transcripts_gained", "transcripts_lost", "quotes_gained", "quotes_lost"]]
                   .to_numpy().any(axis=1)].copy()
    st.markdown(f"**At {threshold}**: {int(change['transcripts_gained'].sum()):,} theme presences gained, "
                f"{int(change['transcripts_lost'].sum()):,} lost; {int(change['quotes_gained'].sum()):,} quotes "
                f"gained, {int(change['quotes_lost'].sum()):,} lost")
    moved["theme"] = moved["theme"].map(page.label)
    st.dataframe(moved, hide_index=True)
    if not may_edit():
        return
    st.button(f"Set the default threshold to {threshold} in the editor", key="cb-set-threshold",
              icon=":material/tune:", on_click=_set_threshold, args=(threshold,),
              help="An unsaved edit of settings.threshold: preview it, then save. Themes and terms with their "
                   "own threshold keep it.")


def may_edit() -> bool:
    """Whether this user may change the codebook (the one-click edits put an edit in the editor for saving)."""
    return identity.current_access().permissions.edit_codebook


def _set_threshold(threshold: int) -> None:
    _edit_text(lambda text, path: set_setting(text, "threshold", threshold, source=path),
               done=f"settings.threshold is {threshold} in the editor", failed="Could not set the threshold")
