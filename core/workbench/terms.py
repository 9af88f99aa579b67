"""What each codebook term catches in a corpus: hits, transcripts, the variants it matched and its near misses.

All of it works on the corpus vocabulary (each distinct word once, with its counts), never on sentences:

    corpus = CachedCorpus.of(analysis)
    report = term_report(corpus, analysis)
    report.terms            # kind, code, term, hits, transcripts, share, variants, covered_by
    report.variants         # e.g. accuracy deprecated -> depreciated 95.2, 3 hits
    near_misses(corpus, codebook, window=10)   # words a term word would match a little lower
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from core.codebook.model import Code, Codebook, Term
from core.engine import lexicon
from core.engine.matcher import VocabularyMatcher, find_matches
from core.engine.rescore import CachedCorpus
from core.engine.results import Analysis
from core.engine.scoring import locate_matches, occupation_hits
from core.engine.term_index import TermIndex, WordRule
from core.ingest.text import words
from core.workbench.diff import diff_scores

KINDS = {"theme": "themes", "occupation": "occupations"}  # kind -> the codebook section that holds it


@dataclass
class TermReport:
    """Per term and per matched variant, on one corpus (see module docstring)."""

    terms: pd.DataFrame     # kind, code, term_index, term, hits, transcripts, share, variants, covered_by
    variants: pd.DataFrame  # kind, code, term, variant, similarity, hits, transcripts, match
    n_transcripts: int

    def lines(self, *, variants: int = 5) -> list[str]:
        """One line per term: counts, then its most frequent variants other than the term itself."""
        out = [f"{'kind':<10} {'code':<22} {'term':<28} {'hits':>6} {'transcripts':>11}  variants"]
        for row in self.terms.itertuples():
            shown = [f"{v} {s:g} x{n}" for v, s, n in row.variants[:variants]]
            if row.covered_by:
                shown = [f"covered by `{row.covered_by}`"]
            out.append(f"{row.kind:<10} {row.code:<22} {row.term[:28]:<28} {row.hits:>6} "
                       f"{row.transcripts:>6} ({row.share:>4.0%})  {', '.join(shown)}")
        return out


def term_list(codebook: Codebook) -> pd.DataFrame:
    """kind, code, term_index, term of every term, in codebook order."""
    rows = [(kind, code.id, position, term.text)
            for kind, section in KINDS.items() for code in getattr(codebook, section)
            for position, term in enumerate(code.terms)]
    return pd.DataFrame(rows, columns=["kind", "code", "term_index", "term"])


def term_report(corpus: CachedCorpus, scored: Analysis) -> TermReport:
    """Hits, transcripts and matched variants of every term: theme terms as counted in `scored.hits`,
    occupation terms as counted for the occupation decision (participant's first turns, capped per term)."""
    return summarise(report_hits(corpus, scored), scored.codebook, len(corpus))


def report_hits(corpus: CachedCorpus, scored: Analysis) -> pd.DataFrame:
    """Every theme and occupation hit with its `kind` and matched `variant` (its words): what a report counts.
    Kept by a caller that reports on several subsets of one corpus (the dashboard's filtered views)."""
    theme_hits = scored.hits.rename(columns={"theme": "code"}).assign(kind="theme")
    occupation = occupation_term_hits(corpus, scored.codebook).assign(kind="occupation")
    hits = pd.concat([theme_hits, occupation], ignore_index=True)
    codes, distinct = pd.factorize(hits["matched_text"])  # a few thousand distinct texts in millions of hits
    hits["variant"] = np.array([" ".join(words(text)) for text in distinct], dtype=object)[codes] \
        if len(hits) else pd.Series(dtype=str)
    return hits


def summarise(hits: pd.DataFrame, codebook: Codebook, n: int) -> TermReport:
    """The report of `report_hits` (or a subset of them: the hits of some transcripts) on `n` transcripts."""
    variants = (hits.groupby(["kind", "code", "term", "variant"], as_index=False)
                .agg(similarity=("similarity", "min"), hits=("start", "size"),
                     transcripts=("transcript_id", "nunique"))
                .sort_values(["kind", "code", "term", "hits", "variant"], ascending=[True, True, True, False, True],
                             ignore_index=True))
    variants["match"] = _match_kinds(codebook, variants)
    terms = term_list(codebook)
    counts = hits.groupby(["kind", "code", "term"]).agg(hits=("start", "size"),
                                                        transcripts=("transcript_id", "nunique"))
    terms = terms.join(counts, on=["kind", "code", "term"]).fillna({"hits": 0, "transcripts": 0})
    terms[["hits", "transcripts"]] = terms[["hits", "transcripts"]].astype(int)
    terms["share"] = terms["transcripts"] / n if n else 0.0
    listed = variants.groupby(["kind", "code", "term"])[["variant", "similarity", "hits"]].apply(
        lambda group: list(group.itertuples(index=False, name=None)))
    terms["variants"] = [listed.get((k, c, t), []) for k, c, t in zip(terms["kind"], terms["code"], terms["term"])]
    terms["covered_by"] = covered_by(codebook, terms, variants)
    return TermReport(terms, variants, n)


def covered_by(codebook: Codebook, terms: pd.DataFrame, variants: pd.DataFrame) -> list[str]:
    """Per term of `terms`, the sibling term (same theme or occupation) that claims the words it would match,
    for a term with no hits of its own; "" otherwise. A hit is credited to one term only, so `speeds up` next
    to `speed up` has no hits while participants say it: its words are counted, under its sibling."""
    by_code = {(kind, code.id): code for kind, section in KINDS.items() for code in getattr(codebook, section)}
    matched = variants.groupby(["kind", "code", "term"])["variant"].apply(list).to_dict()
    out = []
    for kind, code_id, term_index, hits in zip(terms["kind"], terms["code"], terms["term_index"], terms["hits"]):
        code = by_code[(kind, code_id)]
        term = code.terms[term_index]
        siblings = [] if hits else [other.text for other in code.terms if other.text != term.text
                                    and any(_same_words(term, v) for v in matched.get((kind, code_id, other.text), []))]
        out.append(siblings[0] if siblings else "")
    return out


def _same_words(term: Term, variant: str) -> bool:
    """Would `term` match `variant` as the same words (inflected, respelt or derived, never a typo)?"""
    got = variant.split()
    return len(got) == len(term.words) and all(word_kind(term, want, word) != "typo"
                                               for want, word in zip(term.words, got))


def _match_kinds(codebook: Codebook, variants: pd.DataFrame) -> list[str]:
    by_name = {(kind, code.id, term.text): term for kind, section in KINDS.items()
               for code in getattr(codebook, section) for term in code.terms}
    return [match_kind(by_name[(k, c, t)], v) for k, c, t, v in
            zip(variants["kind"], variants["code"], variants["term"], variants["variant"])]


def occupation_term_hits(corpus: CachedCorpus, codebook: Codebook) -> pd.DataFrame:
    """transcript_id, code, term, matched_text, similarity, start of every occupation term hit that counts
    towards the occupation decision (the same rules as scoring, so counts agree with occupation evidence)."""
    occupations_only = replace(codebook, themes=())
    index = TermIndex(occupations_only)
    matcher = VocabularyMatcher(index)
    parts = []
    for shard in corpus.shards:
        located = locate_matches(shard, index, find_matches(shard, index, matcher))
        hits = occupation_hits(shard, located, index)
        docs, starts, ends = hits["doc"].to_numpy(), hits["start"].to_numpy(), hits["end"].to_numpy()
        parts.append(pd.DataFrame({
            "transcript_id": np.asarray(shard.ids, dtype=object)[docs], "code": hits["code"].astype(str).to_numpy(),
            "term": [index.entries[e].term.text for e in hits["entry"].to_numpy()],
            "matched_text": [shard.texts[d][s:e] for d, s, e in zip(docs, starts, ends)],
            "similarity": hits["similarity"].to_numpy(), "start": starts}))
    columns = ["transcript_id", "code", "term", "matched_text", "similarity", "start"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


KIND_ORDER = ("exact", "inflection", "spelling variant", "derived form", "typo")  # the weakest word names a hit


def match_kind(term: Term, matched_text: str) -> str:
    """How a hit's words matched the term's, named by its loosest word (core.engine.lexicon's kinds):
    "exact" (each word itself, an allowed variant or a `*` prefix), "inflection", "spelling variant",
    "derived form" or "typo".

    >>> match_kind(Term("organize", ("organize",)), "organised")
    'spelling variant'
    >>> match_kind(Term("research", ("research",)), "reserch")
    'typo'
    """
    kinds = [word_kind(term, want, got) for want, got in zip(term.words, words(matched_text))]
    return max(kinds, key=KIND_ORDER.index, default="exact")


def word_kind(term: Term, want: str, got: str) -> str:
    """How one word of a hit matched one word of its term (an allowed word or a `*` prefix is "exact")."""
    if got in term.allow or (want.endswith("*") and got.startswith(want[:-1])):
        return "exact"
    kind = lexicon.variant_kind(want, got)
    return kind if kind in KIND_ORDER else "typo"  # "real word": only ever matched through `allow`


def typo_similarity(term: Term, matched_text: str) -> float | None:
    """The lowest similarity among the hit's words that matched as typos; None when none did (a phrase's
    own similarity may be that of an inflection, which says nothing about a typo)."""
    scores = [fuzz.ratio(got, want) for want, got in zip(term.words, words(matched_text))
              if word_kind(term, want, got) == "typo"]
    return round(min(scores), 1) if scores else None


def variant_audit(analysis: Analysis) -> tuple[dict[str, int], list[tuple[str, str, str]]]:
    """Hits per kind of match, and every (term, matched text, word) where a hit's word matched as a typo
    although it is a different real English word (the matcher's guard makes this list empty)."""
    terms = {(theme.id, term.text): term for theme in analysis.codebook.themes for term in theme.terms}
    kinds: dict[str, int] = {}
    wrong = []
    counts = analysis.hits.groupby(["theme", "term", "matched_text"]).size()
    for (theme, term_text, matched), count in counts.items():
        term = terms[(theme, term_text)]
        kind = match_kind(term, matched)
        kinds[kind] = kinds.get(kind, 0) + int(count)
        wrong += [(term_text, matched, got) for want, got in zip(term.words, words(matched))
                  if word_kind(term, want, got) == "typo" and lexicon.is_real_word(got)]
    return kinds, wrong


# ---------------------------------------------------------------- near misses
def near_misses(corpus: CachedCorpus, codebook: Codebook, *, window: float = 10) -> pd.DataFrame:
    """Corpus words a term word does not match but nearly does, most similar first: kind, code, term_index,
    term, term_word, variant, similarity, threshold, reason, frequency, suggest, tokens, transcripts.

    `reason` is "below threshold" (less than `window` points under the typo threshold) or "real word" (over
    the threshold, but a different English word: `frequency` is its Zipf frequency in English). `suggest`
    is "allow" when the corpus says the word is likely a typo all the same: it is rare in English and used
    at most a twentieth as often as the term word in this corpus. Only words that could be typos count
    (same first letter, at least `fuzzy_min_length` letters); words a term already matches and denied
    words are left out.
    """
    index = TermIndex(codebook)
    matcher = VocabularyMatcher(index)
    vocabulary = corpus.vocabulary()
    candidates = [w for w in vocabulary["word"] if w]
    matcher.learn(candidates)
    found = _near_words(index, matcher, candidates, window)
    columns = ["kind", "code", "term_index", "term", "term_word", "variant", "similarity", "threshold", "reason",
               "frequency", "suggest", "tokens", "transcripts"]
    if not found:
        return pd.DataFrame(columns=columns)
    table = pd.DataFrame(found, columns=["slot", "variant", "similarity"])
    uses = _slot_uses(index)
    table = table.merge(uses, on="slot").merge(vocabulary, left_on="variant", right_on="word")
    table["threshold"] = [index.rules[s].threshold for s in table["slot"]]
    table["reason"] = np.where(table["similarity"] >= table["threshold"], "real word", "below threshold")
    table["frequency"] = [round(lexicon.frequency(w), 2) for w in table["variant"]]
    uses_of = dict(zip(vocabulary["word"], vocabulary["tokens"]))
    rare_here = [uses_of.get(word, 0) * TYPO_RATIO <= uses_of.get(term_word, 0)
                 for word, term_word in zip(table["variant"], table["term_word"])]
    likely_typo = (table["reason"] == "real word") & (table["frequency"] < RARE_ZIPF) & np.array(rare_here, bool)
    table["suggest"] = np.where(likely_typo, "allow", "")
    return (table.sort_values(["similarity", "tokens"], ascending=False, ignore_index=True)
            .reindex(columns=columns))


RARE_ZIPF = 3.0    # a real word rarer than this in English (about once per million words)...
TYPO_RATIO = 20    # ...used at most a twentieth as often as the term word here is more likely a typo


def _near_words(index: TermIndex, matcher: VocabularyMatcher, candidates: list[str],
                window: float) -> list[tuple[int, str, float]]:
    """(slot, word, similarity) for every fuzzy term-word slot and corpus word just under its threshold."""
    fuzzy = [slot for slot, rule in enumerate(index.rules) if _can_be_typo(rule)]
    if not fuzzy:
        return []
    cutoff = max(0.0, min(index.rules[s].threshold for s in fuzzy) - window)
    by_letter: dict[str, list[str]] = {}
    for word in candidates:
        by_letter.setdefault(word[0], []).append(word)
    found = []
    for letter, slots in _group_by_first_letter(index, fuzzy).items():
        words_here = by_letter.get(letter, [])
        if not words_here:
            continue
        scores = process.cdist(words_here, [index.rules[s].word for s in slots], scorer=fuzz.ratio,
                               score_cutoff=cutoff, dtype=np.float32, workers=1)
        for i, j in zip(*np.nonzero(scores)):
            word, slot = words_here[i], slots[j]
            if _is_near_miss(index.rules[slot], slot, word, matcher, window):
                found.append((slot, word, round(float(fuzz.ratio(word, index.rules[slot].word)), 1)))
    return found


def _can_be_typo(rule: WordRule) -> bool:
    return not rule.exact and not rule.is_glob and len(rule.word) >= rule.fuzzy_min_length


def _group_by_first_letter(index: TermIndex, slots: list[int]) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = {}
    for slot in slots:
        groups.setdefault(index.rules[slot].word[0], []).append(slot)
    return groups


def _is_near_miss(rule: WordRule, slot: int, word: str, matcher: VocabularyMatcher, window: float) -> bool:
    """Just under the threshold, or over it but refused as a different real word."""
    if word in rule.deny or any(s == slot for s, _ in matcher.known[word]):
        return False  # denied on purpose, or already a match
    return rule._may_be_typo(word) and rule.threshold - window <= fuzz.ratio(word, rule.word)


def _slot_uses(index: TermIndex) -> pd.DataFrame:
    """slot, kind, code, term_index, term, term_word: which codebook terms use each term-word slot
    (exclusions left out); term_index is the term's place in its code, as `add_variant` takes it."""
    names = {0: "theme", 1: "occupation"}
    codes = {(kind, code.id): code for kind, section in KINDS.items()
             for code in getattr(index.codebook, section)}
    rows = [(slot, names[entry.kind], entry.code, codes[(names[entry.kind], entry.code)].terms.index(entry.term),
             entry.term.text, index.rules[slot].word)
            for entry in index.entries if entry.kind in names for slot in dict.fromkeys(entry.slots)]
    return pd.DataFrame(rows, columns=["slot", "kind", "code", "term_index", "term", "term_word"])


# ---------------------------------------------------------------- what another threshold would change
def with_threshold(codebook: Codebook, threshold: float) -> Codebook:
    """The codebook with every typo threshold (settings, themes, occupations, terms) set to `threshold`."""
    def code(c: Code) -> Code:
        return replace(c, threshold=None, terms=tuple(replace(t, threshold=None) for t in c.terms))
    settings = replace(codebook.settings, threshold=float(threshold))
    return replace(codebook, settings=settings, themes=tuple(map(code, codebook.themes)),
                   occupations=tuple(map(code, codebook.occupations)),
                   content_hash=f"{codebook.content_hash}@threshold={threshold:g}")


def threshold_change(corpus: CachedCorpus, scored: Analysis, threshold: float) -> pd.DataFrame:
    """Per theme, what setting every threshold to `threshold` would change: transcripts and quotes before,
    after, gained and lost (the diff's theme table)."""
    after = corpus.score(with_threshold(scored.codebook, threshold), base=scored)
    return diff_scores(scored, after).themes
