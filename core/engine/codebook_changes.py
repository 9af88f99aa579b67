"""Which parts of a codebook an edit touches: the themes whose hits or scores can differ, whether the occupations
can, and the codebook with some settings blanked out (to ask whether an edit changed only those). Themes never
affect each other, so a theme scores the same when its definition and the settings it reads are the same.

    changed_themes(saved, edited)      # {"job_anxiety"} after an edit of that theme's terms
    occupations_differ(saved, edited)  # False: the occupations read nothing the edit changed
"""
from __future__ import annotations

from dataclasses import replace

from core.codebook.model import Codebook


def without_min_hits(book: Codebook) -> Codebook:
    """The codebook with every theme's `min_hits` (and the default) blanked out."""
    return replace(book, settings=replace(book.settings, min_hits=1),
                   themes=tuple(replace(theme, min_hits=None) for theme in book.themes))


def without_typo_settings(book: Codebook) -> Codebook:
    """The codebook with the settings that reach scoring only through word matching blanked out."""
    return replace(book, settings=replace(book.settings, threshold=0, fuzzy_min_length=0))


def changed_themes(before: Codebook, after: Codebook) -> set[str]:
    """Ids of the themes whose hits or scores can differ (added and removed ones included).

    Themes never affect each other, so a theme scores the same when its definition and the settings it
    reads are the same: a theme with its own threshold ignores a change of the default threshold."""
    old = {theme.id: _as_scored(theme, before.settings) for theme in before.themes}
    new = {theme.id: _as_scored(theme, after.settings) for theme in after.themes}
    return {theme for theme in old.keys() | new.keys() if old.get(theme) != new.get(theme)}


def occupations_differ(before: Codebook, after: Codebook) -> bool:
    """Whether occupations, their evidence or confidence can differ."""
    def used(book: Codebook) -> tuple:
        s = book.settings
        return (book.occupations, s.threshold, s.fuzzy_min_length, s.interviewer_labels, s.participant_labels,
                s.occupation_first_turns, s.occupation_min_score, s.occupation_max_hits_per_term,
                s.occupation_titles, book.job_titles)  # the lexicon compares by its content hash
    return used(before) != used(after)


def _as_scored(theme, settings) -> tuple:
    """A theme with every setting its scoring reads (a default it overrides is left out)."""
    s = settings
    return (theme, s.scope, s.fuzzy_min_length, s.interviewer_labels, s.participant_labels,
            s.threshold if theme.threshold is None else None,
            s.min_hits if theme.min_hits is None else None,
            (s.negators, s.negation_window, s.hedges) if theme.negation else None)
