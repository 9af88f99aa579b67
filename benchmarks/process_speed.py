"""Whole-process speed: what a user waits for, interpreter start included, on the public set.

    python benchmarks/process_speed.py             # median of 5 of each, run alternately
    python benchmarks/process_speed.py --repeat 9
    python benchmarks/process_speed.py --start-only --against ../main --repeat 21   # validate and --help, here and
                                                                                     # in another checkout, alternately

Runs, one after the other in each round so that both see the same machine load:
- `themescope score --data DATA --out DIR --no-cache` (cold, nothing stored),
- the same with `--cache-dir` an empty folder (cold, everything stored for the next run),
- an exact baseline process: interpreter start, the same codebook and CSV loading and turn splitting, one
  Aho-Corasick automaton (pyahocorasick) over the codebook's terms, its hits written as CSV
  (benchmarks/speed.py's BASELINE_MATCHING);
then `themescope validate` and `themescope --help`. Prints the medians (wall time and CPU time of the process
and its workers) and the ratios; the wall ratio is the median of each round's ratio. The engine's workers are
its children (forked), so their CPU time is counted. Needs ../shared/data/anthropic-interviewer (or --data);
without it, it says so and exits 0. `--start-only` runs only `validate` and `--help` (no data needed); `--against
CHECKOUT` runs them in another checkout too (with its own .venv, from its folder), in the same rounds, so two
versions are compared under the same load.
"""
from __future__ import annotations

import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from speed import BASELINE_MATCHING, ROOT, data_missing, public_set_parser

BASELINE_PROCESS = f"""
import csv, sys
sys.path.insert(0, {str(ROOT)!r})
from core.codebook.model import load_codebook
book = load_codebook(sys.argv[1])
""" + BASELINE_MATCHING + """
with open(sys.argv[3], "w", newline="", encoding="utf-8") as out:
    writer = csv.writer(out)
    writer.writerow(["transcript_id", "theme", "start", "end"])
    writer.writerows(found)
print(len(found), "hits")
"""
THEMESCOPE = [sys.executable, "-m", "core"]  # the same `run()` as the installed `themescope` command


def timed(command: list[str], cwd: Path = ROOT) -> tuple[float, float]:
    """Wall seconds and CPU seconds (the process and its children) of one whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def scenarios(data: Path, codebook: str, work: Path) -> dict[str, Callable[[], list[str]]]:
    """name -> a function that runs that whole process once (a cold cache folder made afresh each time)."""
    def score_cold_cache() -> list[str]:
        shutil.rmtree(work / "cache", ignore_errors=True)
        return [*THEMESCOPE, "score", "--data", str(data), "--codebook", codebook, "--out", str(work / "cached"),
                "--cache-dir", str(work / "cache")]

    return {
        "score --no-cache": lambda: [*THEMESCOPE, "score", "--data", str(data), "--codebook", codebook,
                                     "--out", str(work / "uncached"), "--no-cache"],
        "score, empty cache folder": score_cold_cache,
        "exact baseline process": lambda: [sys.executable, "-c", BASELINE_PROCESS, codebook, str(data),
                                           str(work / "baseline_hits.csv")],
        "validate": lambda: [*THEMESCOPE, "validate", codebook],
        "--help": lambda: [*THEMESCOPE, "--help"],
    }


def start_scenarios(checkout: Path) -> tuple[dict[str, Callable[[], list[str]]], dict[str, Path]]:
    """`validate` and `--help` in a checkout, with its own .venv, and the folder each runs from: its own, since
    `python -m core` imports the `core` of the folder it starts in."""
    python = sys.executable if checkout == ROOT else str(checkout / ".venv" / "bin" / "python")
    label = "" if checkout == ROOT else f" ({checkout})"
    validate = [python, "-m", "core", "validate", str(checkout / "config" / "codebook.yaml")]
    runs = {f"validate{label}": lambda: validate, f"--help{label}": lambda: [python, "-m", "core", "--help"]}
    return runs, dict.fromkeys(runs, checkout)


def main() -> int:
    parser = public_set_parser(__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="rounds (the median is reported)")
    parser.add_argument("--start-only", action="store_true", help="only `validate` and `--help` (no data needed)")
    parser.add_argument("--against", metavar="CHECKOUT", help="with --start-only: also in this checkout, alternately")
    args = parser.parse_args()
    if args.start_only:
        runs, folders = start_scenarios(ROOT)
        if args.against:
            other_runs, other_folders = start_scenarios(Path(args.against).resolve())
            runs, folders = runs | other_runs, folders | other_folders
        report(measured(runs, args.repeat, folders))
        return 0
    data = Path(args.data)
    if data_missing(data):
        return 0
    with tempfile.TemporaryDirectory(prefix="themescope-process-") as folder:
        report(measured(scenarios(data, args.codebook, Path(folder)), args.repeat, {}))
    return 0


def measured(runs: dict[str, Callable[[], list[str]]], repeat: int,
             folders: dict[str, Path]) -> dict[str, list[tuple[float, float]]]:
    """Each run's (wall, CPU) seconds in every round (from its folder, ROOT unless given); a round runs every
    process once, one after the other."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, command in runs.items():
            times[name].append(timed(command(), folders.get(name, ROOT)))
    return times


def report(times: dict[str, list[tuple[float, float]]]) -> None:
    wall = {name: statistics.median(w for w, _ in runs) for name, runs in times.items()}
    cpu = {name: statistics.median(c for _, c in runs) for name, runs in times.items()}
    rounds = len(next(iter(times.values())))
    print(f"median of {rounds}, whole processes (interpreter start included):")
    for name in times:
        print(f"  {name:28s} {wall[name]:6.3f} s wall  {cpu[name]:6.3f} CPU-s")
    baseline = times.get("exact baseline process")
    for name in ("score --no-cache", "score, empty cache folder") if baseline else ():
        # each round's ratio, of processes run one after the other: steadier than a ratio of medians when
        # other work on the machine comes and goes
        ratios = [w / b for (w, _), (b, _) in zip(times[name], baseline)]
        print(f"  {name} / baseline: {statistics.median(ratios):.2f}x wall (median of the rounds' ratios; "
              f"{min(ratios):.2f}-{max(ratios):.2f}), {cpu[name] / cpu['exact baseline process']:.2f}x CPU")


if __name__ == "__main__":
    sys.exit(main())
