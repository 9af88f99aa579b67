"""The engine's one result type: a codebook with the three tables it gives on a corpus, and where they came from.

    analysis = analyse(["data"], codebook=book)
    analysis.themes.groupby("theme")["present"].mean()
    analysis.text("work_0188")[:80]

One shard's scores, a whole corpus's, a cached corpus scored again after an edit: all are an `Analysis`, so
every page, export and report reads the same columns from the same object.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import pandas as pd

from core.codebook.model import Codebook
from core.ingest.loaders import LoadReport

if TYPE_CHECKING:
    from core.engine.cache import TranscriptStore

HIT_COLUMNS = ["transcript_id", "turn", "speaker", "theme", "term", "matched_text", "start", "end", "similarity"]
TABLES = ("transcripts", "themes", "hits")


@dataclass
class Analysis:
    """transcripts: one row per transcript (occupation, its evidence and confidence, words, attributes);
    themes: one row per transcript x theme (hits, score, per_1k_words, present); hits: one row per hit
    (HIT_COLUMNS). The rest says where they came from: the load report, the cache key, what the cache
    already had ("results", "shards" or "none"), the data paths and the store of texts and turns."""

    codebook: Codebook
    transcripts: pd.DataFrame
    themes: pd.DataFrame
    hits: pd.DataFrame
    report: LoadReport = field(default_factory=LoadReport)
    key: str = ""
    cached: str = "none"
    data_paths: list[str] = field(default_factory=list)
    store: TranscriptStore | None = field(default=None, repr=False)  # texts and turns, read lazily

    @classmethod
    def concat(cls, parts: list[Analysis]) -> Analysis:
        """The parts' tables one after the other (parts of one corpus, scored with one codebook)."""
        tables = [pd.concat([getattr(p, name) for p in parts], ignore_index=True) for name in TABLES]
        return cls(parts[0].codebook, *tables)

    def with_tables(self, codebook: Codebook, transcripts: pd.DataFrame, themes: pd.DataFrame,
                    hits: pd.DataFrame) -> Analysis:
        """The same corpus (report, paths, store) scored with another codebook."""
        return replace(self, codebook=codebook, transcripts=transcripts, themes=themes, hits=hits,
                       key=f"{self.key}+{codebook.content_hash[:16]}" if self.key else "", cached="none")

    @property
    def present(self) -> pd.DataFrame:
        """transcript_id, theme of every theme present in a transcript."""
        return self.themes.loc[self.themes["present"] == 1, ["transcript_id", "theme"]]

    def text(self, transcript_id: str) -> str:
        """The repaired text of a transcript (KeyError when it is not in this analysis)."""
        return self._store().text(transcript_id)

    def turns(self, transcript_id: str) -> pd.DataFrame:
        """turn, speaker, start, end of every turn of a transcript."""
        return self._store().turns(transcript_id)

    def _store(self) -> TranscriptStore:
        if self.store is None:  # tables scored from shards in memory, without a folder of texts
            raise KeyError("this analysis keeps no texts")
        return self.store
