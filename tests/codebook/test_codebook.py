import pickle
import subprocess
import sys

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from support import ROOT

from core import CodebookError, load_codebook, parse_codebook
from core.codebook.model import validate_file
from core.codebook.safe_yaml import MAY_HOLD_ANCHOR, YAML_LOADER

MINIMAL = "name: x\nthemes:\n- id: a\n  label: A\n  description: d\n  terms: [word]\n"


def problems_of(text: str) -> list[str]:
    with pytest.raises(CodebookError) as caught:
        parse_codebook(text, source="book.yaml")
    return [str(p) for p in caught.value.problems]


def test_minimal_codebook_and_summary():
    book = parse_codebook(MINIMAL)
    assert book.theme_ids == ["a"] and book.settings.scope == "participant"
    assert "1 themes" in book.summary() and book.occupation_ids == ["other"]


def test_unknown_key_names_line_column_and_suggests_the_fix():
    text = MINIMAL + "  treshold: 90\n"
    [problem] = problems_of(text)
    assert problem.startswith("book.yaml:7:3: unknown key `treshold`")
    assert "did you mean `threshold`?" in problem


def test_unknown_setting_key():
    [problem] = problems_of("name: x\nsettings:\n  scoope: all\n" + MINIMAL.split("\n", 1)[1])
    assert "book.yaml:3:3: unknown key `scoope`" in problem and "`scope`" in problem


def test_wrong_type_says_how_to_fix():
    [problem] = problems_of(MINIMAL.replace("themes:", "settings: {threshold: 'high'}\nthemes:"))
    assert "book.yaml:2:" in problem and "without quotes" in problem


def test_bad_scope_lists_the_choices():
    [problem] = problems_of(MINIMAL.replace("themes:", "settings: {scope: everyone}\nthemes:"))
    assert "'participant', 'interviewer' or 'all'" in problem


def test_every_problem_is_reported_not_just_the_first():
    text = "name: x\nthemes:\n- id: A\n  label: A\n  description: d\n  terms: []\n  colour: red\n"
    problems = problems_of(text)
    assert len(problems) == 3
    assert any(":3:" in p and "lower-case" in p for p in problems)


def test_duplicate_ids_and_empty_terms():
    text = MINIMAL + "- id: a\n  label: B\n  description: d\n  terms: ['!!']\n"
    problems = problems_of(text)
    assert any("duplicate id `a`" in p and "book.yaml:7:" in p for p in problems)
    assert any("has no letters or digits" in p for p in problems)


def test_aliases_are_refused_so_alias_bombs_cannot_explode():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n" + MINIMAL
    [problem] = problems_of(bomb)
    assert "book.yaml:1:4: YAML anchors and aliases" in problem


@pytest.mark.parametrize("spot", ["a: &x 1\nb: *x\n", "a: [&x 1]\n", "a: [b,&x c]\n", "a: {&x b: 1}\n",
                                  '{"a":&x 1}\n', "a:\t&x 1\n", "&x a: 1\n", "? &x a\n: 1\n"])
def test_anchors_are_refused_wherever_yaml_allows_them(spot):
    [problem] = problems_of(spot + MINIMAL)
    assert "YAML anchors and aliases" in problem


@given(st.text(alphabet="ab &*:-[]{},?\n\t'\"", max_size=40))
@settings(max_examples=400, deadline=None)
def test_the_quick_anchor_check_never_misses_one(text):
    """The event scan is skipped when MAY_HOLD_ANCHOR finds no spot: it must never miss a real anchor."""
    try:
        events = list(yaml.parse(text, Loader=YAML_LOADER))
    except yaml.YAMLError:
        return
    if any(isinstance(e, yaml.AliasEvent) or getattr(e, "anchor", None) for e in events):
        assert MAY_HOLD_ANCHOR.search(text)


def test_ampersands_in_labels_are_not_anchors():
    book = parse_codebook(MINIMAL.replace("label: A", "label: R & D *and* Q&A"))
    assert book.themes[0].label == "R & D *and* Q&A"


def test_unsafe_tags_are_refused():
    [problem] = problems_of("name: !!python/object/apply:os.system ['echo hi']\n" + MINIMAL.split("\n", 1)[1])
    assert "YAML syntax" in problem and "book.yaml:1:" in problem


def test_yaml_syntax_error_points_at_the_line():
    [problem] = problems_of("name: x\nthemes:\n  - id: a\n   label: [unclosed\n")
    assert problem.startswith("book.yaml:")


def test_not_a_mapping():
    [problem] = problems_of("- just\n- a list\n")
    assert "must be a YAML mapping" in problem


def test_terms_are_normalised_and_globs_kept():
    book = parse_codebook(MINIMAL.replace("[word]", "[Fact-Check, 'automat*', {term: AI, exact: true}]"))
    assert [t.words for t in book.themes[0].terms] == [("fact", "check"), ("automat*",), ("ai",)]


def test_subset_keeps_only_given_themes(default_codebook):
    book = default_codebook.subset(["coding", "writing"])
    assert book.theme_ids == ["coding", "writing"]


REQUIRED_OCCUPATIONS = ["it_software", "film_vfx_media", "education", "healthcare", "business_finance",
                        "marketing_sales", "writing_editing", "design_arts", "science_research", "engineering",
                        "legal", "admin_support", "other"]
REQUIRED_THEMES = ["time_savings", "routine_tasks", "accuracy_trust", "job_anxiety", "social_stigma",
                   "skill_atrophy", "human_control", "iterative_collab", "full_delegation", "prompting_friction",
                   "coding", "writing", "research_learning", "creative_generation", "oversight_roles"]


def test_default_codebook_covers_every_required_code(default_codebook):
    assert set(REQUIRED_THEMES) <= set(default_codebook.theme_ids)
    assert set(REQUIRED_OCCUPATIONS) <= {o.id for o in default_codebook.occupations}
    assert all(code.description for code in (*default_codebook.themes, *default_codebook.occupations))


def test_validate_command_exit_codes(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(MINIMAL + "  treshold: 90\n")
    run = [sys.executable, "-m", "core", "validate"]
    failed = subprocess.run(run + [str(bad)], capture_output=True, text=True, cwd=ROOT)
    assert failed.returncode == 1 and f"{bad}:7:3: unknown key `treshold`" in failed.stderr
    passed = subprocess.run(run + [str(ROOT / "config" / "codebook.yaml")], capture_output=True, text=True, cwd=ROOT)
    assert passed.returncode == 0 and "valid" in passed.stdout


def test_unreadable_and_non_utf8_files(tmp_path):
    assert "cannot read" in str(validate_file(tmp_path / "missing.yaml")[0])
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"name: caf\xe9\n")
    assert "not UTF-8" in str(validate_file(latin)[0])


def test_load_codebook_hashes_content(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(MINIMAL)
    first = load_codebook(path).content_hash
    path.write_text(MINIMAL + "  weight: 2\n")
    assert load_codebook(path).content_hash != first


def test_a_codebook_is_pickled_once_and_unpickled_to_one_object():
    """A pool sends the codebook with every shard's task and result: the same bytes give the same codebook,
    every field of it, without unpickling it again."""
    book = load_codebook(ROOT / "config" / "codebook.yaml")
    data = pickle.dumps(book)
    first, second = pickle.loads(data), pickle.loads(data)
    assert first is second and first == book
    assert (first.text, first.job_titles.entries, first.notes, first.source) == \
        (book.text, book.job_titles.entries, book.notes, book.source)
    assert pickle.dumps(first) == data and pickle.loads(pickle.dumps(book.subset(["time_savings"]))) != book
