"""What a codebook edit changes on a corpus: transcripts and quotes gained and lost, per theme and occupation.

    corpus = CachedCorpus.of(analysis)
    change = preview(corpus, analysis, parse_codebook(edited_text))
    change.themes            # per theme: transcripts and quotes before, after, gained, lost
    change.gained.head()     # the quotes the edit adds, with their sentences

A quote is what every page counts (`core.views.quotes.group_quotes`: a transcript's passage holding one or more
hits of one theme), only in transcripts raising its theme (`raising_hits`); it is the same quote before and
after when its transcript, theme and passage are the same. So `quotes_after - quotes_before` of a theme is the
change of its count on the Quotes page without filters. Every hit carries its passage from the engine, so the
diff compares integer keys and reads text only for the sentences of the quotes it lists.
"""
from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from core.codebook.model import Codebook
from core.engine.codebook_changes import changed_themes
from core.engine.fresh_order import analysis_pair_keys, edited_themes, pair_keys
from core.engine.rescore import CachedCorpus
from core.engine.results import Analysis, in_sorted, positions_in
from core.engine.widened_scope import WidenedScope, widened_scope
from core.views.quotes import group_quotes, raising_rows
from core.workbench.numbered_pairs import NumberedPairs, first_of_each, integer_keys
from core.workbench.scope_diff import widened_scope_changes

# A quote's identity as its hits carry it: transcript, passage start, theme, passage end (a compact integer key;
# see `core.workbench.numbered_pairs.shared_keys`). Hits with one key are one quote (`group_quotes`).
QUOTE_OF_HIT = ["transcript_id", "passage_start", "theme", "passage_end"]
COMPARED = QUOTE_OF_HIT  # what the diff reads of the saved hits it compares (a listed quote reads them all)
# One row per quote: its first hit's term, matched text, start and end; `hits` and `terms` hold them all, and
# `similarity` is the lowest.
QUOTE_COLUMNS = ["transcript_id", "occupation", "theme", "term", "matched_text", "similarity", "turn", "start",
                 "end", "hits", "terms", "hit_starts", "hit_ends", "quote_start", "quote_end", "turn_start", "turn_end",
                 "sentence"]
TextsOf = Callable[[list[str]], list[str]]


@dataclass
class CodebookDiff:
    """The difference between two scorings of one corpus (see module docstring)."""

    themes: pd.DataFrame       # theme, transcripts_before/after/gained/lost, quotes_before/after/gained/lost
    occupations: pd.DataFrame  # occupation, transcripts_before/after, moved_in/out, theme and quote gains/losses
    gained: pd.DataFrame       # QUOTE_COLUMNS: quotes only the new codebook finds (the first LISTED)
    lost: pd.DataFrame         # QUOTE_COLUMNS: quotes only the old codebook found (the first LISTED)

    @property
    def quotes_gained(self) -> int:
        """How many quotes only the new codebook finds (`gained` lists the first LISTED)."""
        return int(self.themes["quotes_gained"].sum())

    @property
    def quotes_lost(self) -> int:
        return int(self.themes["quotes_lost"].sum())

    @property
    def changed(self) -> bool:
        return bool(len(self.gained) or len(self.lost) or self.themes["transcripts_gained"].any()
                    or self.themes["transcripts_lost"].any() or self.occupations["moved_in"].any())

    def lines(self, *, quotes: int = 20) -> list[str]:
        """A readable report: the two tables, then up to `quotes` gained and lost quotes each."""
        if not self.changed:
            return ["no change: both codebooks give the same themes, occupations and quotes"]
        out = ["per theme:", _as_text(changed_rows(self.themes), "theme"), "",
               "per occupation:", _as_text(changed_rows(self.occupations), "occupation")]
        for title, table, total in (("gained", self.gained, self.quotes_gained), ("lost", self.lost, self.quotes_lost)):
            out += ["", f"quotes {title}: {total:,}"]
            out += [f"  {row.transcript_id} {row.theme} [{', '.join(dict.fromkeys(row.terms))}] "
                    f"\"{row.matched_text}\" ({row.similarity:g}): {row.sentence}"
                    for row in table.head(quotes).itertuples()]
            if total > quotes:
                out.append(f"  ... and {total - min(quotes, len(table)):,} more")
        return out


