"""The whole analysis in one call: files -> shards -> hits -> scores, cached and spread over processes.

    analysis = analyse(["data/demo"], codebook=load_codebook("config/codebook.yaml"))
    analysis.themes.groupby("theme")["present"].mean()

A re-run with nothing changed loads the results from the cache; a codebook edit re-scores the cached shards
without reading or tokenizing the files again.
"""
from __future__ import annotations

import ctypes
import multiprocessing
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from core.engine import cache
from core.codebook.model import Codebook
from core.engine.corpus import SpeakerConfig, build_shard
from core.errors import Problem
from core.ingest.loaders import LoadOptions, LoadReport, RawTranscript, data_files, read_metadata, read_transcripts
from core.engine.matcher import TermIndex, VocabularyMatcher
from core.engine.scoring import SCOPE_ROLES, Scores, score_shard

SHARD_SIZE = 250        # small first shards get every core busy early on a small corpus...
LARGE_SHARD_SIZE = 1000  # ...then larger ones keep per-shard overhead low on a large one
SMALL_SHARDS = 4


@dataclass
class Analysis:
    """Everything computed for one corpus and codebook."""

    codebook: Codebook
    transcripts: pd.DataFrame
    themes: pd.DataFrame
    hits: pd.DataFrame
    report: LoadReport
    key: str = ""
    cached: str = "none"  # "results", "shards" or "none": what the cache already had
    data_paths: list[str] = field(default_factory=list)
    store: cache.TranscriptStore | None = field(default=None, repr=False)  # texts and turns, read lazily

    def text(self, transcript_id: str) -> str:
        return self.store.text(transcript_id)

    def turns(self, transcript_id: str) -> pd.DataFrame:
        return self.store.turns(transcript_id)


def speakers_for(codebook: Codebook) -> SpeakerConfig:
    """Which labels mean whom, and which roles need tokens (participant always: occupations come from it)."""
    roles = tuple(sorted({"participant", *SCOPE_ROLES[codebook.settings.scope]}))
    s = codebook.settings
    return SpeakerConfig(s.interviewer_labels, s.participant_labels, roles)


def analyse(paths: Iterable[str | Path], *, codebook: Codebook, metadata=None,
            options: LoadOptions = LoadOptions(), cache_dir: str | Path | None = None, use_cache: bool = True,
            workers: int | None = None, on_progress: Callable[[int], None] | None = None) -> Analysis:
    """Load, score and summarise transcripts; see the module docstring."""
    paths = [str(p) for p in paths]
    cache_dir = Path(cache_dir) if cache_dir is not None else cache.default_cache_dir()
    report = LoadReport()
    use_cache = use_cache and _cache_usable(cache_dir, report)
    corpus_key = _corpus_key(paths, codebook, options, cache_dir, report) if use_cache else ""
    metadata = metadata_files(paths, metadata)
    result_key = cache.digest(corpus_key, codebook.content_hash, [_file_key(m, cache_dir) for m in metadata])
    result_folder = cache_dir / "results" / result_key
    shard_folder = cache_dir / "corpus" / corpus_key if use_cache else _temporary_folder()
    hit = cache.load_results(result_folder) if use_cache and cache.complete_shards(shard_folder) else None
    if hit is not None:
        tables, info = hit
        return Analysis(codebook, *(tables[n] for n in cache.RESULT_TABLES), _report_from(info), result_key,
                        "results", paths, cache.TranscriptStore(shard_folder))
    scores, cached = _score_all(paths, codebook, options, report, shard_folder, workers, on_progress)
    transcripts = _with_metadata(scores.transcripts, metadata, report, codebook)
    if transcripts.empty and not report.problems:
        report.add(", ".join(paths) or "(no paths)", "no transcripts found", hint="point --data at transcripts")
    analysis = Analysis(codebook, transcripts, scores.themes, scores.hits, report, result_key, cached, paths,
                        cache.TranscriptStore(shard_folder))
    if use_cache:
        result_folder.parent.mkdir(parents=True, exist_ok=True)
        cache.save_results(result_folder, {n: getattr(analysis, n) for n in cache.RESULT_TABLES},
                           {"report": report.to_dict(), "codebook": codebook.content_hash})
    return analysis


_TEMPORARY_FOLDERS: list = []


def _temporary_folder() -> Path:
    """Shards of an uncached run live in a temporary folder removed when the program exits."""
    folder = tempfile.TemporaryDirectory(prefix="themescope-")
    _TEMPORARY_FOLDERS.append(folder)
    return Path(folder.name) / "corpus"


