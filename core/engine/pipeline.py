"""The whole analysis in one call: files -> shards -> hits -> scores, cached, run by an executor.

    analysis = analyse(["data/demo"], codebook=load_codebook("config/codebook.yaml"))
    analysis.themes.groupby("theme")["present"].mean()

A re-run with nothing changed loads the results from the cache; a codebook edit re-scores the cached shards
without reading or tokenizing the files again. Shards are scored by `ShardScorer`, a pure function of a
`ShardJob` that any executor can run (in this thread, in worker processes, on a cluster): `shard_jobs`.

A large corpus (data files over STREAM_ABOVE_BYTES together), or any run given `results=`, is streamed: each
batch's tables are written as parquet parts (`core.engine.parts`) by the worker that scored it, and this
process keeps only the transcripts table, so a run's memory is bounded by the batch size, not the corpus.
"""
from __future__ import annotations

import itertools
import shutil
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from core.codebook.model import Codebook
from core.engine import cache
from core.engine.executor import Executor, InlineExecutor, LocalProcesses
from core.engine.metadata import metadata_files, with_metadata
from core.engine.parts import clear_parts, write_manifest
from core.engine.results import Analysis
from core.engine.shard_jobs import PartsWriter, ShardJob, ShardScorer, _packed, batches_of, empty_analysis, speakers_for
from core.errors import CacheError, DataError, Problem
from core.ingest.loaders import LoadOptions, LoadReport, data_files, read_transcript_runs
from core.ingest.sources import is_url, local
from core.ingest.urls import url_fingerprint

SHARD_SIZE = 250        # small first shards get every core busy early on a small corpus...
LARGE_SHARD_SIZE = 1000  # ...then larger ones keep per-shard overhead low on a large one
SMALL_SHARDS = 4
STREAM_ABOVE_BYTES = 1 << 30  # data files larger than this together (~110,000 interviews) are streamed to parts


def analyse(paths: Iterable[str | Path], *, codebook: Codebook, metadata=None,
            options: LoadOptions = LoadOptions(), cache_dir: str | Path | None = None, use_cache: bool = True,
            executor: Executor | None = None, workers: int | None = None,
            on_progress: Callable[[int], None] | None = None, results: str | None = None) -> Analysis:
    """Load, score and summarise transcripts; see the module docstring. `executor` runs the shards (the
    caller owns it); without one, a pool of `workers` processes (default: up to 2) is started for this call
    when the corpus is more than one small shard.

    A data file that changes while it is read (a copy or an export still being written) would give results
    that mix old and new content: the run is repeated once, and a file that changes again is a DataError.

    Paths may be fsspec URLs (s3://, gs://, file://). With URLs, or an executor whose workers read their own
    input (`reads_input`: Dask), the workers read the files and write the tables as parquet parts to `results`
    (a folder or URL; default: `parts/` in the cache's or a temporary folder), see `core.engine.remote`.

    `results` given, or data files larger than STREAM_ABOVE_BYTES together, stream the run: the themes, hits
    and cancelled tables go to parquet parts there as each batch is scored and the analysis reads them only
    when asked (`Analysis.parts`). An uncached streamed run keeps no texts (`text()` raises KeyError)."""
    folders = [p if is_url(p) else str(local(p)) for p in map(str, paths)]
    remote = getattr(executor, "reads_input", False) or any(map(is_url, folders))
    streamed = results is not None or remote or streams(folders)
    run = _Run(folders, codebook, metadata, options,
               Path(cache_dir) if cache_dir is not None else cache.default_cache_dir(), use_cache,
               results if results is not None else "" if streamed else None, remote)
    try:
        return _once_or_uncached(run, executor, workers, on_progress)
    except cache.FilesChanged:
        pass  # what was read is gone from the cache: read the files again
    try:
        return _once_or_uncached(run, executor, workers, on_progress)
    except cache.FilesChanged as changed:
        raise DataError(f"{changed.files[0]}: changed while it was being read, twice in a row",
                        hint="run again once the file is completely written (is a copy or an export "
                             "still going on?)") from None


def streams(paths: Iterable[str | Path]) -> bool:
    """Whether a run on these paths is streamed to parts for its size: the data files add up to more than
    STREAM_ABOVE_BYTES (URLs are always streamed, by the workers that read them)."""
    files = data_files([p for p in map(str, paths) if not is_url(p)], LoadReport())
    return sum(f.stat().st_size for f in files if f.is_file()) > STREAM_ABOVE_BYTES


