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
and the same reruns through the real app (Streamlit's AppTest) unless --no-app. With --browser: the seconds
from navigation to the first chart drawn in Chromium (the system one, driven by Playwright) on a new server
over the warm cache (issue 12: <= 10 s at 1,000,000), to the first quote card of the Quotes page, and the same
two on the same server again (its caches filled), for each of --browser-runs new servers in turn.
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


def in_browser(data: str, cache: Path, runs: int) -> dict[str, list[float]]:
    """Per new server (`runs` of them, one after the other): the seconds from navigation to the first chart,
    then to the Quotes page's first card, then both again on the same server. The first server after
    scoring also keeps the view's cells beside the parts (`core.views.kept_cells`); the next ones read them."""
    from dashboard_speed import CHROMIUM, CHROMIUM_ARGS, _start_server
    from playwright.sync_api import sync_playwright

    times: dict[str, list[float]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for _ in range(runs):
            server, url = _start_server(data, ROOT / "config" / "codebook.yaml", cache, "--cache-dir", str(cache),
                                        "--stream")
            try:
                page = browser.new_page()
                for label in ("new server", "same server"):
                    for name, path, drawn in (("first chart", "", FIRST_CHART), ("first quotes page", "/quotes",
                                                                                   FIRST_QUOTE)):
                        times.setdefault(f"{name}, {label}", []).append(_time_to(page, url + path, drawn))
                page.close()
            finally:
                server.terminate()
                server.wait(30)
        browser.close()
    return times


FIRST_CHART = ".js-plotly-plot .bars .point path"  # a bar drawn by plotly.js
FIRST_QUOTE = 'a:has-text("Open in transcript")'  # the link of the first quote card


def _time_to(page, url: str, selector: str) -> float:
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(selector, timeout=600_000)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(BENCH / "replicated_80k.csv"))
    parser.add_argument("--cache-dir", default=str(BENCH / "dashboard-stream-cache"))
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--no-app", action="store_true", help="skip the reruns through the real app")
    parser.add_argument("--browser", action="store_true", help="only time the pages drawn in Chromium")
    parser.add_argument("--browser-runs", type=int, default=3)
    args = parser.parse_args()
    if not Path(args.data).exists():
        print(f"{args.data} not found: make it with benchmarks/million.py (--copies 64 for 80,000)")
        return 0
    if args.browser:  # a server of its own: nothing of this process's memory or caches in the figures
        for name, runs in in_browser(args.data, Path(args.cache_dir), args.browser_runs).items():
            print(f"browser, {name:<31} {min(runs):10.2f} s best; each server: "
                  + ", ".join(f"{seconds:.2f}" for seconds in runs))
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
