"""Does any hit on the public set pair a term with a different real English word? (It must not.)

    python benchmarks/real_words.py [--data PATH] [--codebook FILE]

Scores the data, then checks every hit word by word: a word that matched as a typo must not be a real word
(core.engine.lexicon). Prints the count by kind of match and every violation; exit 1 when there is one.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core import analyse, load_codebook  # noqa: E402
from core.workbench.terms import variant_audit  # noqa: E402

PUBLIC = ROOT.parent / "shared" / "data" / "anthropic-interviewer"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(PUBLIC))
    parser.add_argument("--codebook", default=str(ROOT / "config" / "codebook.yaml"))
    args = parser.parse_args()
    if not Path(args.data).exists():
        print(f"no data at {args.data}: nothing to check")
        return 0
    analysis = analyse([args.data], codebook=load_codebook(args.codebook), use_cache=False)
    kinds, wrong = variant_audit(analysis)
    print(f"{len(analysis.hits):,} hits: " + ", ".join(f"{kind} {n:,}" for kind, n in
                                                       sorted(kinds.items(), key=lambda kv: -kv[1])))
    print(f"hits pairing a term with a different real word: {len(wrong)}")
    for term, matched, word in wrong:
        print(f"  {term!r} <- {matched!r} ({word!r} is a real word)")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
