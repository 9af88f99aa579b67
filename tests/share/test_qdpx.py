"""The REFI-QDA project export (.qdpx): valid against the published schema, read back by hand (zipfile and
ElementTree, nothing of our writer) and by an independent reader from PyPI (pyrefiqda), masked like every
export, and written by `themescope export`."""
import io
import uuid
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter

import pytest
import xmlschema
from pyrefiqda import RefiProject
from sharing_corpus import CODEBOOK, analysed, write_corpus
from support import DATA

from core.cli.main import main
from core.share.exports import EXPORTERS, quotes_table
from core.views.colours import theme_colours
from core.views.filters import Filters
from core.views.snapshot import snapshot

SCHEMA = DATA / "refi-qda" / "Project-mrt2019.xsd"
NS = {"q": "urn:QDA-XML:project:1.0"}
DETAILS = ("jane.doe@acme.org", "+44 20 7946 0958", "https://intranet.acme.org/logs", "calendar@acme.org")
VIEWS = {  # name -> filters and drill-down selection
    "all": (Filters(), {}),
    "education": (Filters(occupations=("education",)), {}),
    "two themes": (Filters(themes=("accuracy", "worry")), {}),
    "Asia": (Filters(attributes=(("region", ("Asia",)),)), {}),
    "scheduling quotes": (Filters(), {"theme": "scheduling"}),
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_corpus(tmp_path_factory.mktemp("qdpx") / "transcripts")


@pytest.fixture(scope="module")
def view_of(corpus, tmp_path_factory):
    analysis, data = analysed(corpus, tmp_path_factory.mktemp("cache"))
    return lambda name="all": snapshot(analysis, data, VIEWS[name][0], **VIEWS[name][1])


@pytest.fixture(scope="module")
def schema():
    return xmlschema.XMLSchema(SCHEMA)


def export(view, *, redact=True) -> bytes:
    return EXPORTERS["qdpx"].make(view, redact=redact)  # what the dashboard's export menu serves


def read_project(data: bytes) -> tuple[ET.Element, dict[str, str]]:
    """project.qde's root and each source's text by its `plainTextPath`, read with the standard library only."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        root = ET.fromstring(archive.read("project.qde"))
        texts = {f"internal://{name.removeprefix('sources/')}": archive.read(name).decode("utf-8")
                 for name in archive.namelist() if name.startswith("sources/")}
    return root, texts


def selections(root: ET.Element, texts: dict[str, str]) -> list[tuple[str, str, str]]:
    """(source name, code name, the source text's slice) of every coded selection."""
    code_names = {code.get("guid"): code.get("name") for code in root.iterfind(".//q:Code", NS)}
    found = []
    for source in root.iterfind("q:Sources/q:TextSource", NS):
        text = texts[source.get("plainTextPath")]
        for selection in source.iterfind("q:PlainTextSelection", NS):
            code = selection.find("q:Coding/q:CodeRef", NS).get("targetGUID")
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            found.append((source.get("name"), code_names[code], text[start:end]))
    return found


@pytest.mark.parametrize("name", list(VIEWS))
def test_the_project_is_valid_against_the_published_schema(view_of, schema, name):
    with zipfile.ZipFile(io.BytesIO(export(view_of(name)))) as archive:
        assert archive.namelist()[-1] == "project.qde"
        schema.validate(archive.read("project.qde"))  # raises, naming the element, when it is not


@pytest.mark.parametrize("name", list(VIEWS))
def test_every_quote_of_the_view_is_a_selection_whose_text_is_the_quote(view_of, name):
    view = view_of(name)
    root, texts = read_project(export(view))
    table = quotes_table(view)  # the quotes export's rows: masked text, as the sources are
    expected = Counter(zip(table["transcript_id"], table["theme_label"], table["quote"]))
    assert Counter(selections(root, texts)) == expected
    assert len(root.findall(".//q:PlainTextSelection", NS)) == len(view.quotes()) > 0


def test_the_codes_are_the_themes_in_view_with_descriptions_and_colours(view_of):
    view = view_of("two themes")
    root, _ = read_project(export(view))
    codes = root.findall("q:CodeBook/q:Codes/q:Code", NS)
    colours = theme_colours(view.data.theme_ids)
    assert [(c.get("name"), c.findtext("q:Description", namespaces=NS), c.get("color")) for c in codes] == [
        ("Accuracy", "Errors and checking.", colours["accuracy"]), ("Worry", "Fear.", colours["worry"])]
    assert {c.get("isCodable") for c in codes} == {"true"}


def test_sources_and_cases_are_the_transcripts_in_view_with_occupation_and_attributes(view_of):
    root, texts = read_project(export(view_of("Asia")))
    variables = {v.get("guid"): v.get("name") for v in root.iterfind("q:Variables/q:Variable", NS)}
    assert sorted(variables.values()) == ["file", "occupation", "region"]
    source_of = {s.get("guid"): s.get("name") for s in root.iterfind("q:Sources/q:TextSource", NS)}
    assert sorted(source_of.values()) == ["edu_2", "it_2"] and len(texts) == 2
    cases = {}
    for case in root.iterfind("q:Cases/q:Case", NS):
        values = {variables[v.find("q:VariableRef", NS).get("targetGUID")]: v.findtext("q:TextValue", namespaces=NS)
                  for v in case.iterfind("q:VariableValue", NS)}
        assert source_of[case.find("q:SourceRef", NS).get("targetGUID")] == case.get("name")
        cases[case.get("name")] = values
    assert cases == {"edu_2": {"occupation": "Education", "region": "Asia", "file": "edu_2.txt"},
                     "it_2": {"occupation": "IT", "region": "Asia", "file": "it_2.txt"}}


def test_sources_are_masked_like_every_export_and_can_be_kept(view_of):
    masked = " ".join(read_project(export(view_of()))[1].values())
    assert not [detail for detail in DETAILS if detail in masked]
    assert "[email]" in masked and "[phone]" in masked and "[url]" in masked
    kept = " ".join(read_project(export(view_of(), redact=False))[1].values())
    assert all(detail in kept for detail in DETAILS)


def test_the_description_names_the_codebook_and_two_exports_are_the_same_bytes(view_of):
    view = view_of("education")
    data = export(view)
    root, _ = read_project(data)
    book = view.analysis.codebook
    description = root.findtext("q:Description", namespaces=NS)
    assert f"Codebook: {book.name}, version {book.version}" in description
    assert f"Codebook SHA-256: {book.content_hash}" in description and "Filters: occupation: Education" in description
    assert root.get("name") == f"Themescope: {book.name}"
    assert export(view) == data  # GUIDs derive from what the objects are, and no time is written


def test_guids_are_valid_unique_and_stable_per_object(view_of):
    everything, some = (read_project(export(view_of(name)))[0] for name in ("all", "education"))
    guids = [e.get("guid") for e in everything.iter() if e.get("guid")]
    assert len(guids) == len(set(guids)) and all(str(uuid.UUID(g)) == g for g in guids)
    by_name = {(e.tag, e.get("name")): e.get("guid") for e in everything.iter() if e.get("guid")}
    assert all(by_name[(e.tag, e.get("name"))] == e.get("guid")  # the same code, case, source: the same GUID
               for e in some.iter() if e.tag.endswith(("Code", "Case", "TextSource")))


def test_an_independent_reader_reads_the_same_codes_and_selections(view_of, tmp_path):
    view = view_of()
    (tmp_path / "view.qdpx").write_bytes(export(view))
    project = RefiProject.load(tmp_path / "view.qdpx", extract_dir=str(tmp_path / "extracted"))
    assert len(project.code_book.codes.code) == len(view.themes)
    code_names = {code.guid: code.name for code in project.code_book.codes.code}
    read = []
    for source in project.sources.text_source:
        text = RefiProject.resolve_source_path(source.plain_text_path, tmp_path / "extracted").read_text("utf-8")
        read += [(source.name, code_names[s.coding[0].code_ref.target_guid], text[s.start_position:s.end_position])
                 for s in source.plain_text_selection]
    table = quotes_table(view)
    assert Counter(read) == Counter(zip(table["transcript_id"], table["theme_label"], table["quote"]))


def test_the_export_command_writes_the_filtered_view_and_says_what_is_in_it(corpus, schema, tmp_path, capsys):
    out = tmp_path / "out" / "education.qdpx"
    assert main(["export", "--format", "qdpx", "--data", str(corpus), "--codebook", str(CODEBOOK), "--filter",
                 "occupation=education", "--out", str(out), "--cache-dir", str(tmp_path / "cache")]) == 0
    root, texts = read_project(out.read_bytes())
    schema.validate(ET.tostring(root))
    assert len(texts) == 2 and all("teacher" in text.lower() for text in texts.values())  # the two teachers
    printed = capsys.readouterr().out
    assert f"{out}: REFI-QDA project" in printed and "2 of 5 transcripts" in printed
    assert f"{len(root.findall('.//q:PlainTextSelection', NS))} quotes" in printed and "masked" in printed


@pytest.mark.parametrize("make_out, message", [
    (lambda tmp: tmp, "is a folder, not a file"),
    (lambda tmp: (tmp / "a_file").write_text("") or tmp / "a_file" / "project.qdpx", "a part of this path is a file"),
])
def test_a_bad_out_is_a_message_with_a_fix_before_any_scoring(tmp_path, capsys, make_out, message):
    out = make_out(tmp_path)
    code = main(["export", "--data", str(tmp_path / "nothing here"), "--codebook", str(CODEBOOK), "--out", str(out)])
    errors = capsys.readouterr().err
    assert code == 2 and f"themescope: --out {out}: {message}" in errors and "Fix:" in errors
    assert "Traceback" not in errors
