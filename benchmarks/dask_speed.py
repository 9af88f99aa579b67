"""Dask speed at 80,000 transcripts: 2 workers vs 1 (target >= 1.8x), and `--executor dask` vs the local
executor (target: within 1.25x). Cold runs (no cache), each in a fresh subprocess; a LocalCluster's start-up is
inside the clock (a user waits for it), imports are not. Each run also reports the CPU seconds of its own process
(the client's, and with dask the scheduler's too: a LocalCluster's scheduler runs there), which on 2 cores is taken
from the two workers, and of its whole process tree until the close (the workers', and Dask's server process
that forks them), and the peak memory of this process plus its largest worker.

    python benchmarks/dask_speed.py [--data /tmp/themescope-bench/replicated_80k.csv] [--repeat 3]
    python benchmarks/dask_speed.py --timeline 2    # where one run's wall time goes, with 2 workers
    python benchmarks/dask_speed.py --overhead      # Dask's own CPU per batch, without the batches' work
    python benchmarks/dask_speed.py --control       # a batch's CPU alone vs beside a twin, without Dask

The timeline is what the ratio of 2 workers to 1 depends on: the serial parts (the cluster's start, with the
server's one import of Dask and the engine its workers are forked from, planning before the first batch, the last
batch alone, the close) cost the same with 1 worker; the workers' waits between their tasks (a worker with no
task) and at the end are what 2 workers lose. They count gaps, so other load on the machine hardly changes them.

The corpus is the public set x 64 (benchmarks/speed.py's `replicate`, made once in /tmp/themescope-bench);
needs ../shared/data/anthropic-interviewer when it is not there yet, and prints a message and exits 0 without.
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from speed import PRELUDE, PUBLIC, ROOT, replicate, run

RUN = PRELUDE + """
import tempfile
import psutil
from core.engine.executor import DaskCluster, LocalProcesses
book = load_codebook(sys.argv[1])
kind, workers = sys.argv[3], int(sys.argv[4])
def process_tree():  # the CPU seconds and the largest peak resident size among this process's descendants
    cpu, peak = 0.0, 0
    for process in psutil.Process().children(recursive=True):
        with open(f"/proc/{process.pid}/status") as status:
            peak = max([peak] + [int(line.split()[1]) for line in status if line.startswith("VmHWM:")])
        cpu += sum(process.cpu_times()[:4])
    return cpu, peak
with tempfile.TemporaryDirectory() as parts:
    start, client_start = time.perf_counter(), time.process_time()
    with (DaskCluster(workers=workers) if kind == "dask" else LocalProcesses(workers)) as executor:
        analysis = analyse([sys.argv[2]], codebook=book, use_cache=False, executor=executor,
                           results=parts if kind == "dask" else None)
        asked = time.perf_counter()
        others_cpu, others_peak = process_tree()  # before the close: Dask's workers are not this process's children
        asked = time.perf_counter() - asked
    seconds, client_cpu = time.perf_counter() - start - asked, time.process_time() - client_start
    hits = len(analysis.hits)  # read from the parts (a dask run keeps its tables there) before they go
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss + others_peak
print(json.dumps({"seconds": round(seconds, 3), "client_cpu": round(client_cpu, 2),
                  "cpu": round(client_cpu + others_cpu, 1), "transcripts": len(analysis.transcripts), "hits": hits,
                  "peak_mb": round(peak / 1024)}))
"""

TIMELINE = PRELUDE + """
import tempfile
from distributed import get_task_stream
from core.engine.executor import DaskCluster
book = load_codebook(sys.argv[1])
marks, start = {}, time.perf_counter()
with tempfile.TemporaryDirectory() as parts:
    executor = DaskCluster(workers=int(sys.argv[3]))
    with get_task_stream(executor._started()) as stream:
        marks["cluster started"], started = time.perf_counter() - start, time.time()
        analyse([sys.argv[2]], codebook=book, use_cache=False, executor=executor, results=parts)
        marks["analysis done"] = time.perf_counter() - start
    executor.close()
    marks["cluster closed"] = time.perf_counter() - start
tasks = [(s["start"] - started + marks["cluster started"], s["stop"] - started + marks["cluster started"],
          task["worker"], task["key"].split("-")[0]) for task in stream.data for s in task["startstops"]
         if s["action"] == "compute"]
scored = [t for t in tasks if t[3] == "batchscorer"]
marks["first batch started"] = min(t[0] for t in scored)
marks["last batch done"] = max(t[1] for t in scored)
busy = {w: round(sum(t[1] - t[0] for t in tasks if t[2] == w), 2) for w in {t[2] for t in tasks}}
def waits(worker):  # a worker's gaps between its tasks (planning or scoring) from the first batch to the last
    mine = sorted(t for t in tasks if t[2] == worker and t[1] > marks["first batch started"])
    return [b[0] - a[1] for a, b in zip(mine, mine[1:]) if b[0] > a[1]]