@dataclass(frozen=True)
class EditedRows:
    """What a preview scored that agreement with hand coding reads (`core.handcoding.evaluate.evaluate_edit`):
    the edited codebook, every transcript's row (the edited occupations) and the themes rows of the
    (transcript, theme) pairs the edit scored, every pair when it scored the whole corpus again. Its hits are
    not kept: millions of rows at 80,000 transcripts, which no agreement reads."""

    codebook: Codebook
    transcripts: pd.DataFrame
    themes: pd.DataFrame

    def themes_of(self, before: Analysis, transcript_ids: Collection[str]) -> pd.DataFrame:
        """The edited codebook's themes rows of these transcripts, as a fresh run gives them: the scored pairs'
        rows, `before`'s for the others (`core.engine.rescore.edited_themes`)."""
        return edited_themes(before, self.codebook, self.themes, transcript_ids)


def preview(corpus: CachedCorpus, before: Analysis, codebook: Codebook) -> CodebookDiff:
    """Score `codebook` on the corpus (reusing `before` for unchanged themes) and diff the two; the first
    SENTENCES quotes gained and lost get their sentences (what a report lists; see `fill_sentences`)."""
    return scored_preview(corpus, before, codebook)[0]


def scored_preview(corpus: CachedCorpus, before: Analysis, codebook: Codebook) -> tuple[CodebookDiff, EditedRows]:
    """`preview`, and the rows it scored for agreement with hand coding (so it never scores the edit twice)."""
    counts = corpus.once_per_base(before, "theme counts", lambda: theme_counts(before))
    if (widened := widened_scope(corpus, codebook, before)) is not None:  # a scope edit adding turns alone
        change, edited = _widened_scope_diff(widened, counts), EditedRows(codebook, before.transcripts, widened.themes)
    else:
        changes = corpus.changes(codebook, before)  # only the changed themes' rows: the others are before's
        after = changes if changes is not None else corpus.score(codebook, base=before)
        change = diff_scores(before, after, before_counts=counts, before_keys=lambda: corpus.base_pair_keys(before),
                             after_keys=lambda: corpus.hit_pair_keys(after))  # keys: a typo-settings or scope edit
        edited = EditedRows(codebook, after.transcripts, after.themes)
    for table in (change.gained, change.lost):
        fill_sentences(table, corpus.texts, limit=SENTENCES)
    return change, edited


def _widened_scope_diff(widened: WidenedScope, counts: pd.DataFrame) -> CodebookDiff:
    """`diff_scores` of a scope edit that only adds turns, from what `core.workbench.scope_diff` counts by numbers
    (no table of the saved and added hits merged): the same tables."""
    before, theme_ids = widened.base, widened.codebook.theme_ids
    pairs, firsts, listed = widened_scope_changes(widened, LISTED)
    after = before.described(codebook=widened.codebook, themes=widened.themes)
    return CodebookDiff(_theme_counts_compared(theme_ids, counts.reindex(theme_ids, fill_value=0), pairs, firsts),
                        _occupation_table(before, after, *pairs, *firsts),
                        *(_as_quotes(group_quotes(hits), before) for hits in listed))


SENTENCES = 200  # an edit can gain 100,000 quotes on a large corpus: their sentences are sliced when listed


def fill_sentences(quotes: pd.DataFrame, texts_of: TextsOf, *, limit: int | None = None) -> None:
    """Fill the `sentence` column of the first `limit` quotes (all when None), in place: each quote's passage,
    sliced from its transcript's text (`texts_of`: the texts of a list of ids)."""
    rows = quotes.head(limit) if limit is not None else quotes
    if len(rows):
        texts = texts_of(rows["transcript_id"].tolist())
        quotes.loc[rows.index, "sentence"] = [text[start:end] for text, start, end in
                                              zip(texts, rows["quote_start"].tolist(), rows["quote_end"].tolist())]


