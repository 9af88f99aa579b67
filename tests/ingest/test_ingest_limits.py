"""Bounded inputs: every limit reached while loading is a message naming the file (and row) and the limit,
and the rest still loads. Mirrors core/ingest/sources.py and the limits in core/ingest/model.py."""
import bz2
import gzip
import json
import lzma
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from support import DATA

import core.ingest.model as model
import core.ingest.sources as sources
from core import analyse, load_codebook
from core.ingest.loaders import MAX_TRANSCRIPT_CHARS, LoadOptions, LoadReport, read_transcripts
from core.ingest.metadata_tables import folder_metadata_files, read_metadata


def load(*paths, options=LoadOptions()):
    report = LoadReport()
    transcripts = list(read_transcripts([str(p) for p in paths], report, options))
    return {t.transcript_id: t for t in transcripts}, [str(p) for p in report.problems]


def nested(top: Path, depth: int) -> Path:
    """top/d/d/.../d, `depth` folders below top (made one at a time: os.makedirs recurses too)."""
    folder = top
    for _ in range(depth):
        folder = folder / "d"
        folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture
def deep(tmp_path):
    """tmp_path, its chain of nested folders removed afterwards from the bottom up (shutil.rmtree, which
    pytest cleans up with, recurses and would fail on it in a later session)."""
    yield tmp_path
    folders = [tmp_path / "d"]
    while (folders[-1] / "d").is_dir():
        folders.append(folders[-1] / "d")
    for folder in reversed(folders):
        for file in (f for f in folder.iterdir() if f.name != "d"):
            file.unlink()
        folder.rmdir()


# ---------------------------------------------------------------- folder depth
def test_a_folder_1000_levels_deep_is_reported_once_and_the_rest_loads(deep):
    tmp_path = deep
    (tmp_path / "top.txt").write_text("User: near the top")
    nested(tmp_path, sources.MAX_FOLDER_DEPTH).joinpath("deepest.txt").write_text("User: at the limit")
    nested(tmp_path, 1000).joinpath("lost.txt").write_text("User: too deep")
    loaded, problems = load(tmp_path)
    assert set(loaded) == {"top", "deepest"}
    assert len(problems) == 1
    past = tmp_path.joinpath(*["d"] * (sources.MAX_FOLDER_DEPTH + 1))
    assert problems[0].startswith(f"{past}: folder nested more than 32 levels deep: not read")


