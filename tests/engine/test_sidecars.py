"""The tables beside the transcripts (metadata*.csv inside a data folder, a speakers table beside each file) are read
at fsspec URLs as in a local folder: the same tables, the same problems, and a changed table is never answered from
the cache."""
from __future__ import annotations

import uuid

import fsspec
import pandas as pd
import pytest
from support import DATA

from core import analyse, load_codebook
from core.engine.executor import DaskCluster, InlineExecutor

TABLES = ("transcripts", "themes", "hits", "cancelled")
# Sam asks the only question, so without a table the question rule makes him the interviewer and Jane the participant
CALL = "Jane Doe (00:00:01): I double check the calendar.\nSam Lee (00:00:09): Why? I fear misinformation.\n"
SPEAKERS = "speaker,role\nJane Doe,interviewer\nSam Lee,participant\nNobody,boss\n"


@pytest.fixture(scope="module")
def book():
    return load_codebook(DATA / "tiny_codebook.yaml")


@pytest.fixture
def folder(tmp_path):
    """A data folder with a speakers table (one bad row) and a metadata table, and a subfolder without a
    speakers table, whose file the question rule decides (its hint names where a table would go)."""
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "call.txt").write_text(CALL)
    (corpus / "sub" / "other.txt").write_text(CALL.replace("Jane Doe", "Kim Ro"))
    (corpus / "speakers.csv").write_text(SPEAKERS)
    (corpus / "metadata.csv").write_text("transcript_id,occupation,region\ncall,education,EU\nother,,US\n")
    return corpus


@pytest.fixture
def memory():
    """A fresh folder of the process's memory file system, removed afterwards."""
    fs, root = fsspec.filesystem("memory"), f"/sidecars-{uuid.uuid4().hex[:8]}"
    yield fs, root
    fs.rm(root, recursive=True)


def as_url(analysis, folder, url):
    """The tables and problems of an analysis of the local `folder`, with its paths written as `url`."""
    tables = {name: getattr(analysis, name).replace(str(folder), url, regex=True) for name in TABLES}
    return tables, sorted(str(p).replace(str(folder), url) for p in analysis.report.problems)


def matched(analysis, transcript_id):
    hits = analysis.hits
    return set(hits.loc[hits["transcript_id"] == transcript_id, "matched_text"])


def test_a_memory_folder_reads_its_speakers_and_metadata_as_a_local_folder(folder, memory, book):
    fs, root = memory
    fs.put(str(folder), root, recursive=True)
    alone = analyse([folder], codebook=book, use_cache=False, executor=InlineExecutor())
    remote = analyse([f"memory://{root}"], codebook=book, use_cache=False, results=f"memory://{root}-parts")
    tables, problems = as_url(alone, folder, f"memory://{root}")
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(remote, name), tables[name])
    assert sorted(map(str, remote.report.problems)) == problems
    call = remote.transcripts.set_index("transcript_id").loc["call"]
    assert (call["region"], call["occupation"], call["occupation_evidence"]) == ("EU", "education", "metadata")
    assert matched(remote, "call") == {"fear", "misinformation"}  # Sam, the participant by the table, not Jane
    assert matched(remote, "other") == {"double check", "calendar"}  # the rule: Kim answers
    said = "\n".join(problems)
    assert f"memory://{root}/speakers.csv:4: speaker 'Nobody'" in said
    assert f"list the speakers in memory://{root}/sub/speakers.csv" in said  # no temporary copy named
    fs.rm(f"{root}-parts", recursive=True)


def test_a_file_url_on_a_dask_cluster_reads_its_speakers_and_metadata(folder, book):
    alone = analyse([folder], codebook=book, use_cache=False, executor=InlineExecutor())
    with DaskCluster(workers=2) as cluster:
        on_dask = analyse([f"file://{folder}"], codebook=book, use_cache=False, executor=cluster)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(on_dask, name), getattr(alone, name))
    assert sorted(map(str, on_dask.report.problems)) == sorted(map(str, alone.report.problems))
    assert on_dask.transcripts.set_index("transcript_id").loc["call", "region"] == "EU"
    assert matched(on_dask, "call") == {"fear", "misinformation"}


@pytest.mark.parametrize("target", ["folder", "file"])
def test_a_changed_speakers_table_beside_a_url_is_not_answered_from_the_cache(folder, memory, book, tmp_path, target):
    fs, root = memory
    fs.put(str(folder), root, recursive=True)
    url = f"memory://{root}" + ("/call.txt" if target == "file" else "")
    first = analyse([url], codebook=book, cache_dir=tmp_path / "cache")
    fs.pipe(f"{root}/speakers.csv", b"speaker,role\nJane Doe,participant\nSam Lee,interviewer\n")
    second = analyse([url], codebook=book, cache_dir=tmp_path / "cache")
    assert matched(first, "call") == {"fear", "misinformation"}
    assert matched(second, "call") == {"double check", "calendar"}


def test_a_changed_metadata_table_at_a_url_is_not_answered_from_the_cache(folder, memory, book, tmp_path):
    fs, root = memory
    fs.put(str(folder), root, recursive=True)
    runs = []
    for inside, given in [(b"EU", b"blue"), (b"EU", b"red, now"), (b"Asia", b"red, now")]:
        fs.pipe(f"{root}/metadata.csv", b"transcript_id,region\ncall,%s\n" % inside)
        fs.pipe(f"{root}-meta.csv", b'transcript_id,team\nother,"%s"\n' % given)  # given, outside the folder
        analysis = analyse([f"memory://{root}"], codebook=book, cache_dir=tmp_path / "cache",
                           metadata=f"memory://{root}-meta.csv")
        table = analysis.transcripts.set_index("transcript_id")
        runs.append((table.at["call", "region"], table.at["other", "team"]))
    assert runs == [("EU", "blue"), ("EU", "red, now"), ("Asia", "red, now")]
    fs.rm(f"{root}-meta.csv")
