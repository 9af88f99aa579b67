"""The on-disk cache as the pipeline uses it: where it lives, and the one place its parts are imported from.

    shards = cache_dir / "corpus" / corpus_key      # `shard_cache`: a corpus's shards, built once
    results = cache_dir / "results" / result_key    # `result_cache`: a run's tables, or its streamed parts

Keys are content hashes (`cache_keys`): of the data files, the codebook and the engine's own code, so a change
to any of them gives a new key and nothing is ever served stale. Every file is written with its checksum and
read back only as written (`checksums`); a damaged entry is rebuilt. The texts of a run are read lazily from
its shards (`transcript_store`).
"""
from __future__ import annotations

import os
from pathlib import Path

from core.engine.cache_keys import (
    CORE_ROOT,
    ENGINE_PACKAGES,
    FileHashes,
    FilesChanged,
    FileStamps,
    Watch,
    code_hash,
    code_version,
    content_hash,
    digest,
    fingerprint,
    inputs_stamp,
    package_versions,
    with_speakers_tables,
)
from core.engine.checksums import DamagedCache
from core.engine.result_cache import RESULTS_FORMAT, load_results, load_streamed, save_results, save_streamed
from core.engine.shard_cache import (
    ShardTexts,
    complete_shards,
    finish_shards,
    kept_texts,
    load_shard,
    save_shard,
    shards_intact,
)
from core.engine.transcript_store import TranscriptStore

__all__ = ["CORE_ROOT", "ENGINE_PACKAGES", "ENV_CACHE_DIR", "RESULTS_FORMAT", "CacheUnwritable", "DamagedCache",
           "FileHashes", "FilesChanged", "FileStamps", "ShardTexts", "TranscriptStore", "Watch", "code_hash",
           "code_version", "complete_shards", "content_hash", "default_cache_dir", "digest", "finish_shards",
           "fingerprint", "inputs_stamp", "kept_texts", "load_results", "load_shard", "load_streamed",
           "package_versions", "save_results", "save_shard", "save_streamed", "shards_intact", "with_speakers_tables"]

ENV_CACHE_DIR = "THEMESCOPE_CACHE"


def default_cache_dir() -> Path:
    return Path(os.environ.get(ENV_CACHE_DIR, ".themescope-cache"))


class CacheUnwritable(Exception):
    """A shard folder that could not be written (a full disk, a folder made read-only during the run)."""

    def __init__(self, folder: Path, reason: str):
        super().__init__(f"{folder}: {reason}")
        self.folder, self.reason = folder, reason
