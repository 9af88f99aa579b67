"""The sharing toolbar on every page: copy the link of the view, present it, mask personal details, export it.

Presentation mode and redaction live in the view (hence in the URL: `present=1`, `redact=0/1`), so toggling
them keeps the filters, the selection and the page, and a copied link opens the same way. Exports mask
personal details by default whatever the screen shows; the files are made only when a button is clicked.
"""
from __future__ import annotations

import hashlib
from functools import partial

import streamlit as st

from core.share.exports import EXPORTERS
from core.share.images import NO_BROWSER, ChartImageError, chart_figures, find_browser, render_chart_images
from core.views.filters import describe_filters
from core.views.snapshot import ViewSnapshot
from dashboard.frame import identity, sidebar
from dashboard.frame.context import PageContext
from dashboard.frame.state import seed, set_view
from dashboard.frame.text import md_escape

IMAGE_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
# Our own markup and script (no data in it). The script avoids "<": the sanitizer empties a script whose
# text looks like a tag. The clipboard API needs a secure context (https, localhost); elsewhere the
# textarea fallback copies, and if that fails too the link is shown to copy by hand.
COPY_LINK = """
<div style="display:flex;gap:8px;justify-content:flex-end">
<button id="ts-copy-link" type="button" title="Copy the link of this view (filters, selection, page)"
 style="font:inherit;font-size:0.9rem;padding:6px 12px;border:1px solid rgba(49,51,63,0.2);border-radius:8px;
 background:#fff;color:#31333f;cursor:pointer;white-space:nowrap">Copy link</button>{fullscreen}
</div>
<script>(function(){{
const button=document.getElementById('ts-copy-link');
if(!button||button.dataset.ready)return;
button.dataset.ready='1';
const label=button.innerHTML;
const done=(text)=>{{button.textContent=text;setTimeout(()=>{{button.innerHTML=label;}},2500);}};
button.addEventListener('click',()=>{{
  const url=window.location.href;
  const fallback=()=>{{const area=document.createElement('textarea');area.value=url;
    document.body.appendChild(area);area.select();let ok=false;
    try{{ok=document.execCommand('copy');}}catch(e){{}}area.remove();
    if(ok){{done('\\u2713 Link copied');}}else{{window.prompt('Copy this link:',url);}}}};
  if(navigator.clipboard&&window.isSecureContext){{
    navigator.clipboard.writeText(url).then(()=>done('\\u2713 Link copied'),fallback);
  }}else{{fallback();}}
}});
const full=document.getElementById('ts-fullscreen');
if(full){{full.addEventListener('click',()=>{{
  if(document.fullscreenElement){{document.exitFullscreen();}}else{{document.documentElement.requestFullscreen();}}
}});}}
}})();</script>
"""
FULLSCREEN = ('<button id="ts-fullscreen" type="button" title="Full screen (Esc leaves it)" style="font:inherit;'
              'font-size:0.9rem;padding:6px 12px;border:1px solid rgba(49,51,63,0.2);border-radius:8px;'
              'background:#fff;color:#31333f;cursor:pointer;white-space:nowrap">Full screen</button>')
# Larger type everywhere: Streamlit sizes text in rem, so the root size scales it all (our quotes too).
PRESENTATION_CSS = """<style>
html{font-size:125%}
[data-testid="stSidebar"],[data-testid="stSidebarCollapsedControl"],[data-testid="stExpandSidebarButton"]
{display:none !important}
[data-testid="stMainBlockContainer"]{max-width:100% !important;padding:0.75rem 3rem 2rem}
[data-testid="stHeader"]{display:none}
</style>"""
# (no header band either: with the menu in the page's first row, it was an empty band pushing the first chart
# below the fold at 1280x720)