def _once_or_uncached(run: _Run, executor, workers, on_progress) -> Analysis:
    """A run; when the cache folder cannot take the shards (full, or made read-only during the run), the same
    run without the cache, saying so."""
    try:
        return run.once(executor, workers, on_progress)
    except cache.CacheUnwritable as error:
        if not run.use_cache:
            raise _no_room(error) from None
        reason = error.reason
    try:
        analysis = replace(run, use_cache=False).once(executor, workers, on_progress)
    except cache.CacheUnwritable as error:
        raise _no_room(error) from None
    analysis.report.add(run.cache_dir, f"cache folder not usable ({reason}): results computed without it",
                        hint="free some space or pass --cache-dir with a writable folder")
    return analysis


def _no_room(error: cache.CacheUnwritable) -> CacheError:
    return CacheError(f"{error.folder}: the working files of this run cannot be written ({error.reason})",
                      hint="free some space in the temporary folder, or point TMPDIR at a larger one")


@dataclass(frozen=True)
class _Run:
    """One `analyse` call's inputs, so that it can be run again when a file changed under it."""

    folders: list[str]
    codebook: Codebook
    metadata: object
    options: LoadOptions
    cache_dir: Path
    use_cache: bool
    results: str | None  # where the tables' parts go ("": a folder of the run's own); None: kept in memory
    remote: bool = False  # workers read their own input (core.engine.remote)

    def once(self, executor, workers, on_progress) -> Analysis:
        codebook, folders, cache_dir = self.codebook, self.folders, self.cache_dir
        report, notes = LoadReport(), LoadReport()  # notes: what happened to the cache, never kept in it
        metadata = metadata_files(folders, self.metadata)
        local_metadata = [m for m in metadata if isinstance(m, Path)]  # URLs: in the key by their fingerprint
        watched = [*cache.with_speakers_tables(data_files(folders, LoadReport())), *local_metadata]
        watch = cache.Watch.of(watched)
        use_cache = self.use_cache and _cache_usable(cache_dir, notes)
        # an uncached run's key still names its files as they are now: the dashboard's memos are keyed on it
        hashes = cache.FileHashes(cache_dir) if use_cache else cache.FileStamps(watch.marks)
        corpus_key = _corpus_key(folders, watched[:len(watched) - len(local_metadata)], codebook, self.options,
                                 hashes)
        # in memory and streamed, the same run keeps other files in its results folder: each has a key of its own
        result_key = cache.digest(cache.RESULTS_FORMAT, corpus_key, cache.package_versions(), codebook.content_hash,
                                  [_file_key(m, hashes) for m in metadata], self.results is not None)
        hashes.save()
        result_folder = cache_dir / "results" / result_key
        store = cache.TranscriptStore(cache_dir / "corpus" / corpus_key) if use_cache \
            else cache.TranscriptStore.temporary()
        hit = cache.load_results(result_folder, notes) if use_cache and self.results is None \
            and cache.shards_intact(store.folder, notes) else None  # with parts to write, shards are scored
        if hit is not None:
            tables, info = hit
            return Analysis(codebook, tables["transcripts"], tables["themes"], tables["hits"],
                            _report_from(info, notes), result_key, "results", folders, store,
                            cancelled=tables["cancelled"])
        kept = self._kept_stream(result_folder, store.folder, notes) if use_cache else None
        if kept is not None:
            transcripts, info = kept
            return Analysis(codebook, transcripts, report=_report_from(info, notes), key=result_key,
                            cached="results", data_paths=folders, store=store,
                            parts=str(result_folder / "parts"), batches=info["batches"])
        results = None if self.results is None else self.results or str(
            (result_folder if use_cache else store.folder.parent) / "parts")
        run = ScoringRun(folders, codebook, self.options, report, store.folder, notes, results, self.remote,
                         keep_shards=use_cache or results is None or self.remote)
        scores, cached = run.score_all(executor, workers, on_progress)
        transcripts = with_metadata(scores.transcripts, metadata, report, codebook)
        _check_unchanged(watch, folders, local_metadata, store.folder if cached == "none" else None)
        if transcripts.empty and not report.problems:
            report.add(", ".join(folders) or "(no paths)", "no transcripts found", hint="point --data at transcripts")
        if use_cache and not scores.streamed:
            cache.save_results(result_folder, {"transcripts": transcripts, "themes": scores.themes,
                                               "hits": scores.hits, "cancelled": scores.cancelled},
                               {"report": report.to_dict(), "codebook": codebook.content_hash}, notes)
        if use_cache and scores.streamed and self.results == "":
            cache.save_streamed(result_folder, transcripts, {"report": report.to_dict(), "batches": scores.batches,
                                                             "codebook": codebook.content_hash}, notes)
        report.problems += notes.problems
        return scores.described(transcripts=transcripts, report=report, key=result_key, cached=cached,
                                data_paths=folders, store=store)


    def _kept_stream(self, result_folder: Path, shards: Path, notes: LoadReport) -> tuple[pd.DataFrame, dict] | None:
        """A run streamed for its size into the cache (parts in its results folder) kept by an earlier run:
        opened without scoring again, its tables left in the parts (texts need its shards intact)."""
        if self.results != "" or not cache.shards_intact(shards, notes):
            return None
        return cache.load_streamed(result_folder, notes)


