"""Are two `themescope score --out` folders the same results? All three tables, sorted, compared cell by cell.

    python benchmarks/same_results.py /tmp/before /tmp/after

Exit 0 and one line per table when identical; exit 1 naming the first difference otherwise. Used to show
that a refactoring changed no number.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

TABLES = {"transcripts": ["transcript_id"], "themes": ["transcript_id", "theme"],
          "hits": ["transcript_id", "theme", "start", "end", "term"]}


def sorted_table(folder: Path, name: str) -> pd.DataFrame:
    table = pd.read_parquet(folder / f"{name}.parquet")
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
    found = compare(Path(sys.argv[1]), Path(sys.argv[2]))
    for line in found:
        print(line, file=sys.stderr)
    sys.exit(1 if found else 0)
