"""A speaker-label edit scored from the kept texts: only the transcripts with a line starting with a label it changed.

The codebook's speaker labels decide only where a transcript's turns start and whose they are: a line starting
(after blanks) with a label, in any case (`core.ingest.turns.speaker_pattern`), takes the role of the list naming
it, the participant's when both do (`core.engine.turn_table.LabelSet`). Everything else about who is who (a
speakers table, names that say a role, the speaker asking the most questions) is decided when a file is read,
whatever the codebook, and is already written into the kept texts. So a transcript with no line starting with a
label the edit added, removed or moved to the other role (compared as the speaker regex compares, `re.I` on each
character) splits into exactly the same turns as before, and its hits, themes rows and occupation stay. The
others are split, tokenized and scored afresh from their kept texts as a shard of their own (`build_shard`, then
the one scoring) on the executor's workers; transcripts never affect each other, so their rows are those a fresh
run of the edit gives them. An edit of a label every transcript uses splits them all (still without a file read).

    fresh = relabelled_scores(folder, shard_count, kept_speakers, edited, executor)   # their rows alone
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import numpy as np

from core.codebook.model import Codebook
from core.engine import cache as kept
from core.engine.codebook_changes import changed_themes, occupations_differ
from core.engine.corpus import SpeakerConfig, build_shard
from core.engine.executor import Executor
from core.engine.fresh_order import merged_in_fresh_order, pair_keys
from core.engine.results import Analysis
from core.engine.shard_jobs import ShardJob, ShardScorer, empty_analysis, speakers_for
from core.ingest.model import LoadReport, RawTranscript
from core.ingest.turns import INTERVIEWER, PARTICIPANT


def only_labels_differ(before: Codebook, after: Codebook) -> bool:
    """Whether `after` scores as `before` would but for its speaker labels (which differ)."""
    s = before.settings
    labelled = replace(after, settings=replace(after.settings, interviewer_labels=s.interviewer_labels,
                                               participant_labels=s.participant_labels))
    return labelled.settings != after.settings and not changed_themes(before, labelled) \
        and not occupations_differ(before, labelled)


def changed_labels(before: SpeakerConfig, after: SpeakerConfig) -> tuple[str, ...]:
    """The labels whose role differs (added, removed, or moved to the other role), as either spells them and
    lower-cased (a regex compares characters one by one, `str.lower` may not: "İ" is two characters lower-cased).

    >>> changed_labels(SpeakerConfig(("AI",), ("User",)), SpeakerConfig(("AI", "Host"), ("user",)))
    ('Host', 'host')
    """
    old, new = _roles(before), _roles(after)
    differ = {label for label in old.keys() | new.keys() if old.get(label) != new.get(label)}
    spelled = [label for speakers in (before, after) for label in (*speakers.interviewer, *speakers.participant)
               if label.lower() in differ]
    return tuple(sorted({*differ, *spelled}))


def _roles(speakers: SpeakerConfig) -> dict[str, str]:
    """Each label (lower-cased) and its role: the participant's when both lists name it (as `LabelSet`)."""
    participant = {label.lower() for label in speakers.participant}
    return {label.lower(): PARTICIPANT if label.lower() in participant else INTERVIEWER
            for label in (*speakers.interviewer, *speakers.participant)}


def label_search(labels: Iterable[str]) -> bytes:
    """A regex over UTF-8 bytes finding any of `labels` wherever the speaker regex (`re.I`, on the decoded text)
    could match it: each character as the alternatives of every character `re.I` matches it with ("s" also
    matches "ſ", "k" the Kelvin sign), so the search is never narrower than the split.

    >>> re.search(label_search(["Host"]), "HoſT: hi".encode()) is not None
    True
    """
    return b"|".join(b"".join(_alternatives(character) for character in label) for label in labels)


@cache
def _alternatives(character: str) -> bytes:
    """`character` as a bytes regex of the UTF-8 of every character `re.I` matches it with (found once per
    character among every code point: about 10 ms)."""
    return b"(?:" + b"|".join(re.escape(c.encode("utf-8", errors="surrogatepass"))
                              for c in _same_characters(character)) + b")"


@cache
def _same_characters(character: str) -> tuple[str, ...]:
    """Every character `re.I` matches `character` with, itself included."""
    return tuple(sorted(set(re.findall(re.escape(character), _every_character(), re.I)) | {character}))


@cache
def _every_character() -> str:
    return "".join(map(chr, range(0x110000)))


