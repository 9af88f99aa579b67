"""The dashboard on a result beyond memory: a streamed run (hits left in parquet parts, read by DuckDB and per
page) opened from a warm cache, then filter changes.

    python benchmarks/dashboard_million.py                                   # 80,000 replicated transcripts
    python benchmarks/dashboard_million.py --data /tmp/themescope-bench/replicated_x800.csv   # 1,000,000

The corpus is streamed (`--stream`, as any corpus over 1 GB is) into the cache in /tmp/themescope-bench; the
first run scores it (cold, slow), later runs open it from the cache. Printed: the seconds to open the kept
result (the analysis, its transcripts table) and to index it for filtering (the transcripts x themes matrices
built by DuckDB from the themes parts), the server process's resident memory after that, then the median of
10 filter changes (the occupation filter) of the Overview's numbers and charts and of the Quotes page's count
and first page (the quote counts per cell are built once, on the first quotes page: timed apart), in process,
and the same reruns through the real app (Streamlit's AppTest) unless --no-app.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
BENCH = Path("/tmp/themescope-bench")
CHANGES = [("it_software",), ("education", "healthcare"), (), ("business_finance",), ("other",)]


def timed(work):
    start = time.perf_counter()
    value = work()
    return value, time.perf_counter() - start


def in_process(data: str, cache: Path, repeats: int) -> dict[str, float]:
    from core import analyse, load_codebook
    from core.views.filters import Filters, prepare_analysis
    from core.views.snapshot import snapshot

    codebook = load_codebook(ROOT / "config" / "codebook.yaml")
    analysis, opened = timed(lambda: analyse([data], codebook=codebook, cache_dir=cache, results=""))
    print(f"{len(analysis.transcripts):,} transcripts, opened from the cache ({analysis.cached}) in {opened:.1f} s")
    prepared, indexed = timed(lambda: prepare_analysis(analysis))
    figures = {"open the kept result": opened, "index it (matrices from the parts)": indexed,
               "resident MB after opening": psutil.Process().memory_info().rss / 2**20}
    _, figures["quote counts per cell (once)"] = timed(lambda: prepared.quote_counts)

    def overview(i: int) -> None:
        view = snapshot(analysis, prepared, Filters(occupations=CHANGES[i % len(CHANGES)]))
        view.headline(), view.prevalence(), view.charts()

    def quotes(i: int) -> None:
        view = snapshot(analysis, prepared, Filters(occupations=CHANGES[i % len(CHANGES)]))
        view.quote_count(), view.quote_page(1, 20)

    for name, work in (("overview, filter change", overview), ("quotes, filter change", quotes)):
        figures[name] = statistics.median(timed(lambda i=i, work=work: work(i))[1] for i in range(repeats))
    figures["resident MB at the end"] = psutil.Process().memory_info().rss / 2**20
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(BENCH / "replicated_80k.csv"))
    parser.add_argument("--cache-dir", default=str(BENCH / "dashboard-stream-cache"))
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--no-app", action="store_true", help="skip the reruns through the real app")
    args = parser.parse_args()
    if not Path(args.data).exists():
        print(f"{args.data} not found: make it with benchmarks/million.py (--copies 64 for 80,000)")
        return 0
    for name, value in in_process(args.data, Path(args.cache_dir), args.repeat).items():
        print(f"{name:<40} {value:10.2f}")
    if not args.no_app:
        from dashboard_speed import rerun_medians

        medians = rerun_medians(args.data, ROOT / "config" / "codebook.yaml", repeats=args.repeat, search=False,
                                options=("--cache-dir", args.cache_dir, "--stream"))
        for page, seconds in medians.items():
            print(f"app rerun, {page:<33} {seconds:10.2f} s (median)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