def _check_unchanged(watch: cache.Watch, folders: list[str], metadata: list[Path], built: Path | None) -> None:
    """FilesChanged when a file changed since the run looked at it; shards it built from them are removed."""
    try:
        watch.check([*cache.with_speakers_tables(data_files(folders, LoadReport())), *metadata])
    except cache.FilesChanged:
        if built is not None:
            shutil.rmtree(built, ignore_errors=True)
        raise


def _cache_usable(cache_dir: Path, report: LoadReport) -> bool:
    try:
        (cache_dir / "results").mkdir(parents=True, exist_ok=True)
        return True
    except OSError as exc:
        report.add(cache_dir, f"cache folder not usable ({exc.strerror}): results computed but not kept",
                   hint="pass --cache-dir with a writable folder")
        return False


def _corpus_key(paths: list[str], files: list[Path], codebook, options,
                hashes: cache.FileHashes | cache.FileStamps) -> str:
    urls = [url_fingerprint(path) for path in paths if is_url(path)]
    return cache.digest(cache.code_version(), [(str(f.resolve()), hashes.of(f)) for f in files], urls,
                        options.__dict__,
                        speakers_for(codebook).__dict__, SHARD_SIZE, LARGE_SHARD_SIZE, SMALL_SHARDS)


def _file_key(path: Path | str, hashes: cache.FileHashes | cache.FileStamps) -> object:
    if isinstance(path, str):
        return url_fingerprint(path) or f"missing:{path}"
    return hashes.of(path) if path.is_file() else f"missing:{path}"


def _report_from(info: dict, warnings: LoadReport) -> LoadReport:
    """The load report kept with cached results, and any cache warning of this run."""
    report = LoadReport(loaded=info["report"]["loaded"])
    for p in info["report"]["problems"]:
        report.problems.append(Problem(**{k: v for k, v in p.items() if k != "text"}))
    report.problems += warnings.problems
    return report


