"""One shard's work, a pure function of a `ShardJob`: build the shard from its transcripts (and keep it in the
cache) or load it from there, then score it. Picklable, so any executor runs it: in this thread, in worker
processes, on a cluster.

    scores, problems = ShardScorer(codebook)(ShardJob(folder, 0, _packed(batch)))

`PartsWriter` is the same work for a streamed run: the tables go to parquet parts as soon as the shard is
scored and only the transcripts table comes back.
"""
from __future__ import annotations

import itertools
import pickle
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from core.codebook.model import Codebook
from core.engine import cache, lexicon
from core.engine.corpus import Shard, SpeakerConfig, build_shard, char_table
from core.engine.kept_descriptions import kept_self_descriptions
from core.engine.match_changes import TranscriptScope
from core.engine.matcher import VocabularyMatcher
from core.engine.occupation import SelfDescription, titles_index
from core.engine.parts import write_parts
from core.engine.results import Analysis
from core.engine.scoring import SCOPE_ROLES, score_shard, theme_hit_rows
from core.engine.term_index import TermIndex
from core.errors import Problem
from core.ingest.loaders import Loaded, LoadReport, PlainRun, RawTranscript
from core.ingest.model import loaded_count, transcripts_of
from core.ingest.turns import INTERVIEWER, PARTICIPANT, WRITTEN_LABELS


def speakers_for(codebook: Codebook) -> SpeakerConfig:
    """Which labels mean whom, and which roles need tokens (participant always: occupations come from it).
    The labels the caption and Word readers write (`Interviewer`, `Participant`) always count, whatever the
    codebook's own labels: those files must load the same under any codebook."""
    roles = tuple(sorted({"participant", *SCOPE_ROLES[codebook.settings.scope]}))
    s = codebook.settings
    return SpeakerConfig(_with(s.interviewer_labels, WRITTEN_LABELS[INTERVIEWER]),
                         _with(s.participant_labels, WRITTEN_LABELS[PARTICIPANT]), roles)


def _with(labels: tuple[str, ...], label: str) -> tuple[str, ...]:
    return labels if label.lower() in {known.lower() for known in labels} else (*labels, label)


@dataclass(frozen=True)
class ShardJob:
    """Build shard `number` in `folder` from `batch` (packed transcripts), or load it when `batch` is None."""

    folder: str
    number: int
    batch: tuple | None = None
    save: bool = True  # keep the shard built from `batch` in `folder` (texts and tokens for later)


@dataclass(frozen=True)
class ShardScorer:
    """Scores one shard with a codebook: builds (and caches) it from its transcripts, or loads it from the
    cache. A picklable function object, so any executor can run it wherever the cache folder is reachable."""

    codebook: Codebook
    scope: TranscriptScope | None = None  # score only some (transcript, theme) pairs and occupations

    def __call__(self, job: ShardJob) -> tuple[Analysis, list[Problem]]:
        report = LoadReport()
        folder = Path(job.folder)
        if job.batch is not None:
            transcripts, utf8 = _unpacked(job.batch)
            shard = build_shard(transcripts, speakers_for(self.codebook), report)
            if job.save:
                cache.save_shard(shard, folder, job.number, utf8=utf8)
        else:
            shard = cache.load_shard(folder, job.number)
        kept = job.batch is None or job.save
        return (self.score_kept(shard, folder, job.number) if kept else self.score(shard)), report.problems

    def score(self, shard: Shard, described: list[list[SelfDescription]] | None = None) -> Analysis:
        index, matcher = self._compiled
        return score_shard(shard, index, matcher, self.scope, described)

    def theme_hits(self, shard: Shard) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The shard's hits and cancelled hits alone (`core.engine.scoring.theme_hit_rows`)."""
        index, matcher = self._compiled
        return theme_hit_rows(shard, index, matcher)

    @cached_property
    def _compiled(self) -> tuple[TermIndex, VocabularyMatcher]:
        return compiled(self.codebook)  # looked up once per scorer: hashing a codebook costs ~10 ms

    def __reduce__(self) -> tuple:
        """A pool pickles the scorer with every shard's task: its codebook (~300 KB) is pickled once per scorer
        here, and unpickled once per worker process there (`_scorer_from`), not once per shard on each side."""
        return _scorer_from, (self._pickled,)

    @cached_property
    def _pickled(self) -> bytes:
        return pickle.dumps((self.codebook, self.scope), protocol=pickle.HIGHEST_PROTOCOL)

    def score_kept(self, shard: Shard, folder: Path, number: int) -> Analysis:
        """`score` a shard kept in `folder` as shard `number`, with the self-descriptions kept beside it: a
        full scoring finds every one anyway, so it keeps them there for the previews (`kept_descriptions`)."""
        return self.score(shard, kept_self_descriptions(folder, number, shard, self.codebook,
                                                        keep=self.scope is None))

    def prepare(self) -> None:
        """Compile the codebook, load the lexicons and make the tables every shard uses here, before workers
        start: forked workers inherit them instead of making them each (about a second per process)."""
        compiled(self.codebook)
        lexicon.real_words()
        lexicon.save_forms()
        char_table()
        if self.codebook.job_titles is not None:
            titles_index(self.codebook.job_titles)


