"""How well the default codebook agrees with the team's hand coding of the public data set.

    python benchmarks/accuracy.py                       # every label set: the figures in README
    python benchmarks/accuracy.py --set dev             # only the development labels (what tuning may read)
    python benchmarks/accuracy.py --labels FILE [FILE]  # any labels files, as one set

The sets (benchmarks/labels/README.md):
- held-out A: heldout_1..3 (77 transcripts, three coders, coded before codebook 1.1);
- held-out B: 120 transcripts coded independently by two coders (heldout_b_coder1_*, heldout_b_coder2_*)
  before anyone tuned on them; both coders' figures are shown, and their agreement (Cohen's kappa);
- dev: dev*.yaml (285 transcripts the codebook and engine were tuned on: dev..dev_5 125, dev_6a/b 160).

Needs ../shared/data/anthropic-interviewer (or --data PATH); exits 0 with a message when it is absent.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from core import analyse, load_codebook  # noqa: E402
from core.handcoding.agreement import cohen_kappa  # noqa: E402
from core.handcoding.evaluate import Evaluation, Labels, evaluate, read_labels  # noqa: E402

PUBLIC = ROOT.parent / "shared" / "data" / "anthropic-interviewer"
LABELS = ROOT / "benchmarks" / "labels"
SETS = {
    "held-out A": sorted(LABELS.glob("heldout_[0-9].yaml")),
    "held-out B, coder 1": sorted(LABELS.glob("heldout_b_coder1_*.yaml")),
    "held-out B, coder 2": sorted(LABELS.glob("heldout_b_coder2_*.yaml")),
    "dev": sorted(LABELS.glob("dev*.yaml")),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labels", nargs="+", action="extend", help="labels files, evaluated as one set")
    parser.add_argument("--set", choices=[*SETS, "held-out", "all"], default="all")
    parser.add_argument("--data", default=str(PUBLIC))
    parser.add_argument("--codebook", default=str(ROOT / "config" / "codebook.yaml"))
    parser.add_argument("--details", action="store_true", help="per-theme tables and the confusion matrix")
    args = parser.parse_args()
    if not Path(args.data).exists():
        print(f"public data set not found at {args.data}: nothing to evaluate")
        return 0
    codebook = load_codebook(args.codebook)
    analysis = analyse([args.data], codebook=codebook)
    sets = {"given": [Path(p) for p in args.labels]} if args.labels else chosen_sets(args.set)
    results = {name: evaluate(analysis.transcripts, analysis.themes, read_labels(*paths), codebook.theme_ids)
               for name, paths in sets.items() if paths}
    print(summary(results).to_string())
    if args.details:
        print(f"\npublic set: occupation sources\n{source_shares(analysis.transcripts).to_string()}")
        for name, result in results.items():
            print(f"\n{name}: occupation accuracy by source\n"
                  f"{accuracy_by_source(result, analysis.transcripts).to_string()}")
            print(f"\n{name}: per theme\n{per_theme(result).to_string(index=False)}")
            print(f"\n{name}: occupations (rows: hand coding, columns: Themescope)\n"
                  f"{confusion(result).to_string()}")
    if not args.labels and set(sets) >= {"held-out B, coder 1", "held-out B, coder 2"}:
        print("\n" + coder_agreement(read_labels(*sets["held-out B, coder 1"]),
                                     read_labels(*sets["held-out B, coder 2"]), codebook.theme_ids))
    return 0


def chosen_sets(choice: str) -> dict[str, list[Path]]:
    if choice == "all":
        return SETS
    if choice == "held-out":
        return {name: paths for name, paths in SETS.items() if name.startswith("held-out")}
    return {choice: SETS[choice]}


def summary(results: dict[str, Evaluation]) -> pd.DataFrame:
    """One row per label set: n, occupation accuracy, macro precision, recall and F1."""
    rows = {name: {"n": r.n, "occupation accuracy": round(r.occupation_accuracy, 3),
                   **{k: round(v, 3) for k, v in r.macro_averages().items()}} for name, r in results.items()}
    return pd.DataFrame(rows).T


def per_theme(result: Evaluation) -> pd.DataFrame:
    return result.themes[["theme", "tp", "fp", "fn", "precision", "recall", "f1"]].round(2)


def confusion(result: Evaluation) -> pd.DataFrame:
    table = result.occupations.dropna(subset=["expected"])
    return pd.crosstab(table["expected"], table["predicted"])


def source_shares(transcripts: pd.DataFrame) -> pd.DataFrame:
    """How many occupations of the whole set come from each source, and the share that is `other`."""
    rows = transcripts["occupation_source"].value_counts().to_frame("n")
    rows.loc["occupation = other", "n"] = int((transcripts["occupation"] == "other").sum())
    rows["share"] = (rows["n"] / len(transcripts)).round(3)
    return rows


def accuracy_by_source(result: Evaluation, transcripts: pd.DataFrame) -> pd.DataFrame:
    """Occupation accuracy per source (self-description, keywords, none) and uncertain flag: where the
    errors come from."""
    kinds = transcripts.set_index("transcript_id")[["occupation_source", "occupation_uncertain"]]
    table = result.occupations.dropna(subset=["expected"]).join(kinds, on="transcript_id")
    table["right"] = table["expected"] == table["predicted"]
    grouped = table.groupby(["occupation_source", "occupation_uncertain"])["right"]
    return pd.DataFrame({"n": grouped.size(), "accuracy": grouped.mean().round(3)})


def coder_agreement(first: Labels, second: Labels, theme_ids: list[str]) -> str:
    """Cohen's kappa per theme between the two coders, their mean, and how often their occupations agree."""
    kappa = cohen_kappa(first, second, theme_ids)
    shared = [t for t in first.transcripts if t in second.transcripts]
    same = sum(first.transcripts[t].occupation == second.transcripts[t].occupation for t in shared)
    lines = [f"coder agreement on held-out B ({len(shared)} transcripts coded by both):",
             f"  occupation: {same}/{len(shared)} the same ({same / max(len(shared), 1):.1%})",
             f"  themes: mean Cohen's kappa {kappa['kappa'].mean():.2f}"]
    lines += [f"    {row.theme:<20} kappa {row.kappa:.2f}  agreement {row.agreement:.0%}" for row in kappa.itertuples()]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
