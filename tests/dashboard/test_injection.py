"""Text is text everywhere: values from the data or a link never become Markdown (an outside image the browser
fetches, a phishing link, a coloured directive, LaTeX) on any page, and a link's bad values are left out with
a notice, never a traceback. The corpus here holds Markdown in its transcript ids, occupations, an attribute
column's name and values, and its quotes; all of it is made up.
"""
import csv
import re
import string
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import DATA, run_app

from dashboard.frame.state import MAX_MIN_HITS, MAX_SEARCH, Choices, params_from_view, parse_params
from dashboard.frame.text import md_code, md_escape

IMAGE = "![t](http://evil.example/x.png)"
LINK = "[Session expired: sign in again](http://evil.example)"
HTML_IMAGE = '<img src="http://evil.example/y.png">'
DIRECTIVE = ":red[alarm] :material/warning: $x^2$"
PAYLOADS = [IMAGE, LINK, HTML_IMAGE, DIRECTIVE, "www.evil.example", "<http://evil.example>", "a@evil.example",
            "**bold** _it_ `code` ~~gone~~ | a | b |", "# heading", "- item", "1. item", "> quote", "&lt;b&gt;",
            "line one\n\n[second](http://evil.example)", "back\\[slash](http://evil.example)", "nul\x00byte"]
# What must never survive as Markdown once escaped characters are taken out: links, images, HTML, autolinks,
# directives, icons, LaTeX (on a page; the helper's own output must not even keep emphasis or code).
DANGEROUS = ("](", "![", "<img", "<http", "http://", ":red[", ":material/warning", "$x", "www.evil", "@evil")
LIVE = (*DANGEROUS, "**", "`", "~~")

EVIL_ID = f"doc {IMAGE}"
LINK_ID = f"doc {LINK}"
EVIL_COLUMN = f"region {LINK}"
SAYS = "I'm a sysadmin and I double check every script. My calendar is full."


def live_markdown(text: str, tokens: tuple[str, ...] = LIVE) -> list[str]:
    """The Markdown constructs of `tokens` still in `text` once every backslash-escaped character is removed."""
    bare = re.sub(r"\\.", "", text, flags=re.S)
    return [token for token in tokens if token in bare]