@dataclass
class WrittenBatch:
    """What a `PartsWriter` sends back: the batch's transcripts table and the rows it wrote per table."""

    transcripts: pd.DataFrame
    rows: dict[str, int]


@dataclass(frozen=True)
class PartsWriter:
    """A `ShardScorer` whose tables go to parquet parts in `results` as soon as the shard is scored: it returns
    only the transcripts table (small per transcript), the rows written per table and the problems."""

    scorer: ShardScorer
    results: str

    def __call__(self, job: ShardJob) -> tuple[WrittenBatch, list[Problem]]:
        scores, problems = self.scorer(job)
        return WrittenBatch(scores.transcripts, write_parts(self.results, job.number, scores)), problems

    def prepare(self) -> None:
        self.scorer.prepare()


@lru_cache(maxsize=4)
def _scorer_from(pickled: bytes) -> ShardScorer:
    """The scorer a `ShardScorer.__reduce__` sent, the same object for every task that sends the same bytes."""
    return ShardScorer(*pickle.loads(pickled))


@lru_cache(maxsize=4)
def compiled(codebook: Codebook) -> tuple[TermIndex, VocabularyMatcher]:
    """The codebook's term index and vocabulary matcher, made once per process and codebook: the matcher
    remembers every word it has matched, so each distinct word of a corpus is matched once. What it
    remembers is the same whichever thread adds it (a word's matches), so threads may share it."""
    index = TermIndex(codebook)
    return index, VocabularyMatcher(index)


def batches_of(items: Iterable[Loaded], sizes: Iterable[int]) -> Iterator[list[Loaded]]:
    """`items` (transcripts and runs of them) in batches of `sizes[0]`, `sizes[1]`, ... transcripts (the last
    batch may hold fewer), a run cut where a batch ends. Each batch is given as soon as it is full."""
    wanted = iter(sizes)
    size, batch, held = next(wanted), [], 0
    for item in items:
        rest: Loaded | None = item
        while rest is not None:
            part, rest = _cut(rest, size - held)
            batch.append(part)
            held += loaded_count(part)
            if held == size:
                yield batch
                size, batch, held = next(wanted), [], 0
    if batch:
        yield batch


def _cut(item: Loaded, room: int) -> tuple[Loaded, Loaded | None]:
    """The part of `item` that fits in `room` transcripts, and the rest (None when it all fits)."""
    if isinstance(item, PlainRun) and len(item) > room:
        return item.sliced(0, room), item.sliced(room, len(item))
    return item, None


def _packed(batch: list[Loaded]) -> tuple:
    """A batch as four lists; the texts, when each has the bytes it was read as, as one buffer of those bytes
    and their lengths: pickling that to a worker costs a third of pickling the strings (and a buffer a third
    of a list of bytes), and the worker saves the bytes without encoding again. A run's texts are copied into
    the buffer at once, straight from the chunk they were read in."""
    ids: list[str] = []
    sources: list[str] = []
    attributes: list[dict] = []
    for item in batch:
        if isinstance(item, PlainRun):
            ids += item.ids
            sources += [item.source] * len(item)
            attributes += item.attributes
        else:
            ids.append(item.transcript_id)
            sources.append(item.source)
            attributes.append(item.attributes)
    return ids, _packed_texts(batch), sources, attributes


def _packed_texts(batch: list[Loaded]) -> list[str] | tuple[bytes, list[int]]:
    pieces: list[bytes | memoryview] = []
    lengths: list[int] = []
    for item in batch:
        if isinstance(item, PlainRun):
            pieces.append(item.texts_utf8())
            lengths += item.lengths()
        elif item.utf8 is not None:
            pieces.append(item.utf8)
            lengths.append(len(item.utf8))
        else:  # a text repaired or read from another format: the batch goes as strings
            return [raw.text for raw in transcripts_of(batch)]
    return b"".join(pieces), lengths


def _unpacked(payload: tuple) -> tuple[list[RawTranscript], bytes | None]:
    """The batch, and all its texts as one UTF-8 buffer when every text came as the file's bytes."""
    ids, texts, sources, attributes = payload
    utf8 = None
    if isinstance(texts, tuple):
        utf8, lengths = texts
        ends = list(itertools.accumulate(lengths))
        view = memoryview(utf8)  # decoded from the buffer in place, without copying each text's bytes first
        texts = [str(view[start:end], "utf-8") for start, end in zip([0, *ends[:-1]], ends)]
    return [RawTranscript(*fields) for fields in zip(ids, texts, sources, attributes)], utf8


def empty_analysis(codebook: Codebook) -> Analysis:
    """Correctly-typed empty tables: an empty shard, scored."""
    empty = np.zeros(0, np.int32)
    shard = Shard([], [], [], [], empty, empty, empty.astype(np.int8), empty, empty, np.zeros(1, np.int64),
                  empty, empty, [""])
    return ShardScorer(codebook).score(shard)