# ---------------------------------------------------------------- links
@pytest.fixture
def linked(tmp_path):
    """A data folder with a good file, a link to it, links that loop, a broken link and links leading out."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("User: not in the data folder")
    data = tmp_path / "data"
    (data / "sub").mkdir(parents=True)
    (data / "sub" / "inside.txt").write_text("User: inside")
    os.symlink(data / "sub" / "inside.txt", data / "alias.txt")    # a link inside the folder: read
    os.symlink(data / "sub", data / "shortcut")                    # a folder link inside: walked
    os.symlink("..", data / "sub" / "up")                           # back to the folder holding it: a loop
    os.symlink("b.txt", data / "a.txt")                             # a -> b -> a
    os.symlink("a.txt", data / "b.txt")
    os.symlink("gone.txt", data / "broken.txt")
    os.symlink(outside / "secret.txt", data / "leak.txt")
    os.symlink(outside, data / "elsewhere")
    return data


def test_links_that_loop_break_or_leave_the_folder_are_reported_and_not_read(linked):
    loaded, problems = load(linked)
    assert set(loaded) == {"inside", "alias"}  # shortcut/inside.txt: the same transcript, dropped as a duplicate
    assert all("not in the data folder" not in t.text for t in loaded.values())
    text = "\n".join(problems)
    assert f"{linked}/sub/up: link loop (a link to a folder that contains it): not followed" in text
    assert f"{linked}/a.txt: link loop: skipped" in text and f"{linked}/b.txt: link loop: skipped" in text
    assert f"{linked}/broken.txt: broken link (to gone.txt): skipped" in text
    outside = linked.parent / "outside"
    assert f"{linked}/leak.txt: link to {outside}/secret.txt, outside the data folder {linked}: not read" in text
    assert f"{linked}/elsewhere: link to {outside}, outside the data folder" in text


def test_a_file_given_by_its_own_path_is_read_wherever_it_is(linked):
    loaded, problems = load(linked / "leak.txt")
    assert list(loaded) == ["leak"] and problems == []


# ---------------------------------------------------------------- compressed files
TABLE = b"transcript_id,text\nc1,User: first\nc2,User: second\n"


@pytest.mark.parametrize("name, data", [
    ("t.csv.gz", gzip.compress(TABLE)),
    ("t.csv.bz2", bz2.compress(TABLE)),
    ("t.csv.xz", lzma.compress(TABLE)),
    ("t.CSV.GZ", gzip.compress(TABLE)),
    ("t.csv", gzip.compress(TABLE)),  # gzipped under a plain name (a download): known by its first bytes
])
def test_compressed_tables_are_read_as_they_are(tmp_path, name, data, capfd):
    (tmp_path / name).write_bytes(data)
    loaded, problems = load(tmp_path / name)
    assert list(loaded) == ["c1", "c2"] and loaded["c2"].text == "User: second" and problems == []
    assert "Traceback" not in capfd.readouterr().err


def test_compressed_text_and_jsonl_files_in_a_folder_are_read(tmp_path):
    (tmp_path / "one.txt.gz").write_bytes(gzip.compress(b"User: gzipped text"))
    (tmp_path / "two.md.xz").write_bytes(lzma.compress("User: caf\u00e9".encode()))
    (tmp_path / "rows.jsonl.gz").write_bytes(gzip.compress(json.dumps({"transcript_id": "j", "text": "User: j"})
                                                          .encode()))
    loaded, problems = load(tmp_path)
    assert {k: v.text for k, v in loaded.items()} == {"one.txt": "User: gzipped text", "two.md": "User: café",
                                                      "j": "User: j"}
    assert problems == []


def test_archives_are_reported_with_a_hint_and_other_unknown_files_stay_ignored(tmp_path):
    with zipfile.ZipFile(tmp_path / "batch.zip", "w") as archive:
        archive.writestr("inside.csv", TABLE)
    (tmp_path / "old.tar.gz").write_bytes(gzip.compress(b"not a tar"))
    (tmp_path / "notes.pages").write_bytes(b"PK")  # a file type no loader reads (a broken .docx is reported)
    (tmp_path / "good.txt").write_text("User: fine")
    loaded, problems = load(tmp_path)
    assert list(loaded) == ["good"]
    assert sorted(p.split(":")[0] for p in problems) == [str(tmp_path / "batch.zip"), str(tmp_path / "old.tar.gz")]
    assert all("compressed archive not read" in p and "unpack it into the data folder" in p for p in problems)


def test_a_compressed_file_expanding_past_the_cap_is_stopped_and_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "MAX_DECOMPRESSED_BYTES", 1 << 20)
    rows = "".join(f"b{i},User: row number {i} of a very long table\n" for i in range(60_000))
    (tmp_path / "bomb.csv.gz").write_bytes(gzip.compress(("transcript_id,text\n" + rows).encode()))
    (tmp_path / "small.txt.gz").write_bytes(gzip.compress(b"User: small"))
    (tmp_path / "zeros.txt.gz").write_bytes(gzip.compress(b"\0" * (4 << 20)))
    loaded, problems = load(tmp_path)
    assert "small.txt" in loaded and len(loaded) < 60_000
    text = "\n".join(problems)
    assert f"{tmp_path}/bomb.csv.gz: decompresses to more than 1,048,576 bytes (the limit): reading stopped" in text
    assert f"{tmp_path}/zeros.txt.gz: decompresses to more than 1,048,576 bytes" in text


# ---------------------------------------------------------------- unreadable files
def without_read_permission(run):
    """run() as a user the permission bits apply to: `nobody` when the tests run as root (root reads any
    file), after a first run as root that imports what is imported lazily (Python's own files may sit in
    root's home, which `nobody` cannot enter); yourself otherwise."""
    if os.geteuid() != 0:
        return run()
    run()
    os.seteuid(65534)
    try:
        return run()
    finally:
        os.seteuid(0)


@pytest.fixture
def with_unreadable():
    """A folder anyone can enter, with a readable table and one file nobody but its owner may read."""
    folder = Path(tempfile.mkdtemp(prefix="themescope-unreadable-"))
    folder.chmod(0o777)
    (folder / "open.csv").write_text('transcript_id,text\nok_1,"User: I am a teacher, I double check."\n')
    (folder / "locked.txt").write_text("User: private")
    (folder / "locked.txt").chmod(0o000)
    yield folder
    shutil.rmtree(folder)


def test_an_unreadable_file_is_reported_and_skipped(with_unreadable):
    loaded, problems = without_read_permission(lambda: load(with_unreadable))
    assert list(loaded) == ["ok_1"]
    assert problems == [f"{with_unreadable}/locked.txt: could not be opened (Permission denied): skipped. "
                        "Fix: make the file readable (chmod +r), or move it out of the data folder"]


@pytest.mark.parametrize("use_cache", [True, False])
def test_an_unreadable_file_is_reported_by_analyse_with_and_without_the_cache(with_unreadable, use_cache):
    codebook = load_codebook(DATA / "tiny_codebook.yaml")

    def run():  # a fresh cache each time: the second run must hash and read the files, not reuse the first
        cache_dir = Path(tempfile.mkdtemp(dir=with_unreadable.parent, prefix="themescope-cache-"))
        cache_dir.chmod(0o777)
        try:
            return analyse([str(with_unreadable)], codebook=codebook, cache_dir=cache_dir, use_cache=use_cache)
        finally:
            assert not use_cache or (cache_dir / "results").is_dir()  # the cache was in use
            shutil.rmtree(cache_dir, ignore_errors=True)

    analysis = without_read_permission(run)
    assert list(analysis.transcripts["transcript_id"]) == ["ok_1"]
    assert f"{with_unreadable}/locked.txt: could not be opened (Permission denied)" in \
        "\n".join(map(str, analysis.report.problems))


# ---------------------------------------------------------------- transcript size
def test_a_transcript_over_the_size_limit_is_reported_and_left_out(tmp_path):
    huge = "User: " + "word " * (MAX_TRANSCRIPT_CHARS // 5)
    assert len(huge) > MAX_TRANSCRIPT_CHARS
    pd.DataFrame({"transcript_id": ["small", "huge", "after"], "text": ["User: short", huge, "User: fine"]}) \
        .to_csv(tmp_path / "table.csv", index=False)
    (tmp_path / "rows.jsonl").write_text(json.dumps({"transcript_id": "huge_json", "text": huge}) + "\n")
    (tmp_path / "huge_file.txt").write_text(huge)
    loaded, problems = load(tmp_path)
    assert set(loaded) == {"small", "after"}
    size = f"{len(huge):,} characters, over the limit of {MAX_TRANSCRIPT_CHARS:,} characters: left out"
    assert [p.split(". Fix:")[0] for p in problems] == [
        f"{tmp_path}/huge_file.txt: transcript of {size}",
        f"{tmp_path}/rows.jsonl:1: row 1 (huge_json): transcript of {size}",
        f"{tmp_path}/table.csv:3: row 3 (huge): transcript of {size}"]
    assert "split it into interviews (or parts) under the limit" in problems[0]


def test_a_text_file_far_over_the_limit_is_not_read_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(model, "MAX_TRANSCRIPT_CHARS", 100)
    (tmp_path / "big.txt").write_text("User: " + "x" * 1000)
    loaded, problems = load(tmp_path / "big.txt")
    assert loaded == {} and problems[0].startswith(f"{tmp_path}/big.txt: transcript of more than 400 bytes, over "
                                                   "the limit of 100 characters: left out")


# ---------------------------------------------------------------- attribute columns
def wide_csv(path: Path, columns: int) -> Path:
    header = ["transcript_id", "text", *(f"c{i}" for i in range(columns))]
    rows = [["w1", "User: one", *(str(i % 3) for i in range(columns))],
            ["w2", "User: two", *(str(i % 2) for i in range(columns))]]
    path.write_text("\n".join(",".join(row) for row in [header, *rows]) + "\n")
    return path


def test_a_table_with_100000_columns_keeps_the_first_50_as_attributes(tmp_path):
    loaded, problems = load(wide_csv(tmp_path / "wide.csv", 100_000))
    assert list(loaded["w1"].attributes) == [f"c{i}" for i in range(model.MAX_ATTRIBUTE_COLUMNS)]
    assert problems == [f"{tmp_path}/wide.csv: kept the first 50 of 100,000 columns as attributes. "
                        "Fix: choose them with --attributes a,b,c"]


@pytest.mark.parametrize("suffix", ["csv", "jsonl", "parquet"])
def test_attributes_can_be_chosen_and_a_missing_one_is_reported(tmp_path, suffix):
    table = pd.read_csv(wide_csv(tmp_path / "wide.csv", 80), dtype=str)
    path = tmp_path / f"chosen.{suffix}"
    {"csv": lambda: table.to_csv(path, index=False), "jsonl": lambda: table.to_json(path, orient="records",
     lines=True), "parquet": lambda: table.to_parquet(path)}[suffix]()
    loaded, problems = load(path, options=LoadOptions(attributes=("c79", "c3", "nope")))
    assert loaded["w2"].attributes == {"c79": "1", "c3": "1"}
    assert len(problems) == 1 and problems[0].startswith(f"{path}: no column(s) nope (named by --attributes)")


def test_a_metadata_table_keeps_at_most_50_columns(tmp_path):
    path = tmp_path / "metadata.csv"
    pd.DataFrame({"transcript_id": ["a"], "occupation": ["legal"], **{f"m{i}": [i] for i in range(60)}}) \
        .to_csv(path, index=False)
    report = LoadReport()
    table = read_metadata(path, report)
    assert list(table.columns) == ["occupation", *(f"m{i}" for i in range(50))]
    assert str(report.problems[0]).startswith(f"{path}: kept the first 50 of 60 metadata columns as attributes")


def test_attribute_values_convert_each_distinct_value_as_every_value_would_be():
    from core.views.filters import MISSING, attribute_values, filterable_attributes
    column = pd.Series([1.0, None, "a ", float("nan"), 2, "a", "", [1], 1.0] * 3, dtype=object)
    slow = ["1", MISSING, "a", MISSING, "2", "a", MISSING, "[1]", "1"] * 3
    assert list(attribute_values(column)) == slow
    table = pd.DataFrame({"transcript_id": [f"t{i}" for i in range(30)], "source": ["f"] * 30,
                          "group": ["x", "y", None] * 10, "serial": [str(i) for i in range(30)]})
    assert filterable_attributes(table) == {"group": [MISSING, "x", "y"]}  # 30 distinct serials: an id


def test_metadata_tables_are_found_by_the_same_bounded_walk(deep):
    (deep / "metadata.csv").write_text("transcript_id,region\na,EU\n")
    nested(deep, 1000).joinpath("metadata_deep.csv").write_text("transcript_id,region\nb,US\n")
    outside = deep.parent / f"{deep.name}-outside.csv"
    outside.write_text("transcript_id,secret\na,x\n")
    os.symlink(outside, deep / "metadata_leak.csv")
    try:
        assert folder_metadata_files(deep) == [deep / "metadata.csv"]
    finally:
        outside.unlink()


def test_a_whole_analysis_of_a_folder_1000_levels_deep_loads_the_rest(deep, tiny_codebook):
    """The tester's case end to end: the walk of the transcripts and of the metadata tables, cache on."""
    (deep / "top.txt").write_text("User: near the top")
    nested(deep, 1000).joinpath("lost.txt").write_text("User: too deep")
    analysis = analyse([deep], codebook=tiny_codebook, cache_dir=deep.parent / f"{deep.name}-cache", workers=1)
    assert analysis.transcripts["transcript_id"].tolist() == ["top"]
    assert any("nested more than 32 levels deep" in p.message for p in analysis.report.problems)
