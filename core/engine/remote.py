"""Scoring where the workers read their own input and write their own results (a Dask cluster, or any
executor given URLs): this process sends only plans and gathers only small summaries.

    analysis, shards = score_on_workers(run, executor, on_progress=None)

1. The data paths are listed here (names only, `core.ingest.batches.input_units`); each table is cut into
   batches by a `BatchPlanner` run on the workers (a CSV's scan for record starts is a read of the file, in
   steps: the first batches are scored while the rest is scanned).
2. Each `BatchJob` is read, built into a shard (saved in the shard cache, as locally), scored, and its tables
   written as parquet parts, one file per batch and table (`write_parts`); a worker returns a `BatchSummary`:
   the per-transcript rows, problems, counts, and each transcript's id and text digest.
3. What one batch cannot know alone is settled here and the few batches it concerns are read again: ids must
   be unique across the corpus (`unique_id`, as `read_transcripts` does), and a CSV batch after a file's first
   numbers its rows only once the rows before it are counted (see `core.ingest.batches`).
4. The hits, themes and cancelled tables stay in the parts (the layout and its manifest are in
   `core.engine.parts`): the analysis reads them, in batch order, only when a consumer asks for one; the
   same tables, in the same order, as a local run.
"""
from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from core.codebook.model import Codebook
from core.engine import cache
from core.engine.corpus import build_shard
from core.engine.executor import Executor
from core.engine.parts import clear_parts, write_manifest, write_parts
from core.engine.results import Analysis
from core.errors import Problem
from core.ingest.batch_reading import read_batch
from core.ingest.batches import PLAN_STEP_BYTES, BatchPlanner, InputBatch, PlanStep, input_units
from core.ingest.loaders import LoadOptions, LoadReport, RawTranscript, unique_id

if TYPE_CHECKING:
    from core.engine.pipeline import ScoringRun

Rename = tuple[int, str | None, Problem]  # a transcript of a batch (by position): its new id, or None to drop it


@dataclass(frozen=True)
class BatchJob:
    """Read `batch` into shard `number` of the shard folder (or score the cached shard when `batch` is None)
    and write its tables to `results` (a folder or URL); `renames` make its ids unique in the corpus."""

    folder: str
    number: int
    results: str
    batch: InputBatch | None = None
    renames: tuple[Rename, ...] = ()


@dataclass
class BatchSummary:
    """What a worker sends back: small, whatever the size of the batch's hits."""

    transcripts: pd.DataFrame
    problems: list[Problem]
    loaded: dict[str, int]
    digests: list[tuple[str, bytes, str]]  # per transcript: id, digest of its text, source
    rows: int  # table rows parsed (the numbering of the batches after it)
    numbered: bool  # a problem names a row number, which is right only when the batch's first row is
    written: dict[str, int]  # rows written per table


@dataclass(frozen=True)
class BatchScorer:
    """A worker's whole part of the run, for one batch; picklable."""

    codebook: Codebook
    options: LoadOptions

    def __call__(self, job: BatchJob) -> BatchSummary:
        from core.engine.pipeline import ShardScorer, speakers_for

        report, folder, rows, digests = LoadReport(), Path(job.folder), 0, []
        if job.batch is None:
            shard = cache.load_shard(folder, job.number)
        else:
            transcripts, rows = read_batch(job.batch, self.options, report)
            digests = [(raw.transcript_id, _digest(raw.text), raw.source) for raw in transcripts]
            transcripts = _renamed(transcripts, job.renames, report)
            for raw in transcripts:
                report.count(raw.source)
            shard = build_shard(transcripts, speakers_for(self.codebook), report)
            utf8 = [raw.utf8 for raw in transcripts]  # the texts as read: saved without encoding them again
            cache.save_shard(shard, folder, job.number,
                             utf8=b"".join(utf8) if all(u is not None for u in utf8) else None)  # type: ignore[arg-type]
        scores = ShardScorer(self.codebook).score(shard)
        written = write_parts(job.results, job.number, scores)
        return BatchSummary(scores.transcripts, report.problems, report.loaded, digests, rows,
                            any(p.line is not None for p in report.problems), written)


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", errors="surrogatepass"), digest_size=16).digest()


def _renamed(transcripts: list[RawTranscript], renames: tuple[Rename, ...], report: LoadReport) -> list[RawTranscript]:
    dropped = set()
    for index, new_id, problem in renames:
        report.problems.append(problem)
        if new_id is None:
            dropped.add(index)
        else:
            transcripts[index].transcript_id = new_id
    return [raw for i, raw in enumerate(transcripts) if i not in dropped]