def diff_scores(before: Analysis, after: Analysis, *, before_counts: pd.DataFrame | None = None,
                before_keys: Callable[[], tuple[np.ndarray, np.ndarray]] | None = None,
                after_keys: Callable[[], np.ndarray | None] | None = None) -> CodebookDiff:
    """Compare two scorings of the same corpus (quote sentences are left to `fill_sentences`). Only the themes
    the edit changed (`changed_themes`) are compared: the others have the same rows before and after, so
    `after` may hold only the changed themes' rows, and of those only the (transcript, theme) pairs that can
    differ (`CachedCorpus.changes`). `before_counts`: `theme_counts(before)`, when the caller has it;
    `before_keys`: gives `analysis_pair_keys(before)`; `after_keys`: the `pair_keys` of `after.hits`, or None
    (with both, rows are matched by those numbers: `core.workbench.numbered_pairs`)."""
    theme_ids = list(dict.fromkeys([*after.codebook.theme_ids, *before.codebook.theme_ids]))
    differ = changed_themes(before.codebook, after.codebook)
    counts = (before_counts if before_counts is not None else theme_counts(before)).reindex(theme_ids, fill_value=0)
    order = {"transcript_id": after.transcripts["transcript_id"], "theme": theme_ids}  # as a fresh run sorts
    # the raising hits as row numbers of the changed themes' hits, and their quote keys: no copy of their
    # text columns (a threshold change compares every theme: 3 million hits on each side at 80,000 transcripts)
    themes_before, hits_before = _pairs_of(before, after, differ, before_keys)
    themes_after, hits_after = _only(after.themes, differ), _only(after.hits, differ)
    numbered = NumberedPairs.of(before, after, (themes_before, hits_before, themes_after, hits_after),
                                before_keys, after_keys)
    (gained_quotes, gained_firsts), (lost_quotes, lost_firsts) = _quotes_compared(
        (before, themes_before, hits_before), (after, themes_after, hits_after), numbered, order)
    present_after, present_before = (scored.loc[scored["present"] == 1, ["transcript_id", "theme"]]
                                     for scored in (themes_after, themes_before))
    gained_pairs, lost_pairs = (rows.assign(occupation=_occupation_of(rows["transcript_id"], scored))
                                for rows, scored in zip(_rows_only_in_each(present_after, present_before, differ,
                                                       ["transcript_id", "theme"], order), (after, before)))
    themes = _theme_counts_compared(theme_ids, counts, (gained_pairs, lost_pairs), (gained_firsts, lost_firsts))
    occupations = _occupation_table(before, after, gained_pairs, lost_pairs, gained_firsts, lost_firsts)
    return CodebookDiff(themes, occupations, gained_quotes, lost_quotes)


def _quotes_compared(before: tuple, after: tuple, numbered: NumberedPairs | None, order: dict):
    """`_new_quotes` of each side: (the quotes gained, their firsts), (the quotes lost, their firsts). A side is
    (its analysis, its compared themes rows, its compared hits rows); the raising hits are found as row numbers
    and their quote keys as integers, by the pairs' numbers when both sides have them (`numbered`)."""
    (scored_before, themes_before, hits_before), (scored_after, themes_after, hits_after) = before, after
    rows_before, rows_after = numbered.raising_rows(themes_before, themes_after) if numbered is not None else (
        np.flatnonzero(raising_rows(hits, themes)) for hits, themes in ((hits_before, themes_before),
                                                                        (hits_after, themes_after)))
    quote_keys = numbered.quote_keys(hits_after, hits_before) if numbered is not None else None
    keys_after, keys_before = (keys[rows] for keys, rows in zip(
        quote_keys or integer_keys(hits_after, hits_before, QUOTE_OF_HIT, order), (rows_after, rows_before)))
    return tuple(
        _new_quotes(hits, rows, keys, other, scored, None if numbered is None else partial(numbered.transcripts_of,
                                                                                          side))
        for hits, rows, keys, other, scored, side in (
            (hits_after, rows_after, keys_after, keys_before, scored_after, "after"),
            (hits_before, rows_before, keys_before, keys_after, scored_before, "before")))


def _theme_counts_compared(theme_ids: list[str], counts: pd.DataFrame, pairs: tuple, firsts: tuple) -> pd.DataFrame:
    """Per theme, transcripts and quotes before, after, gained and lost. The rows compared are all that can
    differ, so after = before + gained - lost (`after` may hold only those)."""
    columns: dict[str, Any] = {"theme": theme_ids}
    for what, (gained, lost) in (("transcripts", pairs), ("quotes", firsts)):
        plus, minus = _count_by(gained, "theme", theme_ids), _count_by(lost, "theme", theme_ids)
        columns |= {f"{what}_before": counts[what].to_numpy(),
                    f"{what}_after": counts[what].to_numpy() + np.array(plus, dtype=np.int64) - minus,
                    f"{what}_gained": plus, f"{what}_lost": minus}
    return pd.DataFrame(columns)


LISTED = 1_000  # quotes gained and lost kept as rows (a page lists 30, a report 20); every one is counted


