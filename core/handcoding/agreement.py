"""How far to trust the codebook: precision from marked quotes, agreement between coders, how precision and
recall move with the threshold, and which quotes to check next.

    quote_precision(analysis.hits, read_quote_marks("labels.yaml"), codebook.theme_ids)
    cohen_kappa(read_labels("coder_a.yaml"), read_labels("coder_b.yaml"), codebook.theme_ids)
    threshold_sweep(corpus, analysis, labels, marks, [80, 85, 88, 92, 96])
    review_queue(analysis.hits, analysis.themes, marks, codebook).head(20)

Transcript-level precision, recall and F1 come from `core.evaluate.evaluate`.
"""
from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd

from core.codebook.model import Codebook
from core.engine.rescore import CachedCorpus
from core.engine.results import Analysis
from core.handcoding.evaluate import Labels, TranscriptLabel, evaluate
from core.handcoding.labels import QuoteMark
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


def quote_precision(hits: pd.DataFrame, marks: Iterable[QuoteMark], theme_ids: list[str]) -> pd.DataFrame:
    """Per theme: quotes found, marked, marked correct, and precision (correct / marked; NaN when none marked).

    quote_precision(hits, [QuoteMark("t1", "speed", 0, 6, True)], ["speed"])
    """
    marked = marked_hits(hits, marks)
    found = hits["theme"].value_counts()
    counts = marked.groupby("theme")["correct"].agg(["size", "sum"])
    rows = []
    for theme in theme_ids:
        n, correct = (int(counts.loc[theme, "size"]), int(counts.loc[theme, "sum"])) if theme in counts.index \
            else (0, 0)
        rows.append({"theme": theme, "quotes": int(found.get(theme, 0)), "marked": n, "correct": correct,
                     "precision": correct / n if n else math.nan})
    return pd.DataFrame(rows)


def term_precision(hits: pd.DataFrame, marks: Iterable[QuoteMark]) -> pd.DataFrame:
    """Per theme and term: marked, correct, precision (only terms with at least one marked quote)."""
    marked = marked_hits(hits, marks)
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
        table = quote_precision(at.hits, marks, theme_ids).rename(columns={"precision": "quote_precision"})
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


def review_queue(hits: pd.DataFrame, themes: pd.DataFrame, marks: Iterable[QuoteMark],
                 codebook: Codebook) -> pd.DataFrame:
    """Unmarked quotes, the ones most likely wrong first, with a `doubt` score and the `reasons` for it.

    doubt = (1 - the term's measured precision, smoothed towards 1/2) + (100 - similarity) / 25 of the least
    similar word that matched as a typo (inflections and exact words add nothing) + 0.25 when the quote is
    its theme's only hit in the transcript (so a wrong one flips the transcript).
    """
    marks = list(marks)
    done = marks_table(marks).set_index(MARK_KEY).index
    queue = hits[~hits.set_index(MARK_KEY).index.isin(done)].copy()
    precision = term_precision(hits, marks)
    queue = queue.merge(precision[["theme", "term", "marked", "correct"]], on=["theme", "term"], how="left")
    queue[["marked", "correct"]] = queue[["marked", "correct"]].fillna(0)
    term_doubt = 1 - (queue["correct"] + PRIOR_CORRECT) / (queue["marked"] + PRIOR_MARKED)
    typo = pd.Series(_typo_similarities(queue, codebook), index=queue.index, dtype=float)
    single = _single_hit(queue, themes)
    queue["doubt"] = (term_doubt + (100 - typo.fillna(100)) * TYPO_DOUBT_PER_POINT
                      + single * SINGLE_HIT_DOUBT).round(3)
    queue["reasons"] = [_reasons(row, similarity, lone)
                        for row, similarity, lone in zip(queue.itertuples(), typo, single)]
    queue = queue.sort_values(["doubt", "transcript_id", "start"], ascending=[False, True, True],
                              ignore_index=True)
    return queue.drop(columns=["marked", "correct"])


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
