"""The view state (filters, selection, transcript) and its mirror in the URL query string.

One dict in `st.session_state["view"]` is the truth. It is read from the URL once per session (and again
when the URL changes under us: the back button, a pasted link), and written back to the URL on every run,
because Streamlit drops query parameters on a page switch (STREAMLIT-NOTES trap 1). Widgets never bind to
the URL themselves (trap 2): they have their own keys, seeded from the view and copied back by callbacks.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import streamlit as st

from core.views.filters import Filters
from core.views.quotes import QUOTE_SORTS
from dashboard.frame.text import md_escape

ATTRIBUTE_PREFIX = "attr_"
MAX_MIN_HITS = 50
DEFAULTS = {"occupation": [], "theme": [], "attr": {}, "min_hits": 1, "q": "", "sel_theme": None,
            "sel_occupation": None, "sort": "transcript", "qpage": 1, "transcript": None, "hit": None,
            "present": False, "redact": None, "certain": False}
# on/off values, written 1/0 in the URL; redact None = the mode's default; certain = leave out uncertain occupations
FLAGS = ("present", "redact", "certain")


@dataclass(frozen=True)
class Choices:
    """The values the URL may name; anything else in a link is dropped, with a notice, instead of breaking
    the page. `transcript_length(id)`: the length of a transcript's text, None when the data has no such
    transcript (None instead of a function: transcript ids and positions are not checked)."""

    occupations: tuple[str, ...]
    themes: tuple[str, ...]
    attributes: Mapping[str, list[str]]
    transcript_length: Callable[[str], int | None] | None = None


# ---------------------------------------------------------------- pure conversions (tested directly)
MAX_SEARCH = 200       # characters of a search kept from a link (a search is a word or a phrase)
MAX_ID = 300           # a longer transcript id in a link is none of ours
MAX_DIGITS = 9         # a number in a link: hit offsets and pages stay far below a billion
MAX_QUOTED = 60        # characters of a bad value a notice quotes
SINGLE = ("min_hits", "q", "sel_theme", "sel_occupation", "sort", "qpage", "transcript", "hit", *FLAGS)
LISTS = ("occupation", "theme")
STREAMLIT_OWN = ("embed", "embed_options")  # Streamlit's own parameters: not ours to judge
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DIGITS = re.compile(rf"[0-9]{{1,{MAX_DIGITS}}}")


def view_from_params(params: Mapping[str, list[str]], choices: Choices) -> dict:
    """A view dict from query parameters (each key -> its list of values), invalid values dropped."""
    return parse_params(params, choices)[0]


def parse_params(params: Mapping[str, list[str]], choices: Choices) -> tuple[dict, list[str]]:
    """The one parser of a link: (the view, a notice per value it left out or changed). Never raises:
    a bad value falls back to the default; each notice is Markdown quoting the value escaped.

    >>> parse_params({"hit": ["abc"]}, Choices((), (), {}))[1]
    ['The link gave the quote position “abc”, which is not a position in a transcript; it was left out.']
    """
    notices: list[str] = []
    params = _known_params(params, choices, notices)
    view = fresh_view()
    view["occupation"] = _members(params, "occupation", choices.occupations, "an occupation", notices)
    view["theme"] = _members(params, "theme", choices.themes, "a theme", notices)
    view["attr"] = _attributes(params, choices, notices)
    view["min_hits"] = _number(params, "min_hits", "minimum number of hits", notices, most=MAX_MIN_HITS)
    view["qpage"] = _number(params, "qpage", "page of quotes", notices)
    view["q"] = _search(params, notices)
    view["sel_theme"] = _one_of(params, "sel_theme", choices.themes, "a theme", notices)
    view["sel_occupation"] = _one_of(params, "sel_occupation", choices.occupations, "an occupation", notices)
    view["sort"] = _one_of(params, "sort", tuple(QUOTE_SORTS), "a sort order", notices) or "transcript"
    view["transcript"] = _transcript(params, choices, notices)
    view["hit"] = _hit(params, view["transcript"], choices, notices)
    for key in FLAGS:
        view[key] = _checked_flag(params, key, notices)
    view["present"], view["certain"] = bool(view["present"]), bool(view["certain"])
    return view, notices


def _quoted(value: str) -> str:
    """A value from a link as a notice quotes it: shortened, escaped (it may hold Markdown)."""
    return "“" + md_escape(value if len(value) <= MAX_QUOTED else value[:MAX_QUOTED] + "…") + "”"


def _known_params(params: Mapping[str, list[str]], choices: Choices, notices: list[str]) -> dict[str, list[str]]:
    """Our parameters only, a single-valued one cut to its last value; the rest noted and left out."""
    known: dict[str, list[str]] = {}
    for key, values in params.items():
        values = [str(v) for v in values]
        attribute = key.startswith(ATTRIBUTE_PREFIX) and key[len(ATTRIBUTE_PREFIX):] in choices.attributes
        if key in STREAMLIT_OWN:
            continue
        if not (key in SINGLE or key in LISTS or attribute):
            notices.append(f"The link has a setting {_quoted(key)} this dashboard does not know; it was left out.")
            continue
        if key in SINGLE and len(values) > 1:
            notices.append(f"The link gives {_quoted(key)} {len(values)} times; the last one, "
                           f"{_quoted(values[-1])}, was used.")
            values = values[-1:]
        known[key] = values
    return known


def _members(params, key: str, allowed: tuple[str, ...], what: str, notices: list[str]) -> list[str]:
    kept = [v for v in params.get(key, []) if v in allowed]
    for value in params.get(key, []):
        if value not in allowed:
            notices.append(f"The link named {what} {_quoted(value)} this data does not have; it was left out.")
    return kept


def _attributes(params, choices: Choices, notices: list[str]) -> dict[str, list[str]]:
    chosen = {}
    for column, allowed in choices.attributes.items():
        what = f"a value of {md_escape(column)}"  # a column's name is data too
        values = _members(params, ATTRIBUTE_PREFIX + column, tuple(allowed), what, notices)
        if values:
            chosen[column] = values
    return chosen


def _number(params, key: str, what: str, notices: list[str], *, most: int | None = None) -> int:
    """A whole number from 1 (the default) to `most`: anything else is noted; too large becomes `most`."""
    value = _last(params, key)
    if value is None:
        return 1
    if not _DIGITS.fullmatch(value) or int(value) < 1:
        notices.append(f"The link gave the {what} as {_quoted(value)}, which is not a whole number from 1 "
                       f"up; 1 was used.")
        return 1
    if most is not None and int(value) > most:
        notices.append(f"The link gave the {what} as {_quoted(value)}; the most is {most}, which was used.")
        return most
    return int(value)


def _search(params, notices: list[str]) -> str:
    value = _last(params, "q") or ""
    cleaned = _CONTROL.sub("", value)
    if cleaned != value:
        notices.append("The link's search held control characters; they were left out.")
    if len(cleaned) > MAX_SEARCH:
        notices.append(f"The link's search was {len(cleaned):,} characters long; its first {MAX_SEARCH} "
                       "were kept.")
        cleaned = cleaned[:MAX_SEARCH]
    return cleaned


def _one_of(params, key: str, allowed: tuple[str, ...], what: str, notices: list[str]) -> str | None:
    value = _last(params, key)
    if value is None or value in allowed:
        return value
    notices.append(f"The link named {what} {_quoted(value)} this data does not have; it was left out.")
    return None


def _transcript(params, choices: Choices, notices: list[str]) -> str | None:
    value = _last(params, "transcript")
    if value is None:
        return None
    known = choices.transcript_length is None or choices.transcript_length(value) is not None
    if len(value) > MAX_ID or _CONTROL.search(value) or not known:
        notices.append(f"There is no transcript {_quoted(value)} in this data; the link's transcript was left "
                       "out.")
        return None
    return value


def _hit(params, transcript: str | None, choices: Choices, notices: list[str]) -> int | None:
    """The start of the quote the link opens: a position inside the transcript the link names."""
    value = _last(params, "hit")
    if value is None:
        return None
    if not _DIGITS.fullmatch(value):
        notices.append(f"The link gave the quote position {_quoted(value)}, which is not a position in a "
                       "transcript; it was left out.")
        return None
    length = choices.transcript_length(transcript) if transcript and choices.transcript_length else None
    if transcript is None or (length is not None and int(value) >= length):
        notices.append(f"The link's quote position {_quoted(value)} is in no transcript it names; it was left "
                       "out.")
        return None
    return int(value)


def _checked_flag(params, key: str, notices: list[str]) -> bool | None:
    value = _last(params, key)
    flag = _flag(params, key)
    if value is not None and flag is None:
        notices.append(f"The link gave {_quoted(key)} as {_quoted(value)}, which is neither on (1) nor off (0); "
                       "it was left out.")
    return flag


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


# ---------------------------------------------------------------- the Streamlit side
NOTICES = "_url_notices"  # (the adopted view's parameters, the notices of its link)


def current_params() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params}


def sync_view_with_url(choices: Choices) -> dict:
    """Adopt the URL when the session starts or the URL changed under us; return the view."""
    url = current_params()
    state = st.session_state
    if "view" not in state or (url and url != state.get("_written_params")):
        state["view"], notices = parse_params(url, choices)
        state[NOTICES] = (params_from_view(state["view"]), notices)
        for key in [k for k in state if str(k).startswith("w_")]:
            del state[key]  # widgets re-seed from the adopted view
    return state["view"]


def url_notices(view: Mapping) -> list[str]:
    """What the adopted link named that the view left out, while the view is still the one the link gave
    (so the notice follows a page switch and goes once the reader changes the view)."""
    adopted, notices = st.session_state.get(NOTICES, ({}, []))
    return list(notices) if params_from_view(view) == adopted else []


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


def copy_widget(key: str, prefix: str = "w_", *, resets_paging: bool = True) -> None:
    """on_change callback: the widget `<prefix><key>` changed, so the view's `key` follows."""
    view = st.session_state["view"]
    view[key] = st.session_state[f"{prefix}{key}"]
    if resets_paging and key != "qpage":
        set_view(qpage=1)