def _new_quotes(hits: pd.DataFrame, rows: np.ndarray, keys: np.ndarray, other: np.ndarray, scored: Analysis,
                transcripts_of: Callable[[np.ndarray], np.ndarray] | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The quotes of the raising hits at `rows` whose key (`keys`) `other` lacks: the first LISTED of them, in
    the hits' order, as QUOTE_COLUMNS rows; and the transcript, theme and occupation of every one, to count.
    A broad edit at 80,000 transcripts gains millions of quotes: grouping each into lists took gigabytes.
    `transcripts_of`: the positions of the hits at some rows in `scored`'s transcripts table, when known."""
    new = ~_member(keys, other)
    rows, keys = rows[new], keys[new]
    first = first_of_each(keys)
    firsts = hits[["transcript_id", "theme"]].iloc[rows[first]].reset_index(drop=True)
    firsts["occupation"] = _occupation_of(firsts["transcript_id"], scored) if transcripts_of is None \
        else _occupations_column(scored)[transcripts_of(rows[first])]
    listed = rows if int(first.sum()) <= LISTED else rows[pd.Series(keys).isin(keys[first][:LISTED]).to_numpy()]
    picked = hits.iloc[listed] if hits.columns.equals(scored.hits.columns) \
        else scored.hits.iloc[scored.hits.index.get_indexer(hits.index[listed])]  # only COMPARED columns: `_pairs_of`
    return _as_quotes(group_quotes(picked), scored), firsts


def theme_counts(scored: Analysis) -> pd.DataFrame:
    """Per theme (the index): transcripts it is present in and quotes, as the Quotes page counts them."""
    theme_ids = scored.codebook.theme_ids
    hits = scored.hits
    rows = np.flatnonzero(raising_rows(hits, scored.themes))
    keys, _ = integer_keys(hits, hits.iloc[:0], QUOTE_OF_HIT,
                            {"transcript_id": scored.transcripts["transcript_id"], "theme": theme_ids})
    return pd.DataFrame({"transcripts": _count_by(scored.present, "theme", theme_ids),
                         "quotes": _quotes_by_theme(hits, rows, keys[rows], theme_ids)},
                        index=pd.Index(theme_ids, name="theme"))


def _pairs_of(before: Analysis, after: Analysis, differ: set[str],
              keys: Callable[[], tuple[np.ndarray, np.ndarray]] | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows of `before`'s themes and hits of the `differ` themes, only of the (transcript, theme) pairs
    `after` scored for a theme `after` scored partly (or not at all): a preview scores some themes only where
    they can change (`CachedCorpus.changes`); a fresh run scores every pair."""
    per_theme = after.themes["theme"].value_counts()
    partly = {theme for theme in after.codebook.theme_ids if per_theme.get(theme, 0) < len(after.transcripts)}
    if not partly & differ & set(before.codebook.theme_ids):
        return _only(before.themes, differ), _only(before.hits, differ)
    theme_keys, hit_keys = keys() if keys is not None else analysis_pair_keys(before)
    ids, theme_ids = before.transcripts["transcript_id"], before.codebook.theme_ids
    scored = np.zeros(len(ids) * len(theme_ids), dtype=bool)  # per (transcript, theme) pair
    scored[(after_keys := pair_keys(after.themes, theme_ids, ids))[after_keys >= 0]] = True
    compared = np.isin(np.arange(len(theme_ids)), [theme_ids.index(t) for t in differ if t in theme_ids])
    whole = compared & ~np.isin(np.arange(len(theme_ids)), [theme_ids.index(t) for t in partly if t in theme_ids])
    # of the hits only the columns compared (each string column copied is 0.1 s at 80,000 transcripts): a quote
    # listed takes its hits' other columns from `before.hits` by their labels (`_new_quotes`)
    return tuple(table[compared[keys % len(theme_ids)] & (whole[keys % len(theme_ids)] | scored[keys])]
                 for table, keys in ((before.themes, theme_keys), (before.hits[COMPARED], hit_keys)))


def _only(table: pd.DataFrame, themes: set[str]) -> pd.DataFrame:
    if themes.issuperset(table["theme"].unique()):  # e.g. the default threshold changed: no filter
        return table
    return table[table["theme"].isin(themes)]


def _rows_only_in_each(one: pd.DataFrame, other: pd.DataFrame, themes: set[str], key: list[str],
                       order: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows of themes `themes` whose key only `one` has, and those only `other` has."""
    one, other = _only(one, themes), _only(other, themes)
    one_key, other_key = integer_keys(one, other, key, order)
    return one[~_member(one_key, other_key)], other[~_member(other_key, one_key)]


def _quotes_by_theme(hits: pd.DataFrame, rows: np.ndarray, keys: np.ndarray, theme_ids: list[str]) -> list[int]:
    """How many quotes of each theme among the hits at `rows` (`keys`: their quote keys), counted as distinct
    keys, without grouping them."""
    first = first_of_each(keys)
    themes = positions_in(hits["theme"], theme_ids)[rows[first]]  # numbers: no copy of 2 million theme names
    return np.bincount(themes[themes >= 0], minlength=len(theme_ids)).tolist()


def _member(keys: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Whether each key is among `other`: a binary search when `other` is in order (a fresh run's table gives
    its keys so, a quote's several hits repeating one), else a hash look-up.

    >>> _member(np.array([5, 1, 3, 1]), np.array([1, 1, 3])).tolist(), _member(np.array([2]), np.array([3, 2])).tolist()
    ([False, True, True, True], [True])
    """
    if len(other) < 2 or bool((other[1:] >= other[:-1]).all()):
        return in_sorted(other, keys)
    return pd.Series(keys).isin(other).to_numpy()


def _as_quotes(hits: pd.DataFrame, scored: Analysis) -> pd.DataFrame:
    quotes = hits.assign(occupation=_occupation_of(hits["transcript_id"], scored), sentence="")
    return quotes.reindex(columns=QUOTE_COLUMNS).reset_index(drop=True)


def _occupations(scored: Analysis) -> pd.DataFrame:
    return scored.transcripts[["transcript_id", "occupation"]] if len(scored.transcripts) else \
        pd.DataFrame({"transcript_id": pd.Series(dtype=str), "occupation": pd.Series(dtype=str)})


def _occupation_of(transcript_ids: pd.Series, scored: Analysis) -> np.ndarray:
    """The occupation of each transcript (None for one `scored` does not have): a look-up, where a merge of 2
    million quotes' transcripts took a second."""
    return _occupations_column(scored)[positions_in(transcript_ids, _occupations(scored)["transcript_id"])]


def _occupations_column(scored: Analysis) -> np.ndarray:
    """Each transcript's occupation, in the order of `scored`'s transcripts, and None last (for position -1)."""
    return np.append(_occupations(scored)["occupation"].to_numpy(dtype=object), np.array([None], dtype=object))


def _count_by(table: pd.DataFrame, column: str, keys: list[str]) -> list[int]:
    counts = table[column].value_counts() if len(table) else pd.Series(dtype=int)
    return [int(counts.get(key, 0)) for key in keys]


def _occupation_table(before: Analysis, after: Analysis, gained_pairs, lost_pairs, gained_quotes,
                      lost_quotes) -> pd.DataFrame:
    """Per occupation: transcripts assigned before and after, moved in and out, and the theme presences and
    quotes gained and lost in its transcripts (gains counted under the new occupation, losses the old)."""
    old, new = _occupations(before).set_index("transcript_id")["occupation"], \
        _occupations(after).set_index("transcript_id")["occupation"]
    # a preview's transcripts are the saved ones in their order: no alignment of 80,000 ids needed then
    both = pd.DataFrame({"old": old.array, "new": new.array}, index=old.index) if old.index.equals(new.index) \
        else pd.concat([old.rename("old"), new.rename("new")], axis=1)
    moved = both[both["old"] != both["new"]]
    keys = list(dict.fromkeys([*after.codebook.occupation_ids, *before.codebook.occupation_ids,
                               *old.dropna().unique(), *new.dropna().unique()]))  # distinct first: in C
    return pd.DataFrame({
        "occupation": keys,
        "transcripts_before": _count_by(both.dropna(subset=["old"]), "old", keys),
        "transcripts_after": _count_by(both.dropna(subset=["new"]), "new", keys),
        "moved_in": _count_by(moved, "new", keys), "moved_out": _count_by(moved, "old", keys),
        "theme_transcripts_gained": _count_by(gained_pairs, "occupation", keys),
        "theme_transcripts_lost": _count_by(lost_pairs, "occupation", keys),
        "quotes_gained": _count_by(gained_quotes, "occupation", keys),
        "quotes_lost": _count_by(lost_quotes, "occupation", keys)})


def changed_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of a diff's `themes` or `occupations` table where something moved (gained, lost, moved in
    or out): all rows' counts would bury the change. A copy, possibly empty.

    >>> changed_rows(pd.DataFrame({"theme": ["a", "b"], "quotes_gained": [0, 2], "quotes_lost": [0, 0]}))
      theme  quotes_gained  quotes_lost
    1     b              2            0
    """
    changes = [c for c in table.columns if c.endswith(("gained", "lost", "moved_in", "moved_out"))]
    return table[table[changes].to_numpy().any(axis=1)].copy()


def _as_text(rows: pd.DataFrame, key: str) -> str:
    return (rows if len(rows) else pd.DataFrame({key: ["(no change)"]})).to_string(index=False)
