"""Reading transcripts from files and folders: the registry of readers by file suffix (text, captions and Word
files in `core.ingest.text_files`, CSV, JSONL and parquet tables in `core.ingest.tables`), the walk that finds
the files, and ids made unique across them.

Loaders are small functions registered by file suffix. They yield `RawTranscript`s and record every
problem in a `LoadReport` (file, row or id, what is wrong, what was done) instead of stopping: one bad file
or row never keeps the rest from loading. Tables are read in chunks, so a large file never sits in memory
whole.

Inputs are bounded: folders are walked within `core.ingest.sources`' limits (depth, links, compressed files
capped), a transcript longer than MAX_TRANSCRIPT_CHARS is left out, and a table keeps at most
MAX_ATTRIBUTE_COLUMNS columns as attributes unless `LoadOptions.attributes` names them. Each limit reached is
a problem in the report naming the file (and row) and the limit.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from core.ingest import formats
from core.ingest.metadata_tables import is_metadata_table
from core.ingest.model import (
    MAX_TRANSCRIPT_CHARS,
    Loaded,
    LoadOptions,
    LoadReport,
    PlainRun,
    RawTranscript,
    loaded_count,
    transcripts_of,
)
from core.ingest.sources import DecompressedTooLarge, archive_problem, data_suffix, folder_files, is_archive
from core.ingest.tables import read_csv_table, read_jsonl_table, read_parquet_table
from core.ingest.text_files import CAPTION_SUFFIXES, TEXT_SUFFIXES, read_caption_file, read_text_file, read_word_file

__all__ = ["LOADERS", "MAX_TRANSCRIPT_CHARS", "LoadOptions", "LoadReport", "Loaded", "PlainRun", "RawTranscript",
           "data_files", "read_file", "read_transcript_runs", "read_transcripts", "unique_id"]

Loader = Callable[[Path, LoadOptions, LoadReport], Iterator[Loaded]]  # a CSV's plain rows as runs
LOADERS: dict[str, Loader] = {**dict.fromkeys(TEXT_SUFFIXES, read_text_file),
                              **dict.fromkeys(CAPTION_SUFFIXES, read_caption_file), ".docx": read_word_file,
                              ".csv": read_csv_table, ".jsonl": read_jsonl_table, ".parquet": read_parquet_table}


def data_files(paths: Iterable[str | Path], report: LoadReport) -> list[Path]:
    """The loadable files under the given files and folders, in a stable order. Folders are walked within
    the limits of `core.ingest.sources.folder_files` (depth, links); compressed archives found in them are
    reported, other files of unknown types ignored (a folder may hold notes and exports)."""
    files = []
    for path in map(Path, paths):
        if path.is_dir():
            found = sorted(_folder_data_files(path, report))
            if not found:
                report.add(path, "no .txt, .md, .vtt, .srt, .docx, .csv, .jsonl or .parquet files in this folder")
            files += found
        elif path.is_file():
            if data_suffix(path) in LOADERS:
                files.append(path)
            elif is_archive(path):
                archive_problem(path, report)
            else:
                report.add(path, f"unsupported file type {path.suffix or '(none)'}",
                           hint="use .txt/.md/.vtt/.srt/.docx transcripts or a .csv/.jsonl/.parquet table")
        else:
            report.add(path, "no such file or folder", hint="check the path")
    return files


def _folder_data_files(folder: Path, report: LoadReport) -> Iterator[Path]:
    for file in folder_files(folder, report):
        if file.name.startswith("."):
            continue
        if formats.is_speakers_table(file):
            yield file  # listed, so the cache sees it change; read by the transcripts beside it, never loaded
        elif is_transcript_file(file):
            yield file
        elif is_archive(file):
            archive_problem(file, report)


def is_transcript_file(file: Path) -> bool:
    """Whether a file found in a data folder is read as transcripts: a loader reads its type and it is not
    hidden, a README, a metadata table or a speakers table (which are read beside the transcripts)."""
    return data_suffix(file) in LOADERS and not file.name.startswith(".") and file.name.lower() != "readme.md" \
        and not is_metadata_table(file) and not formats.is_speakers_table(file)


def is_folder_input(file: Path) -> bool:
    """Whether a run reads this file found in a data folder: a transcript, a speakers table or a metadata
    table; hidden files (an editor's swap file) and README.md are not read."""
    return is_transcript_file(file) or (not file.name.startswith(".")
                                        and (formats.is_speakers_table(file) or is_metadata_table(file)))


def folder_inputs(folder: Path) -> list[Path]:
    """Every file of a data folder a run reads (its data, speakers and metadata tables), by one bounded walk
    in walk order (its problems are reported by the reading). `core.engine.cache_keys.inputs_stamp` stamps them."""
    return [file for file in folder_files(folder, LoadReport()) if is_folder_input(file)]


def read_transcripts(paths: Iterable[str | Path], report: LoadReport,
                     options: LoadOptions = LoadOptions()) -> Iterator[RawTranscript]:
    """Every transcript in the given files and folders; problems go to `report`.

    Ids are unique in the output: an exact duplicate (same id, same text) is dropped, a different transcript
    reusing an id is kept under `<id>__2` and reported.
    """
    return transcripts_of(read_transcript_runs(paths, report, options))


def read_transcript_runs(paths: Iterable[str | Path], report: LoadReport,
                         options: LoadOptions = LoadOptions()) -> Iterator[Loaded]:
    """`read_transcripts`, with a table's consecutive rows whose texts are kept as read given as `PlainRun`s:
    what a run streamed from a large CSV packs for its workers without an object per transcript."""
    seen: dict[str, tuple[int, str]] = {}
    for file in data_files(paths, report):
        if formats.is_speakers_table(file):
            continue
        loaded = 0
        try:
            for item in read_file_runs(file, options, report):
                for unique in _unique(item, seen, report):
                    loaded += loaded_count(unique)
                    yield unique
        finally:
            report.count(file, loaded)


def read_file(file: Path, options: LoadOptions, report: LoadReport) -> Iterator[RawTranscript]:
    """The transcripts of one file, by its loader; a file that cannot be read is reported, not raised."""
    return transcripts_of(read_file_runs(file, options, report))


def read_file_runs(file: Path, options: LoadOptions, report: LoadReport) -> Iterator[Loaded]:
    """`read_file`, a table's consecutive rows whose texts are kept as read as `PlainRun`s."""
    read = 0
    try:
        for item in LOADERS[data_suffix(file)](file, options, report):
            read += loaded_count(item)
            yield item
    except DecompressedTooLarge as exc:
        report.add(file, f"decompresses to more than {exc.limit:,} bytes (the limit): reading stopped there, "
                         f"{read:,} transcript(s) before it kept", hint="decompress it yourself if it really "
                         "is that large; otherwise it is damaged or a zip bomb")
    except PermissionError as exc:
        report.add(file, f"could not be opened ({exc.strerror}): skipped",
                   hint="make the file readable (chmod +r), or move it out of the data folder")
    except Exception as exc:  # a reader bug or an unreadable file must not stop the other files
        report.add(file, f"could not be read: {type(exc).__name__}: {exc}",
                   hint="check that the file is a valid " + data_suffix(file).lstrip(".").upper())


def _unique(item: Loaded, seen: dict, report: LoadReport) -> Iterator[Loaded]:
    """The item with ids made unique (`unique_id`): an exact duplicate left out, a reused id renamed. Texts are
    told apart by a hash of their UTF-8 bytes, the file's own when kept (half the bytes of most texts' str)."""
    if isinstance(item, PlainRun):
        yield from _unique_run(item, seen, report)
        return
    utf8 = item.utf8 if item.utf8 is not None else item.text.encode("utf-8", errors="surrogatepass")
    kept = unique_id(item.transcript_id, hash(utf8), item.source, seen, report)
    if kept is not None:
        item.transcript_id = kept
        yield item


def _unique_run(run: PlainRun, seen: dict, report: LoadReport) -> Iterator[PlainRun]:
    """`_unique` of each transcript of a run, in turn: the run cut where one is left out. A text's bytes are
    hashed as a copy: a memoryview of them would hash the whole chunk it views as well."""
    utf8, bounds = run.utf8, run.bounds
    keys = [hash(utf8[start:end]) for start, end in zip(bounds, bounds[1:])]
    kept = [unique_id(transcript_id, key, run.source, seen, report) for transcript_id, key in zip(run.ids, keys)]
    start = 0
    for stop in [*(i for i, transcript_id in enumerate(kept) if transcript_id is None), len(kept)]:
        if stop > start:
            yield replace(run.sliced(start, stop), ids=kept[start:stop])  # type: ignore[arg-type]
        start = stop + 1


def unique_id(transcript_id: str, text_key: object, source: str, seen: dict, report: LoadReport) -> str | None:
    """The id a transcript is kept under, given the ids `seen` before it (id -> (text key, source), updated
    here): its own; None for an exact duplicate (same id, same text key); `<id>__2` (or the next free number)
    for a different transcript reusing an id. Both are reported."""
    if transcript_id not in seen:
        seen[transcript_id] = (text_key, source)
        return transcript_id
    first_key, first_source = seen[transcript_id]
    if first_key == text_key:
        report.add(source, f"duplicate transcript {transcript_id!r} (same text as in {first_source}) skipped")
        return None
    n = 2
    while f"{transcript_id}__{n}" in seen:
        n += 1
    new_id = f"{transcript_id}__{n}"
    report.add(source, f"duplicate id {transcript_id!r} with different text (first in {first_source}): "
                       f"kept as {new_id!r}", hint="give every transcript its own id")
    seen[new_id] = (text_key, source)
    return new_id

