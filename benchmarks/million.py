"""A million transcripts: `themescope score` cold, its wall time and the peak memory of it and its workers.

    python benchmarks/million.py                        # 1,000,000 transcripts (~9 GB of CSV in /tmp)
    python benchmarks/million.py --copies 64 --repeat 3 # 80,000, for a quicker look
    python benchmarks/million.py --profile-slice 20000  # CPU-s per 1,000 transcripts (of the first 20,000;
                                                        # least of 3 rounds), worker and client: no full run
    python benchmarks/million.py --profile-slice 5000 --profile-stages  # and per stage of the worker

The input is the public set replicated with distinct ids (`<id>_r00042`) as one CSV file in
/tmp/themescope-bench/ (made once, kept for later runs, never committed): CSV because it is what interview
platforms and survey tools export, and what the public set itself is. The run is the whole command a user
types, interpreter start included, with `--no-cache` (cold: nothing read or scored before); a corpus this
size is streamed, so the themes, hits and cancelled tables are parquet parts in the output folder.

Memory is sampled every 0.2 s over the command's whole process tree (the command and its workers): the
peak of the summed resident sizes (RSS, counting pages a forked worker still shares with its parent once
per process, so an upper bound) and of the summed proportional sizes (PSS, shared pages split between the
processes that share them: the memory the run really holds). Needs ../shared/data/anthropic-interviewer
(or --data); prints a message and exits 0 without it.
"""
from __future__ import annotations

import argparse
import contextlib
import cProfile
import itertools
import json
import math
import pickle
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = ROOT.parent / "shared" / "data" / "anthropic-interviewer"
BENCH = Path("/tmp/themescope-bench")
MARKER = "_r000000"


def replicate(data: Path, copies: int, target: Path) -> Path:
    """The public set `copies` times with distinct ids, as one CSV (made once, kept in /tmp): the set is
    rendered once with a marker after every id, and each copy is that text with the copy's number in it."""
    import pandas as pd

    if target.exists():
        return target
    tables = [pd.read_csv(p, dtype=str, keep_default_na=False) for p in sorted(data.glob("*.csv"))]
    base = pd.concat(tables, ignore_index=True)
    base["transcript_id"] = base["transcript_id"] + MARKER
    rendered = base.to_csv(index=False)
    header, body = rendered.split("\n", 1)
    if body.count(MARKER) != len(base):
        raise SystemExit(f"the marker {MARKER} occurs in the texts: choose another")
    partial = target.with_suffix(".partial")
    with partial.open("w", encoding="utf-8") as out:
        out.write(header + "\n")
        for copy in range(copies):
            out.write(body.replace(MARKER, f"_r{copy:06d}"))
    partial.rename(target)
    return target


