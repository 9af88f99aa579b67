"""How far to trust the codebook: precision from marked quotes, agreement between coders, how precision and
recall move with the threshold, and which quotes to check next.

    found = quotes_of_analysis(analysis)   # one row per quote, as the Quotes page counts them
    quote_precision(found, read_quote_marks("labels.yaml"), codebook.theme_ids)
    cohen_kappa(read_labels("coder_a.yaml"), read_labels("coder_b.yaml"), codebook.theme_ids)
    threshold_sweep(corpus, analysis, labels, marks, [80, 85, 88, 92, 96])
    review_queue(found, analysis.themes, marks, codebook).head(20)

A mark is made on a hit (transcript, theme, start, end); a quote is marked when one of its hits is, and is
wrong when any mark on it says so. Given a bare hits table instead of quotes (`analysis.hits`), the same
functions count and queue hits, and say so ("hits" for "quotes"). Transcript-level precision, recall and F1
come from `core.evaluate.evaluate`.
"""
from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from core.codebook.model import Codebook
from core.engine.rescore import CachedCorpus
from core.engine.results import Analysis
from core.handcoding.evaluate import Labels, TranscriptLabel, evaluate
from core.handcoding.labels import QuoteMark
from core.views.quotes import group_quotes, hits_of_quotes, raising_hits
from core.workbench.terms import typo_similarity, with_threshold

MARK_KEY = ["transcript_id", "theme", "start", "end"]


def marks_table(marks: Iterable[QuoteMark]) -> pd.DataFrame:
    """transcript_id, theme, start, end, correct of every mark."""
    rows = [(m.transcript, m.theme, m.start, m.end, m.correct) for m in marks]
    return pd.DataFrame(rows, columns=[*MARK_KEY, "correct"]).astype({"start": "int64", "end": "int64"})


def marked_hits(hits: pd.DataFrame, marks: Iterable[QuoteMark]) -> pd.DataFrame:
    """The hits a coder has marked, with `correct`. Marks of quotes the codebook no longer finds are left out:
    precision is about what the codebook finds now."""
    table = marks_table(marks)
    keyed = hits.astype({"start": "int64", "end": "int64"})
    return keyed.merge(table, on=MARK_KEY, how="inner")


def is_quotes(found: pd.DataFrame) -> bool:
    """Is `found` a quotes table (`group_quotes`) rather than a table of hits?"""
    return "hit_starts" in found.columns


def hit_rows(found: pd.DataFrame) -> pd.DataFrame:
    """The hits of `found` (quotes or hits), each with `quote`: the row number it belongs to in `found`."""
    if is_quotes(found):
        return hits_of_quotes(found)
    rows = found.reset_index(drop=True).astype({"start": "int64", "end": "int64"})
    return rows.assign(quote=np.arange(len(rows)))


def quote_verdicts(found: pd.DataFrame, marks: Iterable[QuoteMark]) -> pd.DataFrame:
    """theme, correct of every marked row of `found` (index: its row number); a wrong mark on any of a
    quote's hits makes it wrong."""
    marked = hit_rows(found).merge(marks_table(marks), on=MARK_KEY, how="inner")
    return marked.groupby("quote").agg(theme=("theme", "first"), correct=("correct", "all"))


def quote_precision(found: pd.DataFrame, marks: Iterable[QuoteMark], theme_ids: list[str]) -> pd.DataFrame:
    """Per theme: quotes found, marked, marked correct, and precision (correct / marked; NaN when none marked).
    `found` is a quotes table (`quotes_of_analysis`); with a hits table the first column is "hits".

    quote_precision(quotes, [QuoteMark("t1", "speed", 0, 6, True)], ["speed"])
    """
    verdicts = quote_verdicts(found, marks)
    counted = found["theme"].value_counts()
    counts = verdicts.groupby("theme")["correct"].agg(["size", "sum"])
    unit = "quotes" if is_quotes(found) else "hits"
    rows = []
    for theme in theme_ids:
        n, correct = (int(counts.loc[theme, "size"]), int(counts.loc[theme, "sum"])) if theme in counts.index \
            else (0, 0)
        rows.append({"theme": theme, unit: int(counted.get(theme, 0)), "marked": n, "correct": correct,
                     "precision": correct / n if n else math.nan})
    return pd.DataFrame(rows)