@dataclass(frozen=True)
class LabelSearch:
    """Where a label may start a turn: a line (after the blanks the speaker regex allows) starting with one,
    searched in a shard's UTF-8 texts without decoding them. Lines are found with numpy and only those whose
    first byte can begin a label (or a blank) are matched, so most of the text is never scanned by a regex."""

    pattern: bytes      # blanks, then `label_search` of the labels
    first_bytes: bytes  # the bytes a line holding a label can start with

    @classmethod
    def of(cls, labels: Iterable[str]) -> LabelSearch:
        labels = tuple(labels)
        if not labels:  # an edit of the labels' case alone: no line splits differently
            return cls(b"", b"")
        firsts = {c.encode("utf-8", errors="surrogatepass")[0] for label in labels if label
                  for c in _same_characters(label[0])} | {ord(" "), ord("\t")}
        every = not all(labels)  # an empty label starts every line
        return cls(b"[ \t]*(?:" + label_search(labels) + b")", bytes(range(256)) if every else bytes(sorted(firsts)))

    def holding(self, texts: kept.ShardTexts) -> list[int]:
        """The positions of the texts with a line starting with a label (a match never runs into the next text)."""
        if not self.first_bytes:
            return []
        buffer, starts = texts.utf8()
        data, bounds = np.asarray(buffer, dtype=np.uint8), np.asarray(starts, dtype=np.int64)
        lines = np.concatenate((bounds[:-1], np.flatnonzero(data == 10) + 1))
        lines = lines[lines < len(data)]
        lines = np.unique(lines[np.isin(data[lines], np.frombuffer(self.first_bytes, dtype=np.uint8))])
        text_of = np.searchsorted(bounds, lines, side="right") - 1
        label, view = re.compile(self.pattern), data.data  # the bytes as a buffer: matched in place
        found: set[int] = set()
        for at, number in zip(lines.tolist(), text_of.tolist()):
            if number not in found and label.match(view, at, starts[number + 1]) is not None:
                found.add(number)
        return sorted(found)


@dataclass(frozen=True)
class RelabelledScorer:
    """Scores a kept shard's transcripts in which `search` finds a line starting with a changed label, split with
    the edited codebook's labels: a picklable function of a `ShardJob`, so an executor's workers read the texts."""

    scorer: ShardScorer  # the edited codebook
    search: LabelSearch  # of the changed labels

    def __call__(self, job: ShardJob) -> Analysis | None:
        """The shard's rows of those transcripts; None when it has none."""
        texts, table = kept.kept_texts(Path(job.folder), job.number)
        found = self.search.holding(texts)
        if not found:
            return None
        transcripts = [RawTranscript(table["id"][d], texts[d], table["source"][d], json.loads(table["attributes"][d]))
                       for d in found]
        return self.scorer.score(build_shard(transcripts, speakers_for(self.scorer.codebook), LoadReport()))


def relabelled_scores(folder: Path, shard_count: int, speakers: SpeakerConfig, codebook: Codebook,
                      executor: Executor | None) -> Analysis:
    """The rows `codebook` gives the transcripts of the kept shards (split with `speakers`) with a line starting
    with a label the two differ in, scored afresh, in the corpus's order; on the executor's workers when given."""
    scorer = RelabelledScorer(ShardScorer(codebook), LabelSearch.of(changed_labels(speakers, speakers_for(codebook))))
    jobs = [ShardJob(str(folder), number) for number in range(shard_count)]
    parts = list(executor.map(scorer, jobs)) if executor is not None else [scorer(job) for job in jobs]
    return Analysis.concat([part for part in parts if part is not None] or [empty_analysis(codebook)])


def with_fresh_rows(base: Analysis, changes: Analysis, ids: list[str]) -> Analysis:
    """The whole analysis of a label edit: `base`'s rows, those of the transcripts scored afresh (`changes`: every
    transcript's row, and the themes, hits and cancelled rows of those scored afresh) replaced by theirs, in a
    fresh run's order."""
    codebook, themes = changes.codebook, len(changes.codebook.theme_ids)
    scored = pair_keys(changes.themes, codebook.theme_ids, ids) // themes  # the transcripts scored afresh
    pairs = (np.unique(scored[scored >= 0])[:, None] * themes + np.arange(themes)).ravel()  # their every pair
    every = set(codebook.theme_ids)
    tables = (merged_in_fresh_order(old, new, set(), codebook, ids, *within, scored_pairs=pairs, scoped=every)
              for old, new, within in ((base.themes, changes.themes, ()), (base.hits, changes.hits, ("start",)),
                                       (base.cancelled, changes.cancelled, ("start",))))
    themes_rows, hits, cancelled = tables
    return base.with_tables(codebook, changes.transcripts, themes_rows, hits, cancelled=cancelled)
