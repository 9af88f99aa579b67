"""Folder stamp cost: how long noticing an edit inside a data folder takes, at 80,000 transcript files.

    python benchmarks/folder_stamp_speed.py                 # 80,000 files in 80 folders (made once, in /tmp)
    python benchmarks/folder_stamp_speed.py --files 20000 --repeats 5

Times, best of --repeats, of (1) the bare walk, os.scandir recursively with a stat of every file (the least
any stamp of every file costs), and (2) `core.engine.cache_keys.inputs_stamp`, the stamp the dashboard takes:
the loaders' own walk (depth, links, file types, metadata and speakers tables) and a `fingerprint` per file.
The files are short synthetic transcripts written under /tmp/themescope-bench (never public data). The
dashboard takes the stamp at most once per THEMESCOPE_DATA_CHECK_SECONDS per server (dashboard/frame/loading.py).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH = Path("/tmp/themescope-bench")
PER_FOLDER = 1000
TEXT = "Interviewer: How do you use AI at work?\nParticipant: I draft emails and check my schedule, transcript {n}.\n"


def synthetic_folder(files: int) -> Path:
    """A folder of `files` small transcripts in sub-folders of PER_FOLDER, made once and reused."""
    folder = BENCH / f"walk-{files}"
    done = BENCH / f"walk-{files}.complete"  # beside it: the bare walk counts every file inside
    if done.exists():
        return folder
    for n in range(files):
        sub = folder / f"batch-{n // PER_FOLDER:03d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"t{n:06d}.txt").write_text(TEXT.format(n=n))
    done.touch()
    return folder


def bare_walk(folder: Path) -> int:
    """Every file under `folder` stat'ed, by os.scandir recursively: the floor for any per-file stamp."""
    count, stack = 0, [str(folder)]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                else:
                    entry.stat()
                    count += 1
    return count


def best_seconds(run, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=80_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from core.engine.cache_keys import inputs_stamp
    folder = synthetic_folder(args.files)
    print(f"{bare_walk(folder):,} files in {folder}")
    print(f"bare walk (os.scandir + stat): {best_seconds(lambda: bare_walk(folder), args.repeats) * 1000:.0f} ms")
    print(f"inputs_stamp (loaders' walk + fingerprint): "
          f"{best_seconds(lambda: inputs_stamp([str(folder)]), args.repeats) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
