"""From term matches to hits, theme scores and occupations, one shard at a time.

`score_shard` is a pure function of a shard and a compiled codebook (the VocabularyMatcher it takes only
remembers work already done), so shards can be scored in any order, in other processes or on other
machines, and the results concatenated.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import pyarrow as pa

from core.codebook.model import Codebook
from core.engine.corpus import ROLE_CODES, ROLE_NAMES, Shard
from core.engine.match_changes import TranscriptScope
from core.engine.matcher import VocabularyMatcher, Wanted, find_matches, word_matches
from core.engine.negation import NegationRules
from core.engine.occupation import SelfDescription
from core.engine.results import Analysis, empty_cancelled, empty_hits
from core.engine.term_index import EXCLUDE_OCCUPATION, EXCLUDE_THEME, OCCUPATION, THEME, TermIndex
from core.engine.transcript_rows import in_occupation_window, occupation_turns, term_weights, transcript_rows

SCOPE_ROLES = {"participant": ("participant",), "interviewer": ("interviewer",),
               "all": ("interviewer", "participant")}


def score_shard(shard: Shard, index: TermIndex, matcher: VocabularyMatcher, scope: TranscriptScope | None = None,
                described: list[list[SelfDescription]] | None = None) -> Analysis:
    """Hits, theme scores and occupation of every transcript in the shard; with a `scope`, only the
    (transcript, theme) pairs and the occupations it names (the rows of those are a full scoring's).
    `described`: the shard's self-descriptions, when kept (`core.engine.kept_descriptions`)."""
    settings = index.codebook.settings
    pairs = word_matches(shard, matcher)
    theme_docs: dict[str, np.ndarray] = {}
    occupation_docs, wanted = None, None
    if scope is not None:  # out of scope, a match is not even looked for: only what it names is matched and scored
        window = occupation_turns(shard, settings.occupation_first_turns)
        theme_docs, occupation_docs = scope.docs(shard, index, pairs, window)
        wanted = _in_scope(shard, index, theme_docs, occupation_docs, window)
    located = locate_matches(shard, index, find_matches(shard, index, matcher, wanted, pairs=pairs))
    theme_hits, cancelled, reasons = _theme_hits(shard, index, located)
    words = np.sum([shard.words_by_role(role) for role in SCOPE_ROLES[settings.scope]], axis=0)
    occupation = occupation_evidence(shard, located, index)
    return Analysis(index.codebook, transcripts=transcript_rows(shard, index, occupation, occupation_docs, described),
                    themes=_theme_rows(shard, index, theme_hits, words, theme_docs),
                    hits=_hit_rows(shard, index, theme_hits),
                    cancelled=_cancelled_rows(shard, index, cancelled, reasons))


def theme_hit_rows(shard: Shard, index: TermIndex, matcher: VocabularyMatcher) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The hits and cancelled hits of a shard's themes, as `score_shard` gives them, and nothing else (no themes
    table, no occupations): what a scope edit needs of the turns it adds (`core.engine.added_roles`)."""
    hits, cancelled, reasons = _theme_hits(shard, index, locate_matches(shard, index, find_matches(shard, index,
                                                                                                   matcher)))
    return _hit_rows(shard, index, hits), _cancelled_rows(shard, index, cancelled, reasons)


def _theme_hits(shard: Shard, index: TermIndex, located: Located) -> tuple[Located, Located, list[str]]:
    """The matches of themes in the scope's turns, split into hits and those negation cancels (and why)."""
    theme_hits = keep_scope(located, index, THEME, EXCLUDE_THEME, SCOPE_ROLES[index.codebook.settings.scope])
    return _split_negated(theme_hits, shard, index)


