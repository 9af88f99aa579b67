"""Metadata tables merged into the transcripts table, and the one rule for occupations they give.

    merged = with_metadata(transcripts, metadata_files(["data"], None), report, codebook)

A metadata `occupation` wins over the one the codebook infers: `override_occupations` is the only place
that says so, used when the files are scored and when a cached corpus is scored again after an edit.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from core.codebook.model import Codebook
from core.engine.results import positions_in
from core.ingest.loaders import LoadReport
from core.ingest.metadata_tables import folder_metadata_files, read_metadata
from core.ingest.sources import is_url, local
from core.ingest.urls import url_metadata_files

METADATA = "metadata"  # the occupation_evidence of an occupation given by a metadata table


def metadata_files(paths: list[str], metadata) -> list[Path | str]:
    """The metadata tables to merge: those given, plus any metadata*.csv inside the data folders; local
    tables as Paths, tables at fsspec URLs (given, or inside a folder URL) as their URL."""
    given = [] if metadata is None else [metadata] if isinstance(metadata, (str, Path)) else list(metadata)
    found = [f for p in paths for f in (url_metadata_files(p) if is_url(p) else _folder_metadata_files(local(p)))]
    return list(dict.fromkeys(str(f) if is_url(f) else local(f) for f in [*given, *found]))


def _folder_metadata_files(path: Path) -> list[Path]:
    return folder_metadata_files(path) if path.is_dir() else []


def with_metadata(transcripts: pd.DataFrame, files: list[Path | str], report: LoadReport,
                  codebook: Codebook) -> pd.DataFrame:
    """Merge metadata tables by transcript id: their columns become attributes, their occupations win."""
    report.problems += codebook.notes  # a missing job-title file: said once here, so it is kept with cached results
    tables = [t for t in (read_metadata(f, report) for f in files) if not t.empty]
    if not tables or transcripts.empty:
        return transcripts
    table = pd.concat(tables)
    table = table[~table.index.duplicated()]
    unknown = table.index.difference(transcripts["transcript_id"])
    if len(unknown):
        report.add(", ".join(map(str, files)), f"{len(unknown)} metadata id(s) match no transcript, "
                   f"e.g. {unknown[0]!r}", hint="check the transcript_id column")
    merged = transcripts.merge(table.drop(columns=["occupation"], errors="ignore"), how="left",
                               left_on="transcript_id", right_index=True, suffixes=("", "_metadata"))
    if "occupation" not in table.columns:
        return merged
    given = table["occupation"].fillna("").astype(str).str.strip()
    given = given[(given != "") & given.index.isin(transcripts["transcript_id"])]
    _report_unknown_occupations(given, codebook, report, files)
    return override_occupations(merged, given)


def override_occupations(transcripts: pd.DataFrame, given: pd.Series) -> pd.DataFrame:
    """`given` (transcript id -> occupation) replaces the inferred occupation, with evidence "metadata",
    confidence 1, source "metadata" and no doubt: the one rule for "a metadata occupation wins"."""
    rows = transcripts["transcript_id"].isin(given.index).to_numpy()
    if not rows.any():
        return transcripts
    transcripts = transcripts.copy()
    transcripts.loc[rows, "occupation"] = transcripts.loc[rows, "transcript_id"].map(given).to_numpy()
    transcripts.loc[rows, "occupation_evidence"] = METADATA
    transcripts.loc[rows, "occupation_confidence"] = 1.0
    transcripts.loc[rows, "occupation_source"] = METADATA
    transcripts.loc[rows, "occupation_uncertain"] = False
    for offset in ("occupation_start", "occupation_end"):
        if offset in transcripts:
            transcripts.loc[rows, offset] = -1
    return transcripts


def keep_metadata_occupations(transcripts: pd.DataFrame, saved: pd.DataFrame | None) -> pd.DataFrame:
    """A scoring's transcripts rows with the occupations a metadata table gave in `saved` (a saved analysis's
    transcripts table) kept as given (the codebook does not decide them), and its metadata attribute columns."""
    if saved is None or saved.empty:
        return transcripts
    extra = [c for c in saved.columns if c not in transcripts.columns]
    merged = transcripts.merge(saved[["transcript_id", *extra]], on="transcript_id", how="left") \
        if extra else transcripts.copy()
    return override_occupations(merged, given_occupations(saved))


def with_rows_of(saved: pd.DataFrame, scored: pd.DataFrame) -> pd.DataFrame:
    """`saved` (a transcripts table) with the rows of the transcripts scored again (`scored`) replaced by those
    (`keep_metadata_occupations`), in `saved`'s order."""
    fresh = keep_metadata_occupations(scored, saved)
    take = np.arange(len(saved))
    take[positions_in(fresh["transcript_id"], saved["transcript_id"])] = len(saved) + np.arange(len(fresh))
    return pd.concat([saved, fresh[saved.columns]], ignore_index=True).iloc[take].reset_index(drop=True)


def given_occupations(transcripts: pd.DataFrame) -> pd.Series:
    """transcript id -> occupation of the rows whose occupation came from metadata."""
    rows = transcripts["occupation_evidence"] == METADATA
    return pd.Series(transcripts.loc[rows, "occupation"].to_numpy(), index=transcripts.loc[rows, "transcript_id"])


def _report_unknown_occupations(values: pd.Series, codebook: Codebook, report: LoadReport, files) -> None:
    unknown = sorted(set(values) - set(codebook.occupation_ids))
    if unknown:
        report.add(", ".join(map(str, files)), "occupation value(s) not in the codebook, kept as given: "
                   + ", ".join(unknown[:5]), hint="use the codebook's occupation ids")
