"""A scope edit that only adds turns to those the codebook reads (participant -> all), as a preview needs it:
every saved hit stays (a hit never depends on another turn's words, `core.engine.added_roles`) and the added
turns' hits join them, so the edit is the saved analysis plus the added hits, with the themes rows of the
(transcript, theme) pairs holding one worked out again. No table of saved and added hits merged is built (5
million rows at 80,000 transcripts, 2.8 million of them unchanged): a diff reads the added hits beside the
saved ones (`core.workbench.scope_diff`).

    widened = widened_scope(corpus, edited_codebook, saved)   # None: not such an edit
    widened.themes            # the edited themes rows of the pairs with an added hit, in a fresh run's order
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from core.codebook.model import Codebook
from core.engine.added_roles import TurnScores, hit_weights, participant_words, reads_kept_turns
from core.engine.fresh_order import ordered_rows
from core.engine.results import Analysis
from core.engine.scoring import theme_table

if TYPE_CHECKING:
    from core.engine.rescore import CachedCorpus


@dataclass(frozen=True)
class WidenedScope:
    """`codebook`'s analysis as `base` and the `added` turns' hits: `themes` (with their `pair_keys`,
    `theme_keys`) replaces `base`'s rows of those pairs. `saved_keys`: the `pair_keys` of `base`'s themes and
    hits rows (`core.engine.fresh_order.analysis_pair_keys`); `added_keys`: those of the added hits."""

    codebook: Codebook
    base: Analysis
    added: TurnScores
    saved_keys: tuple[np.ndarray, np.ndarray]
    added_keys: np.ndarray
    themes: pd.DataFrame
    theme_keys: np.ndarray


def widened_scope(corpus: CachedCorpus, codebook: Codebook, base: Analysis) -> WidenedScope | None:
    """The edit from `base.codebook` to `codebook` as a `WidenedScope` when it only widens the scope to turns the
    kept shards did not tokenize (the themes and the transcripts in the same order); else None."""
    if codebook.settings.scope == base.codebook.settings.scope or not reads_kept_turns(codebook) \
            or base.codebook.theme_ids != codebook.theme_ids:  # (every other edit: a check of two settings)
        return None
    ids, themes = corpus.transcript_ids, len(codebook.theme_ids)
    if base.transcripts["transcript_id"].tolist() != ids:  # pairs are numbered by the shards' order
        return None
    added = corpus.added_turn_scores(codebook, base)
    if added is None:
        return None
    saved_keys, added_keys = corpus.base_pair_keys(base), added.hit_pairs.keys(themes)
    touched = np.zeros(len(ids) * themes, dtype=bool)  # per (transcript, theme) pair: those with an added hit
    touched[added_keys[added_keys >= 0]] = True
    # the saved hits' weights: the same under both codebooks, whose themes do not differ
    saved_weights = corpus.once_per_base(base, "hit weights", lambda: hit_weights(
        base.hits["term"], saved_keys[1] % themes, base.codebook))
    rows = _edited_themes(base, added, codebook, ids, (touched, saved_keys[1], saved_weights))
    return WidenedScope(codebook, base, added, saved_keys, added_keys, rows, np.flatnonzero(touched))


def _edited_themes(base: Analysis, added: TurnScores, codebook: Codebook, ids: list[str],
                   saved: tuple[np.ndarray, np.ndarray, np.ndarray]) -> pd.DataFrame:
    """The themes rows of the touched pairs (a mask by `pair_keys`) from their saved hits (`saved`: the mask, then
    the saved hits' `pair_keys` and weights) and added ones, the weights summed in a fresh run's order (by
    transcript, start, theme, as `core.engine.added_roles.themes_of_hits` sums them: 0.1 + 0.2 + 0.3 is not
    0.3 + 0.2 + 0.1 in floats), the rows ordered by integer columns alone."""
    (touched, saved_keys, saved_weights), themes = saved, len(codebook.theme_ids)
    hit_keys = added.hit_pairs.keys(themes)
    kept = np.flatnonzero((saved_keys >= 0) & touched[np.maximum(saved_keys, 0)])
    pairs = np.concatenate([saved_keys[kept], hit_keys])
    weights = np.concatenate([saved_weights[kept], hit_weights(added.hits["term"], added.hit_pairs.theme, codebook)])
    starts = np.concatenate([base.hits["start"].to_numpy()[kept], added.hits["start"].to_numpy()])
    order = ordered_rows(pairs, themes, np.ones(len(pairs), dtype=bool), [starts])
    words = added.words + participant_words(base, ids)
    return theme_table(list(ids), codebook, pairs[order], weights[order], words, touched.reshape(len(ids), themes))
