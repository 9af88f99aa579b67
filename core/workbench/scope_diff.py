"""What a scope edit that only adds turns (`core.engine.widened_scope`) gains and loses, by numbers alone.

Every saved hit stays and an added hit lies in another turn than any saved one, so it never shares a quote with
one: the quotes gained are those of the added hits in the pairs raising their theme after the edit, and of the
saved hits in the pairs raising it only after; the quotes lost, those of the saved hits in the pairs raising it
only before. So nothing is matched between the two sides, and no table of saved and added hits is merged; only
the hits of the first quotes listed are taken as rows. `core.workbench.diff` makes the diff's tables of these.

    pairs, firsts, listed = widened_scope_changes(widened, 1_000)
    pairs[0]    # theme, occupation of each (transcript, theme) pair newly present (pairs[1]: no longer present)
    firsts[0]   # theme, occupation of each quote gained (firsts[1]: lost)
    listed[0]   # the hits of the first 1,000 quotes gained, in a fresh run's order (listed[1]: lost)
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from core.engine.fresh_order import one_key
from core.engine.widened_scope import WidenedScope
from core.workbench.numbered_pairs import first_of_each

Sides = tuple[pd.DataFrame, pd.DataFrame]  # (gained, lost)


def widened_scope_changes(widened: WidenedScope, listed: int) -> tuple[Sides, Sides, Sides]:
    """(pairs newly present, pairs no longer present), (quotes gained, quotes lost), each a theme and occupation
    per row, and the hits of the first `listed` quotes gained and lost (see module docstring)."""
    base, themes = widened.base, len(widened.codebook.theme_ids)
    (present_before, present_after), (raising_before, raising_after) = _flags(widened)
    touched = widened.theme_keys
    pairs = (touched[present_after[touched] & ~present_before[touched]],
             touched[present_before[touched] & ~present_after[touched]])
    hit_keys, added_keys = widened.saved_keys[1], widened.added_keys
    saved = np.where(hit_keys >= 0, hit_keys, len(raising_before) - 1)  # the last flag: rows of no pair
    added = np.flatnonzero(raising_after[np.where(added_keys >= 0, added_keys, len(raising_after) - 1)])
    kept_gained = np.flatnonzero(raising_after[saved] & ~raising_before[saved])
    kept_lost = np.flatnonzero(raising_before[saved] & ~raising_after[saved])
    gained = _quotes_of([(base.hits, kept_gained, hit_keys[kept_gained]),
                          (widened.added.hits, added, added_keys[added])], themes, listed)
    lost = _quotes_of([(base.hits, kept_lost, hit_keys[kept_lost])], themes, listed)
    occupations = pd.Categorical(base.transcripts["occupation"])
    return ((_named(pairs[0], widened, occupations), _named(pairs[1], widened, occupations)),
            (_named(gained[0], widened, occupations), _named(lost[0], widened, occupations)), (gained[1], lost[1]))


def _flags(widened: WidenedScope) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Whether each (transcript, theme) pair has its theme present, before and after, and whether it raises it,
    before and after (present with a hit: its hits are quotes, `core.views.quotes.raising_rows`); one more flag
    last, for rows of no pair."""
    size = len(widened.base.transcripts) * len(widened.codebook.theme_ids) + 1
    before = [np.zeros(size, dtype=bool), np.zeros(size, dtype=bool)]
    keys = widened.saved_keys[0]
    for flag, rows in zip(before, _present_and_raising(widened.base.themes)):
        flag[keys[rows & (keys >= 0)]] = True
    after = [flag.copy() for flag in before]
    for flag, rows in zip(after, _present_and_raising(widened.themes)):
        flag[widened.theme_keys] = rows  # the edited rows of the pairs with an added hit
    return (before[0], after[0]), (before[1], after[1])


def _present_and_raising(themes: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    present = (themes["present"] == 1).to_numpy()
    return present, present & (themes["hits"] >= 1).to_numpy()


def _quotes_of(sources: list[tuple[pd.DataFrame, np.ndarray, np.ndarray]], themes: int,
                listed: int) -> tuple[np.ndarray, pd.DataFrame]:
    """The pair key of each quote of the hits of `sources` (a hits table, the rows taken, their `pair_keys`),
    once each, and the hits of the first `listed` quotes in a fresh run's order (by transcript, start, theme)."""
    pairs = np.concatenate([keys for _, _, keys in sources]).astype(np.int64)
    start, passage_start, passage_end = (
        np.concatenate([table[column].to_numpy()[rows] for table, rows, _ in sources]).astype(np.int64)
        for column in ("start", "passage_start", "passage_end"))
    transcript, theme = pairs // themes, pairs % themes
    quote = _numbered([transcript, passage_start, theme, passage_end])
    first = first_of_each(quote)
    counted = np.cumsum(np.bincount(transcript[first], minlength=int(transcript.max(initial=0)) + 1))
    # the quotes listed are the first in a fresh run's order, which is by transcript: those up to the transcript
    # holding the last listed one are all that need ordering
    within = np.flatnonzero(transcript <= np.searchsorted(counted, listed))
    ordered = within[np.lexsort((theme[within], start[within], transcript[within]))]
    chosen = quote[ordered][first_of_each(quote[ordered])][:listed]
    picked = ordered[np.isin(quote[ordered], chosen)]
    return pairs[first], _hit_rows(sources, picked)


def _numbered(columns: list[np.ndarray]) -> np.ndarray:
    """One integer per row standing for its columns' values (equal rows, equal numbers)."""
    combined = one_key(columns)
    return combined if combined is not None else pd.MultiIndex.from_arrays(columns).factorize()[0]


def _hit_rows(sources: list[tuple[pd.DataFrame, np.ndarray, np.ndarray]], picked: np.ndarray) -> pd.DataFrame:
    """The hits at positions `picked` of the sources' rows one after the other, every column: each source's in
    `picked`'s order, the sources one after the other (`group_quotes` puts them in a fresh run's order, where rows
    of two sources never tie: they lie in different turns)."""
    ends = np.cumsum([len(rows) for _, rows, _ in sources])
    source = np.searchsorted(ends, picked, side="right")
    parts = [table.iloc[rows[picked[source == number] - (ends[number] - len(rows))]]
             for number, (table, rows, _) in enumerate(sources)]
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)


def _named(pairs: np.ndarray, widened: WidenedScope, occupations: pd.Categorical) -> pd.DataFrame:
    """The theme and the transcript's occupation of each pair (categories: counted without a string per row)."""
    theme_ids = widened.codebook.theme_ids
    return pd.DataFrame({"theme": pd.Categorical.from_codes(pairs % len(theme_ids), categories=theme_ids),
                         "occupation": occupations[pairs // len(theme_ids)]})
