"""Codebook exchange (core/codebook/convert.py, `themescope convert`): LIWC .dic, quanteda YAML, REFI-QDA .qdc."""
from __future__ import annotations

from pathlib import Path

import pytest
import xmlschema

from core.cli.main import main
from core.codebook.convert import convert_text, format_of, read_liwc, read_qdc, read_quanteda, to_liwc, to_qdc
from core.codebook.model import load_codebook, parse_codebook
from core.errors import CodebookError, UsageError

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "config" / "codebook.yaml"
CODEBOOK_XSD = ROOT / "tests" / "data" / "refi-qda" / "Codebook-mrt2019.xsd"

# Hand-written: wildcards, a phrase, a word under two categories, a dotted (grouped) and an occupation category.
SMALL_DIC = """%
1\tanxiety
2\trisks.job_loss
3\toccupations.teaching
%
worr*\t1
afraid\t1
replace*\t2
lose my job\t2
obsolete\t1\t2
teacher\t3
lesson plan*\t3
"""

SMALL_CODEBOOK = """name: small
themes:
  - id: job_anxiety
    label: Job anxiety
    description: Fears for one's job.
    group: risks
    negation: true
    min_hits: 2
    threshold: 90
    weight: 2
    terms:
      - replace me
      - obsolesc*
      - {term: AI, exact: true}
      - {term: layoffs, weight: 0.5, allow: [lay-offs], deny: [playoffs], threshold: 95}
    exclude: [replace me with]
  - id: speed
    label: Speed
    description: Faster work.
    terms: [faster, save time]
occupations:
  - id: teaching
    label: Teaching
    terms: [teacher]
"""


@pytest.fixture(scope="module")
def default_book():
    return load_codebook(DEFAULT)


@pytest.fixture(scope="module")
def default_as():
    """The default codebook converted to each format, once per module (the conversions are pure)."""
    text = DEFAULT.read_text(encoding="utf-8")
    return {target: convert(text, "codebook", target, source=str(DEFAULT)).value
            for target in ("liwc", "quanteda", "qdc")}


def terms_by_code(book) -> dict[tuple[str, str], set[str]]:
    codes = [("theme", c) for c in book.themes] + [("occupation", c) for c in book.occupations]
    return {(kind, code.id): {t.text.lower() for t in code.terms} for kind, code in codes}


def convert(text: str, source_format: str, target_format: str, source: str = "in"):
    return convert_text(text, source=source, source_format=source_format, target_format=target_format)


# ---------------------------------------------------------------- LIWC
def test_a_small_liwc_dictionary_becomes_a_valid_codebook_with_its_words():
    result = convert(SMALL_DIC, "liwc", "codebook", source="small.dic")
    book = parse_codebook(result.value)
    assert terms_by_code(book) == {
        ("theme", "anxiety"): {"worr*", "afraid", "obsolete"},
        ("theme", "job_loss"): {"replace*", "lose my job", "obsolete"},
        ("occupation", "teaching"): {"teacher", "lesson plan*"}}
    assert book.theme("job_loss").group == "risks"
    assert book.theme("anxiety").label == "Anxiety"
    assert book.theme("anxiety").terms[0].words == ("worr*",)  # a LIWC wildcard is our prefix term
    assert any("also match inflections" in note for note in result.notes)


def test_the_converted_codebook_passes_themescope_validate(tmp_path, capsys):
    (tmp_path / "small.dic").write_text(SMALL_DIC, encoding="utf-8")
    assert main(["convert", str(tmp_path / "small.dic"), str(tmp_path / "small.yaml")]) == 0
    assert main(["validate", str(tmp_path / "small.yaml")]) == 0
    assert f"{tmp_path / 'small.yaml'}: valid" in capsys.readouterr().out


def test_to_liwc_numbers_categories_and_lists_a_shared_word_once_with_both():
    text, not_carried, _ = to_liwc(parse_codebook(SMALL_CODEBOOK))
    assert text.splitlines()[:5] == ["%", "1\trisks.job_anxiety", "2\tspeed", "3\toccupations.teaching", "%"]
    assert "obsolesc*\t1" in text.splitlines()
    both = parse_codebook(SMALL_CODEBOOK.replace("[faster, save time]", "[faster, replace me]"))
    assert "replace me\t1\t2" in to_liwc(both).value.splitlines()


def test_the_default_codebook_goes_to_liwc_and_back_keeping_themes_terms_and_groups(default_book, default_as):
    original = default_book
    back = parse_codebook(convert(default_as["liwc"], "liwc", "codebook", source="default.dic").value)
    assert terms_by_code(back) == terms_by_code(original)
    assert [t.id for t in back.themes] == [t.id for t in original.themes]
    assert {t.id: t.group for t in back.themes} == {t.id: t.group for t in original.themes}


