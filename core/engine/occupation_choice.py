"""One transcript's occupation, decided from its self-descriptions (`core.engine.occupation`) and its keyword
evidence, with a calibrated confidence and an `uncertain` flag; and the one cut of the evidence sentence shown
beside it.

    chosen = decide(found, keyword_choice, text)   # a Decision: group, evidence, confidence, source, uncertain
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from core.engine.occupation import STRONG, SelfDescription


# ---------------------------------------------------------------- deciding, with keyword evidence
@dataclass(frozen=True, slots=True)  # slots: made once per transcript, twice as fast to make frozen
class KeywordChoice:
    """What keyword evidence alone says of one transcript: today's rule in `core.engine.scoring`."""

    occupation: str
    evidence: str
    share: float    # the chosen group's share of all occupation evidence
    score: float    # the chosen group's weighted evidence


@dataclass(frozen=True, slots=True)
class Decision:
    occupation: str
    evidence: str
    confidence: float
    source: str       # "self-description" | "keywords" | "none" (metadata is decided in core.engine.metadata)
    uncertain: bool
    start: int = -1   # the title's offsets in the transcript text (-1: no self-description)
    end: int = -1


# Confidence by how the evidence agrees, set from the share right per kind on the development labels (125
# transcripts: small, so rounded down; see config/README.md). With keyword evidence only, the confidence is
# the keyword share, as before (keyword-only rows were right 9 times in 10 on the development labels).
CONFIDENCE = {"agree": 0.95, "self only": 0.8, "self only, weak cue": 0.5, "self, keywords disagree": 0.6,
              "self, conflicting": 0.6, "keywords": 1.0, "none": 0.0}
STRONG_KEYWORDS = 2.0  # weighted keyword evidence that counts as a clear signal
WEAK_KEYWORDS = 1.0    # below this (one hint word), or under half the evidence, keywords alone are uncertain


def best_description(found: list[SelfDescription]) -> tuple[SelfDescription | None, bool]:
    """The strongest cue first, then the most specific phrase, then the earliest; and whether another
    self-description as strong names another group."""
    if not found:
        return None, False
    best = max(found, key=lambda d: (d.strength, d.phrase_words, -d.start))
    conflict = any(d.group != best.group and d.strength == best.strength for d in found)
    return best, conflict


def decide(found: list[SelfDescription], keywords: KeywordChoice, text: str) -> Decision:
    """One transcript's occupation from its self-descriptions and its keyword evidence (`text`, the transcript's,
    is read only for a self-description's evidence sentence)."""
    best, conflict = best_description(found)
    has_keywords = keywords.score > 0
    if best is None:
        if not has_keywords:
            return Decision("other", "", CONFIDENCE["none"], "none", True)
        weak = keywords.score < WEAK_KEYWORDS or keywords.share < 0.5
        return Decision(keywords.occupation, keywords.evidence, round(CONFIDENCE["keywords"] * keywords.share, 3),
                        "keywords", weak)
    disagree = has_keywords and keywords.occupation not in (best.group, "other")
    clear_keywords = keywords.score >= STRONG_KEYWORDS and keywords.share >= 0.6
    if disagree and clear_keywords and best.strength < STRONG:  # "I work at a school" said by its sysadmin
        return Decision(keywords.occupation, keywords.evidence, round(CONFIDENCE["self, keywords disagree"]
                                                                      * keywords.share, 3), "keywords", True)
    kind = "self, conflicting" if conflict else "self, keywords disagree" if disagree and clear_keywords \
        else "agree" if has_keywords and keywords.occupation == best.group \
        else "self only" if best.strength == STRONG else "self only, weak cue"
    return Decision(best.group, evidence_sentence(text, best.start, best.end), CONFIDENCE[kind],
                    "self-description", kind not in ("agree", "self only"), best.start, best.end)


# ---------------------------------------------------------------- the evidence sentence
SENTENCE_END = re.compile(r"[.!?\n]")
SPEAKER_LABEL = re.compile(r"^\s*[A-Za-z][\w ]{0,30}:\s+")
MAX_SENTENCE = 300


def evidence_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around text[start:end] (at most MAX_SENTENCE characters, cut around the title), without
    a speaker label: the one cut of an occupation's evidence, for the table and the transcript page.

    >>> text = "User: Hi. I'm a nurse on nights. Thanks."
    >>> s, e = evidence_span(text, 16, 21); text[s:e]
    "I'm a nurse on nights."
    """
    before = max(start - MAX_SENTENCE // 2, 0)
    last_end = max(text.rfind(mark, before, start) for mark in ".!?\n")  # SENTENCE_END's last, searched backwards
    first = last_end + 1 if last_end >= 0 else before
    label = SPEAKER_LABEL.match(text[first:start])
    first += label.end() if label else 0
    while first < start and text[first].isspace():
        first += 1
    stop = SENTENCE_END.search(text, end, min(len(text), end + MAX_SENTENCE // 2))
    last = stop.end() if stop and stop.group() != "\n" else stop.start() if stop else min(len(text),
                                                                                           end + MAX_SENTENCE // 2)
    return first, last


def evidence_sentence(text: str, start: int, end: int) -> str:
    first, last = evidence_span(text, start, end)
    return text[first:last]


SOURCES = ("self-description", "keywords", "metadata", "none")


def source_counts(transcripts) -> dict[str, int]:
    """How many occupations came from each source, and how many are uncertain (a transcripts table in).

    >>> import pandas as pd
    >>> source_counts(pd.DataFrame({"occupation_source": ["keywords", "none"], "occupation_uncertain": [False, True]}))
    {'self-description': 0, 'keywords': 1, 'metadata': 0, 'none': 1, 'uncertain': 1}
    """
    if "occupation_source" not in transcripts:
        return {}
    found = transcripts["occupation_source"].value_counts()
    counts = {source: int(found.get(source, 0)) for source in SOURCES}
    counts["uncertain"] = int(transcripts["occupation_uncertain"].astype("boolean").fillna(True).sum())
    return counts
