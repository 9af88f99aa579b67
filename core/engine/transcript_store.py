"""The texts and turns of an analysis's transcripts, read lazily from its shard folder in the cache.

    store = TranscriptStore(folder)
    store.text("work_0188")[:10], store.turns("work_0188").head()

Only the shards a page asks for are read (a few at a time in memory), each file's checksum verified first.
"""
from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from core.engine.checksums import verify
from core.engine.shard_cache import (
    ShardTexts,
    complete_shards,
    shard_file,
    shard_sums,
    verified_arrays,
    vocabulary_of,
)
from core.errors import CacheError

_TURN_ARRAYS = ("turn_doc", "turn_number", "turn_role", "turn_start", "turn_end")


class TranscriptStore:
    """The text and turns of every transcript of an analysis, read lazily from its shard folder.

    store = TranscriptStore(folder)
    store.text("work_0188")[:10], store.turns("work_0188").head()
    """

    def __init__(self, folder: Path, *, owner: tempfile.TemporaryDirectory | None = None):
        self.folder = Path(folder)
        self._owner = owner  # a temporary folder lives as long as the store that reads it
        self._where: dict[str, tuple[int, int]] | None = None
        self._shard_cache: dict[int, tuple[Sequence[str], dict]] = {}

    @classmethod
    def temporary(cls) -> TranscriptStore:
        """A store in a new temporary folder (an uncached run), removed when the store is."""
        owner = tempfile.TemporaryDirectory(prefix="themescope-")
        return cls(Path(owner.name) / "corpus", owner=owner)

    def _index(self) -> dict[str, tuple[int, int]]:
        if self._where is None:
            marker = complete_shards(self.folder) or {"shards": 0}
            self._where = {}
            for number in range(marker["shards"]):
                ids = pq.read_table(self._verified(number, "parquet"), columns=["id"])["id"].to_pylist()
                self._where.update({transcript_id: (number, row) for row, transcript_id in enumerate(ids)})
        return self._where

    def __contains__(self, transcript_id: str) -> bool:
        return transcript_id in self._index()

    def ids(self) -> list[str]:
        """Every transcript id, in shard order."""
        return list(self._index())

    def _shard(self, number: int) -> tuple[Sequence[str], dict]:
        if number not in self._shard_cache:
            if len(self._shard_cache) >= 4:  # keep memory flat on very large corpora
                self._shard_cache.pop(next(iter(self._shard_cache)))
            arrays = self._verified_arrays(number)
            texts = ShardTexts(arrays)  # a page shows a few of them: only those are decoded
            turns = {name: np.array(arrays[name]) for name in _TURN_ARRAYS}
            self._shard_cache[number] = (texts, turns)
        return self._shard_cache[number]

    def _verified_arrays(self, number: int, names: tuple[str, ...] = ("text", "text_length", *_TURN_ARRAYS)
                         ) -> dict[str, np.ndarray]:
        """The named arrays of a shard's bundle, once their checksums (and only theirs) are verified."""
        path = shard_file(self.folder, number, "arrays")
        try:
            return verified_arrays(path, shard_sums(self.folder, number).get("arrays"), names)
        except (OSError, ValueError, KeyError, TypeError) as error:
            self._damaged(path, error)

    def _verified(self, number: int, kind: str) -> Path:
        """A shard file, once its checksum is verified."""
        path = shard_file(self.folder, number, kind)
        try:
            verify(path, shard_sums(self.folder, number).get(kind))
            return path
        except (OSError, ValueError, KeyError, TypeError) as error:
            self._damaged(path, error)

    def _damaged(self, path: Path, error: Exception) -> NoReturn:
        """A damaged shard loses its folder's completion marker, so the next run builds the folder again, and
        is a CacheError for this one."""
        (self.folder / "complete.json").unlink(missing_ok=True)
        raise CacheError(f"{path}: the cached texts are damaged ({error})",
                         hint="run again (reload the page): the cache entry is rebuilt from the data files") from None

    @property
    def shard_count(self) -> int:
        return (complete_shards(self.folder) or {"shards": 0})["shards"]

    def shard_tokens(self, number: int) -> tuple[list[str], dict[str, np.ndarray]]:
        """The ids of a shard's transcripts and its vocabulary, turn and token arrays (checksums verified)."""
        ids = pq.read_table(self._verified(number, "parquet"), columns=["id"])["id"].to_pylist()
        return ids, self._verified_arrays(number, ("token_word", "token_start", "turn_token_start", *_TURN_ARRAYS))

    def shard_vocabulary_bytes(self, number: int) -> np.ndarray:
        """A shard's vocabulary as stored: its words joined by newlines, UTF-8 (checksum verified)."""
        return self._verified_arrays(number, ("vocab",))["vocab"]

    def shard_vocabulary(self, number: int) -> list[str]:
        """A shard's vocabulary (word id -> word; checksum verified), without reading its texts or tokens."""
        return vocabulary_of(self._verified_arrays(number, ("vocab",))["vocab"])

    def text(self, transcript_id: str) -> str:
        """The repaired text of a transcript (KeyError when it is not in this analysis)."""
        number, row = self._index()[transcript_id]
        return self._shard(number)[0][row]

    def texts(self, transcript_ids: list[str]) -> list[str]:
        """The texts of many transcripts, each shard read once whatever order the ids come in."""
        where = [self._index()[transcript_id] for transcript_id in transcript_ids]
        by_shard: dict[int, list[int]] = {}
        for position, (number, _) in enumerate(where):
            by_shard.setdefault(number, []).append(position)
        out = [""] * len(where)
        for number in sorted(by_shard):
            texts = self._shard(number)[0]
            for position in by_shard[number]:
                out[position] = texts[where[position][1]]
        return out

    def turns(self, transcript_id: str) -> pd.DataFrame:
        """turn, speaker (interviewer/participant), start, end of every turn of a transcript."""
        number, row = self._index()[transcript_id]
        turns = self._shard(number)[1]
        mine = turns["turn_doc"] == row
        roles = np.where(turns["turn_role"][mine] == 1, "participant", "interviewer")
        return pd.DataFrame({"turn": turns["turn_number"][mine], "speaker": roles,
                             "start": turns["turn_start"][mine], "end": turns["turn_end"][mine]})