gaps = [waits(w) for w in busy]
print(json.dumps({"marks": {k: round(v, 2) for k, v in sorted(marks.items(), key=lambda m: m[1])},
                  "planning steps": sum(t[3] == "batchplanner" for t in tasks),
                  "planning seconds": round(sum(t[1] - t[0] for t in tasks if t[3] == "batchplanner"), 2),
                  "busy seconds per worker": sorted(busy.values()),
                  "waits per worker": [round(sum(g), 2) for g in gaps],
                  "waits over 50 ms": [round(sum(x for x in g if x > 0.05), 2) for g in gaps],
                  "idle at the end per worker": sorted(round(marks["last batch done"] - max(t[1] for t in tasks
                                                             if t[2] == w), 2) for w in busy)}))
"""

# 103 tasks on 2 workers that wait 0.15 s (no CPU) and return a real batch's summary (batch 40 of the corpus,
# scored here first): the CPU this process (client, scheduler, nannies) and each worker's threads spend on
# Dask's own work, counted in CPU seconds, which the other load on the machine hardly changes
OVERHEAD = PRELUDE + """
import glob, os, pickle, tempfile
from dataclasses import dataclass
from core.engine.executor import DaskCluster
from core.engine.remote import BatchJob, BatchScorer
from core.ingest.batches import BatchPlanner
from core.ingest.loaders import LoadOptions
book, options = load_codebook(sys.argv[1]), LoadOptions()
with tempfile.TemporaryDirectory() as scratch:
    batch = BatchPlanner(options).plan((sys.argv[2],))[0][40]
    summary = pickle.dumps(BatchScorer(book, options)(BatchJob(scratch + "/shards", 40, scratch, batch)))
@dataclass(frozen=True)
class Waiting:
    summary: bytes
    def __call__(self, item):
        time.sleep(0.15)
        return pickle.loads(self.summary)
def threads_cpu():  # per thread of a worker: CPU seconds
    ticks = os.sysconf("SC_CLK_TCK")
    return [sum(map(int, open(t + "/stat").read().rsplit(")", 1)[1].split()[11:13])) / ticks
            for t in sorted(glob.glob("/proc/self/task/*"))]
with DaskCluster(workers=2) as cluster:
    client = cluster._started()
    before, start = client.run(threads_cpu), time.process_time()
    assert len(list(cluster.map(Waiting(summary), range(103)))) == 103
    spent, after = time.process_time() - start, client.run(threads_cpu)
others = [sum(b - a for a, b in zip(before[w], after[w])) for w in before]
print(json.dumps({"summary_kb": round(len(summary) / 1024), "client_ms": round(spent / 103 * 1000, 2),
                  "worker_ms": round(sum(others) / 206 * 1000, 2)}))
"""

# The control without Dask: this process scores batches 10-17 as a worker does (`BatchScorer`), alone or while
# a forked twin scores the same batches on the other core, three times each, alternated; the user CPU seconds
# of the 8 batches here (the twin's fork adds copy-on-write faults to this process's kernel time, not its user)
CONTROL = PRELUDE + """
import os, shutil, signal, tempfile
from core.engine.remote import BatchJob, BatchScorer
from core.ingest.batches import BatchPlanner
from core.ingest.loaders import LoadOptions
from core.engine.executor import reuse_freed_memory
book, options = load_codebook(sys.argv[1]), LoadOptions()
batches = BatchPlanner(options).plan((sys.argv[2],))[0][10:18]
scorer, scratch = BatchScorer(book, options), tempfile.mkdtemp()
reuse_freed_memory()
def score_all(folder):
    for n, batch in enumerate(batches):
        scorer(BatchJob(f"{scratch}/{folder}", n, f"{scratch}/{folder}-parts", batch))
score_all("warm")
seconds = {"alone": [], "twin": []}
for kind in ["alone", "twin"] * 3:
    twin = os.fork() if kind == "twin" else None
    if twin == 0:
        while True:
            score_all("twin")
    start = resource.getrusage(resource.RUSAGE_SELF).ru_utime
    score_all("measured")
    seconds[kind].append(round(resource.getrusage(resource.RUSAGE_SELF).ru_utime - start, 2))
    if twin:
        os.kill(twin, signal.SIGKILL)
        os.waitpid(twin, 0)
