"""Whether a negator or a hedge cancels a hit of a theme with `negation: true`, and why.

The rules read the words before a hit in its turn (at most `settings.negation_window` of them):

1. Only the hit's clause counts: the words after the last sentence mark (. ! ? ; : or a line break), clause
   word ("but", "although", "however", "which", ...) or comma followed by a subject (", I just hope").
2. In that clause a hedge phrase ("wouldn't say", "not really", "hardly") or a negator word ("not",
   "don't", "never") cancels the hit: "I don't think AI will replace me", "I'm not really worried".
3. A negator that does not deny the concern cancels nothing: one followed by a word that keeps the concern
   ("can't stop", "don't know if", "don't want to", "not only", "not to", "not uncommon"), or one stating a
   precaution ("so I don't", "make sure I don't").
4. Two cancellers with no comma between them cancel each other ("I can't say I'm not worried"): of the
   run of cancellers nearest the hit, an odd number cancels it, an even number does not.
5. A canceller that opens the clause and is followed by a comma is an answer, not a negation
   ("No, it could replace me").

    rules = NegationRules(negators=frozenset({"not"}), hedges=(("not", "really"),))
    rules.cancelled_by(["i'm", "not", "really"], [" ", " ", " "], "worried")  # 'hedged by “not really”'
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

SENTENCE_MARK = re.compile(r"[.!?;:\n…]")
CLAUSE_WORDS = frozenset({"but", "although", "though", "however", "whereas", "while", "because", "cause",
                          "except", "unless", "otherwise", "instead", "which", "who"})
# A negator followed by one of these keeps the concern: "can't stop worrying", "don't know if I'll have a
# job", "don't want to lose my skills", "not only ... but", "told not to use it", "no longer needed".
KEEPS_CONCERN = frozenset({"stop", "help", "know", "sure", "want", "like", "afford", "only", "just", "to",
                           "longer", "doubt", "deny", "matter", "ignore", "shake", "mind",
                           "uncommon", "unusual", "unheard", "unlike", "unlikely", "unrealistic", "impossible"})
# A negator after one of these states a precaution, which is the concern: "so I don't lose my skills".
PRECAUTIONS = (("so",), ("so", "that"), ("make", "sure"), ("making", "sure"), ("makes", "sure"), ("ensure",))
SUBJECTS = frozenset({"i", "we", "you", "they", "it", "he", "she", "people", "that", "i'm", "i've", "i'd",
                      "i'll", "it's", "we're", "they're", "you're", "he's", "she's"})


@dataclass(frozen=True)
class Canceller:
    """A negator or hedge found before a hit: its kind ("negated"/"hedged"), words and place."""

    kind: str
    text: str
    first: int
    last: int

    @property
    def reason(self) -> str:
        return f"{self.kind} by “{self.text}”"


@dataclass(frozen=True)
class NegationRules:
    """The word lists of the codebook settings and the rules above (see the module docstring)."""

    negators: frozenset[str]
    hedges: tuple[tuple[str, ...], ...] = ()

    def cancelled_by(self, words: list[str], gaps: list[str], hit_word: str) -> str | None:
        """Why the hit after `words` does not count ('negated by “don't”'), or None when it counts.

        `words`: the words before the hit, in order; `gaps[i]`: the text between words[i] and the next word
        (the last gap leads to the hit); `hit_word`: the hit's first word."""
        start = clause_start(words, gaps)
        cancellers = self._cancellers(words[start:], gaps[start:], hit_word)
        if cancellers and cancellers[0].first == 0 and "," in gaps[start + cancellers[0].last]:
            cancellers = cancellers[1:]  # rule 5: "No, ..." answers the question
        run = _nearest_run(cancellers, gaps[start:])
        return run[-1].reason if len(run) % 2 else None

    def _cancellers(self, words: list[str], gaps: list[str], hit_word: str) -> list[Canceller]:
        found, i = [], 0
        while i < len(words):
            hedge = next((h for h in self._hedges_from.get(words[i], ()) if tuple(words[i:i + len(h)]) == h), None)
            if hedge:
                found.append(Canceller("hedged", " ".join(hedge), i, i + len(hedge) - 1))
                i += len(hedge)
                continue
            if words[i] in self.negators and not _keeps_concern(words, i, hit_word):
                found.append(Canceller("negated", words[i], i, i))
            i += 1
        return found

    @cached_property
    def _hedges_from(self) -> dict[str, list[tuple[str, ...]]]:
        """The hedges by their first word, in the codebook's order (the first that fits wins): most words open
        none, and are passed with one look-up instead of a comparison with every hedge."""
        opening: dict[str, list[tuple[str, ...]]] = {}
        for hedge in self.hedges:
            opening.setdefault(hedge[0], []).append(hedge)
        return opening


def clause_start(words: list[str], gaps: list[str]) -> int:
    """Index of the first word of the hit's clause among `words` (len(words) when the clause is empty)."""
    for i in range(len(words) - 1, -1, -1):
        if SENTENCE_MARK.search(gaps[i]) or words[i] in CLAUSE_WORDS:
            return i + 1
        if i + 1 < len(words) and "," in gaps[i] and words[i + 1] in SUBJECTS:
            return i + 1  # "I don't begrudge it, I just hope I'm still useful": a new subject, a new clause
    return 0


def _keeps_concern(words: list[str], i: int, hit_word: str) -> bool:
    following = words[i + 1] if i + 1 < len(words) else hit_word
    if following in KEEPS_CONCERN:
        return True
    before = words[:i]
    if before and before[-1] in SUBJECTS:
        before = before[:-1]  # "so I don't": a subject may stand between the precaution and the negator
    # a precaution needs a word before it: a clause opening "So I don't think..." is a negation
    return any(tuple(before[-len(p):]) == p for p in PRECAUTIONS if len(before) > len(p))


def _nearest_run(cancellers: list[Canceller], gaps: list[str]) -> list[Canceller]:
    """The cancellers nearest the hit with no comma between one and the next (rule 4)."""
    if not cancellers:
        return []
    run = [cancellers[-1]]
    for earlier in reversed(cancellers[:-1]):
        if any("," in gap for gap in gaps[earlier.last:run[0].first]):
            break
        run.insert(0, earlier)
    return run
