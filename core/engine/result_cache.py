"""A run's results in the cache: its tables (or, for a streamed run, its transcripts beside its parquet parts)
and the info that goes with them (load report, codebook, batches), each table with its size and sha256.

    save_results(folder, tables, {"report": report.to_dict(), "codebook": hash}, notes)
    tables, info = load_results(folder, notes)       # None when not cached, or damaged (then removed)

RESULTS_FORMAT is the layout of these tables: a new column means a new format and a new key.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow as pa

from core.engine import checksums
from core.engine.checksums import parquet_bytes, read_checked
from core.engine.parts import read_manifest
from core.engine.results import HIT_COLUMNS
from core.files import write_atomically
from core.ingest.loaders import LoadReport

RESULT_TABLES = ("transcripts", "themes", "hits", "cancelled")  # the tables of results.Analysis
# The layout of cached results, part of their key and written in their info.json. Raise it whenever the tables
# gain or change columns (2: every hit carries its passage and turn bounds), so older entries are computed
# again, never read as if they had the new columns.
RESULTS_FORMAT = 2


def save_results(folder: Path, tables: dict[str, pd.DataFrame], info: dict, report: LoadReport) -> None:
    """Keep a run's tables, with the size and sha256 of each in info.json; a cache folder that cannot be
    written (read-only, full) is a warning in `report`: the results were computed and are returned all the same."""
    staging = None
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
        sums = {name: checksums.write_checked(staging / f"{name}.parquet",
                                     parquet_bytes(pa.Table.from_pandas(tables[name], preserve_index=False)))
                for name in RESULT_TABLES}
        (staging / "info.json").write_text(json.dumps({**info, "format": RESULTS_FORMAT, "tables": sums}, default=str))
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(staging, folder)
    except OSError as error:
        report.add(folder, f"results not kept in the cache ({error.strerror or error})",
                   hint="free some space or pass --cache-dir with a writable folder")
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)


def load_results(folder: Path, report: LoadReport) -> tuple[dict[str, pd.DataFrame], dict] | None:
    """A run's tables and info, None when they are not cached; a damaged entry (unreadable, or a table whose
    bytes are not those written) is removed, with a warning in `report`, and None returned so the results are
    computed again."""
    if not (folder / "info.json").exists():
        return None
    try:
        info = json.loads((folder / "info.json").read_text())
        _check_info(info)
        tables = {name: read_checked(folder / f"{name}.parquet", info["tables"][name]) for name in RESULT_TABLES}
        _check_hit_columns(tables)
        return tables, info
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as error:
        report.add(folder, f"damaged cache entry discarded and rebuilt ({type(error).__name__}: {error})")
        shutil.rmtree(folder, ignore_errors=True)
        return None


STREAMED_INFO = "streamed.json"  # beside a streamed run's parts/ in its results folder, written last


def save_streamed(folder: Path, transcripts: pd.DataFrame, info: dict, report: LoadReport) -> None:
    """Keep a streamed run: its parts are already in folder/parts; the transcripts table (with the metadata
    merged) and the info (load report, codebook, batches) go beside them, info last, so an interrupted save
    is never read as complete."""
    try:
        sums = checksums.write_checked(folder / "transcripts.parquet",
                              parquet_bytes(pa.Table.from_pandas(transcripts, preserve_index=False)))
        write_atomically(folder / STREAMED_INFO, json.dumps(
            {**info, "format": RESULTS_FORMAT, "tables": {"transcripts": sums}}, default=str).encode())
    except OSError as error:
        report.add(folder, f"results not kept in the cache ({error.strerror or error})",
                   hint="free some space or pass --cache-dir with a writable folder")


def load_streamed(folder: Path, report: LoadReport) -> tuple[pd.DataFrame, dict] | None:
    """A kept streamed run's transcripts and info, None when there is none; a damaged one (its transcripts
    not as written, or parts whose manifest does not match) is removed with a warning, and None returned."""
    if not (folder / STREAMED_INFO).exists():
        return None

    try:
        info = json.loads((folder / STREAMED_INFO).read_text())
        _check_info(info)
        manifest = read_manifest(str(folder / "parts"))
        if manifest is None or manifest.get("batches") != info.get("batches") \
                or manifest.get("codebook") != info.get("codebook"):
            raise ValueError("its parts are incomplete or from another run")
        return read_checked(folder / "transcripts.parquet", info["tables"]["transcripts"]), info
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as error:
        report.add(folder, f"damaged cache entry discarded and rebuilt ({type(error).__name__}: {error})")
        shutil.rmtree(folder, ignore_errors=True)
        return None



def _check_hit_columns(tables: dict[str, pd.DataFrame]) -> None:
    lacking = [c for c in HIT_COLUMNS if c not in tables["hits"] or c not in tables["cancelled"]]
    if lacking:
        raise ValueError(f"the hits tables lack {', '.join(lacking)}")


def _check_info(info) -> None:
    loaded, problems = info["report"]["loaded"], info["report"]["problems"]
    if not isinstance(loaded, dict) or not isinstance(problems, list) or not all(
            isinstance(p, dict) and {"file", "message"} <= p.keys() for p in problems):
        raise ValueError("info.json is not a load report")
    if not isinstance(info["tables"], dict):
        raise ValueError("info.json has no table checksums")
    if info.get("format") != RESULTS_FORMAT:
        raise ValueError(f"results of format {info.get('format', 1)}, not {RESULTS_FORMAT}")

