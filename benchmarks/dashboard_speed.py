"""Dashboard speed: server time of a rerun after a filter change, per page, and time to the first chart.

    python benchmarks/dashboard_speed.py                   # public set: reruns, then first chart in Chromium
    python benchmarks/dashboard_speed.py --big 80000       # also a replicated 80,000-transcript CSV (in /tmp)
    python benchmarks/dashboard_speed.py --no-browser      # reruns only

Reruns: AppTest runs each page once (scoring and caches warm), then 10 times, each after a change of the
occupation filter; the median is printed (AppTest's own bookkeeping is included, so real servers are a
little faster). Search reruns are timed after the one-off quote index is built (its time is printed too).
First chart: a `streamlit run` server is started and Chromium opens it; the clock runs from the server's
launch until the first bar is drawn. Cold: an empty engine cache and a fresh browser profile; warm: a new
server on the filled cache, the same browser profile; reload: the same server, page reloaded. Needs
../shared/data/anthropic-interviewer (or --data).
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PUBLIC = ROOT.parent / "shared" / "data" / "anthropic-interviewer"
APP = ROOT / "dashboard" / "app.py"
WORK = Path(tempfile.gettempdir()) / "themescope-dashboard-bench"  # never inside the repo
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
OCCUPATION_CHANGES = [["it_software"], ["education", "healthcare"], [], ["business_finance"], ["other"]]
SEARCH_CHANGES = ["deadline", "double check", "email", "trust", "students"]


# ---------------------------------------------------------------- reruns (AppTest)
def rerun_medians(data: str, codebook: Path, *, repeats: int = 10, search: bool = True,
                  options: tuple[str, ...] = ()) -> dict[str, float]:
    """Median seconds of a rerun after a filter change, per page (and for a search on the quotes page);
    `options`: more dashboard options (--cache-dir DIR, --stream)."""
    from streamlit.testing.v1 import AppTest
    sys.argv = ["app.py", "--data", data, "--codebook", str(codebook), *options]
    results = {}
    for page in ("overview", "quotes", "transcript"):
        at = AppTest.from_file(str(APP), default_timeout=1800)
        at.run()
        if page != "overview":
            at.switch_page(f"pages/{page}.py").run()
        results[page] = _median_run(at, repeats, lambda i, at=at: at.sidebar.multiselect(key="w_occupation")
                                    .set_value(OCCUPATION_CHANGES[i % len(OCCUPATION_CHANGES)]))
        if page == "quotes" and search:
            start = time.perf_counter()
            at.sidebar.text_input(key="w_q").set_value("index").run()
            results["search index (once)"] = time.perf_counter() - start
            results["quotes, search change"] = _median_run(
                at, repeats, lambda i, at=at: at.sidebar.text_input(key="w_q").set_value(SEARCH_CHANGES[i % 5]))
    return results


def _median_run(at, repeats: int, change) -> float:
    times = []
    for i in range(repeats):
        change(i)
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
        if at.exception:
            raise RuntimeError(at.exception[0].message)
    return statistics.median(times)


# ---------------------------------------------------------------- first chart (Chromium)
def first_chart_times(data: str, codebook: Path) -> dict[str, float]:
    """Seconds from launching a server to the first bar drawn: cold (empty engine cache, fresh browser
    profile), warm (a new server on the filled cache; the browser profile of the cold run, as a returning
    user has), and a reload of the warm server's page."""
    from playwright.sync_api import sync_playwright
    cache = Path(tempfile.mkdtemp(prefix="cache-", dir=WORK))
    times = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        profile = browser.new_context()
        for label in ("cold (new server, empty caches)", "warm (new server, filled caches)"):
            start = time.perf_counter()
            server, url = _start_server(data, codebook, cache)
            try:
                page = profile.new_page()
                times[label] = _time_to_chart(page, url, start)
                if label.startswith("warm"):
                    times["reload (same server)"] = _time_to_chart(page, url, time.perf_counter())
                page.close()
            finally:
                server.terminate()
                server.wait(10)
        browser.close()
    return times


def _time_to_chart(page, url: str, start: float) -> float:
    page.goto(url)
    page.wait_for_selector(".js-plotly-plot .bars .point path", timeout=120_000)
    return time.perf_counter() - start


def _start_server(data: str, codebook: Path, cache: Path, *options: str) -> tuple[subprocess.Popen, str]:
    """A dashboard server on a free loopback port (`options`: more dashboard options), ready to answer."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true",
               "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats",
               "false", "--server.fileWatcherType", "none", "--", "--data", data, "--codebook", str(codebook),
               *options]
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={**os.environ, "THEMESCOPE_CACHE": str(cache)})
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=1):
                return server, url
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise RuntimeError("the dashboard server did not start")


# ---------------------------------------------------------------- a big corpus
def replicated_csv(data: Path, size: int) -> Path:
    """The public set's transcripts repeated with new ids up to `size` rows, as one CSV in /tmp."""
    import pandas as pd
    target = WORK / f"replicated_{size}.csv"
    if target.exists():
        return target
    base = pd.concat([pd.read_csv(f, usecols=["transcript_id", "text"]) for f in sorted(data.glob("*.csv"))])
    copies = [base.assign(transcript_id=base["transcript_id"] + f"_r{k}") for k in range(-(-size // len(base)))]
    pd.concat(copies).head(size).to_csv(target, index=False)
    return target


def show(title: str, figures: dict[str, float], budget: float | None = None) -> None:
    print(title)
    for name, seconds in figures.items():
        verdict = "" if budget is None or "once" in name else ("  ok" if seconds <= budget else "  OVER BUDGET")
        print(f"  {name:<36} {seconds * 1000:>9.0f} ms{verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(PUBLIC))
    parser.add_argument("--codebook", default=str(ROOT / "config" / "codebook.yaml"))
    parser.add_argument("--big", type=int, default=0, metavar="N", help="also time N replicated transcripts")
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    if not Path(args.data).exists():
        print(f"no data at {args.data}: fetch it with `themescope download` or pass --data")
        return 0
    WORK.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("THEMESCOPE_CACHE", str(WORK / "cache"))
    codebook = WORK / "codebook.yaml"  # a snapshot: an edit of the codebook mid-run would re-score
    shutil.copy(args.codebook, codebook)
    show(f"Rerun after a filter change, median of 10 ({args.data}):", rerun_medians(args.data, codebook), 0.2)
    if not args.no_browser:
        if CHROMIUM.exists():
            show("Time to the first chart in Chromium:", first_chart_times(args.data, codebook))
        else:
            print(f"(first-chart timing skipped: no Chromium at {CHROMIUM})")
    if args.big:
        csv = replicated_csv(Path(args.data), args.big)
        start = time.perf_counter()
        figures = rerun_medians(str(csv), codebook, search=False)
        show(f"Rerun after a filter change, median of 10, {args.big:,} transcripts ({csv}; first load and "
             f"scoring took {time.perf_counter() - start:.0f} s in all):", figures, 1.0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
