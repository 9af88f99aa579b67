"""Codebook workbench speed: from an edited codebook's text to a full diff (the preview) on the public set.

    python benchmarks/workbench_speed.py              # target: <= 1 s per preview (issue #4)
    python benchmarks/workbench_speed.py --data /tmp/themescope-bench/replicated_80k.csv --repeat 3  # <= 8 s

The corpus is analysed and loaded once, as the workbench page holds it; the clock then covers what a click
on "preview" does: parse and validate the edited YAML, score it (only the themes an edit touched, or
everything when a setting changed), diff against the saved results and cut every changed quote's sentence.
The cold figure adds loading the shards from the cache. Prints the median of `--repeat` runs per edit.
Needs ../shared/data/anthropic-interviewer (or --data); prints a message and exits 0 without it.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from core import analyse, load_codebook, parse_codebook  # noqa: E402
from core.engine.rescore import CachedCorpus  # noqa: E402
from core.engine.results import Analysis  # noqa: E402
from core.views.quotes import hit_passages  # noqa: E402
from core.workbench.diff import HIT_KEY, preview  # noqa: E402

PUBLIC = ROOT.parent / "shared" / "data" / "anthropic-interviewer"
TARGETS = ((2_000, 1.0), (80_000, 8.0))  # issue #4: <= 1 s on the public set, <= 8 s on 80,000 transcripts

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
        start = time.perf_counter()  # what the dashboard's pages cut once and the preview reuses
        known = pd.concat([analysis.hits[HIT_KEY], hit_passages(analysis.hits, corpus.text, corpus.turns)], axis=1)
        print(f"every hit's quote cut once (per page, reused by every preview): {time.perf_counter() - start:.2f} s")
        worst = 0.0
        for name, (old, new) in EDITS.items():
            if old not in codebook.text:
                print(f"  {name:<36} skipped: the codebook has no {old.strip()!r}")
                continue
            text = codebook.text.replace(old, new, 1)
            seconds, change = _median_preview(corpus, analysis, text, args.repeat, known)
            worst = max(worst, seconds)
            print(f"  {name:<36} {seconds:6.3f} s  (cold {seconds + load_seconds:5.2f} s)  "
                  f"{int(change.themes['transcripts_gained'].sum()):>4} theme presences gained, "
                  f"{len(change.gained):>5} quotes gained, {len(change.lost):>5} lost")
    target = next((seconds for size, seconds in TARGETS if len(corpus) <= size), TARGETS[-1][1])
    verdict = "meets" if worst <= target else "misses"
    print(f"slowest preview {worst:.3f} s: {verdict} the {target:g} s target for {len(corpus):,} transcripts")
    return 0


def _median_preview(corpus: CachedCorpus, base: Analysis, text: str, repeat: int, known: pd.DataFrame):
    times, change = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        change = preview(corpus, base, parse_codebook(text), known_passages=known)
        times.append(time.perf_counter() - start)
    return statistics.median(times), change


if __name__ == "__main__":
    sys.exit(main())
