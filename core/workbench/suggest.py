"""Learning the codebook from the labels: words and 2-3 word phrases of the participant's turns that separate
the transcripts coded present for a theme from those coded absent, as candidate terms.

    corpus = CachedCorpus.of(analysis)
    for found in suggest_terms(corpus, analysis, read_labels("mine.yaml"), themes=["coding"], top=10):
        print("\\n".join(found.lines()))

Each candidate is scored with the log-odds ratio with an informative Dirichlet prior of Monroe, Colaresi and
Quinn (2008, "Fightin' words"), on transcripts: a transcript either contains the word or not, so the
Dirichlet has two categories (a Beta), centred on the word's share of transcripts in the whole corpus. The
z-score (log-odds ratio over its standard error) ranks them: a word in many coded-present transcripts and
few coded-absent ones ranks high, one seen twice ranks low however clean. Stop words, words the theme's terms
already match (asked of the engine's matcher) and features under `min_support` coded-present transcripts
are left out; inflections of one word ("plan", "plans", "planning") are one family, shown once.

What a candidate would change is measured, not guessed: the theme is scored again with the term added
(every candidate at once, each as its own copy of the theme), so `adds_present` and `adds_absent` count the
coded transcripts the edited codebook would newly find, with negation, weights and exclusions applied.
They can exceed `present`/`absent` (the transcripts holding a listed form): the engine also matches a term's
typos and other variants, which is exactly what this measures.
Passages coded as missed (`missed:` in a labels file) make their transcript a coded-present one.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np
import pandas as pd

from core.codebook.model import Code, Codebook, Term
from core.engine.corpus import ROLE_CODES
from core.engine.matcher import VocabularyMatcher
from core.engine.rescore import CachedCorpus
from core.engine.results import Analysis
from core.engine.term_index import THEME, TermIndex
from core.errors import UsageError
from core.views.quotes import TurnBounds, cut_quote
from core.workbench.features import allowed, feature_incidence

EXAMPLES = 3


class _Label(Protocol):
    @property
    def present(self) -> frozenset[str]: ...
    @property
    def absent(self) -> frozenset[str] | None: ...


class _Missed(Protocol):
    @property
    def transcript(self) -> str: ...
    @property
    def theme(self) -> str: ...


class CodedLabels(Protocol):
    """What suggestions read of `core.handcoding.evaluate.Labels` (this package may not import it)."""

    @property
    def transcripts(self) -> Mapping[str, _Label]: ...
    @property
    def missed(self) -> Sequence[_Missed]: ...


@dataclass(frozen=True)
class ThemeCoding:
    """The transcripts a coder says raise a theme (a missed passage counts) and those they say do not."""

    theme: str
    present: frozenset[str]
    absent: frozenset[str]


def theme_coding(labels: CodedLabels, theme: str) -> ThemeCoding:
    """Coded present: listed in `present` or holding a missed passage of the theme; coded absent: listed in
    `absent` (or, without an `absent` list, every theme not present). Uncoded transcripts are in neither."""
    missed = {m.transcript for m in labels.missed if m.theme == theme}
    present = {tid for tid, label in labels.transcripts.items() if theme in label.present} | missed
    absent = {tid for tid, label in labels.transcripts.items()
              if theme not in label.present and (label.absent is None or theme in label.absent)}
    return ThemeCoding(theme, frozenset(present), frozenset(absent - present))


@dataclass
class Suggestions:
    """The ranked candidate terms of one theme (columns: see `SUGGESTION_COLUMNS`)."""

    theme: str
    coded_present: int
    coded_absent: int
    table: pd.DataFrame

    def lines(self, *, width: int = 100) -> list[str]:
        out = [f"{self.theme}: {self.coded_present} transcripts coded present, {self.coded_absent} coded absent"]
        if self.table.empty:
            return [*out, "  no candidate separates them (fewer coded transcripts, or a lower --min-support, "
                          "may help)"]
        out.append(f"  {'term':<28} {'z':>5} {'present':>8} {'absent':>7} {'corpus':>7} {'+found':>7} "
                   f"{'+wrong':>7}  forms")
        for row in self.table.itertuples():
            out.append(f"  {row.term[:28]:<28} {row.z:>5.1f} {row.present:>8} {row.absent:>7} {row.corpus:>7} "
                       f"{row.adds_present:>7} {row.adds_absent:>7}  {', '.join(row.forms[:4])}")
            out += [f"      “{_around(quote, row.forms, width)}” ({tid})" for tid, quote in row.examples]
        return out


SUGGESTION_COLUMNS = ["term", "kind", "forms", "present", "absent", "corpus", "z", "log_odds", "adds_present",
                      "adds_absent", "examples"]


def suggest_terms(corpus: CachedCorpus, analysis: Analysis, labels: CodedLabels, *,
                  themes: Iterable[str] | None = None, top: int = 15, min_support: int = 3,
                  prior: float = 10.0) -> list[Suggestions]:
    """Per theme (default: every theme of the analysis's codebook), the `top` candidate terms, best first.

    `min_support`: coded-present transcripts a candidate must occur in; `prior`: the prior's weight, in
    transcripts (larger shrinks the rare more). Raises UsageError for a theme the codebook does not have.
    """
    codebook = analysis.codebook
    wanted = list(themes) if themes is not None else list(codebook.theme_ids)
    unknown = [t for t in wanted if t not in codebook.theme_ids]
    if unknown:
        raise UsageError(f"no theme {', '.join(unknown)} in the codebook",
                         hint=f"use one of {', '.join(codebook.theme_ids)}")
    known = set(corpus.transcript_ids)
    codings = {t: _within(theme_coding(labels, t), known) for t in wanted}
    labelled = set().union(*(c.present | c.absent for c in codings.values())) if codings else set()
    features, corpus_counts = feature_incidence(corpus, labelled)
    distinct = pd.unique(features["feature"])
    keep = np.fromiter(map(allowed, distinct), dtype=bool, count=len(distinct))
    features = features[features["feature"].isin(distinct[keep])]
    return [_theme_suggestions(corpus, analysis, codings[t], features, corpus_counts, top=top,
                               min_support=min_support, prior=prior) for t in wanted]


def _within(coding: ThemeCoding, known: set[str]) -> ThemeCoding:
    return replace(coding, present=coding.present & known, absent=coding.absent & known)


# ---------------------------------------------------------------- one theme
def _theme_suggestions(corpus: CachedCorpus, analysis: Analysis, coding: ThemeCoding, features: pd.DataFrame,
                       corpus_counts: pd.Series, *, top: int, min_support: int, prior: float) -> Suggestions:
    rows = features[features["transcript_id"].isin(coding.present | coding.absent)]
    rows = rows.assign(present=rows["transcript_id"].isin(coding.present))
    rows = rows[rows["family"].isin(_supported(rows, min_support))]
    rows = rows[rows["feature"].isin(uncovered(analysis.codebook, coding.theme, list(pd.unique(rows["feature"]))))]
    rows = rows[rows["family"].isin(_supported(rows, min_support))]  # again, without the covered forms
    table = _without_subsumed(_ranked(rows, corpus_counts, len(corpus), coding, prior).head(3 * top)).head(top)
    table = _with_gains(corpus, analysis, coding, table)
    table["examples"] = [_examples(corpus, analysis, coding, forms, tids) for forms, tids in
                         zip(table["forms"], table["_transcripts"])]
    return Suggestions(coding.theme, len(coding.present), len(coding.absent),
                       table.reindex(columns=SUGGESTION_COLUMNS).reset_index(drop=True))


def _supported(rows: pd.DataFrame, min_support: int) -> pd.Index:
    """The families found in at least `min_support` coded-present transcripts (any of their forms)."""
    support = rows[rows["present"]].drop_duplicates(["family", "transcript_id"]).groupby("family").size()
    return support.index[support.to_numpy() >= min_support]


def _without_subsumed(table: pd.DataFrame) -> pd.DataFrame:
    """Drop a word or phrase found in exactly the same coded transcripts as a longer phrase holding it
    ("forth" beside "back and forth"): it says nothing the phrase does not."""
    terms, sets = list(table["term"]), list(table["_transcripts"])
    inside = [any(f" {t} " in f" {other} " and t != other and sets[i] == sets[j]
                  for j, other in enumerate(terms)) for i, t in enumerate(terms)]
    return table[~np.array(inside, dtype=bool)] if len(table) else table


def uncovered(codebook: Codebook, theme: str, candidates: list[str]) -> list[str]:
    """The candidates none of the theme's terms already matches (asked of the engine's matcher: a term's
    inflections, typos, allowed variants and `*` prefixes count; a phrase holding a term is covered too)."""
    code = next(c for c in codebook.themes if c.id == theme)
    index = TermIndex(replace(codebook, themes=(code,), occupations=()))
    matcher = VocabularyMatcher(index)
    matcher.learn(sorted({w for f in candidates for w in f.split(" ")}))
    entries = [e.slots for e in index.entries if e.kind == THEME]
    return [f for f in candidates if not _holds_a_term(f.split(" "), entries, matcher)]


def _holds_a_term(words: list[str], entries: list[tuple[int, ...]], matcher: VocabularyMatcher) -> bool:
    slots_of = [{slot for slot, _ in matcher.known[w]} for w in words]
    return any(all(slot in slots_of[start + i] for i, slot in enumerate(slots))
               for slots in entries for start in range(len(words) - len(slots) + 1))


def _ranked(rows: pd.DataFrame, corpus_counts: pd.Series, n_corpus: int, coding: ThemeCoding,
            prior: float) -> pd.DataFrame:
    """One row per family: its representative term (the shortest form, then the most common), every form,
    the corpus transcripts holding any form,
    the coded transcripts containing any form, and the log-odds z-score; best first."""
    if rows.empty or not coding.present or not coding.absent:
        return pd.DataFrame(columns=[*SUGGESTION_COLUMNS, "_transcripts"])
    counted = rows.groupby("feature").size()
    forms = rows.drop_duplicates("feature")[["family", "feature"]]
    forms = forms.assign(length=forms["feature"].str.len(), seen=counted.reindex(forms["feature"]).to_numpy())
    forms = forms.sort_values(["length", "seen", "feature"], ascending=[True, False, True])
    by_family = forms.groupby("family", sort=False).agg(term=("feature", "first"), forms=("feature", list))
    by_family["corpus"] = corpus_counts.reindex(by_family.index).fillna(0).astype(int).to_numpy()
    per_transcript = rows.drop_duplicates(["family", "transcript_id"])
    counts = per_transcript.groupby("family").agg(present=("present", "sum"), total=("present", "size"),
                                                  _transcripts=("transcript_id", frozenset))
    table = by_family.join(counts)
    table["absent"] = table["total"] - table["present"]
    table["kind"] = np.where(table["term"].str.contains(" "), "phrase", "word")
    share = np.clip(table["corpus"].to_numpy(float) / max(n_corpus, 1), 1e-4, 1 - 1e-4)
    table["log_odds"], table["z"] = log_odds_z(table["present"].to_numpy(float), len(coding.present),
                                               table["absent"].to_numpy(float), len(coding.absent), share, prior)
    return table[table["z"] > 0].sort_values(["z", "present", "term"], ascending=[False, False, True])


def log_odds_z(in_present, n_present: int, in_absent, n_absent: int, share, prior: float):
    """Monroe et al. (2008) eq. 16-22 on transcript counts: the log-odds ratio of a feature in coded-present
    against coded-absent transcripts, each smoothed by a Beta prior of weight `prior` centred on `share` (the
    feature's share of corpus transcripts), and that ratio over its standard error.

    >>> delta, z = log_odds_z(np.array([8.0]), 10, np.array([1.0]), 10, np.array([0.3]), 10.0)
    >>> round(float(delta[0]), 2), round(float(z[0]), 2)
    (1.59, 2.21)
    """
    a, b = prior * share, prior * (1 - share)
    yes_p, no_p = in_present + a, n_present - in_present + b
    yes_a, no_a = in_absent + a, n_absent - in_absent + b
    delta = np.log(yes_p / no_p) - np.log(yes_a / no_a)
    return delta, delta / np.sqrt(1 / yes_p + 1 / no_p + 1 / yes_a + 1 / no_a)


# ---------------------------------------------------------------- what adding a term would change
def _with_gains(corpus: CachedCorpus, analysis: Analysis, coding: ThemeCoding, table: pd.DataFrame) -> pd.DataFrame:
    """adds_present / adds_absent: coded transcripts the theme would newly be found in with the term added."""
    table = table.copy()
    found = newly_found(corpus, analysis, coding.theme, list(table["term"]))
    table["adds_present"] = [len(f & coding.present) for f in found]
    table["adds_absent"] = [len(f & coding.absent) for f in found]
    return table


def newly_found(corpus: CachedCorpus, analysis: Analysis, theme: str, terms: list[str]) -> list[set[str]]:
    """For each term: the transcripts where the theme is not found now but would be with the term added.
    Every term is scored in one pass, each as its own copy of the theme (themes never affect each other)."""
    if not terms:
        return []
    codebook = analysis.codebook
    code = next(c for c in codebook.themes if c.id == theme)
    copies = tuple(_with_term(code, f"{theme}__suggest_{i}", term) for i, term in enumerate(terms))
    scored = corpus.score(replace(codebook, themes=copies, occupations=(),
                                  content_hash=f"{codebook.content_hash}+suggest:{theme}:{'|'.join(terms)}"))
    now = set(analysis.present.loc[analysis.present["theme"] == theme, "transcript_id"])
    present = scored.present.groupby("theme")["transcript_id"].agg(set)
    return [present.get(copy.id, set()) - now for copy in copies]


def _with_term(code: Code, new_id: str, term: str) -> Code:
    return replace(code, id=new_id, terms=(*code.terms, Term(term, tuple(term.split(" ")))))


# ---------------------------------------------------------------- example quotes
def _examples(corpus: CachedCorpus, analysis: Analysis, coding: ThemeCoding, forms: list[str],
              transcripts: frozenset[str]) -> list[tuple[str, str]]:
    """(transcript_id, quote) of up to EXAMPLES coded-present transcripts holding a form, those the codebook
    misses now first; each the quote `cut_quote` gives around the form's first occurrence."""
    now = set(analysis.present.loc[analysis.present["theme"] == coding.theme, "transcript_id"])
    chosen = sorted(transcripts & coding.present, key=lambda tid: (tid in now, tid))[:EXAMPLES]
    out = []
    for tid in chosen:
        where = first_occurrence(corpus, tid, forms)
        if where is not None:
            text = corpus.text(tid)
            out.append((tid, cut_quote(text, TurnBounds.of(corpus.turns(tid)), *where).of(text)))
    return out


def first_occurrence(corpus: CachedCorpus, transcript_id: str, forms: list[str]) -> tuple[int, int, int] | None:
    """(turn, start, end) of the first place a participant says one of `forms` in a transcript, or None."""
    shard = next(s for s in corpus.shards if transcript_id in s.ids)
    doc = shard.ids.index(transcript_id)
    ids = {w: i for i, w in enumerate(shard.vocab)}
    turns = np.flatnonzero((shard.turn_doc == doc) & (shard.turn_role == ROLE_CODES["participant"]))
    best = None
    for form in forms:
        wanted = [ids.get(w, -1) for w in form.split(" ")]
        for turn in turns:
            lo, hi = shard.turn_token_start[turn], shard.turn_token_start[turn + 1]
            at = _find(shard.token_word[lo:hi], wanted)
            if at is not None:
                start = int(shard.token_start[lo + at])
                last = lo + at + len(wanted) - 1
                end = int(shard.token_start[last]) + len(shard.vocab[shard.token_word[last]])
                if best is None or start < best[1]:
                    best = (int(shard.turn_number[turn]), start, end)
                break
    return best


def _find(tokens: np.ndarray, wanted: list[int]) -> int | None:
    if -1 in wanted or len(tokens) < len(wanted):
        return None
    hits = np.ones(len(tokens) - len(wanted) + 1, dtype=bool)
    for i, word in enumerate(wanted):
        hits &= tokens[i:len(tokens) - len(wanted) + 1 + i] == word
    found = np.flatnonzero(hits)
    return int(found[0]) if len(found) else None


def _around(quote: str, forms: list[str], width: int) -> str:
    """The quote on one line, cut to `width` characters around the first form it holds."""
    flat = " ".join(quote.split())
    if len(flat) <= width:
        return flat
    lowered = flat.lower()
    at = min((i for i in (lowered.find(f) for f in forms) if i >= 0), default=0)
    start = max(0, min(at - width // 3, len(flat) - width + 1))
    return ("…" if start else "") + flat[start:start + width - 1] + ("…" if start + width - 1 < len(flat) else "")
