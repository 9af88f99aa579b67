"""Each shard's self-descriptions, kept beside it in the cache: what its participants say they do.

They depend on the transcripts' first turns and the job-title lexicon, never on the terms or the thresholds,
yet finding them (cue regexes and lexicon look-ups over the participants' first turns) cost a third of
scoring a shard again. A full scoring of a kept shard finds every transcript's and keeps them here; a
preview that decides occupations again (a threshold edit re-decides three transcripts in four) reads them
back instead of reading the turns again. Keyed by the lexicon's content hash and the number of first turns
read, so another lexicon finds its own; written with its checksum, and a file not as written is found again.

    found = kept_self_descriptions(folder, 3, shard, codebook, keep=True)   # per transcript, in text order
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pyarrow as pa

from core.codebook.model import Codebook
from core.engine.cache_keys import digest
from core.engine.checksums import parquet_bytes, read_checked
from core.engine.corpus import Shard
from core.engine.occupation import SelfDescription, self_descriptions, titles_index
from core.engine.transcript_rows import occupation_turns
from core.files import write_atomically

FORMAT = 1  # the file's columns: another layout gets another name, never a misread


def kept_self_descriptions(folder: Path, number: int, shard: Shard, codebook: Codebook, *,
                           keep: bool) -> list[list[SelfDescription]] | None:
    """Shard `number`'s self-descriptions under `codebook`'s job titles, read from beside it in `folder`; when
    none are kept there (or not as written) and `keep`, found for every transcript and kept. None without job
    titles, or when none are kept and `keep` is false (the caller finds only those it needs)."""
    if codebook.job_titles is None:
        return None
    path = _file(folder, number, codebook)
    found = _read(path, len(shard))
    if found is None and keep:
        turns = np.flatnonzero(occupation_turns(shard, codebook.settings.occupation_first_turns))
        found = self_descriptions(shard, turns, titles_index(codebook.job_titles))
        _write(path, found)
    return found


def _file(folder: Path, number: int, codebook: Codebook) -> Path:
    titles = codebook.job_titles
    key = digest(FORMAT, titles.content_hash if titles is not None else None,
                 codebook.settings.occupation_first_turns)
    return folder / f"shard-{number:05d}.described-{key[:16]}.parquet"


_COLUMNS = ("doc", "start", "end", "strength", "phrase_words")


def _write(path: Path, found: list[list[SelfDescription]]) -> None:
    """One row per self-description (doc: the transcript's number in the shard), and its checksum beside it.
    A folder that cannot take them (read-only, full) keeps none: they are found again next time."""
    rows = [(doc, d) for doc, described in enumerate(found) for d in described]
    table = pa.table({"group": [d.group for _, d in rows],
                      **{name: np.array([doc if name == "doc" else getattr(d, name) for doc, d in rows],
                                        dtype=np.int64) for name in _COLUMNS}})
    data = parquet_bytes(table)
    try:
        write_atomically(path, data)
        write_atomically(_sums(path), json.dumps([len(data), hashlib.sha256(data).hexdigest()]).encode())
    except OSError:
        return


def _read(path: Path, transcripts: int) -> list[list[SelfDescription]] | None:
    """The kept self-descriptions per transcript, or None when there are none, or not as written."""
    try:
        table = read_checked(path, json.loads(_sums(path).read_text()))
    except (OSError, ValueError, pa.ArrowException):
        return None
    if list(table.columns) != ["group", *_COLUMNS] or not table["doc"].between(0, transcripts - 1).all():
        return None
    found: list[list[SelfDescription]] = [[] for _ in range(transcripts)]
    for doc, group, start, end, strength, words in zip(*(table[c].tolist() for c in ("doc", "group", *_COLUMNS[1:]))):
        found[doc].append(SelfDescription(group, start, end, strength, words))
    return found


def _sums(path: Path) -> Path:
    return path.with_suffix(".sums")

