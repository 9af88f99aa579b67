"""add_term: a term added to a code's `terms:` list, the rest of the YAML kept as written, the result validated."""
import pytest

from core.codebook.edits import add_term
from core.codebook.model import parse_codebook
from core.errors import CodebookError

BLOCK = """name: x  # the name
themes:
  - id: speed
    label: Speed
    description: d
    terms:
      - fast   # a comment that stays
      - {term: quick, allow: [quik]}
  - id: garden
    label: Garden
    description: d
    terms: [tulip, "rose"]
occupations:
  - id: chef
    label: Chef
"""


def test_a_block_list_gets_a_new_item_line_after_its_last_one():
    edited = add_term(BLOCK, "theme", "speed", "turnaround time")
    assert edited == BLOCK.replace("      - {term: quick, allow: [quik]}\n",
                                   "      - {term: quick, allow: [quik]}\n      - turnaround time\n")
    assert [t.text for t in parse_codebook(edited).themes[0].terms] == ["fast", "quick", "turnaround time"]


def test_a_flow_list_gets_the_term_before_its_closing_bracket():
    edited = add_term(BLOCK, "theme", "garden", "hedge")
    assert edited == BLOCK.replace('terms: [tulip, "rose"]', 'terms: [tulip, "rose", hedge]')


def test_a_word_yaml_would_read_as_something_else_is_quoted():
    edited = add_term(BLOCK, "theme", "garden", "yes")
    assert [t.text for t in parse_codebook(edited).themes[1].terms] == ["tulip", "rose", "yes"]


def test_an_occupation_term_can_be_added_to_an_empty_flow_list():
    text = BLOCK + "    terms: []\n"
    edited = add_term(text, "occupation", "chef", "sous chef")
    assert edited.endswith("    terms: [sous chef]\n")


@pytest.mark.parametrize("kind, code, term, message", [
    ("theme", "speed", "Fast", "already a term"),
    ("theme", "nope", "x", "has no `terms:` list"),
    ("occupation", "chef", "x", "has no `terms:` list"),
    ("theme", "speed", "!!!", "no letters or digits"),
])
def test_impossible_edits_raise_codebook_errors_with_a_hint(kind, code, term, message):
    with pytest.raises(CodebookError, match=message):
        add_term(BLOCK, kind, code, term)


def test_the_last_item_of_the_file_without_a_final_newline():
    text = "name: x\nthemes:\n  - id: t\n    label: T\n    description: d\n    terms:\n      - a"
    assert add_term(text, "theme", "t", "b").endswith("      - a\n      - b\n")
