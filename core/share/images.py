"""Charts as PNG and SVG files, rendered by kaleido with the system's Chromium.

Rendering runs in a child process with a time limit, so a browser that is missing, broken or stuck gives a
clear `ChartImageError` instead of a hang; the child and every browser process it started are ended on a
timeout. All images of one call share one browser start (kaleido's batch API).

    images = render_chart_images(chart_figures(view), ("png", "svg"))   # {"prevalence.png": b"..."}

An image leaves the dashboard alone, so `chart_figures` gives each chart a title, the filter line and n; the
on-screen figures stay as they are (the page around them says the same).
"""
from __future__ import annotations

import contextlib
import html
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import plotly.graph_objects as go

from core.errors import ChartImageError  # lives in core.errors; still importable from here
from core.views.snapshot import ViewSnapshot

IMAGE_WIDTH = 1100   # layout pixels: wide enough for the heatmap's labels, fits a 16:9 slide
IMAGE_SCALE = 2      # PNGs at twice the layout size stay sharp on a projector
TIMEOUT_S = 90.0
IMAGE_FORMATS = ("png", "svg")
# Names kaleido's browser finder (choreographer) looks for on Linux and macOS, in its order.
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome",
                 "Google Chrome")
NO_BROWSER = ("Chart images need Chrome or Chromium, and none was found. Install it (Debian/Ubuntu: "
              "`apt-get install chromium`) or set BROWSER_PATH to its executable, then try again. "
              "The CSV tables and the HTML report work without a browser.")


TITLE_PX = 34           # room above a chart for its title
SUBTITLE_LINE_PX = 18   # and for each line of its filter line
SUBTITLE_CHARS = 150    # a filter line wraps at this many characters, fitting IMAGE_WIDTH
SUBTITLE_LINES = 3      # and is cut after this many lines


def chart_figures(view: ViewSnapshot) -> dict[str, go.Figure]:
    """{chart name: a copy of its figure titled for an image}: the chart's title, then the view's filters and
    n (`titled`)."""
    line = f"{view.describe()} · n = {view.n:,} transcripts"
    return {chart.name: titled(chart.figure, chart.title, line) for chart in view.charts()}


def titled(figure: go.Figure, title: str, subtitle: str) -> go.Figure:
    """A copy of `figure`, taller by a band at the top holding `title` and `subtitle` (escaped, wrapped);
    its plot keeps its size.

    >>> titled(go.Figure(layout=dict(height=300)), "Themes", "no filters").layout.height
    352
    """
    lines = textwrap.wrap(subtitle, SUBTITLE_CHARS, max_lines=SUBTITLE_LINES, placeholder=" ...") or [""]
    band = TITLE_PX + SUBTITLE_LINE_PX * len(lines)
    copy = go.Figure(figure)
    margin = copy.layout.margin
    copy.update_layout(
        height=(copy.layout.height or 450) + band, margin=dict(t=(margin.t or 0) + band),
        title=dict(text=f"<b>{html.escape(title)}</b>", x=0.01, xanchor="left", xref="container", y=1,
                   yanchor="top", yref="container", pad=dict(t=10),
                   subtitle=dict(text="<br>".join(html.escape(line) for line in lines),
                                 font=dict(size=12, color="#555"))))
    return copy


def find_browser() -> str | None:
    """The browser kaleido will use: $BROWSER_PATH when it is an executable, else the first known name on
    PATH; None when there is none."""
    given = os.environ.get("BROWSER_PATH")
    if given:
        return given if os.access(given, os.X_OK) else None
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def render_chart_images(figures: dict[str, go.Figure], formats: tuple[str, ...] = IMAGE_FORMATS, *,
                        width: int = IMAGE_WIDTH, scale: float = IMAGE_SCALE,
                        timeout: float = TIMEOUT_S) -> dict[str, bytes]:
    """Every figure in every format: {"<name>.<format>": bytes}. A PNG is width*scale pixels wide and
    its figure's layout height*scale high; an SVG is width x height (vector: it scales by itself).

    Raises ChartImageError (with what to do) when no browser is found, the browser fails, or rendering
    takes more than `timeout` seconds.
    """
    browser = find_browser()
    if browser is None:
        raise ChartImageError(NO_BROWSER)
    with tempfile.TemporaryDirectory(prefix="themescope-images-") as folder:
        jobs = [{"figure": figure.to_json(), "file": str(Path(folder) / f"{name}.{fmt}"), "format": fmt}
                for name, figure in figures.items() for fmt in formats]
        (Path(folder) / "jobs.json").write_text(json.dumps({"jobs": jobs, "width": width, "scale": scale}))
        _run_child(folder, browser, timeout)
        return {Path(job["file"]).name: Path(job["file"]).read_bytes() for job in jobs}


def _run_child(folder: str, browser: str, timeout: float) -> None:
    """Run this module as a child in its own process group (so a timeout ends its browser too)."""
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "BROWSER_PATH": browser, "PYTHONPATH": os.pathsep.join(
        p for p in (root, os.environ.get("PYTHONPATH")) if p)}
    child = subprocess.Popen([sys.executable, "-m", "core.share.images", folder], cwd=root, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        _, errors = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _end_group(child)
        raise ChartImageError(f"Rendering the chart images took more than {timeout:.0f} s and was stopped. "
                              f"The browser ({browser}) may be stuck: try again, or use the CSV tables "
                              "and the HTML report meanwhile.") from None
    if child.returncode != 0:
        detail = errors.decode(errors="replace").strip().splitlines()
        raise ChartImageError(f"The browser ({browser}) could not render the chart images: "
                              f"{detail[-1] if detail else 'exit code ' + str(child.returncode)}")


def _end_group(child: subprocess.Popen) -> None:
    """End the child and everything it started: kaleido's browser wrapper leaves the process group, so
    the descendants are found through /proc (Linux) before anything is killed."""
    for pid in [child.pid, *_descendants(child.pid)]:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signal.SIGKILL)
    child.wait(5)


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        try:
            stat = Path(f"/proc/{entry}/stat").read_text() if entry.isdigit() else ""
        except OSError:
            continue
        if stat:
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        kids = children.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def _render(folder: str) -> None:
    """The child's work: every job of jobs.json with one kaleido batch."""
    import plotly.io as pio

    spec = json.loads((Path(folder) / "jobs.json").read_text())
    jobs = spec["jobs"]
    figures = [pio.from_json(job["figure"]) for job in jobs]
    pio.write_images(figures, [job["file"] for job in jobs], format=[job["format"] for job in jobs],
                     width=spec["width"], height=[f.layout.height for f in figures],
                     scale=[spec["scale"] if job["format"] == "png" else 1 for job in jobs])


if __name__ == "__main__":
    try:
        _render(sys.argv[1])
    except Exception as error:  # the parent shows the last line; a traceback here helps nobody
        print(f"{type(error).__name__}: {' '.join(str(error).split())}", file=sys.stderr)
        sys.exit(1)
