"""How well the default codebook agrees with the team's hand coding of the public data set.

    python benchmarks/accuracy.py                      # held-out labels (the figures in README)
    python benchmarks/accuracy.py --labels benchmarks/labels/dev.yaml

Needs ../shared/data/anthropic-interviewer (or --data PATH); exits 0 with a message when it is absent.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core import analyse, load_codebook  # noqa: E402
from core.handcoding.evaluate import evaluate, read_labels  # noqa: E402

PUBLIC = ROOT.parent / "shared" / "data" / "anthropic-interviewer"
HELD_OUT = sorted((ROOT / "benchmarks" / "labels").glob("heldout_*.yaml"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labels", nargs="+", default=[str(p) for p in HELD_OUT])
    parser.add_argument("--data", default=str(PUBLIC))
    parser.add_argument("--codebook", default=str(ROOT / "config" / "codebook.yaml"))
    args = parser.parse_args()
    if not Path(args.data).exists():
        print(f"public data set not found at {args.data}: nothing to evaluate")
        return 0
    codebook = load_codebook(args.codebook)
    analysis = analyse([args.data], codebook=codebook)
    result = evaluate(analysis.transcripts, analysis.themes, read_labels(*args.labels), codebook.theme_ids)
    print(f"labels: {', '.join(Path(p).name for p in args.labels)}")
    print("\n".join(result.lines()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
