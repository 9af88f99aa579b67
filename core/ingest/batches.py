"""Input that a worker reads itself: the client only names files, a planner cuts each table into batches
(which byte range or rows), and a worker opens its batch from a local path or an fsspec URL (`s3://`,
`gs://`, `file://`...) and reads it with the same loaders, so no transcript passes through the client.

    units = input_units(["s3://bucket/interviews/"], report)      # on the client: names only
    batches, problems = BatchPlanner(options).plan(units[0])      # anywhere: a table's header and row bounds
    transcripts, rows = read_batch(batches[0], options, report)    # on a worker: core.ingest.batch_reading

How a table is cut, so that every row is read exactly once and exactly as reading the whole file reads it:
- CSV: byte ranges that start at a record, just after a newline outside quotes. A scan counts the quote
  characters before each candidate newline: a quote doubled inside a field counts twice, so the count's parity
  says whether the newline is inside a quoted field, and multi-line fields stay whole. The scan reads the
  file once, without parsing it, in steps (`PlanStep`) whose batches can be read while the next is scanned.
- parquet: row ranges, read through the row groups that hold them.
- anything else (JSONL, whose attribute columns are the union of all its records; compressed tables; text,
  caption and Word files): whole files, consecutive small files grouped into one batch.

A batch knows its first row's number when it is the first of its file. A later CSV batch cannot (a row skipped
as malformed is not numbered, and only parsing the rows before would tell): its worker numbers from 2 and
`read_batch` says how many rows it parsed, so a caller that finds a numbered problem in it reads it again with
the true number, the rows of the batches before.
"""
from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import cast

from core.errors import DataError, Problem
from core.ingest import formats
from core.ingest.loaders import LoadOptions, LoadReport, data_files
from core.ingest.sources import (
    COMPRESSIONS,
    HEAD_BYTES,
    MAGIC,
    Url,
    data_suffix,
    is_compressed,
    is_url,
    local,
    open_location,
)
from core.ingest.tables import (
    TABLE_SUFFIXES,
    chosen_attributes,
    csv_header,
)
from core.ingest.urls import url_files

# A CSV batch: about 2,000 interviews of the public set's length. Each batch costs Dask ~10 ms of the client's
# CPU and ~4 ms of its worker's besides the scoring (`benchmarks/dask_speed.py --overhead`), which with every
# core working comes out of the workers' time: 8 MB batches (103 for 80,000 interviews) spent 0.4 CPU-s more
# of the client's and 0.45 s more of the workers' than these (62), for ~160 MB less at a worker's peak.
BATCH_BYTES = 16 << 20
FIRST_BATCH_BYTES = 2 << 20  # the first few smaller, so that every worker has work early
BATCH_ROWS, FIRST_BATCH_ROWS = 1000, 250  # the same for parquet rows and groups of small files
FIRST_BATCHES = 4
LAST_BYTES = 32 << 20        # a CSV's last bytes in batches as small as the first: the workers end together
SCAN_BYTES = 16 << 20        # the CSV scan reads this much at a time
PLAN_STEP_BYTES = 32 << 20   # a CSV planned in steps: its first batches can start after a scan of this much


@dataclass(frozen=True)
class InputBatch:
    """What one worker reads: `files` whole ("whole"), or of the one file `files[0]` the byte range ("csv")
    or the rows ("parquet") [start, stop). `names`: a CSV's header; `first_row`: the number of the batch's
    first row, None when it is not known yet."""

    kind: str
    files: tuple[str, ...]
    start: int = 0
    stop: int = 0
    names: tuple[str, ...] = ()
    first_row: int | None = None

    def numbered_from(self, row: int) -> InputBatch:
        return replace(self, first_row=row)

    def __str__(self) -> str:
        unit = {"csv": "bytes", "parquet": "rows"}.get(self.kind)
        return f"{self.files[0]} {unit} {self.start:,}-{self.stop:,}" if unit else ", ".join(self.files)


def as_path(file: str) -> Path:
    """The file as the loaders take it: a Path, or a Url that behaves like one."""
    return cast(Path, Url(file)) if is_url(file) else Path(file)


# ---------------------------------------------------------------- on the client: what there is to read
def input_units(paths: list[str], report: LoadReport) -> list[tuple[str, ...]]:
    """The files under `paths` in the order `read_transcripts` reads them, as units a planner takes: each
    table alone, consecutive small files (text, captions, Word) in groups. Only names are listed."""
    units: list[tuple[str, ...]] = []
    group: list[str] = []
    for file in _input_files(paths, report):
        if data_suffix(Path(file)) in TABLE_SUFFIXES:
            units += [tuple(group), (file,)] if group else [(file,)]
            group = []
        else:
            group.append(file)
            if len(group) == (FIRST_BATCH_ROWS if len(units) < FIRST_BATCHES else BATCH_ROWS):
                units.append(tuple(group))
                group = []
    return units + [tuple(group)] if group else units


