"""What a codebook edit changes on a corpus: transcripts and quotes gained and lost, per theme and occupation.

    corpus = CachedCorpus.of(analysis)
    change = preview(corpus, Scored.of(analysis), parse_codebook(edited_text))
    change.themes            # per theme: transcripts and quotes before, after, gained, lost
    change.gained.head()     # the quotes the edit adds, with their sentences

A quote is the same quote before and after when its transcript, theme and character span are the same.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from .codebook import Codebook
from .rescore import CachedCorpus, Scored

QUOTE_KEY = ["transcript_id", "theme", "start", "end"]
QUOTE_COLUMNS = ["transcript_id", "occupation", "theme", "term", "matched_text", "similarity", "turn", "start",
                 "end", "sentence"]
SentenceOf = Callable[[str, int, int, int], str]


@dataclass
class CodebookDiff:
    """The difference between two scorings of one corpus (see module docstring)."""

    themes: pd.DataFrame       # theme, transcripts_before/after/gained/lost, quotes_before/after/gained/lost
    occupations: pd.DataFrame  # occupation, transcripts_before/after, moved_in/out, theme and quote gains/losses
    gained: pd.DataFrame       # QUOTE_COLUMNS: quotes only the new codebook finds
    lost: pd.DataFrame         # QUOTE_COLUMNS: quotes only the old codebook found

    @property
    def changed(self) -> bool:
        return bool(len(self.gained) or len(self.lost) or self.themes["transcripts_gained"].any()
                    or self.themes["transcripts_lost"].any() or self.occupations["moved_in"].any())

    def lines(self, *, quotes: int = 20) -> list[str]:
        """A readable report: the two tables, then up to `quotes` gained and lost quotes each."""
        if not self.changed:
            return ["no change: both codebooks give the same themes, occupations and quotes"]
        out = ["per theme:", _changed_rows(self.themes, "theme").to_string(index=False), "",
               "per occupation:", _changed_rows(self.occupations, "occupation").to_string(index=False)]
        for title, table in (("gained", self.gained), ("lost", self.lost)):
            out += ["", f"quotes {title}: {len(table):,}"]
            out += [f"  {row.transcript_id} {row.theme} [{row.term}] \"{row.matched_text}\" "
                    f"({row.similarity:g}): {row.sentence}" for row in table.head(quotes).itertuples()]
            if len(table) > quotes:
                out.append(f"  ... and {len(table) - quotes:,} more")
        return out


def preview(corpus: CachedCorpus, before: Scored, codebook: Codebook) -> CodebookDiff:
    """Score `codebook` on the corpus (reusing `before` for unchanged themes) and diff the two."""
    return diff_scores(before, corpus.score(codebook, base=before), sentence_of=corpus.sentence)


def diff_scores(before: Scored, after: Scored, *, sentence_of: SentenceOf | None = None) -> CodebookDiff:
    """Compare two scorings of the same corpus; `sentence_of(id, turn, start, end)` fills quote sentences."""
    theme_ids = list(dict.fromkeys([*after.codebook.theme_ids, *before.codebook.theme_ids]))
    differ = _themes_that_may_differ(before.codebook, after.codebook)
    gained_quotes = _quotes_only_in(after, before, sentence_of, differ)
    lost_quotes = _quotes_only_in(before, after, sentence_of, differ)
    gained_pairs = _pairs_only_in(after, before, differ)
    lost_pairs = _pairs_only_in(before, after, differ)
    themes = pd.DataFrame({"theme": theme_ids})
    themes["transcripts_before"] = _count_by(before.present, "theme", theme_ids)
    themes["transcripts_after"] = _count_by(after.present, "theme", theme_ids)
    themes["transcripts_gained"] = _count_by(gained_pairs, "theme", theme_ids)
    themes["transcripts_lost"] = _count_by(lost_pairs, "theme", theme_ids)
    themes["quotes_before"] = _count_by(before.hits, "theme", theme_ids)
    themes["quotes_after"] = _count_by(after.hits, "theme", theme_ids)
    themes["quotes_gained"] = _count_by(gained_quotes, "theme", theme_ids)
    themes["quotes_lost"] = _count_by(lost_quotes, "theme", theme_ids)
    occupations = _occupation_table(before, after, gained_pairs, lost_pairs, gained_quotes, lost_quotes)
    return CodebookDiff(themes, occupations, gained_quotes, lost_quotes)


def _themes_that_may_differ(before: Codebook, after: Codebook) -> set[str] | None:
    """Themes whose hits can differ between the two codebooks (None: all of them, the settings changed).
    Themes never affect each other, so a theme defined the same way gives the same rows: comparing only the
    others keeps a one-term edit's preview fast on a large corpus."""
    if before.settings != after.settings:
        return None
    old, new = {t.id: t for t in before.themes}, {t.id: t for t in after.themes}
    return {theme for theme in old.keys() | new.keys() if old.get(theme) != new.get(theme)}


