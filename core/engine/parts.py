"""A run's tables as parquet parts, one file per batch and table, in a folder (or at a URL) any reader opens:

    <results>/transcripts/part-00000.parquet   one row per transcript (without the metadata merged later)
    <results>/themes/part-00000.parquet        transcript x theme
    <results>/hits/part-00000.parquet          one row per hit
    <results>/cancelled/part-00000.parquet     hits a negator or hedge cancelled, with the reason
    <results>/manifest.json                    written last: the number of batches and rows of each table

A streamed run (`pipeline.analyse(..., results=...)`, or a large corpus) and a Dask run write them batch by
batch, so no process ever holds every batch's hits; `load_table` reads one table back whole for the
consumers that need every row, `part_files` names the files for those that query them (DuckDB, pyarrow).
Local folders are written with plain file calls; URLs (s3://, gs://) through fsspec (themescope[cluster]).
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from core.errors import DataError
from core.ingest.sources import is_url

if TYPE_CHECKING:
    from core.engine.results import Analysis

TABLES = ("transcripts", "themes", "hits", "cancelled")
MANIFEST = "manifest.json"
# Character offsets: nearly one distinct value per hit, rising within a transcript. Delta encoding writes them
# faster and smaller than a dictionary (per batch of 1,000: 656 against 815 KB for the four parts).
OFFSET_COLUMNS = frozenset({"start", "end", "passage_start", "passage_end", "turn_start", "turn_end"})


def part_path(results: str, table: str, number: int) -> str:
    return f"{results.rstrip('/')}/{table}/part-{number:05d}.parquet"


def write_parts(results: str, number: int, scores: Analysis) -> dict[str, int]:
    """Batch `number`'s four tables as parts; the rows written per table."""
    rows = {}
    for table in TABLES:
        frame = getattr(scores, table)
        data = pa.Table.from_pandas(frame, preserve_index=False, nthreads=1)  # a pool per table costs more
        path = part_path(results, table, number)
        if is_url(results):
            import fsspec  # installed with themescope[cluster]

            fs, root = fsspec.core.url_to_fs(path)
            fs.makedirs(root.rsplit("/", 1)[0], exist_ok=True)
            with fs.open(root, "wb") as out:
                pq.write_table(data, out, **parquet_options(data.schema))
        else:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(data, path, **parquet_options(data.schema))
        rows[table] = len(frame)
    return rows


def parquet_options(schema: pa.Schema) -> dict:
    """How a part's columns are written: offsets delta-encoded (`OFFSET_COLUMNS`), the rest with a dictionary;
    min/max statistics only where a reader can use them (numbers, which DuckDB's `similarity < 100` skips
    with, and the transcript ids): no query filters on a range of themes, terms or matched texts, and their
    statistics cost a tenth of the writing (comparing every string)."""
    offsets = [field.name for field in schema if field.name in OFFSET_COLUMNS and pa.types.is_integer(field.type)]
    texts = {field.name for field in schema if pa.types.is_large_string(field.type) or pa.types.is_string(field.type)}
    return {"use_dictionary": [name for name in schema.names if name not in offsets],
            "column_encoding": dict.fromkeys(offsets, "DELTA_BINARY_PACKED"),
            "write_statistics": [name for name in schema.names if name not in texts or name == "transcript_id"]}


def clear_parts(results: str) -> None:
    """Remove the parts and manifest of an earlier run, which may have had more batches."""
    if is_url(results):
        import fsspec

        fs, root = fsspec.core.url_to_fs(results)
        old = [path for table in TABLES for path in fs.glob(f"{root.rstrip('/')}/{table}/part-*.parquet")]
        old += fs.glob(f"{root.rstrip('/')}/{MANIFEST}")
        if old:
            fs.rm(old)
        return
    folder = Path(results)
    for path in [*folder.glob("*/part-*.parquet"), folder / MANIFEST]:
        path.unlink(missing_ok=True)


def write_manifest(results: str, batches: int, rows: dict[str, int], codebook_hash: str) -> None:
    """The parts are complete: how many batches, how many rows of each table, scored with which codebook."""
    text = json.dumps({"batches": batches, "rows": rows, "codebook": codebook_hash, "tables": list(TABLES)})
    if is_url(results):
        import fsspec

        with fsspec.open(f"{results.rstrip('/')}/{MANIFEST}", "w") as out:
            out.write(text)
    else:
        (Path(results) / MANIFEST).write_text(text, encoding="utf-8")


def read_manifest(results: str) -> dict | None:
    """The manifest of a complete set of parts; None when there is none (a run still going, or stopped)."""
    try:
        if is_url(results):
            import fsspec

            with fsspec.open(f"{results.rstrip('/')}/{MANIFEST}", "r") as handle:
                return json.load(handle)
        return json.loads((Path(results) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def copy_parts(source: str, destination: str, batches: int) -> None:
    """The parts of a complete run copied from one local folder to another, the manifest last (so a copy cut
    short is never read as complete). Copies, not links: a reader writing into the destination must never
    change a run kept in the cache."""
    clear_parts(destination)
    for table in TABLES:
        (Path(destination) / table).mkdir(parents=True, exist_ok=True)
        for number in range(batches):
            shutil.copyfile(part_path(source, table, number), part_path(destination, table, number))
    shutil.copyfile(Path(source) / MANIFEST, Path(destination) / MANIFEST)


def part_files(results: str, table: str, batches: int) -> list[str]:
    """The part files of one table, in batch order (the order of a local run's rows)."""
    return [part_path(results, table, number) for number in range(batches)]


def load_table(results: str, table: str, batches: int) -> pd.DataFrame:
    """One table whole, its rows in batch order: as an in-memory run gives it."""
    try:
        return pd.concat([pd.read_parquet(path) for path in part_files(results, table, batches)],
                         ignore_index=True)
    except (OSError, pa.ArrowException) as error:
        raise DataError(f"{results}: the {table} parts cannot be read ({error})",
                        hint="score the corpus again: a part is missing or damaged") from None
