"""The view state (filters, selection, transcript) and its mirror in the URL query string.

One dict in `st.session_state["view"]` is the truth. It is read from the URL once per session (and again
when the URL changes under us: the back button, a pasted link), and written back to the URL on every run,
because Streamlit drops query parameters on a page switch (STREAMLIT-NOTES trap 1). Widgets never bind to
the URL themselves (trap 2): they have their own keys, seeded from the view and copied back by callbacks.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import streamlit as st

from core.views.filters import Filters
from core.views.quotes import QUOTE_SORTS

ATTRIBUTE_PREFIX = "attr_"
MAX_MIN_HITS = 50
DEFAULTS = {"occupation": [], "theme": [], "attr": {}, "min_hits": 1, "q": "", "sel_theme": None,
            "sel_occupation": None, "sort": "transcript", "qpage": 1, "transcript": None, "hit": None,
            "present": False, "redact": None, "certain": False}
# on/off values, written 1/0 in the URL; redact None = the mode's default; certain = leave out uncertain occupations
FLAGS = ("present", "redact", "certain")


@dataclass(frozen=True)
class Choices:
    """The values the URL may name; anything else in a link is dropped instead of breaking the page."""

    occupations: tuple[str, ...]
    themes: tuple[str, ...]
    attributes: Mapping[str, list[str]]


# ---------------------------------------------------------------- pure conversions (tested directly)
def view_from_params(params: Mapping[str, list[str]], choices: Choices) -> dict:
    """A view dict from query parameters (each key -> its list of values), invalid values dropped."""
    view = fresh_view()
    view["occupation"] = [o for o in params.get("occupation", []) if o in choices.occupations]
    view["theme"] = [t for t in params.get("theme", []) if t in choices.themes]
    for column, allowed in choices.attributes.items():
        values = [v for v in params.get(ATTRIBUTE_PREFIX + column, []) if v in allowed]
        if values:
            view["attr"][column] = values
    view["min_hits"] = min(_integer(params, "min_hits", 1), MAX_MIN_HITS)
    view["q"] = _last(params, "q") or ""
    view["sel_theme"] = _one_of(params, "sel_theme", choices.themes)
    view["sel_occupation"] = _one_of(params, "sel_occupation", choices.occupations)
    view["sort"] = _one_of(params, "sort", tuple(QUOTE_SORTS)) or "transcript"
    view["qpage"] = _integer(params, "qpage", 1)
    view["transcript"] = _last(params, "transcript")
    hit = _last(params, "hit") or ""
    view["hit"] = int(hit) if hit.isdigit() else None
    view["present"] = _flag(params, "present") or False
    view["redact"] = _flag(params, "redact")
    view["certain"] = _flag(params, "certain") or False
    return view


def params_from_view(view: Mapping) -> dict[str, list[str]]:
    """The query parameters of a view: only what differs from the defaults, in a stable order."""
    params: dict[str, list[str]] = {}
    for key in ("occupation", "theme"):
        if view[key]:
            params[key] = list(view[key])
    for column, values in sorted(view["attr"].items()):
        if values:
            params[ATTRIBUTE_PREFIX + column] = list(values)
    for key in ("min_hits", "q", "sel_theme", "sel_occupation", "sort", "qpage", "transcript", "hit"):
        if view[key] is not None and view[key] != DEFAULTS[key]:
            params[key] = [str(view[key])]
    for key in FLAGS:
        if view.get(key, DEFAULTS[key]) not in (None, DEFAULTS[key]):
            params[key] = ["1" if view[key] else "0"]
    return params


def redacting(view: Mapping) -> bool:
    """Whether quotes on screen are masked: as chosen, else on when presenting and off otherwise."""
    chosen = view.get("redact")
    return bool(view.get("present")) if chosen is None else bool(chosen)


def filters_of(view: Mapping) -> Filters:
    attributes = tuple((column, tuple(values)) for column, values in sorted(view["attr"].items()) if values)
    return Filters(tuple(view["occupation"]), tuple(view["theme"]), attributes, int(view["min_hits"]),
                   view["q"].strip(), certain_only=bool(view.get("certain", False)))


def fresh_view() -> dict:
    return {key: (value.copy() if isinstance(value, (list, dict)) else value) for key, value in DEFAULTS.items()}


def _last(params: Mapping[str, list[str]], key: str) -> str | None:
    values = params.get(key) or []
    return values[-1] if values else None


def _flag(params: Mapping[str, list[str]], key: str) -> bool | None:
    value = (_last(params, key) or "").lower()
    return True if value in ("1", "true", "yes", "on") else False if value in ("0", "false", "no", "off") else None


def _one_of(params, key: str, allowed: tuple[str, ...]) -> str | None:
    value = _last(params, key)
    return value if value in allowed else None


def _integer(params, key: str, default: int) -> int:
    try:
        return max(int(_last(params, key) or default), 1)
    except ValueError:
        return default


# ---------------------------------------------------------------- the Streamlit side
def current_params() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params}


def sync_view_with_url(choices: Choices) -> dict:
    """Adopt the URL when the session starts or the URL changed under us; return the view."""
    url = current_params()
    state = st.session_state
    if "view" not in state or (url and url != state.get("_written_params")):
        state["view"] = view_from_params(url, choices)
        for key in [k for k in state if str(k).startswith("w_")]:
            del state[key]  # widgets re-seed from the adopted view
    return state["view"]


def presenting() -> bool:
    """For the entrypoint, before the frame adopts the URL: is this run in presentation mode?"""
    url = current_params()
    if "view" not in st.session_state or (url and url != st.session_state.get("_written_params")):
        return _flag(url, "present") or False
    return bool(st.session_state["view"].get("present"))


def write_url(view: Mapping) -> None:
    """Put the view in the address bar (only when it differs, so no needless history entries)."""
    params = params_from_view(view)
    if params != current_params():
        st.query_params.from_dict(params)
    st.session_state["_written_params"] = params


def seed(widget_key: str, value) -> str:
    """Give a widget its value from the view, on every run; returns the key.

    Callbacks copy a changed widget into the view before the run, so this only ever changes a widget whose
    value came from elsewhere: the URL, a click on a chart, or the same widget on another page (a widget
    drawn by a page script is a new widget on each page and would otherwise start empty).
    """
    st.session_state[widget_key] = value
    return widget_key


def set_view(**changes) -> None:
    """Change the view from a callback; widgets showing those values re-seed on the next run."""
    view = st.session_state["view"]
    for key, value in changes.items():
        view[key] = value
        st.session_state.pop(f"w_{key}", None)


def copy_widget(key: str, *, resets_paging: bool = True) -> None:
    """on_change callback: the widget `w_<key>` changed, so the view's `key` follows."""
    view = st.session_state["view"]
    view[key] = st.session_state[f"w_{key}"]
    if resets_paging and key != "qpage":
        set_view(qpage=1)
