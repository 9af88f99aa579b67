"""Cache files written with their size and sha256, and read back only as written.

    sums = write_checked(path, data)       # [size, sha256], kept beside the file (shard .sums, info.json)
    verify(path, sums)                     # ValueError unless the file still has those bytes

A damaged entry (truncated, junk, changed bytes) is `DamagedCache`: its owner discards and rebuilds it with a
one-line warning, never a traceback and never a wrong result.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from core.engine.cache_keys import fingerprint


class DamagedCache(Exception):
    """A cache entry that cannot be read as written (truncated, junk, missing parts): it is discarded and
    rebuilt, with a one-line warning in the load report, never a traceback."""


def parquet_bytes(table: pa.Table) -> bytes:
    """A table as the bytes of a parquet file, ready for `write_checked`."""
    sink = pa.BufferOutputStream()
    # no column statistics: the cache is always read whole, and min/max of 3 million strings took 0.15 s
    pq.write_table(table, sink, write_statistics=False)
    return sink.getvalue().to_pybytes()


def write_checked(path: Path, data: bytes) -> list:
    """Write `data` and return its [size, sha256], the checksum a reader verifies."""
    path.write_bytes(data)
    return [len(data), hashlib.sha256(data).hexdigest()]


def verify(path: Path, expected) -> None:
    """ValueError unless the file has the [size, sha256] it was written with. Hashed once per process for
    each `fingerprint` of the file: a file whose inode, size, modification and change times are those it had
    when its bytes were hashed has not been written since (any write moves the change time, which no program
    can set back), so a dashboard's workers do not hash every shard again for every preview."""
    if not (isinstance(expected, list) and len(expected) == 2):
        raise ValueError(f"{path.name}: no checksum recorded")
    mark = fingerprint(path)
    if mark is None:
        raise ValueError(f"{path.name}: cannot be read")
    _verified_once(str(path), mark, expected[0], expected[1])


@lru_cache(maxsize=1 << 14)  # a few hundred bytes a file: a 1M-transcript cache has ~2,000 shard files
def _verified_once(path_name: str, mark: tuple, size: int, sha256: str) -> None:
    """`verify`'s check, remembered only when it passes (lru_cache keeps no exceptions)."""
    path = Path(path_name)
    expected = [size, sha256]
    if path.stat().st_size != expected[0]:
        raise ValueError(f"{path.name}: {path.stat().st_size:,} bytes, written with {expected[0]:,}")
    with path.open("rb") as handle:
        if hashlib.file_digest(handle, "sha256").hexdigest() != expected[1]:
            raise ValueError(f"{path.name}: its bytes changed since it was written (checksum)")


def verify_ranges(path: Path, size: int, ranges: list[tuple[int, int, str]]) -> None:
    """ValueError unless the file has `size` bytes and each (offset, length) range of it the sha256 recorded:
    a reader that needs a few parts of a file hashes only those. Remembered per process and file fingerprint,
    as `verify`."""
    mark = fingerprint(path)
    if mark is None:
        raise ValueError(f"{path.name}: cannot be read")
    for offset, length, sha256 in ranges:
        _range_verified_once(str(path), mark, size, offset, length, sha256)


@lru_cache(maxsize=1 << 15)
def _range_verified_once(path_name: str, mark: tuple, size: int, offset: int, length: int, sha256: str) -> None:
    path = Path(path_name)
    if path.stat().st_size != size:
        raise ValueError(f"{path.name}: {path.stat().st_size:,} bytes, written with {size:,}")
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        handle.seek(offset)
        left = length
        while left > 0:
            chunk = handle.read(min(left, 1 << 20))
            if not chunk:
                break
            digest.update(chunk)
            left -= len(chunk)
    if left or digest.hexdigest() != sha256:
        raise ValueError(f"{path.name}: its bytes changed since it was written (checksum of bytes {offset:,}+)")


def read_checked(path: Path, expected) -> pd.DataFrame:
    """A table read from the very bytes whose checksum was verified (no second read that could differ)."""
    data = path.read_bytes()
    if not (isinstance(expected, list) and len(expected) == 2) or len(data) != expected[0] \
            or hashlib.sha256(data).hexdigest() != expected[1]:
        raise ValueError(f"{path.name}: its bytes are not those written (checksum)")
    return pq.read_table(pa.BufferReader(data)).to_pandas()
