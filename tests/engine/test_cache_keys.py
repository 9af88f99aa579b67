"""core.engine.cache_keys: every input that changes results is in the key, so the cache never serves results
of other inputs (the codebook, engine code, data and metadata files are covered in test_cache, test_pipeline and
tests/ingest; these are the inputs that were once missing)."""
from __future__ import annotations

import uuid

import fsspec
import pandas as pd
import pytest
from support import DATA, edit_keeping_size_and_mtime

from core import analyse
from core.engine import cache_keys

SRT = ("1\n00:00:01,000 --> 00:00:04,000\nJane Doe: What is your job? Do deadlines worry you?\n\n"
       "2\n00:01:02,000 --> 00:01:09,000\nSam Lee: I worry about deadlines every week.\n")


def test_a_speakers_table_beside_a_file_given_on_its_own_is_part_of_the_key(tiny_codebook, tmp_path):
    """The table is read by the file's transcripts, but only a folder lists it with its files."""
    (tmp_path / "call.srt").write_text(SRT)
    first = analyse([tmp_path / "call.srt"], codebook=tiny_codebook, cache_dir=tmp_path / "cache")
    (tmp_path / "speakers.csv").write_text("speaker,role\nJane Doe,participant\nSam Lee,interviewer\n")
    second = analyse([tmp_path / "call.srt"], codebook=tiny_codebook, cache_dir=tmp_path / "cache")
    assert list(first.turns("call")["speaker"]) == ["interviewer", "participant"]
    assert second.cached == "none" and list(second.turns("call")["speaker"]) == ["participant", "interviewer"]
    assert second.transcripts["participant_words"].iloc[0] != first.transcripts["participant_words"].iloc[0]


def test_another_version_of_the_lexical_data_is_another_key(tiny_codebook, tmp_path, monkeypatch):
    """A new dictionary or similarity score changes what matches without a line of Themescope changing."""
    first = analyse([DATA / "folder"], codebook=tiny_codebook, cache_dir=tmp_path)
    monkeypatch.setattr(cache_keys, "installed_versions", lambda packages: tuple(f"{p} 99" for p in packages))
    cache_keys.package_versions.cache_clear()
    try:
        upgraded = analyse([DATA / "folder"], codebook=tiny_codebook, cache_dir=tmp_path)
    finally:
        cache_keys.package_versions.cache_clear()
    assert "rapidfuzz" in cache_keys.RESULT_PACKAGES and "wordfreq" in cache_keys.RESULT_PACKAGES
    assert upgraded.key != first.key and upgraded.cached != "results"


def test_uncached_runs_of_other_data_have_other_keys(tiny_codebook, tmp_path):
    """The dashboard memoises its views by the analysis key: with --no-cache every run had the same one, so a
    second data set (or an edited file) was shown with the first one's numbers."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.txt").write_text("User: I worry about deadlines.\n")
    first = analyse([data], codebook=tiny_codebook, use_cache=False)
    (data / "a.txt").write_text("User: I adore my job.\n")
    edited = analyse([data], codebook=tiny_codebook, use_cache=False)
    other = analyse([DATA / "folder"], codebook=tiny_codebook, use_cache=False)
    assert len({first.key, edited.key, other.key}) == 3
    assert analyse([DATA / "folder"], codebook=tiny_codebook, use_cache=False).key == other.key  # still a memo key


def test_in_memory_and_streamed_runs_of_one_corpus_are_both_kept(tiny_codebook, tmp_path):
    """They keep different files in a results folder: sharing one, keeping the in-memory run removed the
    streamed run's parts, which an open streamed analysis (a dashboard session) still reads its hits from."""
    runs = [analyse([DATA / "folder"], codebook=tiny_codebook, cache_dir=tmp_path, results=mode)
            for mode in ("", None, "", None)]
    assert [run.cached for run in runs] == ["none", "shards", "results", "results"]
    assert runs[0].streamed and not runs[1].streamed
    pd.testing.assert_frame_equal(runs[0].hits, runs[1].hits)  # the first run's parts are still there