shutil.rmtree(scratch)
print(json.dumps(seconds))
"""


def timeline(codebook: str, corpus: Path, workers: int) -> None:
    result = run(TIMELINE, codebook, str(corpus), str(workers))
    for what, seconds in result["marks"].items():
        print(f"{seconds:6.2f} s  {what}")
    marks = result["marks"]
    print(f"serial: {marks['first batch started']:.2f} s before the first batch (from the cluster's start), "
          f"{marks['cluster closed'] - marks['last batch done']:.2f} s after the last (to the cluster's close)")
    print(f"planning: {result['planning steps']} steps on the workers, {result['planning seconds']} s in all; "
          f"busy seconds per worker: {result['busy seconds per worker']}")
    print(f"waiting between tasks, per worker: {result['waits per worker']} s in all, {result['waits over 50 ms']} "
          f"s in waits over 50 ms; idle at the end: {result['idle at the end per worker']} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(Path(tempfile.gettempdir()) / "themescope-bench" / "replicated_80k.csv"))
    parser.add_argument("--codebook", default=str(ROOT / "config" / "codebook.yaml"))
    parser.add_argument("--repeat", type=int, default=3, help="runs per scenario (the best is kept)")
    parser.add_argument("--timeline", type=int, metavar="WORKERS", help="one dask run's phases instead")
    parser.add_argument("--overhead", action="store_true", help="Dask's own CPU per batch instead")
    parser.add_argument("--control", action="store_true", help="a batch's CPU alone vs beside a twin, no Dask")
    args = parser.parse_args()
    corpus = Path(args.data)
    if not corpus.exists():
        if not PUBLIC.exists():
            print(f"neither {corpus} nor the public set at {PUBLIC}: nothing to measure")
            return 0
        corpus.parent.mkdir(parents=True, exist_ok=True)
        replicate(PUBLIC, 64, corpus)
    if args.overhead:
        result = run(OVERHEAD, args.codebook, str(corpus))
        print(f"per batch ({result['summary_kb']} KB summary): {result['client_ms']} ms of this process's CPU "
              f"(client, scheduler, nannies), {result['worker_ms']} ms of its worker's besides the task")
        return 0
    if args.control:
        result = run(CONTROL, args.codebook, str(corpus))
        alone, twin = sum(result["alone"]), sum(result["twin"])
        print(f"user CPU-s of 8 batches alone {result['alone']}, beside a twin {result['twin']}: "
              f"{twin / alone - 1:+.0%} with the twin (no Dask)")
        return 0
    if args.timeline:
        timeline(args.codebook, corpus, args.timeline)
        return 0
    rounds = interleaved(args.repeat, args.codebook, str(corpus))
    runs = {scenario: min(results, key=lambda r: r["seconds"]) for scenario, results in rounds.items()}
    for (kind, workers), result in runs.items():
        print(f"{kind:5} {workers} worker(s): {result['seconds']:6.2f} s for {result['transcripts']:,} transcripts, "
              f"{result['hits']:,} hits, {result['cpu']:.1f} CPU-s in all, {result['client_cpu']:.1f} of them in this "
              f"process (the client; with dask also the scheduler), peak {result['peak_mb']:,} MB (this process "
              f"and its largest worker)")
    one, two, local = runs["dask", 1]["seconds"], runs["dask", 2]["seconds"], runs["local", 2]["seconds"]
    print(f"dask, 2 workers vs 1:            {one / two:.2f}x faster (target >= 1.8x)")
    print(f"dask vs local executor (2 each): {two / local:.2f}x the time (target <= 1.25x)")
    print(f"rounds, 2 workers vs 1: {', '.join(f'{r:.2f}x' for r in ratios(rounds, ('dask', 1), ('dask', 2)))}; "
          f"dask vs local: {', '.join(f'{r:.2f}x' for r in ratios(rounds, ('dask', 2), ('local', 2)))}")
    return 0


SCENARIOS = (("dask", 1), ("dask", 2), ("local", 2))


def interleaved(repeat: int, codebook: str, corpus: str) -> dict[tuple[str, int], list[dict]]:
    """`repeat` rounds of every scenario, one after the other within a round: this machine's speed drifts by
    10-30% over minutes (its host), and scenarios run in blocks would compare different machines."""
    rounds: dict[tuple[str, int], list[dict]] = {scenario: [] for scenario in SCENARIOS}
    for _ in range(repeat):
        for kind, workers in SCENARIOS:
            rounds[kind, workers].append(run(RUN, codebook, corpus, kind, str(workers)))
    return rounds


def ratios(rounds: dict, slow: tuple[str, int], fast: tuple[str, int]) -> list[float]:
    """Per round, the time of `slow` over the time of `fast` (the same minutes of the host)."""
    return [a["seconds"] / b["seconds"] for a, b in zip(rounds[slow], rounds[fast])]


if __name__ == "__main__":
    raise SystemExit(main())
