"""Are two `themescope score --out` folders the same results? All three tables, sorted, compared cell by cell.

    python benchmarks/same_results.py /tmp/before /tmp/after

A table missing as a file is read from the folder's parquet parts (`parts/<table>/`): a streamed run of more
than 100,000 transcripts writes no copies of its themes and hits (every row is loaded and sorted here: a few
hundred thousand transcripts at most on this machine). Exit 0 and one line per table when identical; exit 1
naming the first difference otherwise. Used to show that a refactoring changed no number.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

TABLES = {"transcripts": ["transcript_id"], "themes": ["transcript_id", "theme"],
          "hits": ["transcript_id", "theme", "start", "end", "term"]}


def sorted_table(folder: Path, name: str) -> pd.DataFrame:
    whole = folder / f"{name}.parquet"
    table = pd.read_parquet(whole if whole.exists() else folder / "parts" / name)
    return table.sort_values(TABLES[name], kind="stable", ignore_index=True)


def compare(before: Path, after: Path) -> list[str]:
    problems = []
    for name in TABLES:
        old, new = sorted_table(before, name), sorted_table(after, name)
        try:
            pd.testing.assert_frame_equal(old, new, check_dtype=False)
            print(f"{name}: identical ({len(new):,} rows x {new.shape[1]} columns)")
        except AssertionError as difference:
            problems.append(f"{name}: {' '.join(str(difference).split())[:500]}")
    return problems


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        sys.exit(0 if sys.argv[1:2] in (["-h"], ["--help"]) else 2)
    found = compare(Path(sys.argv[1]), Path(sys.argv[2]))
    for line in found:
        print(line, file=sys.stderr)
    sys.exit(1 if found else 0)