def commonmark_unescaped(text: str) -> str:
    """What a CommonMark renderer shows for plain text: a backslash before ASCII punctuation is dropped."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)


# ---------------------------------------------------------------- the helper itself
@pytest.mark.parametrize("value", PAYLOADS)
def test_md_escape_leaves_no_live_markdown(value):
    escaped = md_escape(value)
    assert live_markdown(escaped) == [] and "\n" not in escaped and "\x00" not in escaped


@pytest.mark.parametrize("value", PAYLOADS)
def test_md_escape_shows_the_very_characters(value):
    expected = re.sub(r"\n+", " ", value).replace("\x00", "\ufffd")
    assert commonmark_unescaped(md_escape(value)) == expected


@given(st.text(alphabet=st.sampled_from(string.printable + "é·“”\u2028\x00"), max_size=60))
def test_md_escape_round_trips_any_text(value):
    escaped = md_escape(value)
    expected = re.sub(r"[\r\n\u2028\u2029]+", " ", value).replace("\x00", "\ufffd")
    assert commonmark_unescaped(escaped) == expected and live_markdown(escaped) == []


@pytest.mark.parametrize("value", ["edu_1 · Education", "occupation: IT", "v1.2-beta, 45% (n = 3)", "it's fine"])
def test_md_escape_leaves_ordinary_text_as_it_is(value):
    assert md_escape(value) == value


@pytest.mark.parametrize("value, code", [("a`b", "``a`b``"), ("`x", "`` `x ``"), (IMAGE, f"`{IMAGE}`"),
                                         ("a\nb", "`a b`")])
def test_md_code_is_a_span_no_backtick_ends(value, code):
    assert md_code(value) == code


# ---------------------------------------------------------------- the one parser of a link (pure)
CHOICES = Choices(("it", "legal"), ("speed", "risk"), {"region": ["EU", "Asia"]},
                  transcript_length=lambda t: 100 if t == "t1" else None)


@pytest.mark.parametrize("params, kept, notice", [
    ({"hit": ["abc"], "transcript": ["t1"]}, {"transcript": ["t1"]}, "quote position “abc”"),
    ({"hit": ["-1"], "transcript": ["t1"]}, {"transcript": ["t1"]}, "quote position “\\-1”"),
    ({"hit": ["²"], "transcript": ["t1"]}, {"transcript": ["t1"]}, "quote position “²”"),
    ({"hit": ["99999999999999999999"], "transcript": ["t1"]}, {"transcript": ["t1"]}, "99999999999999999999"),
    ({"hit": ["100"], "transcript": ["t1"]}, {"transcript": ["t1"]}, "“100” is in no transcript"),
    ({"hit": ["5"], "transcript": ["nobody"]}, {}, "There is no transcript “nobody”"),
    ({"hit": ["5"]}, {}, "“5” is in no transcript"),
    ({"qpage": ["junk"]}, {}, "page of quotes as “junk”"),
    ({"qpage": ["0"]}, {}, "page of quotes as “0”"),
    ({"min_hits": ["1e9"]}, {}, "minimum number of hits as “1e9”"),
    ({"min_hits": ["1000000"]}, {"min_hits": [str(MAX_MIN_HITS)]}, f"the most is {MAX_MIN_HITS}"),
    ({"q": ["x" * 10_000]}, {"q": ["x" * MAX_SEARCH]}, "10,000 characters long"),
    ({"q": ["dead\x00line"]}, {"q": ["deadline"]}, "control characters"),
    ({"q": ["a", "b"]}, {"q": ["b"]}, "gives “q” 2 times"),
    ({"transcript": ["t1\x00"]}, {}, "There is no transcript"),
    ({"occupation": [IMAGE, "it"]}, {"occupation": ["it"]}, md_escape(IMAGE)),
    ({"attr_region": [LINK]}, {}, md_escape(LINK)),
    ({"attr_[x](http://evil.example)": ["1"]}, {}, md_escape("attr_[x](http://evil.example)")),
    ({"sel_theme": [DIRECTIVE]}, {}, md_escape(DIRECTIVE)),
    ({"sort": ["random"]}, {}, "a sort order “random”"),
    ({"present": ["maybe"]}, {}, "“present” as “maybe”"),
])
def test_a_bad_link_value_is_left_out_with_a_notice(params, kept, notice):
    view, notices = parse_params(params, CHOICES)
    assert params_from_view(view) == kept
    assert len(notices) >= 1 and any(notice in n for n in notices), notices
    assert all(live_markdown(n) == [] for n in notices)  # a notice quotes the value escaped


def test_a_good_link_gives_no_notice():
    params = {"occupation": ["it"], "attr_region": ["EU"], "min_hits": ["3"], "q": ["budget"], "sort": ["fuzziest"],
              "qpage": ["2"], "transcript": ["t1"], "hit": ["99"], "present": ["1"], "embed": ["true"]}
    view, notices = parse_params(params, CHOICES)
    assert notices == [] and params_from_view(view) == {k: v for k, v in params.items() if k != "embed"}


def test_a_notice_quotes_a_long_value_shortened():
    _, notices = parse_params({"occupation": ["y" * 5_000]}, CHOICES)
    assert len(notices[0]) < 200 and "…" in notices[0]


# ---------------------------------------------------------------- every page, with Markdown in the data
@pytest.fixture(scope="module")
def evil_corpus(tmp_path_factory):
    """Transcripts in a CSV (ids with Markdown), a metadata table whose occupations, attribute column name and
    values hold Markdown, and a quote holding an image link."""
    folder = tmp_path_factory.mktemp("evil") / "data"
    folder.mkdir()
    rows = [(EVIL_ID, SAYS), (LINK_ID, f"Sysadmin here. I double check {IMAGE} twice."), ("plain_1", SAYS),
            ("plain_2", SAYS)]
    _write_csv(folder / "interviews.csv", ["transcript_id", "text"],
               [(tid, f"Assistant: Tell me about your work.\n\nUser: {says}\n") for tid, says in rows])
    _write_csv(folder / "metadata.csv", ["transcript_id", "occupation", EVIL_COLUMN],
               [(EVIL_ID, LINK, IMAGE), (LINK_ID, DIRECTIVE, HTML_IMAGE), ("plain_1", "it_software", "EU"),
                ("plain_2", "it_software", IMAGE)])  # a value repeats: the column is a filter
    return folder


def _write_csv(path, header, rows):
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


@pytest.fixture
def evil(monkeypatch, tmp_path, evil_corpus):
    monkeypatch.setenv("THEMESCOPE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(sys, "argv", ["app.py", "--data", str(evil_corpus), "--codebook",
                                      str(DATA / "tiny_codebook.yaml"), "--labels", str(tmp_path / "labels.yaml")])
    return run_app


MARKDOWN_FIELDS = {"body", "label", "help", "delta", "content", "caption"}
NOT_MARKDOWN = {"Html", "Code", "Text", "Exception"}  # st.html is escaped HTML (tested elsewhere); the rest is text


def markdown_of(at) -> list[str]:
    """Every string of the page that Streamlit renders as Markdown: bodies of markdown, captions and alerts,
    labels and help texts of widgets, metrics and containers, pills options."""
    found: list[str] = []
    for root in (at.main, at.sidebar):
        _walk(root, found)
    return found


def _walk(node, found: list[str]) -> None:
    proto = getattr(node, "proto", None)
    if proto is not None and proto.DESCRIPTOR.name not in NOT_MARKDOWN:
        _strings(proto, found)
    children = getattr(node, "children", {})
    for child in (children.values() if isinstance(children, dict) else children):
        _walk(child, found)


def _strings(message, found: list[str]) -> None:
    for field, value in message.ListFields():
        if field.message_type is not None:
            for item in (value if field.is_repeated else [value]):
                _strings(item, found)
        elif field.name in MARKDOWN_FIELDS and isinstance(value, str):
            found.append(value)


def assert_no_live_markdown(at, *expected_escaped: str) -> None:
    assert not at.exception, at.exception
    texts = markdown_of(at)
    live = [(text, live_markdown(text, DANGEROUS)) for text in texts if live_markdown(text, DANGEROUS)]
    assert live == []
    joined = "\n".join(texts)
    for value in expected_escaped:  # the values were really drawn, escaped
        assert value in joined, value


def test_the_sidebar_names_a_markdown_column_as_text(evil):
    at = evil("overview")
    label = md_escape(EVIL_COLUMN.replace("_", " ").capitalize())
    assert any(m.label == label for m in at.sidebar.multiselect)
    assert_no_live_markdown(at, label)


def test_filters_holding_markdown_are_stated_as_text_when_presenting(evil):
    column = "attr_" + EVIL_COLUMN
    at = evil("overview", occupation=LINK, present="1", **{column: IMAGE})
    assert_no_live_markdown(at, md_escape(LINK), md_escape(IMAGE))


def test_the_quotes_page_states_a_markdown_search_and_selection_as_text(evil):
    at = evil("quotes", q=IMAGE, sel_occupation=DIRECTIVE, present="1")
    assert_no_live_markdown(at, f"holding “{md_escape(IMAGE)}”", f"**{md_escape(DIRECTIVE)}**")


def test_the_transcript_page_names_a_markdown_id_as_text(evil):
    at = evil("transcript", transcript=EVIL_ID, present="1")
    assert_no_live_markdown(at, f"### {md_escape(EVIL_ID)}")


def test_the_researchers_transcript_page_has_no_live_markdown(evil):
    at = evil("transcript", transcript=LINK_ID)
    assert at.selectbox(key="w_transcript").value == LINK_ID
    assert_no_live_markdown(at)


@pytest.mark.parametrize("page", ["overview", "quotes", "transcript", "codebook"])
def test_a_link_naming_values_the_data_lacks_gets_an_escaped_notice(evil, page):
    at = evil(page, occupation=IMAGE, transcript=LINK, hit="12")
    notices = [w.value for w in at.warning]
    assert any(md_escape(IMAGE) in n and "left out" in n for n in notices)
    assert any(f"There is no transcript “{md_escape(LINK)}”" in n for n in notices)
    assert_no_live_markdown(at)


# ---------------------------------------------------------------- junk links: a page and a notice, never a traceback
JUNK = [{"hit": "abc"}, {"hit": "-1"}, {"hit": "²"}, {"hit": "99999999999999999999"},
        {"hit": "5", "transcript": "nobody"},
        {"hit": "99999", "transcript": "plain_1"}, {"qpage": "junk"}, {"min_hits": "1e9"}, {"q": "x" * 10_000},
        {"transcript": "nobody"}, {"q": "a\x00b"}, {"occupation": "it\x00"}, {"sort": "[x](http://evil.example)"},
        {"flavour": "1"}, {"present": "perhaps"}]


@pytest.mark.parametrize("page", ["overview", "quotes", "transcript"])
@pytest.mark.parametrize("query", JUNK, ids=lambda q: ",".join(f"{k}={v[:12]!r}" for k, v in q.items()))
def test_a_junk_link_renders_the_page_with_a_notice(evil, page, query):
    at = evil(page, **query)
    assert not at.exception and not [e for e in at.error if "Something went wrong" in e.value]
    assert at.title[0].value == page.capitalize()
    assert any("link" in w.value.lower() or "There is no transcript" in w.value for w in at.warning)
    assert_no_live_markdown(at)


def test_repeated_parameters_use_the_last_with_a_notice(evil):
    at = evil("quotes", sort=["occupation", "theme"])
    assert at.selectbox(key="w_sort").value == "theme"
    assert any("gives “sort” 2 times" in w.value for w in at.warning)