def render(page: PageContext) -> None:
    """The toolbar, top right; in presentation mode also the larger type, the menu with the filters and the
    caption of the view, in two rows (the first chart stays above the fold at 1280x720)."""
    if page.presenting:
        st.html(PRESENTATION_CSS)
        presentation_menu(page)
    with st.container(horizontal=True, horizontal_alignment="right", vertical_alignment="center",
                      key="sharing-toolbar"):
        if page.presenting:
            st.markdown(f"**Showing** {md_escape(describe_filters(page.filters, page.label))} "
                        f"· **n = {page.snapshot.n:,}** of {page.data.size:,} transcripts", width="stretch")
        st.html(COPY_LINK.format(fullscreen=FULLSCREEN if page.presenting else ""), unsafe_allow_javascript=True,
                width="content")
        st.toggle("Present", key=seed("w_present", page.presenting), on_change=_toggle_presenting,
                  help="Presentation mode: no sidebar or editing controls, larger type, personal details "
                       "masked. The link keeps it (present=1).")
        st.toggle("Mask personal details", key=seed("w_redact", page.redacting), on_change=_toggle_redacting,
                  disabled=not identity.current_access().permissions.see_unmasked,  # a viewer: always masked
                  help="Masks emails, phone numbers, URLs and @handles in every quote shown. On by default "
                       "when presenting; exports mask them by default either way.")
        if not page.presenting:  # presenting: in the menu's row
            export_menu(page)


def presentation_menu(page: PageContext) -> None:
    """While presenting: the pages as links and a compact Filters popover (the sidebar's own widgets)."""
    with st.container(horizontal=True, vertical_alignment="center", key="presentation-menu"):
        with st.container(horizontal=True, width="content", key="page-menu"):  # the sidebar's key: not drawn now
            sidebar.page_menu(page)
        with st.popover("Filters", icon=":material/filter_alt:", key="presentation-filters"):
            sidebar.filters(page, compact=True)
        export_menu(page)


def _toggle_presenting() -> None:
    # Presenting starts (and stops) with redaction at the mode's default: on when presenting.
    set_view(present=bool(st.session_state["w_present"]), redact=None)


def _toggle_redacting() -> None:
    set_view(redact=bool(st.session_state["w_redact"]))


# ---------------------------------------------------------------- exports
def export_menu(page: PageContext) -> None:
    with st.popover("Export", icon=":material/download:", key="export-menu"):
        if not page.mask.any():
            st.caption("No transcript matches the filters: nothing to export.")
            return
        view = page.snapshot  # what the page shows is what the files hold
        may_unmask = identity.current_access().permissions.see_unmasked
        if not may_unmask:  # a viewer's files are always masked, whatever the toggle held before
            st.session_state.pop("export_redact", None)  # so the toggle shows on (its default)
        redact = st.toggle("Mask personal details in the files", value=True, key="export_redact",
                           disabled=not may_unmask,
                           help="Emails, phone numbers, URLs and @handles in the quotes become [email]███... "
                                "(on by default for every export).") or not may_unmask
        st.caption(f"The current view: {md_escape(view.describe())} · n = {view.n:,}")
        for exporter in EXPORTERS.values():
            st.download_button(exporter.label, data=partial(exporter.make, view, redact=redact),
                               file_name=exporter.file_name, mime=exporter.mime, on_click="ignore",
                               key=f"export-{exporter.key}", icon=":material/download:", width="stretch")
        chart_images(view)


def chart_images(view: ViewSnapshot) -> None:
    """PNG and SVG of every overview chart, rendered on request (a few seconds with Chromium)."""
    st.markdown("**Charts as images** (PNG and SVG)")
    if find_browser() is None:
        st.warning(NO_BROWSER, icon=":material/warning:")
        return
    wanted = hashlib.sha1(repr(view.filters).encode()).hexdigest()[:12]
    rendered = st.session_state.get("_chart_images")
    if rendered is None or rendered[0] != wanted:
        if not st.button("Render the chart images", key="render-images", icon=":material/image:",
                         width="stretch"):
            return
        with st.spinner("Rendering the charts with Chromium..."):
            try:
                rendered = (wanted, render_chart_images(chart_figures(view)))
            except ChartImageError as error:
                st.error(md_escape(error), icon=":material/error:")
                return
        st.session_state["_chart_images"] = rendered
    for name, data in rendered[1].items():
        st.download_button(name, data=data, file_name=f"themescope-{name}",
                           mime=IMAGE_TYPES[name.rsplit(".", 1)[-1]], on_click="ignore", key=f"image-{name}",
                           icon=":material/image:", width="stretch")
