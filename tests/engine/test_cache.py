"""core.engine.cache: a damaged cache entry is discarded and rebuilt with a one-line warning, and the results
are the same as from a clean cache; never a traceback."""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from support import DATA

from core import analyse
from core.engine import cache

TABLES = ("transcripts", "themes", "hits")


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])


def _shard(cache_dir: Path, suffix: str) -> Path:
    return next((cache_dir / "corpus").glob(f"*/shard-00000.{suffix}"))


def _marker(cache_dir: Path) -> Path:
    return next((cache_dir / "corpus").glob("*/complete.json"))


def _result(cache_dir: Path, name: str) -> Path:
    return next((cache_dir / "results").glob(f"*/{name}"))


def _drop_cached_results(cache_dir: Path) -> None:
    """Keep the shards, drop the results: the next run scores the cached shards again."""
    for results in (cache_dir / "results").iterdir():
        for file in results.iterdir():
            file.unlink()
        results.rmdir()


def _grow_header(path: Path) -> None:
    """A header naming an array longer than the file holds (the bytes were cut after it was written)."""
    line, rest = path.read_bytes().split(b"\n", 1)
    header = json.loads(line[len(b"themescope-arrays-1 "):])
    header["token_word"]["shape"] = [header["token_word"]["shape"][0] * 1000]
    path.write_bytes(b"themescope-arrays-1 " + json.dumps(header).encode() + b"\n" + rest)


CORRUPTIONS: dict[str, Callable[[Path], None]] = {
    "shard arrays truncated": lambda c: _truncate(_shard(c, "arrays")),
    "shard arrays junk": lambda c: _shard(c, "arrays").write_bytes(b"\x00junk" * 100),
    "shard arrays empty": lambda c: _shard(c, "arrays").write_bytes(b""),
    "shard arrays header past the end": lambda c: _grow_header(_shard(c, "arrays")),
    "shard ids truncated": lambda c: _truncate(_shard(c, "parquet")),
    "shard ids deleted": lambda c: _shard(c, "parquet").unlink(),
    "marker junk": lambda c: _marker(c).write_text("{not json"),
    "marker empty": lambda c: _marker(c).write_text(""),
    "marker wrong shape": lambda c: _marker(c).write_text(json.dumps({"shards": "one", "problems": []})),
    "marker names a missing shard": lambda c: _marker(c).write_text(json.dumps({"shards": 2, "problems": {}})),
    "results info junk": lambda c: _result(c, "info.json").write_text("]]"),
    "results info wrong shape": lambda c: _result(c, "info.json").write_text(json.dumps([1, 2])),
    "results info problems wrong shape": lambda c: _result(c, "info.json").write_text(
        json.dumps({"report": {"loaded": {}, "problems": ["x"]}})),
    "results hits truncated": lambda c: _truncate(_result(c, "hits.parquet")),
    "results transcripts deleted": lambda c: _result(c, "transcripts.parquet").unlink(),
    "results themes junk": lambda c: _result(c, "themes.parquet").write_bytes(b"PAR1junkPAR1"),
    "file hashes junk": lambda c: (c / "file-hashes.json").write_text("nonsense"),
    "file hashes wrong shape": lambda c: (c / "file-hashes.json").write_text(json.dumps(["a", "b"])),
    "file hashes wrong values": lambda c: (c / "file-hashes.json").write_text(json.dumps({"x": 1})),
}
SILENT = {"file hashes junk", "file hashes wrong shape", "file hashes wrong values"}  # only a memo: no warning


@pytest.mark.parametrize("corruption", sorted(CORRUPTIONS))
def test_a_damaged_cache_entry_is_rebuilt_with_a_warning(corruption, tiny_codebook, tmp_path):
    cache_dir = tmp_path / "cache"
    clean = analyse([DATA / "folder"], codebook=tiny_codebook, cache_dir=cache_dir)
    CORRUPTIONS[corruption](cache_dir)
    again = analyse([DATA / "folder"], codebook=tiny_codebook, cache_dir=cache_dir)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(again, name), getattr(clean, name), check_dtype=False)
    warnings = [str(p) for p in again.report.problems if "damaged cache entry" in p.message]
    if corruption in SILENT:
        assert not warnings
    else:
        assert len(warnings) == 1 and "\n" not in warnings[0], again.report.problems
    third = analyse([DATA / "folder"], codebook=tiny_codebook, cache_dir=cache_dir)  # healed: served again
    assert third.cached == "results" and not [p for p in third.report.problems if "damaged" in p.message]
    first = clean.transcripts["transcript_id"].iloc[0]
    assert again.text(first) == clean.text(first)


def test_a_shard_damaged_after_the_check_is_rebuilt_while_scoring(tiny_codebook, tmp_path, monkeypatch):
    """The check reads headers only: a shard whose arrays disagree is caught when it is loaded."""
    cache_dir = tmp_path / "cache"
    clean = analyse([DATA / "folder"], codebook=tiny_codebook, cache_dir=cache_dir)
    _drop_cached_results(cache_dir)
    real = cache.load_shard
    calls = []

    def damaged_once(folder, number):
        calls.append(number)
        if len(calls) == 1:
            raise cache.DamagedCache("shard 0: its arrays do not fit together")
        return real(folder, number)

    monkeypatch.setattr(cache, "load_shard", damaged_once)
    again = analyse([DATA / "folder"], codebook=tiny_codebook, cache_dir=cache_dir, workers=1)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(again, name), getattr(clean, name), check_dtype=False)
    assert any("damaged cache entry" in p.message for p in again.report.problems)


def test_a_read_only_cache_folder_still_gives_results(tiny_codebook, tmp_path):
    cache_dir = tmp_path / "cache"
    clean = analyse([DATA / "folder"], codebook=tiny_codebook, cache_dir=cache_dir)
    _drop_cached_results(cache_dir)
    (cache_dir / "results").chmod(0o500)
    try:
        again = analyse([DATA / "folder"], codebook=tiny_codebook, cache_dir=cache_dir)
    finally:
        (cache_dir / "results").chmod(0o700)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(again, name), getattr(clean, name), check_dtype=False)