def _in_scope(shard: Shard, index: TermIndex, theme_docs: dict[str, np.ndarray], occupation_docs: np.ndarray | None,
              window: np.ndarray) -> Wanted:
    """Where a scope looks for matches: a theme's entries in the turns of the transcripts its pairs are scored
    in, every occupation's in the occupation `window`'s turns (a turn mask: evidence is never taken elsewhere) of
    those whose occupation is decided again (a row per code, then one for the occupations)."""
    names = index.code_names
    in_scope = np.ones((len(names) + 1, len(shard.turn_doc)), dtype=bool)
    for number, name in enumerate(names):
        if name in theme_docs:
            in_scope[number] = theme_docs[name][shard.turn_doc]
    in_scope[len(names)] = window if occupation_docs is None else window & occupation_docs[shard.turn_doc]
    occupation = np.isin(index.kinds, [OCCUPATION, EXCLUDE_OCCUPATION])
    return Wanted(np.where(occupation, len(names), index.code_numbers), in_scope)


@dataclass(frozen=True)
class Located:
    """Matches placed in their shard, one array per column (row i of every array is match i): transcript,
    turn, role, kind, code (a number into `code_names`), entry, first and last token, character span and
    similarity. Arrays rather than a DataFrame: scoring filters them a dozen times per shard."""

    doc: np.ndarray
    turn: np.ndarray
    role: np.ndarray
    kind: np.ndarray
    code: np.ndarray
    entry: np.ndarray
    token: np.ndarray
    end_token: np.ndarray
    start: np.ndarray
    end: np.ndarray
    similarity: np.ndarray
    code_names: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.doc)

    def rows(self, picked: np.ndarray) -> Located:
        """The matches at `picked` (positions or a boolean mask), in that order."""
        if picked.dtype == bool:
            picked = np.flatnonzero(picked)  # once, not a boolean selection per array
        return replace(self, **{name: getattr(self, name).take(picked) for name in _LOCATED_ARRAYS})

    def frame(self) -> pd.DataFrame:
        """As a table, the code as a categorical of the code names (for the workbench's term report)."""
        columns = {name: getattr(self, name) for name in _LOCATED_ARRAYS}
        columns["code"] = pd.Categorical.from_codes(self.code, list(self.code_names))
        return pd.DataFrame(columns)


_LOCATED_ARRAYS = ("doc", "turn", "role", "kind", "code", "entry", "token", "end_token", "start", "end", "similarity")


def occupation_evidence(shard: Shard, located: Located, index: TermIndex) -> Located:
    """The matches that count as evidence of an occupation: occupation terms in the participant's first
    turns, less exclusions and overlaps, at most `max_hits_per_term` of each term per transcript. The one
    rule: scoring decides occupations from these, and the term report counts these (`occupation_hits`)."""
    settings = index.codebook.settings
    evidence = located.rows(in_occupation_window(shard, located.turn, settings.occupation_first_turns))
    hits = keep_scope(evidence, index, OCCUPATION, EXCLUDE_OCCUPATION, ("participant",))
    return hits.rows(first_per_term(hits.doc, hits.entry, settings.occupation_max_hits_per_term))


def occupation_hits(shard: Shard, located: Located, index: TermIndex) -> pd.DataFrame:
    """`occupation_evidence` as a table (code categorical; doc, entry, start, end, similarity...)."""
    return occupation_evidence(shard, located, index).frame()


def locate_matches(shard: Shard, index: TermIndex, matches: pd.DataFrame) -> Located:
    """Place each match (`find_matches`) in its transcript and turn, with its role, code, term and span."""
    entry = matches["entry"].to_numpy()
    token = matches["token"].to_numpy()
    last = token + matches["length"].to_numpy() - 1
    turn = np.searchsorted(shard.turn_token_start, token, side="right") - 1
    return Located(
        doc=shard.turn_doc[turn], turn=turn, role=shard.turn_role[turn],
        kind=index.kinds[entry] if len(entry) else np.zeros(0, np.int8),
        code=index.code_numbers[entry] if len(entry) else np.zeros(0, np.int64), entry=entry, token=token,
        end_token=last, start=shard.token_start[token],
        end=shard.token_start[last] + shard.word_length[shard.token_word[last]],
        similarity=matches["similarity"].to_numpy().round(1), code_names=index.code_names)