class TreeMemory:
    """Samples the summed RSS and PSS of a process and all its descendants until stopped; keeps the peaks, and
    the CPU seconds each process had used when last seen (the command's own and its workers')."""

    def __init__(self, pid: int, every: float = 0.2):
        self.root, self.every = psutil.Process(pid), every
        self.peak_rss = self.peak_pss = self.most_processes = 0
        self.cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(self.every):
            rss = pss = 0
            try:
                processes = [self.root, *self.root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            for process in processes:
                try:
                    info, times = process.memory_full_info(), process.cpu_times()
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
                self.cpu[process.pid] = times.user + times.system
                rss, pss = rss + info.rss, pss + info.pss
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            self.most_processes = max(self.most_processes, len(processes))


def score_cold(corpus: Path, out: Path, extra: list[str]) -> dict:
    """One whole `themescope score --no-cache` process: seconds, peak memory of its tree, its last lines."""
    shutil.rmtree(out, ignore_errors=True)
    command = [str(Path(sys.executable).parent / "themescope"), "score", "--data", str(corpus), "--out", str(out),
               "--no-cache", *extra]
    start, cpu_before = time.perf_counter(), _children_cpu()
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process, \
            TreeMemory(process.pid) as memory:
        stdout, stderr = process.communicate()
    seconds, cpu = time.perf_counter() - start, _children_cpu() - cpu_before
    if process.returncode:
        raise SystemExit(f"themescope score failed ({process.returncode}):\n{stderr[-2000:]}")
    command_cpu = memory.cpu.get(process.pid, 0.0)
    return {"seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1), "command_cpu_seconds": round(command_cpu, 1),
            "workers_cpu_seconds": round(sum(memory.cpu.values()) - command_cpu, 1),
            "peak_rss_mb": memory.peak_rss >> 20, "peak_pss_mb": memory.peak_pss >> 20,
            "processes": memory.most_processes, "summary": stdout.splitlines()[0]}


def _children_cpu() -> float:
    """CPU seconds of every finished descendant (the command and the workers it waited for): on a busy
    machine this, halved, is what the run would take on 2 idle cores."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# a worker's stages, each timed inclusive of the ones it calls (the names of both versions compared in README)
STAGES = [("core.engine.shard_jobs", "build_shard"), ("core.engine.corpus", "turn_table"),
          ("core.engine.corpus", "_turn_table"), ("core.engine.corpus", "_tokenized"),
          ("core.engine.corpus", "normalise"), ("core.engine.corpus", "_word_ids"),
          ("core.engine.shard_jobs", "score_shard"), ("core.engine.scoring", "find_matches"),
          ("core.engine.scoring", "keep_scope"), ("core.engine.scoring", "_split_negated"),
          ("core.engine.scoring", "transcript_rows"), ("core.engine.transcript_rows", "self_descriptions"),
          ("core.engine.scoring", "_hit_rows"), ("core.engine.shard_jobs", "write_parts")]


def timed_stages() -> dict[str, float]:
    """Wrap each of STAGES (those this checkout has) in a CPU timer; the seconds each has taken, filled as they run."""
    import importlib

    spent: dict[str, float] = {}
    for module_name, name in STAGES:
        module = importlib.import_module(module_name)
        if hasattr(module, name):
            setattr(module, name, _timed(getattr(module, name), name, spent))
    return spent


def _timed(function, name: str, spent: dict[str, float]):
    def timed(*args, **kwargs):
        start = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + time.process_time() - start
    return timed


def profile_slice(corpus: Path, count: int, rounds: int, profile: str | None, stages: bool = False) -> dict:
    """CPU seconds per 1,000 transcripts of what a streamed run does, on the first `count` transcripts of
    `corpus`, in this one process (CPU time, not wall: steadier on a busy machine; the least of `rounds`).
    The client's part: reading the CSV, packing batches of 1,000 and pickling each job, unpickling what comes
    back; the worker's: unpickling the job, building and scoring the shard, writing its parquet parts,
    pickling what it sends back. Two batches are scored untimed first (the matcher remembers each distinct
    word: a long run's state). `profile`: a cProfile of the worker's part of the last round, to this file.
    `stages`: also the CPU seconds per 10,000 transcripts of each of STAGES (the least of the rounds)."""
    import tempfile

    from core.codebook.model import load_codebook
    from core.engine.executor import reuse_freed_memory
    from core.engine.pipeline import PartsWriter, ShardScorer

    reuse_freed_memory()  # as the pool's workers do
    writer = PartsWriter(ShardScorer(load_codebook(ROOT / "config" / "codebook.yaml")), tempfile.mkdtemp())
    writer.prepare()
    best = {"client": math.inf, "worker": math.inf}
    spent = timed_stages() if stages else {}
    least: dict[str, float] = {}
    for round_number in range(rounds):
        jobs, client = _client_jobs(corpus, count, writer.results)
        for job in jobs[:2] if round_number == 0 else []:
            writer(pickle.loads(job))
        profiler = cProfile.Profile() if profile and round_number == rounds - 1 else None
        spent.clear()
        start = time.process_time()
        with profiler or contextlib.nullcontext():
            answers = [pickle.dumps(writer(pickle.loads(job))) for job in jobs]
        worker = time.process_time() - start
        start = time.process_time()
        for answer in answers:
            pickle.loads(answer)
        best = {"client": min(best["client"], client + time.process_time() - start),
                "worker": min(best["worker"], worker)}
        least = {name: min(seconds, least.get(name, math.inf)) for name, seconds in spent.items()}
        if profiler and profile:
            profiler.dump_stats(profile)
    shutil.rmtree(writer.results, ignore_errors=True)
    return {"transcripts": count, "rounds": rounds, **{f"{side}_cpu_per_1000": round(seconds * 1000 / count, 4)
                                                       for side, seconds in best.items()},
            **({"stages_cpu_per_10000": {name: round(seconds * 10000 / count, 3) for name, seconds in least.items()}}
               if stages else {})}


def _client_jobs(corpus: Path, count: int, results: str) -> tuple[list[bytes], float]:
    """The first `count` transcripts read and packed in jobs of LARGE_SHARD_SIZE, pickled as an executor
    sends them; and the CPU seconds that took."""
    from core.engine.pipeline import LARGE_SHARD_SIZE, ShardJob, _packed, batches_of
    from core.ingest.loaders import LoadReport, read_transcript_runs

    start = time.process_time()
    batches = batches_of(read_transcript_runs([str(corpus)], LoadReport()), itertools.repeat(LARGE_SHARD_SIZE))
    jobs = [pickle.dumps(ShardJob(results, number, _packed(batch), save=False))
            for number, batch in enumerate(itertools.islice(batches, math.ceil(count / LARGE_SHARD_SIZE)))]
    return jobs, time.process_time() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(PUBLIC))
    parser.add_argument("--copies", type=int, default=800, help="copies of the public set (800: 1,000,000)")
    parser.add_argument("--repeat", type=int, default=1, help="runs (the quickest is reported)")
    parser.add_argument("--keep-output", action="store_true", help="keep the last run's output folder")
    parser.add_argument("--profile-slice", type=int, metavar="N", help="no run: CPU-s per 1,000 transcripts "
                        "of the first N, client and worker, in one process (see profile_slice)")
    parser.add_argument("--profile-rounds", type=int, default=3, help="with --profile-slice: rounds (least kept)")
    parser.add_argument("--profile-out", help="with --profile-slice: a cProfile of the worker's part here")
    parser.add_argument("--profile-stages", action="store_true", help="with --profile-slice: CPU-s per 10,000 "
                        "of each stage of the worker (STAGES), the least of the rounds")
    parser.add_argument("extra", nargs="*", help="more options for `themescope score` (after --)")
    args = parser.parse_args()
    if not Path(args.data).exists():
        print(f"public data set not found at {args.data}: nothing to measure")
        return 0
    BENCH.mkdir(exist_ok=True)
    corpus = replicate(Path(args.data), args.copies, BENCH / f"replicated_x{args.copies}.csv")
    if args.profile_slice:
        print(json.dumps(profile_slice(corpus, args.profile_slice, args.profile_rounds, args.profile_out,
                                       args.profile_stages)))
        return 0
    out = BENCH / f"million-out-x{args.copies}"
    runs = [score_cold(corpus, out, args.extra) for _ in range(args.repeat)]
    best = min(runs, key=lambda r: r["seconds"])
    print(json.dumps({"corpus": str(corpus), "corpus_mb": corpus.stat().st_size >> 20, "runs": runs}, indent=1))
    print(f"{best['summary']}\ncold: {best['seconds']:.1f} s (best of {len(runs)}; {best['cpu_seconds']:.0f} CPU-s "
          f"over the process tree: the command {best['command_cpu_seconds']:.0f}, its workers "
          f"{best['workers_cpu_seconds']:.0f} as last sampled), peak memory of the process "
          f"tree: {best['peak_pss_mb']:,} MB PSS, {best['peak_rss_mb']:,} MB RSS summed "
          f"({best['processes']} processes)")
    if not args.keep_output:
        shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
