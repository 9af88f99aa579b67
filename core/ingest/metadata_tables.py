"""Metadata tables: a CSV of attributes (and perhaps a given occupation) per transcript id, given with
--metadata or found inside a data folder as metadata*.csv, where it is not read as transcripts.

    table = read_metadata("metadata.csv", report)    # indexed by transcript id
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from core.ingest.model import MAX_ATTRIBUTE_COLUMNS, LoadReport
from core.ingest.sources import folder_files, open_location


def folder_metadata_files(folder: Path) -> list[Path]:
    """The metadata tables (metadata*.csv) inside a data folder, found by the same bounded walk as its
    transcripts (whose reading reports the walk's problems, so they are not reported twice)."""
    return sorted(file for file in folder_files(folder, LoadReport()) if is_metadata_table(file))


def is_metadata_table(path: Path) -> bool:
    """Metadata tables found inside a data folder (metadata.csv, metadata_1.csv) are not transcripts."""
    return path.suffix.lower() == ".csv" and path.stem.lower().startswith("metadata")


def read_metadata(path: str | Path, report: LoadReport, id_column: str = "transcript_id") -> pd.DataFrame:
    """A metadata table (a local path or an fsspec URL) indexed by transcript id (empty, with the problem
    reported, when unusable)."""
    try:
        with open_location(path) as stream:
            table = pd.read_csv(stream, dtype=str, keep_default_na=False, encoding_errors="replace")
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
