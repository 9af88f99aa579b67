"""Candidate features for term suggestions: words and 2-3 word phrases of the participants' turns, which
labelled transcripts hold them, and families that group a word's inflections ("plan", "plans", "planning").

    found, family_counts = feature_incidence(corpus, labelled={"work_0001", "work_0002"})
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from core.engine.corpus import ROLE_CODES, Shard
from core.engine.rescore import CachedCorpus

MAX_WORDS = 3
# Function words: they separate nothing a researcher would put in a codebook. A phrase may hold them inside
# ("check the output") but not at either end ("of the", "use it").
_STOP_WORD_TEXT = """
a about above after again against all also am an and any are as at be because been before being below between
both but by can could did do does doing don't down during each even few for from further get got had has have
having he her here hers him his how i i'd i'll i'm i've if in into is it it's its itself just like me might
more most much my no nor not now of off on once one only or other our ours out over own really same she
should so some such than that that's the their theirs them then there there's these they they're thing
things think this those through to too um uh under until up us very was way we we're were what when where
which while who whom why will with would yeah yes you you're your yours
"""
STOP_WORDS = frozenset(_STOP_WORD_TEXT.split())


def feature_incidence(corpus: CachedCorpus, labelled: set[str]) -> tuple[pd.DataFrame, pd.Series]:
    """(feature, family, transcript_id) once per labelled transcript containing the feature (1-3 words in a
    row within one participant turn), and per family of such features the corpus transcripts holding one.
    Two passes over the shards: the features of the labelled transcripts, then where else they occur."""
    rows = []
    for shard in corpus.shards:
        ids = np.asarray(shard.ids, dtype=object)
        mine = np.array([tid in labelled for tid in shard.ids], dtype=bool)
        if mine.any():
            for table, names in _shard_ngrams(shard):
                table = table[mine[table["doc"].to_numpy()]]
                rows.append(pd.DataFrame({"feature": names[table["key"].to_numpy()],
                                          "transcript_id": ids[table["doc"].to_numpy()]}))
    if not rows:
        return pd.DataFrame({"feature": [], "family": [], "transcript_id": []}), pd.Series(dtype=np.int64)
    found = pd.concat(rows, ignore_index=True)
    distinct = pd.unique(found["feature"])
    family_of = dict(zip(distinct, map(family, distinct)))
    found["family"] = found["feature"].map(family_of)
    counts = [_family_counts(shard, family_of) for shard in corpus.shards]
    return found, pd.concat(counts).groupby(level=0).sum()


def _family_counts(shard: Shard, family_of: dict[str, str]) -> pd.Series:
    """Per family (of the features in `family_of`), the transcripts of the shard holding one of its forms."""
    parts = []
    for table, names in _shard_ngrams(shard):
        named = names[table["key"].to_numpy()]
        wanted = pd.Index(named).isin(family_of.keys()) if len(named) else np.zeros(0, bool)
        parts.append(pd.DataFrame({"doc": table["doc"].to_numpy()[wanted],
                                   "family": [family_of[f] for f in named[wanted]]}))
    both = pd.concat(parts, ignore_index=True)
    return both.drop_duplicates().groupby("family").size()


def _shard_ngrams(shard: Shard):
    """Per n = 1..3: (doc, key) once per participant n-gram of a document, and the n-gram of each key as
    text. N-grams are numbered with pd.factorize, one word at a time, so keys stay small."""
    turn_of_token = np.repeat(np.arange(len(shard.turn_doc)), np.diff(shard.turn_token_start))
    participant = shard.turn_role[turn_of_token] == ROLE_CODES["participant"]
    word = np.where(participant, shard.token_word, 0).astype(np.int64)
    doc = shard.turn_doc[turn_of_token].astype(np.int64)
    size = len(shard.vocab)
    vocab = np.asarray(shard.vocab, dtype=object)
    key, names, valid = word, vocab, word != 0
    for n in range(1, MAX_WORDS + 1):
        if n > 1:
            key, uniques = pd.factorize(key[:-1] * size + word[n - 1:])
            names = _joined(names, uniques // size, vocab[uniques % size])
            valid = valid[:-1] & (word[n - 1:] != 0)
        at = np.flatnonzero(valid)
        yield pd.DataFrame({"doc": doc[at], "key": key[at]}).drop_duplicates(), names


def _joined(previous: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    return np.array([f"{a} {b}" for a, b in zip(previous[first], last)], dtype=object)


def allowed(feature: str) -> bool:
    """A word of 3+ letters that is not a stop word, or a phrase that neither starts nor ends with one.

    >>> [allowed(f) for f in ("deadline", "the", "of the", "check the output", "use it", "42")]
    [True, False, False, True, False, False]
    """
    words = feature.split(" ")
    if len(words) == 1:
        return len(feature) >= 3 and feature not in STOP_WORDS and any(ch.isalpha() for ch in feature)
    return words[0] not in STOP_WORDS and words[-1] not in STOP_WORDS and any(ch.isalpha() for ch in feature)


def family(feature: str) -> str:
    """The key shared by the inflections of a word (each word of a phrase), so a family is shown once.

    >>> [family(w) for w in ("plan", "planning", "plans", "schedule", "scheduled", "saving", "save")]
    ['plan', 'plan', 'plan', 'schedul', 'schedul', 'sav', 'sav']
    """
    return " ".join(map(_stem, feature.split(" ")))


def _stem(word: str) -> str:
    for suffix, replacement in (("ies", "y"), ("ied", "y"), ("ings", ""), ("ing", ""), ("ed", ""), ("es", ""),
                                ("s", ""), ("ly", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not (suffix == "s" and word.endswith("ss")):
            word = word[:-len(suffix)] + replacement
            break
    if len(word) >= 4 and word[-1] == word[-2] and word[-1] not in "aeiouls":
        word = word[:-1]  # plann(ing) -> plan
    return word[:-1] if word.endswith("e") and len(word) > 3 else word  # schedul(e)+ing; a rare cost: site ~ sit