# ---------------------------------------------------------------- a corpus: every shard, through an executor
@dataclass
class ScoringRun:
    """Scoring every shard of one corpus: from the files (building the shards) or from cached shards."""

    paths: list[str]
    codebook: Codebook
    options: LoadOptions
    report: LoadReport
    folder: Path
    notes: LoadReport  # what happened to the cache: shown, not kept
    results: str | None = None  # set: each batch's tables go to parts here as it is scored
    remote: bool = False  # the workers read their own input (core.engine.remote)
    keep_shards: bool = True  # save the shards built (an uncached streamed run does not: no texts kept)

    def score_all(self, executor: Executor | None, workers: int | None,
                  on_progress: Callable[[int], None] | None) -> tuple[Analysis, str]:
        try:
            try:
                return self._score_all(executor, workers, on_progress)
            except cache.DamagedCache as damage:  # a shard went bad after it was checked: build them again
                self.notes.add(self.folder, f"damaged cache entry discarded and rebuilt ({damage})")
                shutil.rmtree(self.folder, ignore_errors=True)
                return self._score_all(executor, workers, on_progress)
        except OSError as error:  # reading problems are in the report: an OSError here is a shard not written
            shutil.rmtree(self.folder, ignore_errors=True)
            raise cache.CacheUnwritable(self.folder, error.strerror or str(error)) from None

    def _score_all(self, executor, workers, on_progress) -> tuple[Analysis, str]:
        cached = "shards" if cache.complete_shards(self.folder) is not None else "none"
        if cached == "none":
            shutil.rmtree(self.folder, ignore_errors=True)  # a half-written build from an interrupted run
        load_problems_before = len(self.report.problems)
        if self.remote:
            from core.engine.remote import score_on_workers  # it imports this module's scorer

            analysis, count = score_on_workers(self, executor or InlineExecutor(), cached == "shards", on_progress)
        elif self.results is not None:
            analysis, count = self._stream_here(executor, workers, on_progress, keep_problems=cached == "none")
        else:
            analysis, count = self._score_here(executor, workers, on_progress, keep_problems=cached == "none")
        if cached == "none" and self.keep_shards:
            load_problems = self.report.problems[load_problems_before:]
            cache.finish_shards(self.folder, count, {"loaded": self.report.loaded,
                                                     "problems": [p.__dict__ for p in load_problems]})
        return analysis, cached

    def _score_here(self, executor, workers, on_progress, *, keep_problems: bool) -> tuple[Analysis, int]:
        """Scored on this machine: this process reads the files and sends each batch to the executor."""
        parts, shard_problems = [], []
        for scores, problems in _run(ShardScorer(self.codebook), self._jobs(), executor, workers):
            parts.append(scores)
            shard_problems += problems
            if on_progress:
                on_progress(len(scores.transcripts))
        if keep_problems:
            self.report.problems += shard_problems
        return Analysis.concat(parts or [empty_analysis(self.codebook)]), len(parts)

    def _stream_here(self, executor, workers, on_progress, *, keep_problems: bool) -> tuple[Analysis, int]:
        """As `_score_here`, each batch's tables written as parts by its worker: only the transcripts come back."""
        results = str(self.results)
        clear_parts(results)
        transcripts, shard_problems, rows = [], [], Counter[str]()
        for summary, problems in _run(PartsWriter(ShardScorer(self.codebook), results), self._jobs(), executor,
                                      workers):
            transcripts.append(summary.transcripts)
            rows.update(summary.rows)
            shard_problems += problems
            if on_progress:
                on_progress(len(summary.transcripts))
        if keep_problems:
            self.report.problems += shard_problems
        if not transcripts:
            return empty_analysis(self.codebook), 0
        write_manifest(results, len(transcripts), dict(rows), self.codebook.content_hash)
        return Analysis(self.codebook, pd.concat(transcripts, ignore_index=True), parts=results,
                        batches=len(transcripts)), len(transcripts)

    def cached_shard_count(self) -> int:
        """The number of shards in the complete shard folder; its load report goes to `report`."""
        cached = cache.complete_shards(self.folder) or {"shards": 0, "problems": {}}
        self.report.loaded.update(cached["problems"].get("loaded", {}))
        self.report.problems += [Problem(**p) for p in cached["problems"].get("problems", [])]
        return cached["shards"]

    def _jobs(self) -> Iterator[ShardJob]:
        if cache.complete_shards(self.folder) is not None:
            yield from (ShardJob(str(self.folder), number) for number in range(self.cached_shard_count()))
            return
        sizes = itertools.chain(itertools.repeat(SHARD_SIZE, SMALL_SHARDS), itertools.repeat(LARGE_SHARD_SIZE))
        for number, batch in enumerate(batches_of(read_transcript_runs(self.paths, self.report, self.options), sizes)):
            yield ShardJob(str(self.folder), number, _packed(batch), self.keep_shards)


def _run(scorer: ShardScorer | PartsWriter, jobs: Iterator[ShardJob], executor: Executor | None,
         workers: int | None) -> Iterator[tuple]:
    """The jobs' results in order: a corpus of one small shard in this thread (sending it elsewhere would
    cost more than it saves), else on the caller's executor, else on a pool of `workers` for this call."""
    first = next(jobs, None)
    if first is None:
        return
    jobs = itertools.chain([first], jobs)
    if first.batch is not None and len(first.batch[0]) < SHARD_SIZE:
        executor = InlineExecutor()
    scorer.prepare()
    if executor is not None:
        yield from executor.map(scorer, jobs)
        return
    pool = LocalProcesses(workers)
    with InlineExecutor() if pool.workers < 2 else pool as chosen:
        yield from chosen.map(scorer, jobs)
