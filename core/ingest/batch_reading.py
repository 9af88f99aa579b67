"""A worker reading its batch itself (`core.ingest.batches` plans them): a CSV byte range, parquet rows or
whole files, from a local path or an fsspec URL, through the same loaders as a local folder, so no transcript
passes through the client.

    transcripts, rows = read_batch(batch, options, report)
"""
from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pyarrow as pa

from core.errors import Problem
from core.ingest.batches import InputBatch, as_path, unreadable_by_a_worker
from core.ingest.loaders import LoadOptions, LoadReport, RawTranscript, read_file
from core.ingest.sources import Url, is_url, open_location
from core.ingest.tables import CHUNK_ROWS, Columns, chosen_attributes, csv_chunks, table_rows
from core.ingest.urls import speakers_table_url


def read_batch(batch: InputBatch, options: LoadOptions, report: LoadReport) -> tuple[list[RawTranscript], int]:
    """The batch's transcripts (ids not yet made unique across batches) and the number of table rows
    parsed; problems go to `report`. DataError, naming the batch, when its file cannot be opened."""
    try:
        if batch.kind == "whole":
            transcripts = _whole_files(batch.files, options, report)
            return transcripts, len(transcripts)
        counter = _Counter()
        chunks = counter.counted(_csv_range(batch, options, report) if batch.kind == "csv"
                                 else _parquet_rows(batch, options))
        attributes = chosen_attributes(_names(batch), as_path(batch.files[0]), options, LoadReport()) or []
        rows = table_rows(chunks, as_path(batch.files[0]), options, report, attributes,
                          first_row=batch.first_row or 2)
        return list(rows), counter.rows
    except (OSError, pa.ArrowException) as exc:
        raise unreadable_by_a_worker(str(batch), exc) from None


def _names(batch: InputBatch) -> list[str]:
    if batch.kind == "csv":
        return list(batch.names)
    import pyarrow.parquet as pq
    with open_location(batch.files[0]) as stream:
        return pq.ParquetFile(stream).schema_arrow.names


class _Counter:
    """Counts the rows of the chunks passing through."""

    rows = 0

    def counted(self, chunks: Iterator[Columns]) -> Iterator[Columns]:
        for columns in chunks:
            self.rows += len(next(iter(columns.values()), []))
            yield columns


def _csv_range(batch: InputBatch, options: LoadOptions, report: LoadReport) -> Iterator[Columns]:
    file = batch.files[0]
    with open_location(file) as stream:
        stream.seek(batch.start)
        data = stream.read(batch.stop - batch.start)
    if len(data) != batch.stop - batch.start:
        raise OSError(f"{len(data):,} bytes where {batch.stop - batch.start:,} were planned (did the file change?)")
    names = list(batch.names)
    wanted = [*dict.fromkeys([options.id_column, options.text_column]),
              *(chosen_attributes(names, as_path(file), options, LoadReport()) or [])]
    yield from csv_chunks(as_path(file), names, wanted, options, report,
                          source=lambda: contextlib.nullcontext(pa.BufferReader(data)), size=len(data), skip_rows=0)


def _parquet_rows(batch: InputBatch, options: LoadOptions) -> Iterator[Columns]:
    import pyarrow.parquet as pq

    with open_location(batch.files[0]) as stream:
        parquet = pq.ParquetFile(stream)
        names = parquet.schema_arrow.names
        wanted = [*dict.fromkeys([options.id_column, options.text_column]),
                  *(chosen_attributes(names, as_path(batch.files[0]), options, LoadReport()) or [])]
        groups, first = _row_groups(parquet.metadata, batch.start, batch.stop)
        table = parquet.read_row_groups(groups, columns=wanted).slice(batch.start - first, batch.stop - batch.start)
    for part in table.to_batches(max_chunksize=CHUNK_ROWS):
        yield part.to_pydict()


def _row_groups(metadata, start: int, stop: int) -> tuple[list[int], int]:
    """The row groups holding rows [start, stop), and the number of the first row of the first of them."""
    groups, first, row = [], None, 0
    for group in range(metadata.num_row_groups):
        rows = metadata.row_group(group).num_rows
        if row < stop and row + rows > start:
            groups.append(group)
            first = row if first is None else first
        row += rows
    return groups, first or 0


def _whole_files(files: tuple[str, ...], options: LoadOptions, report: LoadReport) -> list[RawTranscript]:
    """Files read whole by their loaders. A URL is copied to a temporary folder first, beside a copy of the
    speakers table of its own folder, so that the loaders see what a local folder shows them; what is read
    from a copy is named by its URL."""
    with tempfile.TemporaryDirectory() as temporary:
        copies = _UrlCopies(Path(temporary))
        transcripts = [raw for file in files for raw in (
            copies.read(file, options) if is_url(file) else read_file(Path(file), options, report))]
    report.problems += copies.problems()
    return transcripts


@dataclass
class _UrlCopies:
    """Local copies of a batch's URL files under `root`: a folder for each URL folder, holding a copy of its
    speakers table while its files are read one at a time. One report for the batch, so that a problem of a
    speakers table is said once, as when a local folder is read."""

    root: Path
    folders: dict[str, Path] = field(default_factory=dict)  # URL folder -> its local copy
    found: LoadReport = field(default_factory=LoadReport)

    def read(self, file: str, options: LoadOptions) -> list[RawTranscript]:
        copy = self._folder(file.rsplit("/", 1)[0]) / Url(file).name
        _copy(file, copy)
        try:
            return [replace(raw, source=file) for raw in read_file(copy, options, self.found)]
        finally:
            copy.unlink()

    def _folder(self, url: str) -> Path:
        if url not in self.folders:
            folder = self.folders[url] = self.root / str(len(self.folders))
            folder.mkdir()
            speakers = speakers_table_url(url)
            if speakers is not None:
                _copy(speakers, folder / Url(speakers).name)
        return self.folders[url]

    def problems(self) -> list[Problem]:
        """The problems found, each copy's path in them (file, message, hint) written as its URL."""
        def named_by_url(text: str) -> str:
            for url, folder in self.folders.items():
                text = text.replace(f"{folder}/", f"{url}/")
            return text

        return [replace(p, file=named_by_url(p.file), message=named_by_url(p.message),
                        hint=p.hint and named_by_url(p.hint)) for p in self.found.problems]


def _copy(url: str, to: Path) -> None:
    with open_location(url) as stream, to.open("wb") as out:
        while chunk := stream.read(1 << 20):
            out.write(chunk)