def _input_files(paths: list[str], report: LoadReport) -> Iterator[str]:
    for path in paths:
        if is_url(path):
            yield from url_files(path, report)
        else:
            yield from (str(f) for f in data_files([local(path)], report) if not formats.is_speakers_table(f))


# ---------------------------------------------------------------- anywhere: cutting a unit into batches
@dataclass(frozen=True)
class CsvScan:
    """How far a scan for a CSV's record starts has got: the bytes read, the parity of the quotes in them, the
    offset at or after which the next start is, how many starts were found and what ends a record (known once
    the first block is read); `done` at the end of the file."""

    scanned: int = 0
    odd: int = 0
    target: int = 1
    found: int = 0
    end: bytes = b"\n"
    done: bool = False


@dataclass(frozen=True)
class PlanStep:
    """A part of a unit's planning: the whole unit, or a CSV's next `budget` bytes from where `scan` stopped.
    `pending`: the start of the batch whose end is not found yet; `names`: the CSV's header, once read."""

    unit: tuple[str, ...]
    budget: int | None = None  # None: the whole unit in this step
    scan: CsvScan = CsvScan()
    pending: int | None = None
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlannedStep:
    """A step's batches and problems, and the step that plans the rest of the unit (None when it is planned)."""

    batches: list[InputBatch]
    problems: list[Problem]
    next: PlanStep | None = None


@dataclass(frozen=True)
class BatchPlanner:
    """Cuts a unit of `input_units` into batches, with the problems found doing so (an empty table, a
    missing column). Picklable, so the reading of headers and the CSV scan can run on a worker.

    A step scans a CSV's next `step.budget` bytes and plans the batches it has found the ends of, so a caller
    can start reading them while the rest is scanned; each next step scans twice as much (fewer round trips).
    A quote's parity at an offset is only known from the file's start, so the steps run one after another."""

    options: LoadOptions

    def plan(self, unit: tuple[str, ...], budget: int | None = None) -> tuple[list[InputBatch], list[Problem]]:
        """The whole unit's batches and problems, in steps of `budget` bytes and more (None: one step)."""
        batches: list[InputBatch] = []
        problems: list[Problem] = []
        step: PlanStep | None = PlanStep(unit, budget)
        while step is not None:
            planned = self(step)
            batches += planned.batches
            problems += planned.problems
            step = planned.next
        return batches, problems

    def __call__(self, step: PlanStep) -> PlannedStep:
        report = LoadReport()
        file = step.unit[0]
        suffix = data_suffix(Path(Url(file).name))
        try:
            if len(step.unit) == 1 and suffix == ".csv" and (step.scan.scanned or not _compressed(file)):
                return _csv_step(step, self.options, report)
            if len(step.unit) == 1 and suffix == ".parquet" and not _compressed(file):
                return PlannedStep(_parquet_batches(file, self.options, report), report.problems)
        except OSError as exc:
            raise unreadable_by_a_worker(file, exc) from None
        return PlannedStep([InputBatch("whole", step.unit)], [])


def _compressed(file: str) -> bool:
    if not is_url(file):
        return is_compressed(Path(file))
    if Path(Url(file).name).suffix.lower() in COMPRESSIONS:
        return True
    with open_location(file) as stream:
        head = stream.read(HEAD_BYTES)
    return any(magic.match(head) for magic in MAGIC)


def _csv_step(step: PlanStep, options: LoadOptions, report: LoadReport) -> PlannedStep:
    file = step.unit[0]
    with open_location(file) as stream:
        starts, scan = scan_record_starts(stream, step.scan, step.budget)
    names = step.names
    if step.pending is None and starts:  # the first record after the header: the header is known whole
        with open_location(file) as stream:
            names = tuple(csv_header(stream))
        if chosen_attributes(list(names), as_path(file), options, report) is None:
            return PlannedStep([], report.problems)
    elif step.pending is None and scan.done:  # no record end found after a header (an empty file, or line ends
        return PlannedStep([InputBatch("whole", (file,))], [])  # the scan cannot tell apart): its loader reads it
    bounds = [*([] if step.pending is None else [step.pending]), *starts, *([scan.scanned] if scan.done else [])]
    first = step.scan.found <= 1  # no batch planned before this step (the one pending, if any, is the first)
    batches = [InputBatch("csv", (file,), start, stop, names, 2 if first and i == 0 else None)
               for i, (start, stop) in enumerate(zip(bounds, bounds[1:])) if start < stop]
    rest = None if scan.done else PlanStep(step.unit, step.budget and 2 * step.budget, scan,
                                           bounds[-1] if bounds else None, names)
    return PlannedStep(batches, report.problems, rest)