def term_precision(found: pd.DataFrame, marks: Iterable[QuoteMark]) -> pd.DataFrame:
    """Per theme and term: marked, correct, precision (only terms with at least one marked hit); `found` is
    quotes or hits."""
    marked = marked_hits(hit_rows(found), marks)
    table = marked.groupby(["theme", "term"], as_index=False)["correct"].agg(marked="size", correct="sum")
    table["precision"] = table["correct"] / table["marked"]
    return table


# ---------------------------------------------------------------- agreement between coders
def cohen_kappa(first: Labels, second: Labels, theme_ids: list[str]) -> pd.DataFrame:
    """Per theme, Cohen's kappa between two coders over the transcripts both coded for that theme:
    theme, n, agreement (observed share), kappa (NaN when undefined: fewer than one transcript, or both
    coders gave every transcript the same code).
    """
    shared = [t for t in first.transcripts if t in second.transcripts]
    rows = []
    for theme in theme_ids:
        pairs = [(a, b) for t in shared
                 if (a := _coded(first.transcripts[t], theme)) is not None
                 and (b := _coded(second.transcripts[t], theme)) is not None]
        rows.append({"theme": theme, "n": len(pairs), **_kappa(pairs)})
    return pd.DataFrame(rows)


def _coded(label: TranscriptLabel, theme: str) -> bool | None:
    """True present, False absent, None not coded (an explicit absent list that does not name it)."""
    if theme in label.present:
        return True
    if label.absent is None or theme in label.absent:
        return False
    return None


def _kappa(pairs: list[tuple[bool, bool]]) -> dict:
    n = len(pairs)
    if not n:
        return {"agreement": math.nan, "kappa": math.nan}
    observed = sum(a == b for a, b in pairs) / n
    yes_first = sum(a for a, _ in pairs) / n
    yes_second = sum(b for _, b in pairs) / n
    expected = yes_first * yes_second + (1 - yes_first) * (1 - yes_second)
    kappa = (observed - expected) / (1 - expected) if expected < 1 else math.nan
    return {"agreement": observed, "kappa": kappa}


# ---------------------------------------------------------------- threshold sweep
def threshold_sweep(corpus: CachedCorpus, scored: Analysis, labels: Labels | None, marks: list[QuoteMark],
                    thresholds: Iterable[float]) -> pd.DataFrame:
    """Per threshold and theme: transcript-level precision, recall, F1 (from `labels`), quote precision
    (from `marks`) and the number of quotes, with every typo threshold set to that value.

    A mark made on a quote the sweep's codebook does not find is not counted at that threshold.
    """
    theme_ids = scored.codebook.theme_ids
    parts = []
    for threshold in thresholds:
        at = corpus.score(with_threshold(scored.codebook, threshold), base=scored)
        found = group_quotes(raising_hits(at.hits, at.themes))
        table = quote_precision(found, marks, theme_ids).rename(columns={"precision": "quote_precision"})
        if labels is not None:
            result = evaluate(at.transcripts, at.themes, labels, theme_ids).themes
            table = table.merge(result[["theme", "precision", "recall", "f1"]], on="theme")
        parts.append(table.assign(threshold=float(threshold)))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def sweep_summary(sweep: pd.DataFrame) -> pd.DataFrame:
    """Macro averages per threshold: the line to read first when choosing one."""
    columns = [c for c in ("precision", "recall", "f1", "quote_precision") if c in sweep.columns]
    summary = sweep.groupby("threshold")[columns].mean()
    return summary.join(sweep.groupby("threshold")["quotes"].sum())