def _cache_usable(cache_dir: Path, report: LoadReport) -> bool:
    try:
        (cache_dir / "results").mkdir(parents=True, exist_ok=True)
        return True
    except OSError as exc:
        report.add(cache_dir, f"cache folder not usable ({exc.strerror}): results computed but not kept",
                   hint="pass --cache-dir with a writable folder")
        return False


def _corpus_key(paths, codebook, options, cache_dir: Path, report: LoadReport) -> str:
    hashes = cache.FileHashes(cache_dir)
    files = [(str(f.resolve()), hashes.of(f)) for f in data_files(paths, LoadReport())]
    hashes.save()
    return cache.digest(cache.code_version(), files, options.__dict__, speakers_for(codebook).__dict__,
                        SHARD_SIZE, LARGE_SHARD_SIZE, SMALL_SHARDS)


def _file_key(path: Path, cache_dir: Path) -> str:
    return cache.FileHashes(cache_dir).of(path) if path.is_file() else f"missing:{path}"


def _report_from(info: dict) -> LoadReport:
    report = LoadReport(loaded=info["report"]["loaded"])
    for p in info["report"]["problems"]:
        report.problems.append(Problem(**{k: v for k, v in p.items() if k != "text"}))
    return report


# ---------------------------------------------------------------- scoring shards, in parallel when it pays
_WORKER: dict = {}


def _start_worker(codebook: Codebook) -> None:
    index = TermIndex(codebook)
    _WORKER.update(codebook=codebook, index=index, matcher=VocabularyMatcher(index))


def _start_worker_process(codebook: Codebook) -> None:
    reuse_freed_memory()  # a worker process only: the caller's own process keeps glibc's defaults
    _start_worker(codebook)


def reuse_freed_memory() -> None:
    """Ask glibc to keep freed memory for the next shard instead of handing it back to the system.

    Every shard allocates and frees the same large numpy temporaries; by default each one above 128 KB is a
    fresh mmap whose pages the kernel must fault in again, which cost a third of the workers' time (3 million
    page faults for 80,000 transcripts). Elsewhere than glibc this does nothing."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, 32 << 20)  # the largest glibc allows: blocks below come from the heap
        libc.mallopt(_M_TRIM_THRESHOLD, 1 << 30)   # ...and stay there when freed
        libc.mallopt(_M_TOP_PAD, 256 << 20)        # the heap grows in large steps numpy can back with huge pages
    except (OSError, AttributeError):
        pass


_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3  # glibc's mallopt parameter numbers


def _score_job(job: tuple) -> tuple[Scores, list[Problem]]:
    """Build (and save) or load one shard, then score it. Runs in a worker process or in-process."""
    kind, payload, folder, number = job
    report = LoadReport()
    if kind == "build":
        transcripts, utf8 = _unpacked(payload)
        shard = build_shard(transcripts, speakers_for(_WORKER["codebook"]), report)
        cache.save_shard(shard, folder, number, utf8=utf8)
    else:
        shard = cache.load_shard(folder, number)
    return score_shard(shard, _WORKER["index"], _WORKER["matcher"]), report.problems


def _packed(batch: list[RawTranscript]) -> tuple[list, ...]:
    """A batch as four lists, each text as the bytes it was read as when it has them: pickling that to a
    worker costs a third of pickling the objects, and the worker saves the bytes without encoding again."""
    return ([t.transcript_id for t in batch], [t.text if t.utf8 is None else t.utf8 for t in batch],
            [t.source for t in batch], [t.attributes for t in batch])


def _unpacked(payload: tuple[list, ...]) -> tuple[list[RawTranscript], bytes | None]:
    """The batch, and all its texts as one UTF-8 buffer when every text came as the file's bytes."""
    ids, texts, sources, attributes = payload
    utf8 = b"".join(texts) if all(isinstance(t, bytes) for t in texts) else None
    texts = [t.decode("utf-8") if isinstance(t, bytes) else t for t in texts]
    return [RawTranscript(*fields) for fields in zip(ids, texts, sources, attributes)], utf8


def _jobs(paths, options, report, folder: Path) -> Iterator[tuple]:
    cached = cache.complete_shards(folder)
    if cached is not None:
        report.loaded.update(cached["problems"].get("loaded", {}))
        report.problems += [Problem(**p) for p in cached["problems"].get("problems", [])]
        for number in range(cached["shards"]):
            yield "load", None, folder, number
        return
    batch: list[RawTranscript] = []
    number = 0
    for raw in read_transcripts(paths, report, options):
        batch.append(raw)
        if len(batch) == (SHARD_SIZE if number < SMALL_SHARDS else LARGE_SHARD_SIZE):
            yield "build", _packed(batch), folder, number
            batch, number = [], number + 1
    if batch:
        yield "build", _packed(batch), folder, number