def keep_scope(located: Located, index: TermIndex, kind: int, exclude_kind: int,
               roles: tuple[str, ...]) -> Located:
    """Matches of one kind in turns of the given roles, less excluded and overlapping ones."""
    in_roles = np.isin(located.role, [ROLE_CODES[r] for r in roles])
    picked = np.flatnonzero(in_roles & (located.kind == kind))
    exclusions = located.rows(in_roles & (located.kind == exclude_kind))
    # the positions picked are narrowed step by step, reading only the columns each step needs; the matches'
    # eleven columns are taken once, at the end
    code, token, end_token = located.code[picked], located.token[picked], located.end_token[picked]
    if len(exclusions) and len(picked):
        kept = np.flatnonzero(~_excluded(code, token, end_token, exclusions))
        picked, code, token, end_token = picked[kept], code[kept], token[kept], end_token[kept]
    if not len(picked):
        return located.rows(picked)
    ranks = _preference_ranks(located.entry[picked], index)
    return located.rows(picked[_overlap_survivors(code, token, end_token, ranks)])


def _preference_ranks(entry: np.ndarray, index: TermIndex) -> np.ndarray:
    """Per hit, its rank among all of them, most preferred (0) first: heavier term, then the term written first
    in the codebook. Which of two terms matching the same words counts ("generate images" and "generated
    images" on "generate images") is then a property of the hit, never of the matches' order, which depends on
    where a batch starts and ends (before this, 0.001% of the 80k run's hits named another term with Dask's
    batches than with the local executor's)."""
    order = np.lexsort((entry, index.weight_ranks[entry]))
    ranks = np.empty(len(order), dtype=np.int64)
    ranks[order] = np.arange(len(order))
    return ranks


def _excluded(code: np.ndarray, token: np.ndarray, end_token: np.ndarray, exclusions: Located) -> np.ndarray:
    """Whether each hit (code, first and last token) overlaps an exclusion phrase of the same code ("trust
    fund"). Positions are made unique per code (code * stride + token), so one sorted pass finds, for each
    hit, the exclusions of its code starting at or before its end, and whether the furthest of them reaches it."""
    stride = int(max(end_token.max(), exclusions.end_token.max())) + 2
    x_code = exclusions.code.astype(np.int64)
    x_start = x_code * stride + exclusions.token
    order = np.argsort(x_start, kind="stable")
    x_start = x_start[order]
    x_reach = np.maximum.accumulate((x_code * stride + exclusions.end_token)[order])
    h_code = code.astype(np.int64) * stride
    last = np.searchsorted(x_start, h_code + end_token, side="right") - 1
    return (last >= 0) & (x_reach[np.maximum(last, 0)] >= h_code + token)


def _overlap_survivors(code: np.ndarray, token: np.ndarray, end: np.ndarray, lighter: np.ndarray) -> np.ndarray:
    """Positions of the hits kept, in text order: within a code, overlapping hits count once: the earliest,
    then the longest, then the most preferred wins (`lighter`: 0 for the heaviest weight, 1 for the next...,
    or `_preference_ranks`); among equals, the first."""
    code = code.astype(np.int64)
    stride = int(end.max()) + 2  # codes apart: one running maximum serves every code
    span = end - token
    longest = int(span.max()) + 1
    # one int64 key sorts by code, start, longer, heavier (a stable sort of one key beats a lexsort of four)
    key = ((code * stride + token) * longest + (longest - 1 - span)) * (int(lighter.max()) + 1) + lighter
    order = np.argsort(key, kind="stable")
    start_key, end_key = (code * stride + token)[order], (code * stride + end)[order]
    reach_before = np.concatenate(([-1], np.maximum.accumulate(end_key)[:-1]))
    kept = order[start_key > reach_before]
    return kept[np.argsort(token[kept] * (int(code.max()) + 1) + code[kept], kind="stable")]  # back in text order


