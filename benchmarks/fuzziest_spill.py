"""Fuzziest-first quote pages of a whole view with the hits in parts: DuckDB's memory and temporary disk.

    python benchmarks/fuzziest_spill.py                       # 80,000 replicated transcripts, streamed
    python benchmarks/fuzziest_spill.py --memory-limit 40MB --repeat 3

At a million transcripts ordering every quote of the view fuzziest first spilled gigabytes past DuckDB's
512 MB and failed on a full disk. This reproduces it at a smaller scale: the 80,000 transcripts of
`million.py --copies 64`, streamed into a cache under /tmp/themescope-bench (the first run scores them), with
DuckDB's memory limit lowered in proportion (`--memory-limit`, default 40 MB: 512 MB / 12.5). Printed per
page (the first, the one across the last fuzzy quote, one of the exact tail): the seconds and CPU seconds of
the process, the peak size of DuckDB's temporary folder, sampled every 5 ms while the page is made, and the
process's resident memory after it. `--in-memory` loads the hits (the view of a corpus under 1 GB).
"""
from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH = Path("/tmp/themescope-bench")
PAGE_SIZE = 20


def folder_size(folder: Path) -> int:
    total = 0
    for path in folder.rglob("*") if folder.exists() else []:
        with contextlib.suppress(OSError):  # removed while we looked
            total += path.stat().st_size
    return total


class PeakSize:
    """The largest size a folder reached while the `with` block ran (sampled on a thread)."""

    def __init__(self, folder: Path):
        self.folder, self.peak, self._done = folder, 0, threading.Event()

    def _watch(self) -> None:
        while not self._done.wait(0.005):
            self.peak = max(self.peak, folder_size(self.folder))

    def __enter__(self) -> PeakSize:
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()
        self.peak = max(self.peak, folder_size(self.folder))


def count_fuzzy(data, view, spill: Path, parts: str) -> int | None:
    """The fuzzy quotes in view, their counts per cell and similarity made again (cold) and timed; None for the
    version before this one, which had none (give it --pages)."""
    if not hasattr(data, "fuzzy_quotes"):
        return None
    from core.views.quote_pages import fuzziest_units, quote_cells

    Path(parts, ".fuzzy-quotes.npz").unlink(missing_ok=True)
    start, cpu = time.perf_counter(), os.times()
    with PeakSize(spill) as peak:
        data.fuzzy_quotes()
    after = os.times()
    print(f"fuzzy quotes counted per cell and similarity (once; kept beside the parts when in parts): "
          f"{time.perf_counter() - start:.2f} s {after.user + after.system - cpu.user - cpu.system:.2f} CPU-s, "
          f"temporary disk peak {peak.peak / 2**20:.1f} MB")
    units = fuzziest_units(data, view.scope, *quote_cells(data, view.scope))
    return int(units["quotes"][units["similarity"] < 100].sum())


def time_page(view, number: int, spill: Path, repeat: int) -> tuple[float, float, int, str]:
    """The best (seconds, CPU seconds) of `repeat` runs of a page, the largest spill and the outcome."""
    from core.errors import ThemescopeError

    runs = []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), os.times()
        try:
            with PeakSize(spill) as peak:
                view.quote_page(number, PAGE_SIZE)
            outcome = "ok"
        except ThemescopeError as error:
            outcome = f"failed: {error}"
        after = os.times()
        runs.append((time.perf_counter() - start, after.user + after.system - cpu.user - cpu.system, peak.peak,
                     outcome))
    seconds, cpu_seconds, _, outcome = min(runs)
    return seconds, cpu_seconds, max(run[2] for run in runs), outcome


def measure(args, spill: Path) -> None:
    from core import analyse, load_codebook
    from core.views import parts_sql
    from core.views.filters import Filters, prepare_analysis
    from core.views.snapshot import snapshot

    settings = {"memory_limit": args.memory_limit, "threads": 2, "temp_directory": str(spill)}
    parts_sql._settings = lambda: settings  # the one place DuckDB's settings come from
    codebook = load_codebook(ROOT / "config" / "codebook.yaml")
    analysis = analyse([args.data], codebook=codebook, cache_dir=args.cache_dir, results="")
    data = prepare_analysis(analysis, in_parts=not args.in_memory)
    view = snapshot(analysis, data, Filters(), sort="fuzziest")
    total = view.quote_count()[0]
    fuzzy = count_fuzzy(data, view, spill, str(analysis.parts))
    snapshot(analysis, data, Filters()).quote_page(1, PAGE_SIZE)  # each transcript's part found once, unclocked
    print(f"{len(analysis.transcripts):,} transcripts, {total:,} quotes in view"
          + (f", {fuzzy:,} of them fuzzy" if fuzzy is not None else "") + f"; DuckDB memory {args.memory_limit}")
    boundary = args.pages[1] if args.pages else (max(fuzzy or 0, 1) - 1) // PAGE_SIZE + 1
    tail = args.pages[2] if args.pages else boundary + 1000
    for name, number in (("page 1", 1), (f"page {boundary} (the last fuzzy quote's)", boundary),
                         (f"page {tail} (exact tail)", tail)):
        seconds, cpu_seconds, spilled, outcome = time_page(view, number, spill, args.repeat)
        resident = psutil.Process().memory_info().rss / 2**20
        print(f"{name:<45} {seconds:6.2f} s {cpu_seconds:6.2f} CPU-s  temporary disk peak "
              f"{spilled / 2**20:8.1f} MB  resident {resident:,.0f} MB  {outcome}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(BENCH / "replicated_80k.csv"))
    parser.add_argument("--cache-dir", default=str(BENCH / "views-80k"))
    parser.add_argument("--memory-limit", default="40MB")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each page; the best is printed")
    parser.add_argument("--in-memory", action="store_true", help="the hits loaded (a corpus under 1 GB's view)")
    parser.add_argument("--pages", type=int, nargs=3, help="the three page numbers (default: page 1, the page "
                        "across the last fuzzy quote in view and the 1,000th page after it)")
    args = parser.parse_args()
    if not Path(args.data).exists():
        print(f"{args.data} not found: make it with benchmarks/million.py --copies 64")
        return 0
    spill = Path(tempfile.mkdtemp(prefix="fuzziest-spill-", dir=BENCH))
    try:
        measure(args, spill)
    finally:
        shutil.rmtree(spill, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
