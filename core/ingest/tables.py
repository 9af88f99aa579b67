"""Readers of tables of transcripts, a row each: CSV, JSONL and parquet. Tables are read in chunks
(`Columns`), so a large file never sits in memory whole; the id and text columns are named by `LoadOptions`
and the other columns become attributes (at most MAX_ATTRIBUTE_COLUMNS unless chosen).

    transcripts = list(transcripts_of(read_csv_table(Path("interviews.csv"), LoadOptions(), report)))

A CSV's rows whose texts every check passes as they are come as `PlainRun`s (no object per transcript); the other
readers give `RawTranscript`s. A worker reading one byte range of a CSV (`core.ingest.batches`) uses `csv_chunks`
and `table_rows` the same way.
"""
from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv

from core.ingest import model
from core.ingest.chunk_texts import ChunkTexts
from core.ingest.model import (
    MAX_ATTRIBUTE_COLUMNS,
    Loaded,
    LoadOptions,
    LoadReport,
    PlainRun,
    RawTranscript,
    too_long,
    transcripts_of,
)
from core.ingest.sources import is_compressed, open_data
from core.ingest.text import repair_text
from core.ingest.turns import strip_header

TABLE_SUFFIXES = (".csv", ".jsonl", ".parquet")
CHUNK_ROWS = 2_000
CSV_BLOCK_BYTES = 2 << 20  # Arrow parses a CSV this many bytes at a time (8 MB blocks held 300 MB in read-ahead)
MAX_CSV_BLOCK_BYTES = 1 << 30  # a block this large holds any row Arrow can hold
Columns = dict[str, Any]  # a chunk of a table: column name -> its values (a list), rows in order; UTF8 below
UTF8 = "__utf8__"  # in a chunk: the text column's values as the file's bytes (`ChunkTexts`)


def read_csv_table(file: Path, options: LoadOptions, report: LoadReport) -> Iterator[Loaded]:
    names = _csv_header(file)
    if not names:
        report.add(file, "empty file skipped")
        return
    attributes = chosen_attributes(names, file, options, report)
    if attributes is not None:
        chunks = csv_chunks(file, names, [*dict.fromkeys([options.id_column, options.text_column]), *attributes],
                             options, report)
        yield from table_runs(chunks, file, options, report, attributes, first_row=2)  # row 1: the header


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
        if batch.num_rows:
            yield _chunk_columns(batch, file, options, report)


def _chunk_columns(batch: pa.RecordBatch, file: Path, options: LoadOptions, report: LoadReport) -> Columns:
    """A parsed chunk's columns, decoded (bytes that are not UTF-8 reported and read as Windows-1252); a text
    column Arrow finds to be UTF-8 is kept as the file's bytes instead (`ChunkTexts`, under UTF8): decoded only
    where a check needs them (`_row_transcript`), sent to the workers and stored in the shard cache as they are."""
    columns: Columns = {}
    for name, column in zip(batch.schema.names, batch.columns):
        if name == options.text_column and _valid_utf8(column):
            columns[name], columns[UTF8] = [None] * len(column), ChunkTexts.of(column)
            continue
        values = column.to_pylist()
        strict = _utf8(values)
        columns[name] = strict if strict is not None else \
            _decoded(values, batch.column(options.id_column).to_pylist(), file, report)
    return columns


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


def _valid_utf8(column: pa.Array) -> bool:
    """Whether every value of a binary column is UTF-8 (Arrow checks it some ten times faster than decoding)."""
    try:
        column.cast(pa.string())
    except pa.ArrowInvalid:
        return False
    return True


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
    return transcripts_of(table_runs(chunks, file, options, report, attributes, first_row=first_row))


def table_runs(chunks: Iterable[Columns], file: Path, options: LoadOptions, report: LoadReport,
               attributes: list[str], *, first_row: int) -> Iterator[Loaded]:
    """`table_rows`, with consecutive rows whose texts are kept as read (plain, `ChunkTexts.plain`, and with an
    id) given as one `PlainRun` each: no Python object per transcript for most rows of a large CSV."""
    row = first_row
    for columns in chunks:
        size = len(next(iter(columns.values()), []))
        if size:
            yield from _chunk_runs(columns, file, row, options, report, attributes)
        row += size


