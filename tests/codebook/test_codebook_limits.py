"""The codebook's bounds (size, themes, terms): one validation for loading a file, validating a text and saving
an edit, so whatever the loader refuses the editor never saves as active."""
import pytest
from workbench_data import CODEBOOK

from core import CodebookError, load_codebook, parse_codebook
from core.codebook.history import draft_path, list_versions, save_codebook
from core.codebook.model import MAX_CODEBOOK_BYTES, MAX_TERMS, MAX_THEMES


def book(themes: int, terms: int = 1, occupations: int = 0) -> str:
    """A valid-looking codebook of `themes` themes of `terms` terms each (and `occupations` groups)."""
    def entry(kind: str, i: int) -> str:
        words = ", ".join(f"w{kind}{i}x{j}" for j in range(terms))
        return f"- id: {kind}{i}\n  label: {kind.upper()} {i}\n  description: d\n  terms: [{words}]\n"
    text = "name: big\nthemes:\n" + "".join(entry("t", i) for i in range(themes))
    return text + ("occupations:\n" + "".join(entry("o", i) for i in range(occupations)) if occupations else "")


def oversized() -> str:
    """A valid codebook padded with comments past the byte limit (as a paste of data would be)."""
    return CODEBOOK.read_text() + "# padding\n" * (MAX_CODEBOOK_BYTES // 10 + 1_000)


def only_problem(text: str):
    with pytest.raises(CodebookError) as caught:
        parse_codebook(text, source="book.yaml")
    [problem] = caught.value.problems
    return problem


def test_the_largest_codebook_allowed_loads():
    codebook = parse_codebook(book(MAX_THEMES, MAX_TERMS // MAX_THEMES))
    assert len(codebook.themes) == MAX_THEMES
    assert sum(len(t.terms) for t in codebook.themes) == MAX_TERMS


def test_one_theme_over_the_limit_is_refused_at_its_line():
    problem = only_problem(book(MAX_THEMES + 1))
    assert problem.message == f"{MAX_THEMES + 1} themes, over the limit of {MAX_THEMES}"
    assert problem.line == 2 + 4 * MAX_THEMES + 1 and problem.key == f"themes.{MAX_THEMES}"
    assert "MAX_THEMES" in problem.hint and str(problem).startswith(f"book.yaml:{problem.line}:")


def test_occupation_groups_have_the_same_limit():
    problem = only_problem(book(1, occupations=MAX_THEMES + 1))
    assert problem.message == f"{MAX_THEMES + 1} occupations, over the limit of {MAX_THEMES}"


def test_one_term_over_the_limit_is_refused_at_that_term():
    per_theme = MAX_TERMS // 100
    problem = only_problem(book(100, per_theme).replace("[wt99x0,", "[wt99x0, one_more,"))
    assert problem.message == f"{MAX_TERMS + 1:,} terms, over the limit of {MAX_TERMS:,}"
    assert problem.key == f"themes.99.terms.{per_theme}" and problem.line == 2 + 4 * 99 + 4


def test_a_text_over_the_byte_limit_is_refused_without_parsing_it():
    problem = only_problem(oversized())
    assert f"over the {MAX_CODEBOOK_BYTES:,}-byte limit" in problem.message and problem.hint


@pytest.mark.parametrize(("make", "limit"), [(oversized, f"over the {MAX_CODEBOOK_BYTES:,}-byte limit for a codebook"),
                                             (lambda: book(5_001), f"5,001 themes, over the limit of {MAX_THEMES}")],
                         ids=["bytes", "themes"])
def test_load_and_parse_refuse_the_same_texts(tmp_path, make, limit):
    path = tmp_path / "book.yaml"
    path.write_text(make(), encoding="utf-8")
    with pytest.raises(CodebookError) as loaded:
        load_codebook(path)
    with pytest.raises(CodebookError) as parsed:
        parse_codebook(path.read_text(encoding="utf-8"), source=str(path))
    for refused in (loaded.value, parsed.value):
        [problem] = refused.problems
        assert limit in problem.message and problem.file == str(path) and problem.hint


@pytest.mark.parametrize(("make", "limit"), [(oversized, f"{MAX_CODEBOOK_BYTES:,}-byte limit"),
                                             (lambda: book(5_001), f"over the limit of {MAX_THEMES}")],
                         ids=["bytes", "themes"])
def test_a_save_over_a_limit_goes_to_the_draft_and_never_becomes_active(tmp_path, make, limit):
    path = tmp_path / "codebook.yaml"
    path.write_text(CODEBOOK.read_text())
    text = make()
    result = save_codebook(path, text)
    assert not result.saved and result.path == draft_path(path) and draft_path(path).read_text() == text
    assert path.read_text() == CODEBOOK.read_text() and list_versions(path) == []
    assert any(limit in p.message for p in result.problems)
    with pytest.raises(CodebookError):
        load_codebook(result.path)  # the loader refuses the draft too: the two paths agree