# ---------------------------------------------------------------- this process: plans out, summaries in
def score_on_workers(run: ScoringRun, executor: Executor, cached: bool,
                     on_progress: Callable[[int], None] | None) -> tuple[Analysis, int]:
    """Every batch of the run's paths (or its cached shards) scored on `executor`'s workers; the tables and
    the number of shards. Problems and counts go to `run.report`."""
    results = str(run.results)
    clear_parts(results)
    scorer = BatchScorer(run.codebook, run.options)
    planned: dict[int, list[Problem]] = {}  # problems found while planning, before those of batch n
    jobs = [BatchJob(str(run.folder), n, results) for n in range(run.cached_shard_count())] if cached \
        else _jobs(run, executor, results, planned)
    done = _scored(executor, scorer, jobs, on_progress)
    if not cached:
        _rerun(executor, scorer, done, _numbering_fixes(done))
        _rerun(executor, scorer, done, _duplicate_fixes(done))
    count = len(done)
    for number, (_, summary) in enumerate(done):
        run.report.problems += [*planned.get(number, []), *summary.problems]
        for file, n in summary.loaded.items():
            run.report.count(file, n)
    run.report.problems += planned.get(count, [])
    if not count:
        from core.engine.pipeline import empty_analysis
        return empty_analysis(run.codebook), 0
    written = Counter[str]()
    for _, summary in done:
        written.update(summary.written)
    write_manifest(results, count, dict(written), run.codebook.content_hash)
    transcripts = pd.concat([summary.transcripts for _, summary in done], ignore_index=True)
    return Analysis(run.codebook, transcripts, parts=results, batches=count), count


def _jobs(run: ScoringRun, executor: Executor, results: str, planned: dict[int, list[Problem]]) -> Iterator[BatchJob]:
    """The batches of every unit, yielded as soon as planned: a CSV is planned in steps (`PlanStep`), so its
    first batches are read while the rest of it is scanned. Each next step is submitted before this one's
    batches: asked for after them, it waited behind them while no batch was left to hand a free worker."""
    units = input_units(run.paths, run.report)
    planner, number = BatchPlanner(run.options), 0
    for step in executor.map(planner, [PlanStep(unit, PLAN_STEP_BYTES) for unit in units]):
        while True:
            ahead = executor.map(planner, [step.next]) if step.next is not None else None
            planned.setdefault(number, []).extend(step.problems)
            for batch in step.batches:
                yield BatchJob(str(run.folder), number, results, batch)
                number += 1
            if ahead is None:
                break
            [step] = ahead


def _scored(executor: Executor, scorer: BatchScorer, jobs, on_progress) -> list[tuple[BatchJob, BatchSummary]]:
    done: list[tuple[BatchJob, BatchSummary]] = []
    jobs = iter(jobs)
    pending: list[BatchJob] = []

    def remembered() -> Iterator[BatchJob]:
        for job in jobs:
            pending.append(job)
            yield job

    for summary in executor.map(scorer, remembered()):
        done.append((pending[len(done)], summary))
        if on_progress:
            on_progress(len(summary.transcripts))
    return done


def _rerun(executor: Executor, scorer: BatchScorer, done: list[tuple[BatchJob, BatchSummary]],
           fixed: list[BatchJob]) -> None:
    if not fixed:  # nearly always: a map with nothing in it still sends the scorer to every worker
        return
    for job, summary in zip(fixed, executor.map(scorer, fixed)):
        done[job.number] = (job, summary)


def _numbering_fixes(done: list[tuple[BatchJob, BatchSummary]]) -> list[BatchJob]:
    """The batches whose problems name rows numbered from a first row they did not know, with it now."""
    rows_before: dict[str, int] = {}
    fixed = []
    for job, summary in done:
        if job.batch is None or job.batch.kind != "csv":
            continue
        file = job.batch.files[0]
        first = 2 + rows_before.get(file, 0)  # row 1 is the header
        rows_before[file] = rows_before.get(file, 0) + summary.rows
        if summary.numbered and (job.batch.first_row or 2) != first:
            fixed.append(replace(job, batch=job.batch.numbered_from(first)))
    return fixed


def _duplicate_fixes(done: list[tuple[BatchJob, BatchSummary]]) -> list[BatchJob]:
    """The batches holding an id seen in an earlier batch (or earlier in the same one), with the renames
    `read_transcripts` would have made."""
    seen: dict[str, tuple[bytes, str]] = {}
    said = LoadReport()  # one for all: a report per transcript was most of this check's time (~0.3 s per 80,000)
    fixed = []
    for job, summary in done:
        renames = []
        for index, (transcript_id, digest, source) in enumerate(summary.digests):
            kept = unique_id(transcript_id, digest, source, seen, said)
            if kept != transcript_id:
                renames.append((index, kept, said.problems[-1]))
        if renames:
            fixed.append(replace(job, renames=tuple(renames)))
    return fixed
