"""Codebook workbench speed: from an edited codebook's text to a full diff (the preview) on the public set.

    python benchmarks/workbench_speed.py              # target: <= 1 s per preview (issue #4)
    python benchmarks/workbench_speed.py --data /tmp/themescope-bench/replicated_80k.csv --repeat 3  # <= 8 s

The corpus is analysed and loaded once, as the workbench page holds it; the clock then covers what a click
on "preview" does: parse and validate the edited YAML, score it (only the themes an edit touched, or
everything when a setting changed), diff against the saved results and slice the sentences of the first
quotes gained and lost. The cold figure adds loading the shards from the cache. Also printed: the Quotes
page's first count (prepare the view, group every quote of it) and the peak resident memory of the process
(`ru_maxrss`). Prints the median of `--repeat` runs per edit. Needs ../shared/data/anthropic-interviewer (or
--data); prints a message and exits 0 without it.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core import analyse, load_codebook, parse_codebook  # noqa: E402
from core.engine.rescore import CachedCorpus  # noqa: E402
from core.engine.results import Analysis  # noqa: E402
from core.views.filters import Filters, prepare  # noqa: E402
from core.views.snapshot import snapshot  # noqa: E402
from core.workbench.diff import preview  # noqa: E402

PUBLIC = ROOT.parent / "shared" / "data" / "anthropic-interviewer"
TARGETS = ((2_000, 1.0), (80_000, 6.0))  # <= 1 s on the public set (issue #4), <= 6 s on 80,000 (issue #12)

# name -> (text to find in the default codebook, its replacement): each a typical workbench edit
EDITS = {
    "add a term": ('      - "hallucinate"\n', '      - "hallucinate"\n      - "messaging"\n'),
    "remove a term": ('      - "hallucinate"\n', ""),
    "add a theme": ("themes:\n", "themes:\n  - id: bench_edit\n    label: Edit\n    description: added by the "
                    "benchmark\n    terms: [spreadsheet, deadline]\n"),
    "change the threshold (all themes)": ("threshold: 88", "threshold: 85"),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(PUBLIC))
    parser.add_argument("--codebook", default=str(ROOT / "config" / "codebook.yaml"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not Path(args.data).exists():
        print(f"data not found at {args.data}: nothing to measure")
        return 0
    codebook = load_codebook(args.codebook)
    with tempfile.TemporaryDirectory(prefix="themescope-bench-") as cache_dir:
        analysis = analyse([args.data], codebook=codebook, cache_dir=cache_dir)
        start = time.perf_counter()
        corpus = CachedCorpus.of(analysis)
        load_seconds = time.perf_counter() - start
        print(f"{len(corpus):,} transcripts, {len(analysis.hits):,} hits; shards loaded in {load_seconds:.2f} s")
        print("the Quotes page's first count: " + _first_count(analysis))
        worst = 0.0
        for name, (old, new) in EDITS.items():
            if old not in codebook.text:
                print(f"  {name:<36} skipped: the codebook has no {old.strip()!r}")
                continue
            text = codebook.text.replace(old, new, 1)
            seconds, change = _median_preview(corpus, analysis, text, args.repeat)
            worst = max(worst, seconds)
            print(f"  {name:<36} {seconds:6.3f} s  (cold {seconds + load_seconds:5.2f} s)  "
                  f"{int(change.themes['transcripts_gained'].sum()):>4} theme presences gained, "
                  f"{len(change.gained):>5} quotes gained, {len(change.lost):>5} lost")
    target = next((seconds for size, seconds in TARGETS if len(corpus) <= size), TARGETS[-1][1])
    verdict = "meets" if worst <= target else "misses"
    print(f"slowest preview {worst:.3f} s: {verdict} the {target:g} s target for {len(corpus):,} transcripts")
    print(f"peak resident memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
    return 0


def _first_count(analysis: Analysis) -> str:
    """Prepare the view and count every quote of it, as the Quotes page's first run does."""
    start = time.perf_counter()
    data = prepare(analysis.transcripts, analysis.themes, analysis.hits, analysis.codebook.theme_ids)
    prepared = time.perf_counter()
    count = len(snapshot(analysis, data, Filters()).quotes(selection=False))
    done = time.perf_counter()
    return f"{done - start:.2f} s ({prepared - start:.2f} s preparing the view, {done - prepared:.2f} s grouping " \
           f"{count:,} quotes)"


def _median_preview(corpus: CachedCorpus, base: Analysis, text: str, repeat: int):
    times, change = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        change = preview(corpus, base, parse_codebook(text))
        times.append(time.perf_counter() - start)
    return statistics.median(times), change


if __name__ == "__main__":
    sys.exit(main())
