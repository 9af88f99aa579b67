"""Engine speed and memory: the public set cold vs an exact regex baseline, and 80,000 transcripts.

    python benchmarks/speed.py                 # public set (1,250) only
    python benchmarks/speed.py --large         # also 80,000 (the public set replicated; ~600 MB in /tmp)

Every scenario runs in a fresh subprocess (imports done before the clock starts, so interpreter start is
excluded) and reports wall time and the peak resident memory of that process and its workers.
Needs ../shared/data/anthropic-interviewer (or --data); prints a message and exits 0 without it.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = ROOT.parent / "shared" / "data" / "anthropic-interviewer"

# Each scenario is a small script run with `python -c`; it prints one JSON line.
PRELUDE = f"""
import json, resource, sys, time
sys.path.insert(0, {str(ROOT)!r})
from core import analyse, load_codebook, parse_codebook
def cpu_seconds():
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
def peak_mb():
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round((own + children) / 1024)  # ru_maxrss is in KiB on Linux; workers counted at their peak
"""

ENGINE = PRELUDE + """
book = load_codebook(sys.argv[1])
if len(sys.argv) > 4 and sys.argv[4] == "edit":
    book = parse_codebook(book.text.replace("themes:", "themes:\\n  - id: bench_edit\\n    label: Edit\\n"
                          "    description: added by the benchmark\\n    terms: [spreadsheet, deadline]", 1))
start, cpu_start = time.perf_counter(), cpu_seconds()
analysis = analyse([sys.argv[2]], codebook=book, cache_dir=sys.argv[3], use_cache=sys.argv[3] != "none")
seconds = time.perf_counter() - start
print(json.dumps({"seconds": round(seconds, 3), "cpu": round(cpu_seconds() - cpu_start, 3), "peak_mb": peak_mb(),
                  "transcripts": len(analysis.transcripts),
                  "hits": len(analysis.hits), "cached": analysis.cached}))
"""

# One Aho-Corasick automaton over every term as written (exact: no inflections, no typos), whole words only,
# over the same loading and turn splitting; `found` gets (transcript_id, theme, start, end) per hit.
# Needs `book` (the codebook) and sys.argv[2] (the data folder); benchmarks/process_speed.py runs it too.
BASELINE_MATCHING = """
import pathlib
import ahocorasick
import pandas as pd
from core.ingest.turns import speaker_pattern, split_turns
automaton = ahocorasick.Automaton()
for theme in book.themes:
    for term in theme.terms:
        key = " ".join(term.words).rstrip("*")
        automaton.add_word(key, (theme.id, len(key)))
automaton.make_automaton()
s = book.settings
speakers = speaker_pattern(s.interviewer_labels, s.participant_labels)
found = []
for path in sorted(pathlib.Path(sys.argv[2]).glob("*.csv")):
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    for transcript_id, text in zip(table["transcript_id"], table["text"]):
        lowered = text.lower()
        for turn in split_turns(text, speakers, s.participant_labels):
            if turn.role != "participant":
                continue
            for end, (theme, length) in automaton.iter(lowered, turn.start, turn.end):
                begin = end - length + 1
                if (begin == 0 or not lowered[begin - 1].isalnum()) and \\
                        (end + 1 == len(lowered) or not lowered[end + 1].isalnum()):
                    found.append((transcript_id, theme, begin, end + 1))
"""

BASELINE = PRELUDE + """
book = load_codebook(sys.argv[1])
start = time.perf_counter()
""" + BASELINE_MATCHING + """
seconds = time.perf_counter() - start
print(json.dumps({"seconds": round(seconds, 3), "peak_mb": peak_mb(), "hits": len(found)}))
"""


def run(script: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def replicate(data: Path, copies: int, target: Path) -> Path:
    """The public set `copies` times over with distinct ids, as one CSV (made once, kept in /tmp)."""
    import pandas as pd

    if target.exists():
        return target
    tables = [pd.read_csv(p, dtype=str, keep_default_na=False) for p in sorted(data.glob("*.csv"))]
    base = pd.concat(tables, ignore_index=True)
    with target.open("w", encoding="utf-8") as out:
        for copy in range(copies):
            part = base.assign(transcript_id=base["transcript_id"] + f"_r{copy:03d}")
            part.to_csv(out, index=False, header=copy == 0)
    return target


def best_of(n: int, script: str, *args: str) -> dict:
    runs = [run(script, *args) for _ in range(n)]
    return min(runs, key=lambda r: r["seconds"])


def public_set_parser(description: str | None) -> argparse.ArgumentParser:
    """The options every public-set benchmark takes: --data and --codebook."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(PUBLIC))
    parser.add_argument("--codebook", default=str(ROOT / "config" / "codebook.yaml"))
    return parser


def data_missing(data: Path) -> bool:
    if data.exists():
        return False
    print(f"public data set not found at {data}: nothing to measure")
    return True


def main() -> int:
    parser = public_set_parser(__doc__)
    parser.add_argument("--large", action="store_true", help="also run the 80,000-transcript scenarios")
    parser.add_argument("--repeat", type=int, default=3, help="runs per public-set scenario (best is kept)")
    args = parser.parse_args()
    data = Path(args.data)
    if data_missing(data):
        return 0
    engine = best_of(args.repeat, ENGINE, args.codebook, str(data), "none")
    baseline = best_of(args.repeat, BASELINE, args.codebook, str(data))
    print(f"public set, cold (no cache):   {engine['seconds']:.3f} s for {engine['transcripts']:,} transcripts, "
          f"{engine['hits']:,} fuzzy hits, peak {engine['peak_mb']} MB, {engine['cpu']:.2f} CPU-s")
    print(f"exact Aho-Corasick baseline:   {baseline['seconds']:.3f} s, {baseline['hits']:,} exact hits")
    print(f"engine / baseline:             {engine['seconds'] / baseline['seconds']:.2f}x")
    if args.large:
        large(data, args.codebook)
    return 0


def large(data: Path, codebook: str) -> None:
    folder = Path(tempfile.gettempdir()) / "themescope-bench"
    folder.mkdir(exist_ok=True)
    corpus = replicate(data, 64, folder / "replicated_80k.csv")
    cache = tempfile.mkdtemp(prefix="cache-", dir=folder)
    cold = run(ENGINE, codebook, str(corpus), cache)
    unchanged = run(ENGINE, codebook, str(corpus), cache)
    edited = run(ENGINE, codebook, str(corpus), cache, "edit")
    print(f"80k cold:                      {cold['seconds']:.2f} s for {cold['transcripts']:,} transcripts, "
          f"peak {cold['peak_mb']} MB (process + workers), {cold['cpu']:.1f} CPU-s")
    print(f"80k re-score after an edit:    {edited['seconds']:.2f} s (cache: {edited['cached']}), "
          f"peak {edited['peak_mb']} MB, {edited['cpu']:.1f} CPU-s")
    print(f"80k re-run, nothing changed:   {unchanged['seconds']:.2f} s (cache: {unchanged['cached']}), "
          f"peak {unchanged['peak_mb']} MB")
    import shutil
    shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
