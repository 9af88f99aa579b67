"""fsspec URLs as data folders: the files a local folder's walk would read as transcripts, its metadata tables,
the speakers table of a folder, and a fingerprint that covers the speakers table beside a single file."""
from __future__ import annotations

import uuid

import fsspec
import pytest

from core.ingest.loaders import LoadReport, data_files
from core.ingest.urls import speakers_table_url, url_files, url_fingerprint, url_metadata_files

NAMES = ["a.txt", "README.md", ".hidden.txt", "metadata.csv", "metadata_2.csv", "metadata.txt", "speakers.yaml",
         "notes.docx.gz", "sub/b.csv", "sub/speakers.csv"]


@pytest.fixture
def folder(tmp_path):
    for name in NAMES:
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("transcript_id,text\n")
    fs, root = fsspec.filesystem("memory"), f"/urls-{uuid.uuid4().hex[:8]}"
    fs.put(str(tmp_path), root, recursive=True)
    yield tmp_path, f"memory://{root}"  # memory:///urls-...: as fsspec writes the names it lists
    fs.rm(root, recursive=True)


def test_a_folder_url_lists_the_transcripts_a_local_folder_does(folder):
    path, url = folder
    local = [str(f.relative_to(path)) for f in data_files([path], LoadReport()) if "speakers" not in f.name]
    listed = [f.removeprefix(f"{url}/") for f in url_files(url, LoadReport())]
    assert listed == local == ["a.txt", "metadata.txt", "notes.docx.gz", "sub/b.csv"]


def test_metadata_and_speakers_tables_are_found_in_a_folder_url(folder):
    _, url = folder
    assert url_metadata_files(url) == [f"{url}/metadata.csv", f"{url}/metadata_2.csv"]
    assert url_metadata_files(f"{url}/a.txt") == []  # a file has no metadata inside it
    assert speakers_table_url(url) == f"{url}/speakers.yaml"
    assert speakers_table_url(f"{url}/sub") == f"{url}/sub/speakers.csv"
    assert speakers_table_url(f"{url}/nowhere") is None


def test_a_file_urls_fingerprint_changes_with_the_speakers_table_beside_it(folder):
    _, url = folder
    before = url_fingerprint(f"{url}/sub/b.csv")
    fsspec.filesystem("memory").pipe(f"{url.removeprefix('memory://')}/sub/speakers.csv", b"speaker,role\n")
    assert url_fingerprint(f"{url}/sub/b.csv") != before and len(before) == 2


def test_a_missing_url_is_reported(folder):
    _, url = folder
    report = LoadReport()
    assert url_files(f"{url}/gone", report) == []
    assert str(report.problems[0]).startswith(f"{url}/gone: no such file or folder")
