"""The Search page: every mention of the view's search in the participants' words, in context, each opening its
transcript at that spot; an editor can make the search a term of a theme."""
from __future__ import annotations

import re

from support import ROOT, run_app

from core import analyse, load_codebook
from core.views.search import TextIndex

IMAGE = "![t](http://evil.example/x.png)"


def _mentions(at) -> tuple[int, int]:
    line = next(m.value for m in at.main.markdown if "mentions" in m.value)
    mentions, transcripts = re.findall(r"\*\*([\d,]+) ", line)
    return int(mentions.replace(",", "")), int(transcripts.replace(",", ""))


def _lines(at) -> list[str]:
    return [h.proto.body for h in at.get("html") if "<mark>" in h.proto.body]


def test_without_a_search_the_page_says_what_to_type():
    at = run_app("search")
    assert any("phrase in quotes" in i.value for i in at.info)


def test_every_mention_in_view_is_listed_in_context_and_counted_as_the_engine_counts(tmp_path):
    analysis = analyse([ROOT / "data"], codebook=load_codebook(ROOT / "config" / "codebook.yaml"),
                       cache_dir=tmp_path, workers=1)
    expected = TextIndex(analysis.store).search("students").matches
    at = run_app("search", q="students")
    assert _mentions(at) == (len(expected), expected["transcript_id"].nunique())
    lines = _lines(at)
    assert len(lines) == len(expected) and all(re.search(r"<mark>students</mark>", line, re.I) for line in lines)
    links = [link.proto for link in at.get("page_link") if link.proto.label == "Open"]
    first = expected.iloc[0]
    assert f"transcript={first.transcript_id}" in links[0].query_string
    assert f"hit={first.start}" in links[0].query_string


def test_the_search_follows_the_filters():
    everyone = _mentions(run_app("search", q="students"))
    educators = _mentions(run_app("search", q="students", occupation="education"))
    assert 0 < educators[1] <= everyone[1]


def test_a_search_holding_markdown_is_stated_as_text_and_breaks_nothing():
    at = run_app("search", q=IMAGE)
    text = " ".join(m.value for m in at.main.markdown)
    assert "](http" not in text.replace("\\](http", "") and "![" not in text.replace("!\\[", "")


def test_an_editor_makes_the_search_a_term_of_a_theme(tmp_path, monkeypatch):
    import shutil
    import sys
    book = tmp_path / "codebook.yaml"
    shutil.copy(ROOT / "config" / "codebook.yaml", book)
    monkeypatch.setattr(sys, "argv", ["app.py", "--codebook", str(book), "--cache-dir", str(tmp_path / "c")])
    at = run_app("search", q="students")
    at.selectbox(key="search_term_theme").set_value("job_anxiety").run()
    next(b for b in at.button if "to the codebook editor" in b.label).click().run()
    assert not at.exception, at.exception
    assert at.title[0].value != "Search"  # on to the Codebook page, to preview the edit
    assert at.session_state["_codebook_edit"]["text"].count("students") == book.read_text().count("students") + 1