def _only(table: pd.DataFrame, themes: set[str] | None) -> pd.DataFrame:
    return table if themes is None else table[table["theme"].isin(themes)]


def _pairs_only_in(one: Scored, other: Scored, themes: set[str] | None = None) -> pd.DataFrame:
    """(transcript_id, theme) present in `one` and not in `other`, with the transcript's occupation in `one`."""
    merged = _only(one.present, themes).merge(_only(other.present, themes), how="left", indicator=True)
    only = merged.loc[merged["_merge"] == "left_only", ["transcript_id", "theme"]]
    return only.merge(_occupations(one), on="transcript_id", how="left")


def _quotes_only_in(one: Scored, other: Scored, sentence_of: SentenceOf | None,
                    themes: set[str] | None = None) -> pd.DataFrame:
    merged = _only(one.hits, themes).merge(_only(other.hits, themes)[QUOTE_KEY], on=QUOTE_KEY, how="left",
                                           indicator=True)
    only = merged[merged["_merge"] == "left_only"].drop(columns="_merge")
    only = only.merge(_occupations(one), on="transcript_id", how="left")
    only["sentence"] = [sentence_of(row.transcript_id, int(row.turn), int(row.start), int(row.end))
                        if sentence_of else "" for row in only.itertuples()]
    return only.reindex(columns=QUOTE_COLUMNS).reset_index(drop=True)


def _occupations(scored: Scored) -> pd.DataFrame:
    return scored.transcripts[["transcript_id", "occupation"]] if len(scored.transcripts) else \
        pd.DataFrame({"transcript_id": pd.Series(dtype=str), "occupation": pd.Series(dtype=str)})


def _count_by(table: pd.DataFrame, column: str, keys: list[str]) -> list[int]:
    counts = table[column].value_counts() if len(table) else pd.Series(dtype=int)
    return [int(counts.get(key, 0)) for key in keys]


def _occupation_table(before: Scored, after: Scored, gained_pairs, lost_pairs, gained_quotes,
                      lost_quotes) -> pd.DataFrame:
    """Per occupation: transcripts assigned before and after, moved in and out, and the theme presences and
    quotes gained and lost in its transcripts (gains counted under the new occupation, losses the old)."""
    old, new = _occupations(before).set_index("transcript_id")["occupation"], \
        _occupations(after).set_index("transcript_id")["occupation"]
    both = pd.concat([old.rename("old"), new.rename("new")], axis=1)
    moved = both[both["old"] != both["new"]]
    keys = list(dict.fromkeys([*after.codebook.occupation_ids, *before.codebook.occupation_ids,
                               *old.dropna(), *new.dropna()]))
    return pd.DataFrame({
        "occupation": keys,
        "transcripts_before": _count_by(both.dropna(subset=["old"]), "old", keys),
        "transcripts_after": _count_by(both.dropna(subset=["new"]), "new", keys),
        "moved_in": _count_by(moved, "new", keys), "moved_out": _count_by(moved, "old", keys),
        "theme_transcripts_gained": _count_by(gained_pairs, "occupation", keys),
        "theme_transcripts_lost": _count_by(lost_pairs, "occupation", keys),
        "quotes_gained": _count_by(gained_quotes, "occupation", keys),
        "quotes_lost": _count_by(lost_quotes, "occupation", keys)})


def _changed_rows(table: pd.DataFrame, key: str) -> pd.DataFrame:
    """Only the rows where something moved (all rows' counts would bury the change)."""
    changes = [c for c in table.columns if c.endswith(("gained", "lost", "moved_in", "moved_out"))]
    changed = table[table[changes].to_numpy().any(axis=1)]
    return changed if len(changed) else pd.DataFrame({key: ["(no change)"]})
