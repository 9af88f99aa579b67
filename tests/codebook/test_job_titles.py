"""Validation of the job-title lexicon file: problems with file:line and a hint."""
from __future__ import annotations

import pytest
from support import ROOT

from core import CodebookError, load_codebook
from core.codebook.titles import parse_job_titles, phrase_key

GROUPS = ["education", "healthcare", "other"]


def problems_of(text: str) -> list[str]:
    with pytest.raises(CodebookError) as caught:
        parse_job_titles(text, GROUPS, source="titles.yaml")
    return [str(p) for p in caught.value.problems]


def test_a_valid_file_lists_every_phrase_with_its_line():
    titles = parse_job_titles("education:\n  - teacher\n  - tutor\nhealthcare: [nurse]\n", GROUPS)
    assert titles.entries == (("education", "teacher", 2), ("education", "tutor", 3), ("healthcare", "nurse", 4))


def test_an_unknown_group_is_reported_with_its_line_and_a_suggestion():
    [problem] = problems_of("education: [teacher]\nhealthcar: [nurse]\n")
    assert problem.startswith("titles.yaml:2: unknown occupation group `healthcar`")
    assert "did you mean `healthcare`?" in problem


def test_a_phrase_under_two_groups_is_reported_where_it_repeats():
    [problem] = problems_of("education:\n  - school nurse\nhealthcare:\n  - School Nurses\n")
    assert problem.startswith("titles.yaml:4: `School Nurses` is also under `education`")
    assert "line 2" in problem and "Fix:" in problem


def test_every_problem_is_reported_at_once():
    problems = problems_of("education: teacher\nnope: [x]\nhealthcare:\n  - ''\n")
    assert len(problems) == 3
    assert any(":1:" in p and "must be a list" in p for p in problems)
    assert any(":4:" in p and "no words" in p for p in problems)


@pytest.mark.parametrize("text", ["- a list\n", "just text\n", "education: [teacher\n"])
def test_a_file_that_is_not_a_mapping_is_one_clear_error(text):
    [problem] = problems_of(text)
    assert problem.startswith("titles.yaml:") and "Fix:" in problem


def test_phrases_compare_without_case_plural_or_filler():
    assert phrase_key("Run my own Restaurants") == phrase_key("run a restaurant")


def test_the_shipped_lexicon_loads_with_thousands_of_phrases_in_every_group():
    book = load_codebook(ROOT / "config" / "codebook.yaml")
    assert len(book.job_titles) >= 2000
    assert {group for group, _, _ in book.job_titles.entries} == set(book.occupation_ids)


def test_an_invalid_title_file_makes_the_codebook_invalid(tmp_path):
    (tmp_path / "codebook.yaml").write_bytes((ROOT / "config" / "codebook.yaml").read_bytes())
    (tmp_path / "job_titles.yaml").write_text("educaton: [teacher]\n")
    with pytest.raises(CodebookError) as caught:
        load_codebook(tmp_path / "codebook.yaml")
    assert "job_titles.yaml:1: unknown occupation group `educaton`" in str(caught.value)


def test_the_title_file_can_be_switched_off(tmp_path):
    text = (ROOT / "config" / "codebook.yaml").read_text()
    text = text.replace("  occupation:\n", "  occupation:\n    titles: \"\"\n", 1)
    (tmp_path / "codebook.yaml").write_text(text)
    book = load_codebook(tmp_path / "codebook.yaml")
    assert book.job_titles is None and book.notes == ()