def _score_all(paths, codebook, options, report, folder, workers, on_progress) -> tuple[Scores, str]:
    cached = "shards" if cache.complete_shards(folder) is not None else "none"
    if cached == "none":
        shutil.rmtree(folder, ignore_errors=True)  # a half-written build from an interrupted run
    load_problems_before = len(report.problems)
    parts, shard_problems = [], []
    for scores, problems in _run_jobs(_jobs(paths, options, report, folder), codebook, workers):
        parts.append(scores)
        shard_problems += problems
        if on_progress:
            on_progress(len(scores.transcripts))
    if cached == "none":
        report.problems += shard_problems
        load_problems = report.problems[load_problems_before:]
        cache.finish_shards(folder, len(parts), {"loaded": report.loaded,
                                                "problems": [p.__dict__ for p in load_problems]})
    if not parts:
        return Scores.concat([_empty_scores(codebook)]), cached
    return Scores.concat(parts), cached


def _run_jobs(jobs: Iterator[tuple], codebook: Codebook, workers: int | None) -> Iterator[tuple]:
    """Score jobs in order: in a process pool when more than one job is likely and there are cores,
    submitting each job as soon as it is read so the workers start while the files are still being read."""
    workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    first = next(jobs, None)
    if first is None:
        return
    kind, payload, _, _ = first
    if workers < 2 or (kind == "build" and len(payload[0]) < SHARD_SIZE):  # one small shard: no pool
        _start_worker(codebook)
        yield _score_job(first)
        for job in jobs:
            yield _score_job(job)
        return
    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker_process,
                             initargs=(codebook,)) as pool:
        pending: list[Future] = [pool.submit(_score_job, first)]
        for job in jobs:
            pending.append(pool.submit(_score_job, job))
            if len(pending) > 2 * workers:  # bound the transcripts in flight, so memory stays flat
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()


def _empty_scores(codebook: Codebook) -> Scores:
    from core.engine.corpus import Shard  # an empty shard scores to correctly-typed empty tables
    import numpy as np
    empty = np.zeros(0, np.int32)
    shard = Shard([], [], [], [], empty, empty, empty.astype(np.int8), empty, empty, np.zeros(1, np.int64),
                  empty, empty, [""])
    index = TermIndex(codebook)
    return score_shard(shard, index, VocabularyMatcher(index))


# ---------------------------------------------------------------- metadata
def metadata_files(paths: list[str], metadata) -> list[Path]:
    """The metadata tables to merge: those given, plus any metadata*.csv inside the data folders."""
    given = [] if metadata is None else [metadata] if isinstance(metadata, (str, Path)) else list(metadata)
    found = [f for p in map(Path, paths) if p.is_dir() for f in sorted(p.rglob("metadata*.csv"))]
    return list(dict.fromkeys(Path(f) for f in [*given, *found]))


def _with_metadata(transcripts: pd.DataFrame, files: list[Path], report: LoadReport,
                   codebook: Codebook) -> pd.DataFrame:
    """Merge metadata tables by transcript id; an `occupation` column wins over the inferred occupation."""
    tables = [t for t in (read_metadata(f, report) for f in files) if not t.empty]
    if not tables or transcripts.empty:
        return transcripts
    table = pd.concat(tables)
    table = table[~table.index.duplicated()]
    unknown = table.index.difference(transcripts["transcript_id"])
    if len(unknown):
        report.add(", ".join(map(str, files)), f"{len(unknown)} metadata id(s) match no transcript, "
                   f"e.g. {unknown[0]!r}", hint="check the transcript_id column")
    merged = transcripts.merge(table.drop(columns=["occupation"], errors="ignore"), how="left",
                               left_on="transcript_id", right_index=True, suffixes=("", "_metadata"))
    if "occupation" in table.columns:
        given = merged["transcript_id"].map(table["occupation"]).fillna("").astype(str).str.strip()
        override = given != ""
        merged.loc[override, "occupation"] = given[override]
        merged.loc[override, "occupation_evidence"] = "metadata"
        merged.loc[override, "occupation_confidence"] = 1.0
        _report_unknown_occupations(given[override], codebook, report, files)
    return merged


def _report_unknown_occupations(values: pd.Series, codebook: Codebook, report: LoadReport, files) -> None:
    unknown = sorted(set(values) - set(codebook.occupation_ids))
    if unknown:
        report.add(", ".join(map(str, files)), "occupation value(s) not in the codebook, kept as given: "
                   + ", ".join(unknown[:5]), hint="use the codebook's occupation ids")
