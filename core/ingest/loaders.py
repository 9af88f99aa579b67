"""Reading transcripts from folders of text files and from CSV, JSONL or parquet tables; caption files
(.vtt, .srt), Word files (.docx) and text with speaker names are read by `core.ingest.formats`.

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

import contextlib
import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from core.errors import Problem
from core.ingest import formats
from core.ingest.sources import (
    DecompressedTooLarge,
    archive_problem,
    data_suffix,
    folder_files,
    is_archive,
    is_compressed,
    open_data,
)
from core.ingest.text import repair_text
from core.ingest.turns import strip_header

TEXT_SUFFIXES = (".txt", ".md")
CAPTION_SUFFIXES = (".vtt", ".srt")
TABLE_SUFFIXES = (".csv", ".jsonl", ".parquet")
CHUNK_ROWS = 2_000
CSV_BLOCK_BYTES = 2 << 20  # Arrow parses a CSV this many bytes at a time (8 MB blocks held 300 MB in read-ahead)
MAX_CSV_BLOCK_BYTES = 1 << 30  # a block this large holds any row Arrow can hold
Columns = dict[str, list]  # a chunk of a table: column name -> its values, rows in order
UTF8 = "__utf8__"  # in a chunk: the text column's values as the file's bytes
MAX_TRANSCRIPT_CHARS = 2_000_000  # 75 times the longest public interview; a 50 MB one kept the dashboard busy minutes
MAX_ATTRIBUTE_COLUMNS = 50  # every attribute can become a filter: 100,000 columns never rendered


@dataclass
class RawTranscript:
    """A transcript as read: its id, repaired text, where it came from and any further attributes."""

    transcript_id: str
    text: str
    source: str
    attributes: dict[str, object] = field(default_factory=dict)
    utf8: bytes | None = field(default=None, repr=False, compare=False)  # `text` as read, when exactly it


@dataclass(frozen=True)
class LoadOptions:
    """How table columns map to transcripts; other columns become attributes (`attributes` names those to
    keep; None keeps the first MAX_ATTRIBUTE_COLUMNS)."""

    id_column: str = "transcript_id"
    text_column: str = "text"
    attributes: tuple[str, ...] | None = None


@dataclass
class LoadReport:
    """Everything noteworthy that happened while loading: problems, and counts per source file."""

    problems: list[Problem] = field(default_factory=list)
    loaded: dict[str, int] = field(default_factory=dict)

    def add(self, file: str | Path, message: str, *, line: int | None = None, hint: str | None = None) -> None:
        self.problems.append(Problem(str(file), message, line=line, hint=hint))

    def count(self, file: str | Path, transcripts: int = 1) -> None:
        if transcripts:
            self.loaded[str(file)] = self.loaded.get(str(file), 0) + transcripts

    @property
    def total(self) -> int:
        return sum(self.loaded.values())

    def to_dict(self) -> dict:
        return {"loaded": self.loaded, "total": self.total,
                "problems": [p.__dict__ | {"text": str(p)} for p in self.problems]}

    def lines(self) -> list[str]:
        out = [f"loaded {self.total:,} transcripts from {len(self.loaded)} file(s)"]
        out += [f"  skipped or changed: {p}" for p in self.problems]
        return out


Loader = Callable[[Path, LoadOptions, LoadReport], Iterator[RawTranscript]]
LOADERS: dict[str, Loader] = {}


def loader(*suffixes: str):
    """Register a loader for the given file suffixes."""
    def register(function: Loader) -> Loader:
        for suffix in suffixes:
            LOADERS[suffix] = function
        return function
    return register


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
        if is_folder_input(file):
            if not _is_metadata(file):
                yield file
        elif is_archive(file) and not file.name.startswith("."):
            archive_problem(file, report)


def is_folder_input(file: Path) -> bool:
    """Whether a run reads this file found in a data folder: a transcript or table of a loader's type, a
    speakers table (listed with the data files, so the cache sees it change) or a metadata table; hidden
    files (an editor's swap file) and README.md are not read."""
    if file.name.startswith("."):
        return False
    return formats.is_speakers_table(file) or (data_suffix(file) in LOADERS and file.name.lower() != "readme.md")


def folder_inputs(folder: Path) -> list[Path]:
    """Every file of a data folder a run reads (its data, speakers and metadata tables), by one bounded walk
    in walk order (its problems are reported by the reading). `core.engine.cache_keys.inputs_stamp` stamps them."""
    return [file for file in folder_files(folder, LoadReport()) if is_folder_input(file)]


def folder_metadata_files(folder: Path) -> list[Path]:
    """The metadata tables (metadata*.csv) inside a data folder, found by the same bounded walk as its
    transcripts (whose reading reports the walk's problems, so they are not reported twice)."""
    return sorted(file for file in folder_files(folder, LoadReport()) if _is_metadata(file))


def _is_metadata(path: Path) -> bool:
    """Metadata tables found inside a data folder (metadata.csv, metadata_1.csv) are not transcripts."""
    return path.suffix.lower() == ".csv" and path.stem.lower().startswith("metadata")


def read_transcripts(paths: Iterable[str | Path], report: LoadReport,
                     options: LoadOptions = LoadOptions()) -> Iterator[RawTranscript]:
    """Every transcript in the given files and folders; problems go to `report`.

    Ids are unique in the output: an exact duplicate (same id, same text) is dropped, a different transcript
    reusing an id is kept under `<id>__2` and reported.
    """
    seen: dict[str, tuple[int, str]] = {}
    for file in data_files(paths, report):
        if formats.is_speakers_table(file):
            continue
        loaded = 0
        try:
            for raw in read_file(file, options, report):
                unique = _unique(raw, seen, report)
                if unique is not None:
                    loaded += 1
                    yield unique
        finally:
            report.count(file, loaded)


def read_file(file: Path, options: LoadOptions, report: LoadReport) -> Iterator[RawTranscript]:
    """The transcripts of one file, by its loader; a file that cannot be read is reported, not raised."""
    read = 0
    try:
        for raw in LOADERS[data_suffix(file)](file, options, report):
            read += 1
            yield raw
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


def _unique(raw: RawTranscript, seen: dict, report: LoadReport) -> RawTranscript | None:
    kept = unique_id(raw.transcript_id, hash(raw.text), raw.source, seen, report)
    if kept is None:
        return None
    raw.transcript_id = kept
    return raw


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


# ---------------------------------------------------------------- text files
def decode_bytes(data: bytes, file: Path, report: LoadReport) -> str:
    """UTF-8 text; other bytes are read as Windows-1252 (what legacy exports use) and reported."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        report.add(file, f"bytes that are not UTF-8 (first: 0x{data[exc.start]:02x}); read as Windows-1252",
                   line=line, hint="save the file as UTF-8")
        return data.decode("cp1252", errors="replace")


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control characters in the first 8 KB: not a text file."""
    head = data[:8192]
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return bool(head) and controls / len(head) > 0.05


@loader(*TEXT_SUFFIXES)
def read_text_file(file: Path, options: LoadOptions, report: LoadReport) -> Iterator[RawTranscript]:
    """One transcript per file; a markdown header's `**Transcript ID:**` names it, else the file name does.
    Turns marked with speaker names ("Jane Doe (00:01:02): ...") are written as labelled turns."""
    text = _file_text(file, report)
    if text is None:
        return
    body, header = strip_header(repair_text(text))
    transcript_id = header.pop("transcript_id", "") or file.stem
    if not body.strip():
        report.add(file, "header but no interview text: skipped")
        return
    named = formats.named_turns(body)
    if named is not None:
        body = formats.transcript_text(*named, file, report)
    yield RawTranscript(transcript_id, body, str(file), dict(header))


@loader(*CAPTION_SUFFIXES)
def read_caption_file(file: Path, options: LoadOptions, report: LoadReport) -> Iterator[RawTranscript]:
    """One transcript per WebVTT or SubRip file, named by the file: its cues as speaker turns with times."""
    text = _file_text(file, report)
    if text is not None:
        body = formats.caption_text(repair_text(text), file, data_suffix(file).lstrip("."), report)
        yield from _checked_transcript(file, body, report)


@loader(".docx")
def read_word_file(file: Path, options: LoadOptions, report: LoadReport) -> Iterator[RawTranscript]:
    """One transcript per Word file, named by the file; speaker names and times as in a text file."""
    data = _file_bytes(file, report)
    text = formats.docx_text(data, file, report) if data is not None else None
    if text is None:
        return
    body = repair_text(text).strip()
    named = formats.named_turns(body)
    if named is not None:
        body = formats.transcript_text(*named, file, report)
    yield from _checked_transcript(file, body, report)


def _checked_transcript(file: Path, body: str | None, report: LoadReport) -> Iterator[RawTranscript]:
    if body is None:
        return
    if not body.strip():
        report.add(file, "no interview text: skipped")
    elif len(body) > MAX_TRANSCRIPT_CHARS:
        _too_long(file, f"{len(body):,} characters", report)
    else:
        yield RawTranscript(file.stem, body, str(file))


def _file_bytes(file: Path, report: LoadReport) -> bytes | None:
    """The file's bytes; None, reported, when it is empty or surely too long."""
    most = 4 * MAX_TRANSCRIPT_CHARS  # UTF-8 takes at most 4 bytes a character: more bytes is surely too long
    with open_data(file) as stream:
        data = stream.read(most + 1)
    if len(data) > most:
        _too_long(file, f"more than {most:,} bytes", report)
        return None
    if not data.strip():
        report.add(file, "empty file skipped")
        return None
    return data


def _file_text(file: Path, report: LoadReport) -> str | None:
    """The file's text; None, reported, when it is empty, binary or too long."""
    data = _file_bytes(file, report)
    if data is None:
        return None
    if looks_binary(data):
        report.add(file, "binary file (not text) skipped", hint="only plain-text transcripts can be read")
        return None
    text = decode_bytes(data, file, report)
    if len(text) > MAX_TRANSCRIPT_CHARS:
        _too_long(file, f"{len(text):,} characters", report)
        return None
    return text


def _too_long(file: Path, size: str, report: LoadReport, *, row: int | None = None, transcript_id: str = "") -> None:
    where = f"row {row} ({transcript_id or 'no id'}): " if row is not None else ""
    report.add(file, f"{where}transcript of {size}, over the limit of {MAX_TRANSCRIPT_CHARS:,} characters: left out",
               line=row, hint="split it into interviews (or parts) under the limit; is the whole file one interview?")


# ---------------------------------------------------------------- tables
@loader(".csv")
def read_csv_table(file: Path, options: LoadOptions, report: LoadReport) -> Iterator[RawTranscript]:
    names = _csv_header(file)
    if not names:
        report.add(file, "empty file skipped")
        return
    attributes = chosen_attributes(names, file, options, report)
    if attributes is not None:
        chunks = csv_chunks(file, names, [*dict.fromkeys([options.id_column, options.text_column]), *attributes],
                             options, report)
        yield from table_rows(chunks, file, options, report, attributes, first_row=2)  # row 1: the header


def csv_chunks(file: Path, names: list[str], wanted: list[str], options: LoadOptions, report: LoadReport,
                *, source: Callable[[], contextlib.AbstractContextManager] | None = None, size: int = 0,
                skip_rows: int = 1) -> Iterator[Columns]:
    """The table in chunks, parsed by Arrow's C++ reader (about six times faster than pandas on a large
    export). Every column is read as bytes and decoded here, so bytes that are not UTF-8 are reported and
    read as Windows-1252, not fatal; a row with the wrong number of fields is reported and skipped.

    Arrow reads in blocks, and a row longer than a block stops it: the file is then read again with blocks
    sixteen times larger, past the rows already delivered. Only the `wanted` columns are converted.

    `source` opens the bytes to parse (default: the file), `size` is their length and `skip_rows` the rows
    before the first one read (the header): a worker parsing one byte range of a file passes all three."""
    if source is None:
        compressed = is_compressed(file)
        size = MAX_CSV_BLOCK_BYTES if compressed else file.stat().st_size
        source = (lambda: open_data(file)) if compressed else (lambda: contextlib.nullcontext(file))
    delivered, block = 0, CSV_BLOCK_BYTES
    while True:
        try:
            with source() as opened:
                for columns in _csv_batches(opened, file, names, wanted, options, report, block, skip=delivered,
                                            skip_rows=skip_rows):
                    delivered += len(columns[options.id_column])
                    yield columns
            return
        except pa.ArrowInvalid as error:
            if "straddl" not in str(error) or block >= min(size, MAX_CSV_BLOCK_BYTES):
                raise
            block = min(block * 16, MAX_CSV_BLOCK_BYTES)


def _csv_batches(source, file: Path, names: list[str], wanted: list[str], options: LoadOptions,
                 report: LoadReport, block: int, *, skip: int, skip_rows: int = 1) -> Iterator[Columns]:
    """The rows of the table after the first `skip` (whose problems were reported already); `source` is the
    file's path, or a stream of its bytes when it is compressed."""
    seen = 0

    def skip_row(row) -> str:
        if seen >= skip:
            report.add(file, f"a row with {row.actual_columns} fields where the header has "
                             f"{row.expected_columns} skipped: {row.text[:60]!r}",
                             hint="quote fields that contain commas")
        return "skip"

    reader = pa_csv.open_csv(
        source, read_options=pa_csv.ReadOptions(block_size=block, column_names=names, skip_rows=skip_rows),
        parse_options=pa_csv.ParseOptions(newlines_in_values=True, invalid_row_handler=skip_row),
        convert_options=pa_csv.ConvertOptions(column_types={name: pa.binary() for name in wanted},
                                              include_columns=wanted))
    for batch in reader:
        batch, seen = batch.slice(max(0, skip - seen)), seen + batch.num_rows
        if not batch.num_rows:
            continue
        raw = {name: column.to_pylist() for name, column in zip(batch.schema.names, batch.columns)}
        ids = raw[options.id_column]
        columns = {}
        for name, values in raw.items():
            strict = _utf8(values)
            columns[name] = strict if strict is not None else _decoded(values, ids, file, report)
            if name == options.text_column and strict is not None:
                columns[UTF8] = values  # the texts' own bytes: the shard cache stores them without encoding
        yield columns


def _csv_header(file: Path) -> list[str]:
    """The column names on the first line, a repeated name numbered as pandas does (x, x.1); [] for an
    empty file. Arrow is told every column is text, so ids such as 007 stay as written."""
    with open_data(file) as stream:
        return csv_header(stream)


def csv_header(stream) -> list[str]:
    """`_csv_header` of a binary stream at the start of a CSV (a worker reads a URL's header so)."""
    handle = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
    names = next(csv.reader(handle), [])
    handle.detach()
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in seen:
            seen[name] += 1
            names[i] = f"{name}.{seen[name]}"
        seen.setdefault(names[i], 0)
    return names


def _utf8(values: list[bytes]) -> list[str] | None:
    """The values decoded as UTF-8; None when one of them is not UTF-8."""
    try:
        return [value.decode("utf-8") for value in values]
    except UnicodeDecodeError:
        return None


def _decoded(values: list[bytes], ids: list[bytes], file: Path, report: LoadReport) -> list[str]:
    """Values some of which are not UTF-8: each such value is reported and read as Windows-1252."""
    decoded = []
    for value, row_id in zip(values, ids):
        try:
            decoded.append(value.decode("utf-8"))
        except UnicodeDecodeError as exc:
            name = row_id.decode("utf-8", errors="replace")
            report.add(file, f"row {name!r}: bytes that are not UTF-8 (first: 0x{value[exc.start]:02x}); read as "
                             "Windows-1252", hint="save the file as UTF-8")
            decoded.append(value.decode("cp1252", errors="replace"))
    return decoded


@loader(".jsonl")
def read_jsonl_table(file: Path, options: LoadOptions, report: LoadReport) -> Iterator[RawTranscript]:
    records = []
    with io.TextIOWrapper(open_data(file), encoding="utf-8", errors="replace") as handle:
        for line_number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                report.add(file, f"invalid JSON ({exc.msg}): row skipped", line=line_number,
                           hint="each line must be one JSON object")
                continue
            if not isinstance(record, dict):
                report.add(file, "line is not a JSON object: row skipped", line=line_number)
                continue
            records.append(record | {"__line__": line_number})
    names = list(dict.fromkeys(name for record in records for name in record))
    attributes = chosen_attributes([n for n in names if n != "__line__"], file, options, report) if records else None
    if attributes is not None:
        wanted = dict.fromkeys([options.id_column, options.text_column, *attributes, "__line__"])
        columns = {name: [record.get(name) for record in records] for name in wanted}
        yield from table_rows([columns], file, options, report, attributes, first_row=1)


@loader(".parquet")
def read_parquet_table(file: Path, options: LoadOptions, report: LoadReport) -> Iterator[RawTranscript]:
    import pyarrow.parquet as pq

    if is_compressed(file):  # parquet compresses its own columns; reading one would mean holding it whole
        report.add(file, "compressed parquet file not read", hint="decompress it (gunzip) and load the .parquet")
        return
    parquet = pq.ParquetFile(file)
    attributes = chosen_attributes(parquet.schema_arrow.names, file, options, report)
    if attributes is not None:
        wanted = [*dict.fromkeys([options.id_column, options.text_column]), *attributes]
        batches = (batch.to_pydict() for batch in parquet.iter_batches(batch_size=CHUNK_ROWS, columns=wanted))
        yield from table_rows(batches, file, options, report, attributes, first_row=1)


def chosen_attributes(names: list[str], file: Path, options: LoadOptions, report: LoadReport) -> list[str] | None:
    """The columns kept as attributes: those `options.attributes` names (each one missing reported), else the
    first MAX_ATTRIBUTE_COLUMNS (reported once when there are more). None, reported, when the id or text
    column is missing."""
    if not _has_columns(names, file, options, report):
        return None
    others = [name for name in names if name not in (options.id_column, options.text_column)]
    if options.attributes is not None:
        missing = [name for name in options.attributes if name not in names]
        if missing:
            report.add(file, f"no column(s) {', '.join(missing)} (named by --attributes)",
                       hint=f"the other columns are: {', '.join(map(str, others[:12]))}")
        return [name for name in dict.fromkeys(options.attributes) if name in others]
    if len(others) > MAX_ATTRIBUTE_COLUMNS:
        report.add(file, f"kept the first {MAX_ATTRIBUTE_COLUMNS:,} of {len(others):,} columns as attributes",
                   hint="choose them with --attributes a,b,c")
        return others[:MAX_ATTRIBUTE_COLUMNS]
    return others


def table_rows(chunks: Iterable[Columns], file: Path, options: LoadOptions, report: LoadReport,
                attributes: list[str], *, first_row: int) -> Iterator[RawTranscript]:
    """Transcripts from chunks holding (at least) the id, text and `attributes` columns."""
    row = first_row
    for columns in chunks:
        size = len(next(iter(columns.values()), []))
        if not size:
            continue
        lines = columns.pop("__line__", None)
        utf8 = columns.pop(UTF8, None)
        names = list(columns)
        for i, record in enumerate(zip(*columns.values())):
            where = lines[i] if lines is not None else row + i
            raw = _row_transcript(dict(zip(names, record)), attributes, file, where, options, report,
                                  utf8[i] if utf8 is not None else None)
            if raw is not None:
                yield raw
        row += size


def _has_columns(names: list[str], file: Path, options: LoadOptions, report: LoadReport) -> bool:
    missing = [c for c in (options.id_column, options.text_column) if c not in names]
    if missing:
        present = ", ".join(map(str, names[:12]))
        report.add(file, f"missing column(s) {', '.join(missing)}: file skipped (columns are: {present})",
                   hint="rename the columns, or pass --id-column / --text-column")
    return not missing


def _row_transcript(values: dict, attribute_columns: list, file: Path, row: int, options: LoadOptions,
                    report: LoadReport, utf8: bytes | None = None) -> RawTranscript | None:
    text = values[options.text_column]
    transcript_id = _clean_id(values[options.id_column])
    if not isinstance(text, str) or not text or text.isspace():  # isspace stops at the first letter: no copy
        report.add(file, f"row {row} ({transcript_id or 'no id'}): no text, row skipped", line=row)
        return None
    if len(text) > MAX_TRANSCRIPT_CHARS:
        _too_long(file, f"{len(text):,} characters", report, row=row, transcript_id=transcript_id)
        return None
    if not transcript_id:
        transcript_id = f"{file.stem}_row{row}"
        report.add(file, f"row {row}: no {options.id_column}, named {transcript_id!r}", line=row)
    attributes = {c: values[c] for c in attribute_columns if not _blank(values[c])}
    body, header = strip_header(repair_text(text))
    return RawTranscript(transcript_id, body, str(file), header | attributes, utf8 if body is text else None)


def _blank(value) -> bool:
    return value is None or value == "" or (isinstance(value, float) and value != value)


def _clean_id(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


# ---------------------------------------------------------------- metadata
def read_metadata(path: str | Path, report: LoadReport, id_column: str = "transcript_id") -> pd.DataFrame:
    """A metadata table indexed by transcript id (empty, with the problem reported, when unusable)."""
    path = Path(path)
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding_errors="replace")
    except Exception as exc:
        report.add(path, f"metadata could not be read: {exc}", hint="check that it is a CSV file")
        return pd.DataFrame()
    if id_column not in table.columns:
        report.add(path, f"metadata has no {id_column!r} column: ignored", hint=f"add a {id_column} column")
        return pd.DataFrame()
    extra = [c for c in table.columns if c not in (id_column, "occupation")]
    if len(extra) > MAX_ATTRIBUTE_COLUMNS:  # the same bound as a transcripts table's attributes
        report.add(path, f"kept the first {MAX_ATTRIBUTE_COLUMNS:,} of {len(extra):,} metadata columns as "
                         "attributes", hint="remove the columns you do not need from the metadata table")
        table = table.drop(columns=extra[MAX_ATTRIBUTE_COLUMNS:])
    duplicated = table[id_column].duplicated()
    for row in table.index[duplicated]:
        report.add(path, f"row {row + 2}: duplicate id {table.at[row, id_column]!r} in metadata; first row kept",
                   line=row + 2)
    return table[~duplicated].set_index(id_column)