# ---------------------------------------------------------------- what a target cannot hold
def test_what_liwc_cannot_hold_is_listed_per_theme():
    not_carried = to_liwc(parse_codebook(SMALL_CODEBOOK)).not_carried
    line = next(item for item in not_carried if item.startswith("theme job_anxiety:"))
    for feature in ("description", "threshold", "weight", "min_hits", "negation", "exclusions",
                    "weights on 1 term", "thresholds on 1 term", "exact on 1 term", "allow lists on 1 term",
                    "deny lists on 1 term"):
        assert feature in line
    assert "LIWC holds category names and words only" in line
    assert "codebook: name, version and description (LIWC has no place for them)" in not_carried
    assert "theme speed: description (LIWC holds category names and words only)" in not_carried  # label = id's
    assert "occupation group teaching: description" not in " ".join(not_carried)  # it has none


def test_a_qdc_holds_labels_and_descriptions_so_they_are_not_reported():
    line = next(item for item in to_qdc(parse_codebook(SMALL_CODEBOOK)).not_carried if "job_anxiety" in item)
    features = line.split(" (")[0]
    assert "negation" in features and "label" not in features and "description" not in features


def test_settings_a_target_cannot_hold_are_named():
    book = parse_codebook(SMALL_CODEBOOK.replace("name: small", "name: small\nsettings: {threshold: 80}"))
    assert "settings: threshold (LIWC has no settings)" in to_liwc(book).not_carried


def test_the_cli_prints_each_item_not_carried_over(tmp_path, capsys):
    source = tmp_path / "small.yaml"
    source.write_text(SMALL_CODEBOOK, encoding="utf-8")
    assert main(["convert", str(source), str(tmp_path / "small.dic")]) == 0
    out = capsys.readouterr().out
    assert "not carried over: theme job_anxiety: " in out and "negation" in out
    assert (tmp_path / "small.dic").read_text(encoding="utf-8").startswith("%\n1\trisks.job_anxiety\n")


# ---------------------------------------------------------------- quanteda
def test_a_nested_quanteda_dictionary_becomes_grouped_themes():
    text = "feelings:\n  positive: [happ*, glad]\n  negative:\n    - sad\n    - 'a*b'\nwork: [job, career?]\n"
    result = convert(text, "quanteda", "codebook", source="dict.yml")
    book = parse_codebook(result.value)
    assert terms_by_code(book) == {("theme", "positive"): {"happ*", "glad"}, ("theme", "negative"): {"sad"},
                                   ("theme", "work"): {"job"}}
    assert book.theme("positive").group == "feelings" and book.theme("work").group is None
    assert [item for item in result.not_carried if "pattern" in item] == [
        "category negative: pattern 'a*b' (Themescope terms take a `*` only at the end and need a letter or digit)",
        "category work: pattern 'career?' (Themescope terms take a `*` only at the end and need a letter or digit)"]


def test_the_default_codebook_goes_to_quanteda_and_back(default_book, default_as):
    original = default_book
    back = parse_codebook(convert(default_as["quanteda"], "quanteda", "codebook", source="d.yml").value)
    assert terms_by_code(back) == terms_by_code(original)
    assert {t.id: t.group for t in back.themes} == {t.id: t.group for t in original.themes}


# ---------------------------------------------------------------- REFI-QDA .qdc
def test_the_qdc_we_write_validates_against_the_published_schema(default_book, default_as):
    qdc = default_as["qdc"]
    xmlschema.XMLSchema(str(CODEBOOK_XSD)).validate(qdc)  # raises on any violation
    parents = len({t.group for t in default_book.themes if t.group}) + 1  # one per group, one for occupations
    assert qdc.count("<Code ") == len(default_book.themes) + len(default_book.occupations) + parents


def test_the_default_codebook_goes_to_qdc_and_back_with_labels_and_descriptions(default_book, default_as):
    original = default_book
    back = parse_codebook(convert(default_as["qdc"], "qdc", "codebook", source="d.qdc").value)
    assert terms_by_code(back) == terms_by_code(original)
    pairs = [(t.id, t.label, t.description, t.group) for t in original.themes]
    assert sorted((t.id, t.label, t.description, t.group) for t in back.themes) == sorted(pairs)


