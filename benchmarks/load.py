"""Load: N concurrent dashboard sessions changing filters on a real server; reruns timed, errors counted,
server memory per session measured.

    python benchmarks/load.py                                # 1 then 20 sessions, 30 s each, public set
    python benchmarks/load.py --sessions 20 --seconds 60 --data PATH

For each N a fresh `streamlit run dashboard/app.py` server starts on a free 127.0.0.1 port (engine cache in
/tmp, so the first start scores the data once). One session loads the data and leaves (the analysis is shared
by every session, so it is not "per session" memory); then N sessions connect at once and each, until the time
is up, waits a think time (uniform 1-3 s) and does one action: change the occupation or theme multiselect, the
minimum hits, the search text, the Quotes page's theme, or switch between Overview and Quotes.

A session speaks Streamlit's own websocket protocol (`/_stcore/stream`, BackMsg/ForwardMsg protobufs) as the
browser does: a widget change is a `rerun_script` BackMsg carrying the state of every widget on screen (from
the elements the last run sent) and the page's query string; the rerun ends at the ForwardMsg
`script_finished` (a run cut short by a rerun it asked for, e.g. a page switch, is not the end). So a rerun's
time is the server's: queueing behind the other sessions' scripts (one process, one GIL, 2 cores), running the
page and sending its messages, without a browser drawing them. Errors: an exception element, an error alert,
a script that fails, a run over 60 s, a lost connection.

Before the clock, one session opens Overview, then Quotes, searches once and leaves: the one-off work every
later session shares (loading the analysis, the first Quotes page, the search index) is done once per
server, and its times are printed apart. The machine's load average is printed too: the figures only mean
something on an otherwise idle machine.

Memory: the server process's RSS (plus its worker processes, if any) before the sessions, once all N have
connected and run their first page, and at the end; per session = (after - before) / N.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import websockets
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = ROOT.parent / "shared" / "data" / "anthropic-interviewer"
APP = ROOT / "dashboard" / "app.py"
CACHE = Path(tempfile.gettempdir()) / "themescope-load-cache"  # never inside the repo
THINK_SECONDS = (1.0, 3.0)
RUN_TIMEOUT = 60.0
SEARCHES = ["deadline", "trust", "email", "students", "double check", "", ""]
# action -> weight; "quotes theme" only on the Quotes page
ACTIONS = {"occupation": 3.0, "theme": 2.0, "min hits": 1.0, "search": 1.5, "page": 1.5, "quotes theme": 1.0}
EARLY = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_EARLY_FOR_RERUN")
FAILED = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_WITH_COMPILE_ERROR")
INPUTS = ("multiselect", "selectbox", "number_input", "text_input", "checkbox")


# ---------------------------------------------------------------- the server
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(data: str, log, options: list[str]) -> tuple[subprocess.Popen, int]:
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true",
               "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none", "--client.toolbarMode", "minimal", *options,
               "--", "--data", data, "--cache-dir", str(CACHE)]
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as answer:
                if answer.status == 200:
                    return server, port
        except OSError:
            time.sleep(0.1)
    server.kill()
    log.seek(0)
    raise RuntimeError(f"the dashboard did not start: {log.read().decode()[-2000:]}")


def rss_mb(pid: int) -> float:
    """RSS of a process and its children (the engine's worker pool, when started), in MB."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if int(entry.name) == pid or int(fields.get("PPid", "0")) == pid:
            total += int(fields.get("VmRSS", "0 kB").split()[0])
    return total / 1024


def cpu_seconds(pid: int) -> float:
    parts = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- one session, as a browser drives it
@dataclass
class Session:
    """One browser tab's side of the protocol: the widgets on screen, the pages, the URL's query string."""

    websocket: websockets.ClientConnection
    widgets: dict[str, tuple[str, object]] = field(default_factory=dict)  # user key -> (element kind, element)
    pages: dict[str, str] = field(default_factory=dict)                  # page name -> script hash
    page: str = "overview"
    query: str = ""
    errors: list[str] = field(default_factory=list)

    async def rerun(self, changes: dict[str, object] | None = None, page: str | None = None) -> float:
        """Send a rerun (widget changes by user key, or another page) and wait for its end; seconds."""
        message = BackMsg()
        message.rerun_script.query_string = self.query
        message.rerun_script.page_script_hash = self.pages.get(page or self.page, "")
        message.rerun_script.widget_states.widgets.extend(self.widget_states(changes or {}))
        self.page = page or self.page
        start = time.perf_counter()
        await self.websocket.send(message.SerializeToString())
        await asyncio.wait_for(self.read_run(), RUN_TIMEOUT)
        return time.perf_counter() - start

    async def read_run(self) -> None:
        widgets: dict[str, tuple[str, object]] = {}
        while True:
            message = ForwardMsg()
            message.ParseFromString(await self.websocket.recv())
            kind = message.WhichOneof("type")
            if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                self.read_element(message.delta.new_element, widgets)
            elif kind == "navigation":
                self.pages.update({p.url_pathname or "overview": p.page_script_hash
                                   for p in message.navigation.app_pages})
            elif kind == "page_info_changed":
                self.query = message.page_info_changed.query_string
            elif kind == "script_finished" and message.script_finished != EARLY:
                if message.script_finished == FAILED:
                    self.errors.append("the script failed to compile")
                self.widgets = widgets
                return

    def read_element(self, element, widgets: dict) -> None:
        kind = element.WhichOneof("type")
        if kind == "exception":
            self.errors.append(f"exception: {element.exception.message[:200]}")
        elif kind == "alert" and element.alert.format == Alert.ERROR:
            self.errors.append(f"error shown: {element.alert.body[:200]}")
        elif kind in INPUTS:
            widget = getattr(element, kind)
            widgets[widget.id.rsplit("-", 1)[-1]] = (kind, widget)

    def widget_states(self, changes: dict[str, object]) -> list[WidgetState]:
        """Every widget on screen with its value (as the browser holds it), `changes` applied."""
        states = []
        for key, (kind, widget) in self.widgets.items():
            state = WidgetState(id=widget.id)
            value = changes.get(key, shown_value(kind, widget))
            if kind == "multiselect":
                state.string_array_value.data.extend(value)
            elif kind == "number_input":
                state.double_value = float(value)
            elif kind == "checkbox":
                state.bool_value = bool(value)
            else:
                state.string_value = value
            states.append(state)
        return states

    def options(self, key: str) -> list[str]:
        return list(self.widgets[key][1].options) if key in self.widgets else []


def shown_value(kind: str, widget) -> object:
    """The value a widget shows after a run: the one the script set, else its default."""
    if kind == "multiselect":
        return list(widget.raw_values) if widget.set_value else [widget.options[i] for i in widget.default]
    if kind == "selectbox":
        return widget.raw_value if widget.set_value else widget.options[widget.default]
    return widget.value if widget.set_value else widget.default


# ---------------------------------------------------------------- what a user does
def next_action(session: Session, rng: random.Random) -> tuple[str, dict, str | None]:
    """(action name, widget changes, page to switch to) chosen at random among what the page offers."""
    actions = {a: w for a, w in ACTIONS.items() if a != "quotes theme" or "w_sel_theme" in session.widgets}
    action = rng.choices(list(actions), weights=list(actions.values()))[0]
    if action == "page":
        return action, {}, "quotes" if session.page == "overview" else "overview"
    if action == "occupation":
        return action, {"w_occupation": rng.sample(session.options("w_occupation"), rng.randint(0, 2))}, None
    if action == "theme":
        return action, {"w_theme": rng.sample(session.options("w_theme"), rng.randint(0, 3))}, None
    if action == "min hits":
        return action, {"w_min_hits": rng.randint(1, 4)}, None
    if action == "search":
        return action, {"w_q": rng.choice(SEARCHES)}, None
    return action, {"w_sel_theme": rng.choice(session.options("w_sel_theme"))}, None


async def user(url: str, ready: asyncio.Event, deadline_box: list[float], seed: int,
               timings: list[tuple[str, float]], errors: list[str], first: list[float]) -> None:
    """One session: connect and load Overview, wait for everyone, then act until the deadline."""
    rng = random.Random(seed)
    try:
        async with websockets.connect(url, subprotocols=["streamlit"], max_size=None,
                                      open_timeout=30) as websocket:
            session = Session(websocket)
            first.append(await session.rerun())
            await ready.wait()
            while time.monotonic() + THINK_SECONDS[1] < deadline_box[0]:
                await asyncio.sleep(rng.uniform(*THINK_SECONDS))
                action, changes, page = next_action(session, rng)
                timings.append((action, await session.rerun(changes, page)))
            errors.extend(session.errors)
    except (OSError, TimeoutError, websockets.WebSocketException) as error:
        errors.append(f"session lost: {type(error).__name__}: {error}")


async def warm_up(url: str, errors: list[str]) -> dict[str, float]:
    """One session that loads the analysis, opens Quotes and searches (the one-off work every later session
    shares: the quotes' passages, the search index), then leaves; seconds of each step."""
    async with websockets.connect(url, subprotocols=["streamlit"], max_size=None, open_timeout=30) as websocket:
        session = Session(websocket)
        steps = {"first page (loads the analysis)": await session.rerun(),
                 "first Quotes page": await session.rerun(page="quotes"),
                 "first search (builds the search index)": await session.rerun({"w_q": "warm"}),
                 "search cleared": await session.rerun({"w_q": ""})}
        errors.extend(session.errors)
    return steps


# ---------------------------------------------------------------- one phase: N sessions on a fresh server
@dataclass
class PhaseResult:
    sessions: int
    timings: list[tuple[str, float]]
    first: list[float]
    errors: list[str]
    rss: dict[str, float]
    cpu: float
    warm: dict[str, float]
    load: tuple[float, float]  # the machine's 1-minute load average at the start and the end


async def phase(port: int, pid: int, sessions: int, seconds: float) -> PhaseResult:
    url = f"ws://127.0.0.1:{port}/_stcore/stream"
    timings: list[tuple[str, float]] = []
    errors: list[str] = []
    first: list[float] = []
    warm = await warm_up(url, errors)
    await asyncio.sleep(1)
    rss = {"before": rss_mb(pid)}
    ready, deadline = asyncio.Event(), [0.0]
    tasks = [asyncio.create_task(user(url, ready, deadline, seed, timings, errors, first))
             for seed in range(1, sessions + 1)]
    while len(first) < sessions and not all(t.done() for t in tasks):
        await asyncio.sleep(0.1)
    await asyncio.sleep(1)
    rss["connected"] = rss_mb(pid)
    cpu, load = cpu_seconds(pid), os.getloadavg()[0]
    deadline[0] = time.monotonic() + seconds
    ready.set()
    await asyncio.gather(*tasks)
    rss["end"] = rss_mb(pid)
    return PhaseResult(sessions, timings, first, errors, rss, cpu_seconds(pid) - cpu, warm,
                       (load, os.getloadavg()[0]))


def server_log(sessions: int) -> Path:
    return Path(tempfile.gettempdir()) / f"themescope-load-server-{sessions}.log"


def run_phase(data: str, sessions: int, seconds: float, options: list[str]) -> PhaseResult:
    with server_log(sessions).open("w+b") as log:  # a file, not a pipe nobody reads
        server, port = start_server(data, log, options)
        try:
            return asyncio.run(phase(port, server.pid, sessions, seconds))
        finally:
            server.terminate()
            server.wait(10)


# ---------------------------------------------------------------- the report
def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def report(results: list[PhaseResult], seconds: float) -> None:
    print(f"\nreruns over {seconds:.0f} s, think time {THINK_SECONDS[0]:.0f}-{THINK_SECONDS[1]:.0f} s (ms):")
    print("| sessions | reruns | median | p90 | max | errors | first page, median | server CPU-s per rerun "
          "| machine load (1 min) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        times = [t for _, t in r.timings] or [float("nan")]
        print(f"| {r.sessions} | {len(r.timings)} | {1000 * statistics.median(times):.0f} | "
              f"{1000 * percentile(times, 0.9):.0f} | {1000 * max(times):.0f} | {len(r.errors)} | "
              f"{1000 * statistics.median(r.first or [float('nan')]):.0f} | "
              f"{r.cpu / max(len(r.timings), 1):.3f} | {r.load[0]:.1f} -> {r.load[1]:.1f} |")
    print("\nserver RSS (MB), per session = (after - before) / N:")
    print("| sessions | before | all connected | per session | end | per session at the end |")
    print("|---|---|---|---|---|---|")
    for r in results:
        rss, n = r.rss, r.sessions
        print(f"| {n} | {rss['before']:.0f} | {rss['connected']:.0f} | {(rss['connected'] - rss['before']) / n:.1f} "
              f"| {rss['end']:.0f} | {(rss['end'] - rss['before']) / n:.1f} |")
    for r in results:
        print(f"\n{r.sessions} sessions, warm-up (one session, before the clock): "
              + ", ".join(f"{step} {1000 * t:.0f} ms" for step, t in r.warm.items()))
        by_action: dict[str, list[float]] = {}
        for action, t in r.timings:
            by_action.setdefault(action, []).append(t)
        print("  median rerun by action: " + ", ".join(f"{a} {1000 * statistics.median(ts):.0f} ms (n={len(ts)})"
                                                     for a, ts in sorted(by_action.items())))
        for error in sorted(set(r.errors))[:10]:
            print(f"  error: {error}")
        if r.errors:
            print(f"  the server's log: {server_log(r.sessions)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 20], help="session counts, one phase each")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each phase's activity")
    parser.add_argument("--data", default=str(PUBLIC), help="the data the dashboard loads (--data of the app)")
    parser.add_argument("--streamlit-option", action="append", default=[], metavar="NAME=VALUE",
                        help="a server option to try, e.g. runner.postScriptGC=false (repeatable)")
    args = parser.parse_args()
    options = [part for option in args.streamlit_option for part in ("--" + option.split("=", 1)[0],
                                                                     option.split("=", 1)[1])]
    if not Path(args.data).exists():
        sys.exit(f"no data at {args.data}: pass --data PATH")
    results = []
    for sessions in args.sessions:
        print(f"{sessions} session(s) for {args.seconds:.0f} s...", flush=True)
        results.append(run_phase(args.data, sessions, args.seconds, options))
    report(results, args.seconds)


if __name__ == "__main__":
    main()