def scan_record_starts(stream, scan: CsvScan, budget: int | None = None) -> tuple[list[int], CsvScan]:
    """Offsets in a CSV where batches start, each just after a record's end outside quotes (the first one
    after the header), FIRST_BATCH_BYTES and then BATCH_BYTES apart or a little more, and FIRST_BATCH_BYTES
    again in the file's LAST_BYTES: those in the next `budget` bytes or more of `stream` after `scan` (None: to
    the end), and how far the scan got. The same starts in any steps as in one. A record ends at a newline, or
    at a lone carriage return in a file whose header ends so (old Mac exports).

    >>> import io
    >>> scan_record_starts(io.BytesIO(b'id,text\\n1,"a\\nb"\\n2,c\\n'), CsvScan())[0]
    [8]
    >>> scan_record_starts(io.BytesIO(b'id,text\\r1,"a\\rb"\\r2,c\\r'), CsvScan())
    ([8], CsvScan(scanned=20, odd=0, target=2097160, found=1, end=b'\\r', done=True))
    """
    last_batches = stream.seek(0, io.SEEK_END) - LAST_BYTES  # where they start
    stream.seek(scan.scanned)
    starts: list[int] = []
    first = scan.scanned
    while budget is None or scan.scanned - first < budget:
        block = stream.read(SCAN_BYTES)
        if not block:
            return starts, replace(scan, done=True)
        scan = _block_scan(block, scan, starts, last_batches)
    return starts, scan


def _block_scan(block: bytes, scan: CsvScan, starts: list[int], last_batches: int) -> CsvScan:
    """`scan` after `block`, the record starts found in it appended to `starts`."""
    base, target, odd, found = scan.scanned, scan.target, scan.odd, scan.found
    end = record_end(block) if base == 0 else scan.end
    counted = 0  # the quotes before `counted` are in `odd`
    while (at := max(target - base, counted)) < len(block) and (newline := block.find(end, at)) >= 0:
        odd ^= block.count(b'"', counted, newline) & 1
        counted = newline + 1
        if not odd:
            starts.append(base + counted)
            found += 1
            small = found <= FIRST_BATCHES or base + counted + BATCH_BYTES > last_batches
            target = base + counted + (FIRST_BATCH_BYTES if small else BATCH_BYTES)
    odd ^= block.count(b'"', counted) & 1
    return CsvScan(base + len(block), odd, target, found, end)


def record_end(head: bytes) -> bytes:
    """What ends a record in the CSV that starts with `head`: a carriage return when the first line break
    outside quotes is a lone one (old Mac exports), else a newline (which also ends "\\r\\n" records).

    >>> record_end(b'id,"te\\nxt"\\r1,a\\r'), record_end(b'id,text\\r\\n1,a\\r\\n'), record_end(b'id,text')
    (b'\\r', b'\\n', b'\\n')
    """
    odd, counted = 0, 0
    for found in re.finditer(rb"[\r\n]", head):
        odd, counted = odd ^ head.count(b'"', counted, found.start()) & 1, found.start()
        if not odd:
            lone = found.group() == b"\r" and head[found.end():found.end() + 1] not in (b"\n", b"")
            return b"\r" if lone else b"\n"
    return b"\n"


def _parquet_batches(file: str, options: LoadOptions, report: LoadReport) -> list[InputBatch]:
    import pyarrow.parquet as pq

    with open_location(file) as stream:
        parquet = pq.ParquetFile(stream)
        names, size = parquet.schema_arrow.names, parquet.metadata.num_rows
    if chosen_attributes(names, as_path(file), options, report) is None:
        return []
    bounds = [0]
    while bounds[-1] < size:
        bounds.append(min(size, bounds[-1] + (FIRST_BATCH_ROWS if len(bounds) <= FIRST_BATCHES else BATCH_ROWS)))
    return [InputBatch("parquet", (file,), start, stop, first_row=start + 1) for start, stop in zip(bounds, bounds[1:])]


def unreadable_by_a_worker(where: str, exc: Exception) -> DataError:
    return DataError(f"{where}: could not be read by a worker ({type(exc).__name__}: {exc})",
                     hint="every worker must reach the data: a folder they all mount, or a URL (s3://, gs://) "
                          "they can read; run again if the file was being written")
