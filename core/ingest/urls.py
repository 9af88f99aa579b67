"""fsspec URLs (s3://, gs://, memory://...) as data paths, read as local folders are: the transcript files under
one, the tables beside them (metadata*.csv inside a folder, the speakers table beside each transcript), and the
fingerprint that says any of them changed, for the cache key.

    files = url_files("s3://bucket/interviews/", report)      # the transcripts, as a local folder's walk finds them
    tables = url_metadata_files("s3://bucket/interviews/")     # its metadata*.csv
    speakers = speakers_table_url("s3://bucket/interviews")    # the speakers table in that folder, or None

fsspec is installed with themescope[cluster]; it is imported only when a URL is used.
"""
from __future__ import annotations

from pathlib import Path

from core.ingest.formats import SPEAKER_TABLES
from core.ingest.loaders import LoadReport, is_transcript_file
from core.ingest.metadata_tables import is_metadata_table
from core.ingest.sources import Url

LISTING_ERRORS = (ImportError, ValueError, OSError)  # no such file system package, a bad address, no access


def url_files(url: str, report: LoadReport) -> list[str]:
    """The transcript files at a URL: the file itself, or those under the folder it names, sorted (metadata
    and speakers tables left out: they are read beside the transcripts, as in a local folder)."""
    try:
        import fsspec

        fs, root = fsspec.core.url_to_fs(url)
        if not fs.isdir(root):
            return [url] if fs.isfile(root) else _missing(url, report)
        found = [fs.unstrip_protocol(f) for f in sorted(fs.find(root))]
    except LISTING_ERRORS as exc:
        report.add(url, f"could not be listed ({type(exc).__name__}: {exc})",
                   hint="install the file system's fsspec package (s3fs, gcsfs...) and check the address")
        return []
    files = [f for f in found if is_transcript_file(Path(Url(f).name))]
    return files or _missing(url, report, "no transcript files in this folder")


def url_metadata_files(url: str) -> list[str]:
    """The metadata tables (metadata*.csv) under a folder URL, sorted; [] for a file or when it cannot be
    listed (`url_files` reports that)."""
    try:
        import fsspec

        fs, root = fsspec.core.url_to_fs(url)
        found = sorted(fs.find(root)) if fs.isdir(root) else []
    except LISTING_ERRORS:
        return []
    return [fs.unstrip_protocol(f) for f in found if is_metadata_table(Path(Url(f).name))]


def speakers_table_url(folder: str) -> str | None:
    """The speakers table in a folder URL (the first of speakers.csv, speakers.yaml, speakers.yml there), or
    None, as `core.ingest.formats.speakers_table` finds it in a local folder."""
    try:
        import fsspec

        fs, root = fsspec.core.url_to_fs(folder)
        path = _speakers_path(fs, root)
    except LISTING_ERRORS:
        return None
    return fs.unstrip_protocol(path) if path is not None else None


def url_fingerprint(url: str) -> list:
    """What says a URL's files changed, for the cache key: the name, size and version (ETag or modification
    time, as the file system gives them) of each file under a folder URL, or of a file URL and the speakers
    table beside it; [] when it cannot be listed."""
    try:
        import fsspec

        fs, root = fsspec.core.url_to_fs(url)
        if fs.isdir(root):
            found = fs.find(root, detail=True)
        else:
            speakers = _speakers_path(fs, root.rstrip("/").rsplit("/", 1)[0])
            found = {path: fs.info(path) for path in [root, *([speakers] if speakers else [])]}
    except LISTING_ERRORS:
        return []
    return [(name, info.get("size"), str(info.get("ETag") or info.get("etag") or info.get("mtime")
                                         or info.get("LastModified") or info.get("created") or ""))
            for name, info in sorted(found.items())]


def _speakers_path(fs, folder: str) -> str | None:
    return next((path for path in (f"{folder.rstrip('/')}/{name}" for name in SPEAKER_TABLES) if fs.isfile(path)),
                None)


def _missing(url: str, report: LoadReport, message: str = "no such file or folder") -> list[str]:
    report.add(url, message, hint="check the address")
    return []
