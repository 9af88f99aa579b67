"""A shard's transcripts table: each transcript's occupation, from what the participant says they do (through
the job-title lexicon) checked against the codebook's occupation keywords (`core.engine.occupation_choice.decide`),
with its evidence, confidence and source, and its participant words and attributes.

    rows = transcript_rows(shard, index, occupation_hits, None)   # every transcript of the shard
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from core.engine.corpus import ROLE_CODES, Shard
from core.engine.occupation import SelfDescription, self_descriptions, titles_index
from core.engine.occupation_choice import Decision, KeywordChoice, decide
from core.engine.term_index import TermIndex

if TYPE_CHECKING:
    from core.engine.scoring import Located


def in_occupation_window(shard: Shard, turns: np.ndarray, first_turns: int) -> np.ndarray:
    """Whether each of `turns` is one of the participant's first `first_turns` turns, where people say
    what they do."""
    participant = shard.turn_role == ROLE_CODES["participant"]
    ordinal = np.zeros(len(shard.turn_role), dtype=np.int64)
    docs = shard.turn_doc[participant]  # turns are in transcript order: count within each run of a doc
    ordinal[participant] = np.arange(len(docs)) - np.searchsorted(docs, docs)
    return participant[turns] & (ordinal[turns] < first_turns)


def term_weights(index: TermIndex, entry: np.ndarray) -> np.ndarray:
    return index.weights[entry] if len(entry) else np.zeros(0)


def transcript_rows(shard: Shard, index: TermIndex, hits: Located, docs: np.ndarray | None,
                    described: list[list[SelfDescription]] | None = None) -> pd.DataFrame:
    """One row per transcript (or per one `docs` marks): occupation with its evidence and confidence,
    participant words, attributes. `described`: every transcript's self-descriptions, when the caller has
    them (`core.engine.kept_descriptions`); else those of the picked transcripts are found here."""
    picked = np.arange(len(shard)) if docs is None else np.flatnonzero(docs)
    decisions = _choose_occupations(shard, index, hits, picked, described)
    rows = pd.DataFrame({"transcript_id": _picked(shard.ids, picked), "source": _picked(shard.sources, picked),
                         "occupation": [d.occupation for d in decisions],
                         "occupation_evidence": [d.evidence for d in decisions],
                         "occupation_confidence": np.array([d.confidence for d in decisions], dtype=np.float64),
                         "participant_words": shard.words_by_role("participant")[picked],  # columns as before
                         "occupation_source": [d.source for d in decisions],
                         "occupation_uncertain": np.array([d.uncertain for d in decisions], dtype=bool),
                         "occupation_start": np.array([d.start for d in decisions], dtype=np.int64),
                         "occupation_end": np.array([d.end for d in decisions], dtype=np.int64)})
    attributes = _picked(shard.attributes, picked)
    if not any(attributes):
        return rows
    attributes = pd.DataFrame.from_records(attributes, index=rows.index)
    return pd.concat([rows, attributes.drop(columns=rows.columns, errors="ignore")], axis=1)


def _picked(values: list, picked: np.ndarray) -> list:
    return values if len(picked) == len(values) else [values[i] for i in picked.tolist()]


def _choose_occupations(shard: Shard, index: TermIndex, hits: Located, picked: np.ndarray,
                        described: list[list[SelfDescription]] | None) -> list[Decision]:
    """Per transcript of `picked` (positions): the occupation the participant gives in their own words
    (through the job-title lexicon), checked against keyword evidence, or keyword evidence alone
    (`core.engine.occupation_choice.decide`)."""
    keywords = [KeywordChoice(*choice) for choice in zip(*_keyword_occupations(len(shard), index, hits))]
    titles = index.codebook.job_titles
    if titles is None:
        found: list[list] = [[] for _ in range(len(shard))]
    elif described is not None:
        found = described
    else:  # only the picked transcripts' turns are read
        window = occupation_turns(shard, index.codebook.settings.occupation_first_turns)
        window[window] = np.isin(shard.turn_doc[window], picked)
        found = self_descriptions(shard, np.flatnonzero(window), titles_index(titles))
    # only a self-description's evidence sentence reads a text: a transcript without one decodes none (from the
    # cache each text is decoded when first read, and a preview scoring one theme reads only those it finds hits in)
    return [decide(found[doc], keywords[doc], shard.texts[doc] if found[doc] else "") for doc in picked.tolist()]


def occupation_turns(shard: Shard, first_turns: int) -> np.ndarray:
    """A mask of the turns where occupations are looked for (`in_occupation_window`)."""
    return in_occupation_window(shard, np.arange(len(shard.turn_doc)), first_turns)


def _keyword_occupations(n_docs: int, index: TermIndex, hits: Located) -> tuple[list, list, list, list]:
    """Per transcript: the occupation with the highest weighted evidence (ties: the strongest single term,
    then the codebook's order), `other` below settings.occupation_min_score; its evidence terms; its
    share of all occupation evidence; and its weighted evidence. Scores are summed with numpy, one row per
    transcript."""
    occupations = [o.id for o in index.codebook.occupations]
    if not occupations or not len(hits):
        return ["other"] * n_docs, [""] * n_docs, [0.0] * n_docs, [0.0] * n_docs
    rank_of_code = np.array([occupations.index(c) if c in occupations else -1 for c in hits.code_names],
                            dtype=np.int64)
    rank = rank_of_code[hits.code]
    doc, weight = hits.doc.astype(np.int64), term_weights(index, hits.entry)
    cell = doc * len(occupations) + rank
    score = np.bincount(cell, weights=weight, minlength=n_docs * len(occupations)).reshape(n_docs, -1)
    strongest = np.zeros(n_docs * len(occupations))
    np.maximum.at(strongest, cell, weight)
    tied = score == score.max(axis=1, keepdims=True)
    best = np.argmax(np.where(tied, strongest.reshape(n_docs, -1), -1.0), axis=1)  # first = codebook order
    best_score = score[np.arange(n_docs), best]
    other = occupations.index("other") if "other" in occupations else -1
    chosen = np.where(best_score >= max(index.codebook.settings.occupation_min_score, 1e-9), best, other)
    total = score.sum(axis=1)
    chosen_score = np.where(chosen >= 0, score[np.arange(n_docs), np.maximum(chosen, 0)], 0.0)
    confidence = [round(s / t, 3) if t else 0.0 for s, t in zip(chosen_score.tolist(), total.tolist())]
    names = [occupations[c] if c >= 0 else "other" for c in chosen.tolist()]
    return (names, _evidence_of(n_docs, index, doc, hits.entry, rank, chosen), confidence,
            chosen_score.tolist())


def _evidence_of(n_docs: int, index: TermIndex, doc: np.ndarray, entry: np.ndarray, rank: np.ndarray,
                 chosen: np.ndarray) -> list:
    """The chosen occupation's terms per transcript, most frequent first, as 'sysadmin x3; powershell'.
    Counted with numpy; Python only formats one string per (transcript, term)."""
    evidence = [""] * n_docs
    mine = rank == chosen[doc]
    if not mine.any():
        return evidence
    texts = sorted({e.term.text for e in index.entries})
    text_number = {text: i for i, text in enumerate(texts)}  # alphabetical: ties are listed A-Z
    term_of_entry = np.array([text_number[e.term.text] for e in index.entries], dtype=np.int64)
    pair, count = np.unique(doc[mine] * len(texts) + term_of_entry[entry[mine]], return_counts=True)
    pair_doc, pair_term = np.divmod(pair, len(texts))
    order = np.lexsort((pair_term, -count, pair_doc))
    labels = [texts[t] if n == 1 else f"{texts[t]} x{n}" for t, n in zip(pair_term[order].tolist(),
                                                                        count[order].tolist())]
    docs = pair_doc[order]
    bounds = np.flatnonzero(np.diff(docs)) + 1
    for d, start, end in zip(docs[np.r_[0, bounds]].tolist(), [0, *bounds.tolist()], [*bounds.tolist(), len(docs)]):
        evidence[d] = "; ".join(labels[start:end])
    return evidence