def _chunk_runs(columns: Columns, file: Path, row: int, options: LoadOptions, report: LoadReport,
                attributes: list[str]) -> Iterator[Loaded]:
    """One chunk's transcripts (its first row is numbered `row`): the runs of plain texts with an id between
    the other rows, which are read one by one (`_row_transcript`) in their place."""
    lines, texts = columns.pop("__line__", None), columns.pop(UTF8, None)
    ids = _clean_ids(columns[options.id_column])
    plain = texts.plain() if texts is not None else np.zeros(len(ids), bool)
    named = np.array([bool(transcript_id) for transcript_id in ids], bool)  # a row without one is reported
    source, start = str(file), 0
    for alone in [*np.flatnonzero(~(plain & named)).tolist(), len(ids)]:
        if alone > start:
            yield PlainRun(ids[start:alone], texts.utf8, texts.bounds[start:alone + 1],
                           source, _attribute_rows(columns, attributes, start, alone))
        if alone < len(ids):
            raw = _row_transcript({name: values[alone] for name, values in columns.items()}, attributes, file,
                                  lines[alone] if lines is not None else row + alone, options, report,
                                  texts[alone] if texts is not None else None, plain=bool(plain[alone]))
            if raw is not None:
                yield raw
        start = alone + 1


def _has_columns(names: list[str], file: Path, options: LoadOptions, report: LoadReport) -> bool:
    missing = [c for c in (options.id_column, options.text_column) if c not in names]
    if missing:
        present = ", ".join(map(str, names[:12]))
        report.add(file, f"missing column(s) {', '.join(missing)}: file skipped (columns are: {present})",
                   hint="rename the columns, or pass --id-column / --text-column")
    return not missing


def _row_transcript(values: dict, attribute_columns: list, file: Path, row: int, options: LoadOptions,
                    report: LoadReport, utf8: bytes | None = None, *, plain: bool = False) -> RawTranscript | None:
    """The row's transcript, its text repaired and its export header taken off. A text given as None is `utf8`,
    valid UTF-8 not decoded yet: a `plain` one (`ChunkTexts.plain`) is kept undecoded, as every check passes it
    unchanged."""
    text = values[options.text_column]
    transcript_id = _clean_id(values[options.id_column])
    if text is None and utf8 is not None:
        if plain:
            return RawTranscript(_named(transcript_id, file, row, options, report), None, str(file),
                                 _attributes(values, attribute_columns), utf8)
        text = utf8.decode("utf-8")
    if not isinstance(text, str) or not text or text.isspace():  # isspace stops at the first letter: no copy
        report.add(file, f"row {row} ({transcript_id or 'no id'}): no text, row skipped", line=row)
        return None
    if len(text) > model.MAX_TRANSCRIPT_CHARS:
        too_long(file, f"{len(text):,} characters", report, row=row, transcript_id=transcript_id)
        return None
    body, header = strip_header(repair_text(text, utf8))
    return RawTranscript(_named(transcript_id, file, row, options, report), body, str(file),
                         header | _attributes(values, attribute_columns), utf8 if body is text else None)


def _named(transcript_id: str, file: Path, row: int, options: LoadOptions, report: LoadReport) -> str:
    """The row's id, or, for a row without one, a name made from the file and row (reported)."""
    if not transcript_id:
        transcript_id = f"{file.stem}_row{row}"
        report.add(file, f"row {row}: no {options.id_column}, named {transcript_id!r}", line=row)
    return transcript_id


def _attributes(values: dict, attribute_columns: list) -> dict:
    return {c: values[c] for c in attribute_columns if not _blank(values[c])}


def _attribute_rows(columns: Columns, attribute_columns: list, start: int, stop: int) -> list[dict]:
    """`_attributes` of rows start..stop of a chunk."""
    if not attribute_columns:
        return [{} for _ in range(stop - start)]
    return [_attributes(dict(zip(attribute_columns, values)), attribute_columns)
            for values in zip(*(columns[name][start:stop] for name in attribute_columns))]


def _blank(value) -> bool:
    return value is None or value == "" or (isinstance(value, float) and value != value)


def _clean_ids(values: list) -> list[str]:
    """`_clean_id` of each value: a string (every id of a CSV) stripped without a call."""
    return [value.strip() if type(value) is str else _clean_id(value) for value in values]


def _clean_id(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()