def _split_negated(hits: Located, shard: Shard, index: TermIndex) -> tuple[Located, Located, list[str]]:
    """For themes with `negation: true`: the hits that count, those a negator or hedge in the same clause
    cancels ("I'm not worried about my job"), and why each was cancelled (rules: core/engine/negation.py)."""
    negating = [t.id for t in index.codebook.themes if t.negation]
    settings = index.codebook.settings
    if not len(hits) or not negating or not (settings.negators or settings.hedges):
        return hits, hits.rows(np.zeros(0, np.int64)), []
    rules = NegationRules(frozenset(settings.negators), settings.hedges)
    negating_code = np.isin(np.array(hits.code_names, dtype=object), negating)
    suspects = np.flatnonzero(_near_a_canceller(hits, shard, rules, settings.negation_window)
                              & negating_code[hits.code])
    places = zip(hits.doc[suspects].tolist(), hits.turn[suspects].tolist(), hits.token[suspects].tolist())
    reasons = [_cancel_reason(shard, rules, settings.negation_window, doc, turn, token) for doc, turn, token in places]
    cancelled = np.zeros(len(hits), dtype=bool)
    cancelled[suspects[[r is not None for r in reasons]]] = True
    return hits.rows(~cancelled), hits.rows(cancelled), [r for r in reasons if r is not None]


def _near_a_canceller(hits: Located, shard: Shard, rules: NegationRules, window: int) -> np.ndarray:
    """Whether a negator or a hedge's first word stands within `window` words before each hit in its turn:
    a vectorised sieve, so the clause rules run in Python only on the few hits that need them."""
    # a hedge holding a negator ("would not say") is found by its negator, which stands nearer the hit
    starters = rules.negators | {hedge[0] for hedge in rules.hedges if not rules.negators.intersection(hedge)}
    starter_word = np.fromiter(map(starters.__contains__, shard.vocab), dtype=bool,  # per word id, not per token
                               count=len(shard.vocab))
    token = hits.token
    turn_first = shard.turn_token_start[hits.turn]
    near = np.zeros(len(hits), dtype=bool)
    for back in range(1, window + 1):
        before = token - back
        near |= (before >= turn_first) & starter_word[shard.token_word[np.maximum(before, 0)]]
    return near


def _cancel_reason(shard: Shard, rules: NegationRules, window: int, doc: int, turn: int, token: int) -> str | None:
    """Why the hit at `token` is cancelled, from the words (and the text between them) before it in its turn."""
    first = max(int(shard.turn_token_start[turn]), token - window)
    word_ids = shard.token_word[first:token + 1].tolist()
    starts = shard.token_start[first:token + 1].tolist()
    ends = [start + len(shard.vocab[w]) for start, w in zip(starts, word_ids)]
    text = shard.texts[doc]
    gaps = [text[end:next_start] for end, next_start in zip(ends[:-1], starts[1:])]
    return rules.cancelled_by([shard.vocab[w] for w in word_ids[:-1]], gaps, shard.vocab[word_ids[-1]])


def first_per_term(doc: np.ndarray, entry: np.ndarray, cap: int) -> np.ndarray:
    """Whether each hit is among the first `cap` of its term in its transcript (in row order), so one word
    said ten times cannot outvote a job title said once."""
    if not len(doc):
        return np.zeros(0, dtype=bool)
    order = np.lexsort((entry, doc))  # stable: row order within each (transcript, term)
    key_doc, key_entry = doc[order], entry[order]
    new_group = np.ones(len(order), dtype=bool)
    new_group[1:] = (key_doc[1:] != key_doc[:-1]) | (key_entry[1:] != key_entry[:-1])
    group_start = np.maximum.accumulate(np.where(new_group, np.arange(len(order)), 0))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order)) - group_start
    return rank < cap


def _theme_rows(shard: Shard, index: TermIndex, hits: Located, words: np.ndarray,
                scoped: dict[str, np.ndarray]) -> pd.DataFrame:
    """One row per transcript and theme; for a theme in `scoped`, only the transcripts it marks."""
    themes = index.codebook.themes
    theme_number = {t.id: i for i, t in enumerate(themes)}
    theme_of_code = np.array([theme_number.get(name, -1) for name in hits.code_names] or [0], dtype=np.int64)
    cells = np.ones((len(shard), len(themes)), dtype=bool)
    for theme, docs in scoped.items():
        if theme in theme_number:
            cells[:, theme_number[theme]] = docs
    return theme_table(shard.ids, index.codebook, hits.doc.astype(np.int64) * len(themes) + theme_of_code[hits.code],
                       term_weights(index, hits.entry), words, cells)


