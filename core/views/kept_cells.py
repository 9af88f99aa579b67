"""A streamed run's view index (the transcripts x themes cells the dashboard builds from its parts) kept in a
file beside the parts, so a new dashboard server on a warm cache reads it instead of querying every part again
(at a million transcripts, under load: 3-8 s for the matrices of hits and `present`, 13-35 s for the quote
counts of the first Quotes page).

    arrays = kept(parts, "theme-cells", cells_key(parts, "themes", batches, transcript_ids, theme_ids), compute)

The key names everything the cells depend on: the parts' manifest, the size and modification time of every
part file of the table read, the transcript ids in the view's order and the theme ids. Another key (a run
scored again, another codebook, metadata that reorders nothing but drops a transcript) computes them again
and replaces the file. A file that cannot be read or written (a read-only or remote results folder, a damaged
file) costs only the computation, never a wrong number.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa

from core.engine.parts import MANIFEST, part_files
from core.files import write_atomically
from core.ingest.sources import is_url


def cells_key(parts: str, table: str, batches: int, transcript_ids, theme_ids: list[str]) -> str | None:
    """What cells of `table`'s parts for these transcripts (in this order) and themes depend on, hashed; None
    for parts at a URL or without a manifest (nothing kept)."""
    if is_url(parts):
        return None
    digest = hashlib.sha256()
    try:
        digest.update(Path(parts, MANIFEST).read_bytes())
        for path in part_files(parts, table, batches):
            status = os.stat(path)
            digest.update(f"{status.st_size} {status.st_mtime_ns};".encode())
    except OSError:
        return None
    _digest_strings(digest, transcript_ids)
    digest.update("\n".join(theme_ids).encode())
    return digest.hexdigest()


def _digest_strings(digest, values) -> None:
    """Hash strings in order by their Arrow buffers (a million ids in 0.03-0.1 s, a tenth of hashing them one
    by one)."""
    column = pa.array(values)
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    column = column.cast(pa.large_string())  # the same offsets whatever the input was
    digest.update(f"{column.offset} {len(column)};".encode())
    for buffer in column.buffers()[1:]:
        digest.update(memoryview(buffer))


def kept(parts: str, name: str, key: str | None, compute: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """The arrays kept as `name` beside the parts under `key`; else `compute()`d and kept (when `key`)."""
    path = Path(parts) / f".{name}.npz"
    if key is not None:
        try:
            with np.load(path, allow_pickle=False) as saved:
                if str(saved["key"]) == key:
                    return {array: saved[array] for array in saved.files if array != "key"}
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            pass  # none yet, or damaged: computed again below
    arrays = compute()
    if key is not None:
        buffer = io.BytesIO()
        np.savez(buffer, key=np.array(key), **arrays)  # type: ignore[arg-type]  # (the stub: a name may be allow_pickle)
        with contextlib.suppress(OSError):  # a read-only results folder: the next server computes them too
            write_atomically(path, buffer.getvalue())
    return arrays