# ---------------------------------------------------------------- inputs_stamp: what the dashboard watches
@pytest.fixture
def folder(tmp_path):
    data = tmp_path / "data"
    (data / "deeper").mkdir(parents=True)
    (data / "deeper" / "t1.txt").write_text("User: my calendar is full of care.\n")
    (data / "metadata.csv").write_text("transcript_id,region\nt1,EU\n")
    return data


@pytest.mark.parametrize(("file", "old", "new"), [("deeper/t1.txt", "care", "fear"),
                                                  ("metadata.csv", "EU", "US")])
def test_an_edit_inside_a_folder_changes_its_inputs_stamp(folder, file, old, new):
    before = cache_keys.inputs_stamp([str(folder)])
    edit_keeping_size_and_mtime(folder / file, old, new)
    assert cache_keys.inputs_stamp([str(folder)]) != before


@pytest.mark.parametrize("name", ["deeper/t2.md", "speakers.csv", "metadata_2.csv"])
def test_a_file_a_run_reads_added_to_a_folder_changes_its_inputs_stamp(folder, name):
    before = cache_keys.inputs_stamp([str(folder)])
    (folder / name).write_text("transcript_id,region\n")
    assert cache_keys.inputs_stamp([str(folder)]) != before


@pytest.mark.parametrize("name", [".t1.txt.swp", "README.md", "notes.pdf", "deeper/.~lock.t1.txt#"])
def test_files_no_run_reads_leave_the_inputs_stamp_alone(folder, name):
    """An editor's swap file changes all the time while a transcript is open: it must not rescore anything."""
    before = cache_keys.inputs_stamp([str(folder)])
    (folder / name).write_text("scratch")
    assert cache_keys.inputs_stamp([str(folder)]) == before


def test_the_inputs_stamp_follows_a_table_its_speakers_and_a_metadata_file_given_alone(tmp_path):
    (tmp_path / "call.srt").write_text(SRT)
    (tmp_path / "meta.csv").write_text("transcript_id,region\ncall,EU\n")
    stamps = [cache_keys.inputs_stamp([str(tmp_path / "call.srt")], [str(tmp_path / "meta.csv")])]
    (tmp_path / "speakers.csv").write_text("speaker,role\nJane Doe,participant\n")
    stamps.append(cache_keys.inputs_stamp([str(tmp_path / "call.srt")], [str(tmp_path / "meta.csv")]))
    edit_keeping_size_and_mtime(tmp_path / "meta.csv", "EU", "US")
    stamps.append(cache_keys.inputs_stamp([str(tmp_path / "call.srt")], [str(tmp_path / "meta.csv")]))
    assert len(set(stamps)) == 3


def test_the_inputs_stamp_follows_a_folder_url(tmp_path):
    """A dashboard on an s3:// or gs:// folder notices a transcript added or rewritten there, as on a local one."""
    fs, root = fsspec.filesystem("memory"), f"/stamp-{uuid.uuid4().hex[:8]}"
    fs.pipe(f"{root}/t1.txt", b"User: my calendar is full of care.\n")
    try:
        stamps = [cache_keys.inputs_stamp([f"memory://{root}"])]
        fs.pipe(f"{root}/t2.txt", b"User: a second one.\n")
        stamps.append(cache_keys.inputs_stamp([f"memory://{root}"]))
        fs.pipe(f"{root}/t1.txt", b"User: my calendar is full of fear, and more.\n")
        stamps.append(cache_keys.inputs_stamp([f"memory://{root}"]))
        stamps.append(cache_keys.inputs_stamp([f"memory://{root}"]))
    finally:
        fs.rm(root, recursive=True)
    assert len(set(stamps[:3])) == 3 and stamps[2] == stamps[3]  # every change seen; no change, no new stamp