def test_a_qdc_from_another_tool_uses_code_names_as_terms_and_says_so():
    qdc = """<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="ATLAS.ti">
  <Codes>
    <Code guid="1FF58B12-6F6F-4B0C-8BE5-BBDC91F55294" name="Worries" isCodable="false">
      <Code guid="2FF58B12-6F6F-4B0C-8BE5-BBDC91F55294" name="Job loss" isCodable="true" color="#46AA00">
        <Description>Fear of losing one's job.</Description>
      </Code>
    </Code>
  </Codes>
  <Sets><Set name="s" guid="ECA18D76-2B8B-4F26-BC1D-19ECA19FB3F0"/></Sets>
</CodeBook>"""
    xmlschema.XMLSchema(str(CODEBOOK_XSD)).validate(qdc)
    document, not_carried, notes = read_qdc(qdc, "other.qdc")
    assert document["themes"] == [{"id": "job_loss", "label": "Job loss", "description": "Fear of losing one's job.",
                                   "group": "Worries", "terms": ["Job loss"]}]
    assert "sets (Themescope has no code sets)" in not_carried
    assert "code colours (Themescope picks its own)" in not_carried
    assert notes == ["code 'Job loss' has no Themescope terms: its name is its one term; add terms before scoring"]


# ---------------------------------------------------------------- malformed input: file, line, hint
@pytest.mark.parametrize("reader, text, line, words", [
    (read_liwc, "1\tposemo\n%\nhappy\t1\n", 1, "starts with a line holding only %"),
    (read_liwc, "\n%\n1\tposemo\nhappy\t1\n", 2, "never closed"),
    (read_liwc, "%\n1\tposemo\n%\nhappy\t1\nsad\t7\n", 5, "names category 7, which the % block does not declare"),
    (read_liwc, "%\nposemo\n%\nhappy\t1\n", 2, "number<TAB>name"),
    (read_liwc, "%\n1\tposemo\n%\nhappy\n", 4, "names no category"),
    (read_qdc, "<CodeBook>\n<Codes>\n<Code name='a'>\n</Codes>\n</CodeBook>\n", 4, "not well-formed XML"),
    (read_qdc, "<CodeBook>\n  <Codes>\n    <Code guid='x' isCodable='true'/>\n  </Codes>\n</CodeBook>\n", 3,
     "a <Code> has no name"),
    (read_qdc, "<?xml version='1.0'?>\n<Project/>\n", 2, "not <Project>"),
    (read_quanteda, "- worried\n- afraid\n", 1, "a YAML mapping"),
    (read_quanteda, "anxiety:\n  - worried\nwork:\n  - {a: b}\n", 3, "other than a list of patterns"),
    (read_quanteda, "anxiety: [worried\n", 2, "YAML syntax"),
])
def test_malformed_input_names_the_file_line_and_a_fix(reader, text, line, words):
    with pytest.raises(CodebookError) as caught:
        reader(text, "bad.file")
    problem = caught.value.problems[0]
    assert (problem.file, problem.line) == ("bad.file", line)
    assert words in problem.message and problem.hint


def test_the_cli_reports_a_malformed_file_in_one_line_and_exits_2(tmp_path, capsys):
    source = tmp_path / "bad.dic"
    source.write_text("%\n1\tposemo\n%\nhappy\t2\n", encoding="utf-8")
    assert main(["convert", str(source), str(tmp_path / "out.yaml")]) == 2
    err = capsys.readouterr().err
    assert f"themescope: {source}:4: the word 'happy' names category 2" in err and "Traceback" not in err
    assert not (tmp_path / "out.yaml").exists()


# ---------------------------------------------------------------- formats
@pytest.mark.parametrize("name, stated, text, expected", [
    ("a.dic", None, None, "liwc"), ("a.QDC", None, None, "qdc"), ("a.yaml", None, None, "codebook"),
    ("a.yml", None, "anxiety: [worried]\n", "quanteda"), ("a.yaml", None, "name: x\nthemes:\n- id: a\n", "codebook"),
    ("a.txt", "liwc", None, "liwc"),
])
def test_the_format_comes_from_the_option_the_suffix_or_the_yaml(name, stated, text, expected):
    assert format_of(name, stated, text=text) == expected


def test_an_unknown_suffix_or_the_same_format_on_both_sides_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(UsageError, match="cannot tell the format"):
        format_of("notes.txt", None)
    source = tmp_path / "small.yaml"
    source.write_text(SMALL_CODEBOOK, encoding="utf-8")
    assert main(["convert", str(source), str(tmp_path / "copy.yaml")]) == 2
    assert "--to quanteda" in capsys.readouterr().err
    assert main(["convert", str(source), str(tmp_path / "dict.yaml"), "--to", "quanteda"]) == 0
    assert "risks:\n  job_anxiety:\n  - replace me\n" in (tmp_path / "dict.yaml").read_text(encoding="utf-8")