# ---------------------------------------------------------------- review queue
PRIOR_CORRECT, PRIOR_MARKED = 1, 2    # an unmarked term is assumed right half the time
TYPO_DOUBT_PER_POINT = 1 / 25         # a typo match at similarity 88 adds 0.48, at 96 adds 0.16
SINGLE_HIT_DOUBT = 0.25               # a lone quote decides its theme's presence on its own


def review_queue(found: pd.DataFrame, themes: pd.DataFrame, marks: Iterable[QuoteMark],
                 codebook: Codebook) -> pd.DataFrame:
    """Unmarked quotes (rows of `found`: quotes, or hits), the ones most likely wrong first, with a `doubt`
    score and the `reasons` for it; a quote with a marked hit is done.

    doubt = (1 - the term's measured precision, smoothed towards 1/2) + (100 - similarity) / 25 of the least
    similar word that matched as a typo (inflections and exact words add nothing) + 0.25 when the hit is
    its theme's only hit in the transcript (so a wrong one flips the transcript); a quote's doubt is that of
    its most doubtful hit.
    """
    marks = list(marks)
    hits = hit_rows(found)
    marked = hits.set_index(MARK_KEY).index.isin(marks_table(marks).set_index(MARK_KEY).index)
    queue = hits[~hits["quote"].isin(hits.loc[marked, "quote"])].reset_index(drop=True)
    precision = term_precision(found, marks)
    queue = queue.merge(precision[["theme", "term", "marked", "correct"]], on=["theme", "term"], how="left")
    queue[["marked", "correct"]] = queue[["marked", "correct"]].fillna(0)
    term_doubt = 1 - (queue["correct"] + PRIOR_CORRECT) / (queue["marked"] + PRIOR_MARKED)
    typo = pd.Series(_typo_similarities(queue, codebook), index=queue.index, dtype=float)
    single = _single_hit(queue, themes)
    queue["doubt"] = (term_doubt + (100 - typo.fillna(100)) * TYPO_DOUBT_PER_POINT
                      + single * SINGLE_HIT_DOUBT).round(3)
    queue["reasons"] = [_reasons(row, similarity, lone)
                        for row, similarity, lone in zip(queue.itertuples(), typo, single)]
    worst = queue.sort_values("doubt", ascending=False, kind="stable").drop_duplicates("quote")
    rows = found.reset_index(drop=True).iloc[worst["quote"].to_numpy()].assign(
        doubt=worst["doubt"].to_numpy(), reasons=worst["reasons"].to_numpy())
    return rows.sort_values(["doubt", "transcript_id", "start"], ascending=[False, True, True], ignore_index=True)


def _typo_similarities(queue: pd.DataFrame, codebook: Codebook) -> list[float | None]:
    terms = {(theme.id, term.text): term for theme in codebook.themes for term in theme.terms}
    memo: dict[tuple, float | None] = {}
    for key in zip(queue["theme"], queue["term"], queue["matched_text"].str.lower()):
        if key not in memo:
            term = terms.get(key[:2])
            memo[key] = typo_similarity(term, key[2]) if term else None
    return [memo[key] for key in zip(queue["theme"], queue["term"], queue["matched_text"].str.lower())]


def _single_hit(queue: pd.DataFrame, themes: pd.DataFrame) -> pd.Series:
    counts = themes.set_index(["transcript_id", "theme"])["hits"]
    keys = pd.MultiIndex.from_frame(queue[["transcript_id", "theme"]])
    return pd.Series(counts.reindex(keys).to_numpy() == 1, index=queue.index)


def _reasons(row, typo: float, lone: bool) -> str:
    reasons = [f"term precision {row.correct:.0f}/{row.marked:.0f}" if row.marked else "term not yet checked"]
    if typo == typo:  # not NaN: a word matched as a typo
        reasons.append(f"typo match {typo:g}")
    if lone:
        reasons.append("only hit of its theme here")
    return "; ".join(reasons)