def theme_table(ids: list[str], codebook: Codebook, cell: np.ndarray, weights: np.ndarray, words: np.ndarray,
                cells: np.ndarray | None = None) -> pd.DataFrame:
    """The themes table of transcripts `ids` from their hits: each hit's (transcript, theme) cell (transcript
    position x themes + theme position) and its term's weight, in text order (the order the weights are summed
    in), and the words each transcript has in the scope's turns. The one rule for hits, score, hits per 1,000
    words and presence; `cells` (transcripts x themes, bool): only the rows it marks."""
    themes = codebook.themes
    n_docs, n_themes = len(ids), len(themes)
    counts = np.bincount(cell, minlength=n_docs * n_themes).reshape(n_docs, n_themes)
    weighted = np.bincount(cell, weights=weights, minlength=n_docs * n_themes)
    score = weighted.reshape(n_docs, n_themes) * np.array([t.weight for t in themes])
    default_min = codebook.settings.min_hits
    min_hits = np.array([t.min_hits if t.min_hits is not None else default_min for t in themes])
    per_1k = np.divide(counts * 1000.0, words[:, None], out=np.zeros(counts.shape), where=words[:, None] > 0)
    kept = np.flatnonzero(cells.ravel()) if cells is not None else np.arange(n_docs * n_themes)
    return pd.DataFrame({
        "transcript_id": _text_column(ids, kept // max(n_themes, 1)),
        "theme": _text_column([t.id for t in themes], kept % max(n_themes, 1)),
        "hits": counts.ravel()[kept], "score": score.ravel().round(3)[kept],
        "per_1k_words": per_1k.ravel().round(3)[kept],
        "present": present_at(score.round(3), min_hits).ravel()[kept]})


def present_at(score: np.ndarray, min_hits: np.ndarray | float) -> np.ndarray:
    """Whether a theme is present at these scores (as shown: rounded to 3 decimals), 1 or 0: the one rule, also
    for an edit of `min_hits` alone, which moves only this (`core.engine.rescore`)."""
    return (score >= np.asarray(min_hits) - 1e-9).astype(np.int8)


def _cancelled_rows(shard: Shard, index: TermIndex, cancelled: Located, reasons: list[str]) -> pd.DataFrame:
    """The cancelled hits as hit rows with the reason each was cancelled."""
    if not len(cancelled):
        return empty_cancelled()
    return _hit_rows(shard, index, cancelled).assign(reason=pd.array(pa.array(reasons, pa.string()), dtype="str"))


def _hit_rows(shard: Shard, index: TermIndex, hits: Located) -> pd.DataFrame:
    if not len(hits):
        return empty_hits()
    docs, starts, ends, turns = hits.doc, hits.start, hits.end, hits.turn
    passage_start, passage_end = shard.sentences().passages(shard.turn_start, shard.turn_end, turns, starts, ends)
    return pd.DataFrame({
        "transcript_id": _text_column(shard.ids, docs),
        "turn": shard.turn_number[turns],
        "speaker": _text_column([ROLE_NAMES[code] for code in sorted(ROLE_NAMES)], hits.role),
        "theme": _text_column(list(hits.code_names), hits.code),
        "term": pd.array(index.term_texts.take(pa.array(hits.entry)), dtype="str"),
        "matched_text": pd.array(shard.span_texts(docs, turns, starts, ends), dtype="str"),
        "start": starts, "end": ends, "similarity": hits.similarity,
        "passage_start": passage_start, "passage_end": passage_end,
        "turn_start": shard.turn_start[turns], "turn_end": shard.turn_end[turns],
    })


def _text_column(values: list[str], picks: np.ndarray):
    """values[picks] as a text column, picked by Arrow in C rather than one Python string per row."""
    return pd.array(pa.array(values, type=pa.string()).take(pa.array(picks)), dtype="str")
