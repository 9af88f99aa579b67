"""Hand-coding labels and how well the codebook agrees with them.

Labels are a small YAML file (see benchmarks/labels/README.md):

    coder: team-a
    transcripts:
      work_0121: {occupation: it_software, present: [coding, time_savings]}

A transcript's `absent` list is optional: without it, every theme not listed as present counts as absent.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import yaml

from core.errors import LabelsError, Problem  # LabelsError lives in core.errors; still importable from here

if TYPE_CHECKING:  # types only: reading labels and counting agreement need no engine
    from core.engine.results import Analysis
    from core.workbench.diff import EditedRows


@dataclass(frozen=True)
class TranscriptLabel:
    occupation: str | None
    present: frozenset[str]
    absent: frozenset[str] | None  # None: every theme not present is absent


@dataclass(frozen=True)
class MissedPassage:
    """A passage the codebook missed: text[start:end] of the transcript is evidence of the theme, so the
    theme is present in that transcript (counted for recall, and a positive example for suggestions)."""

    transcript: str
    theme: str
    start: int
    end: int

    @property
    def key(self) -> tuple[str, str, int, int]:
        return self.transcript, self.theme, self.start, self.end


@dataclass(frozen=True)
class Labels:
    coder: str
    transcripts: dict[str, TranscriptLabel]
    source: str = ""
    missed: tuple[MissedPassage, ...] = ()  # the `missed:` lists of the files, each passage once


def read_labels(*paths: str | Path) -> Labels:
    """Read and merge label files (a later file's entry for the same id wins)."""
    merged: dict[str, TranscriptLabel] = {}
    missed: dict[tuple, MissedPassage] = {}
    coders = []
    for path in paths:
        data = load_labels_document(Path(path))
        coders.append(str(data.get("coder", Path(path).stem)))
        for transcript_id, entry in (data.get("transcripts") or {}).items():
            merged[str(transcript_id)] = _label(entry or {}, Path(path), transcript_id)
        missed |= {passage.key: passage for passage in missed_passages(data, Path(path))}
    return Labels(coder="+".join(dict.fromkeys(coders)), transcripts=merged,
                  source=", ".join(map(str, paths)), missed=tuple(missed.values()))


LABELS_MAX_BYTES = 20_000_000  # ~200,000 marks; a labels file past this is not a hand-coding file
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when installed: a mark rereads the whole file


def load_labels_document(path: Path) -> dict:
    """A labels file as plain data ({} for an empty file), or LabelsError naming the file and line.
    Refuses YAML anchors and aliases (a few lines of them expand to billions of entries when a mark rewrites
    the file) and files over LABELS_MAX_BYTES."""
    try:
        text = _labels_text(path)
    except OSError as exc:
        raise LabelsError(str(Problem(str(path), f"cannot read labels: {exc.strerror}"))) from None
    except UnicodeDecodeError:
        raise LabelsError(str(Problem(str(path), "the labels file is not UTF-8 text")),
                          hint="save it as UTF-8") from None
    known = RECENT_LABELS.get(text)
    if known is None:
        known = _parsed_labels(text, path)
        RECENT_LABELS.put(text, known)
    return known


def _parsed_labels(text: str, path: Path) -> dict:
    try:
        _refuse_aliases(text, path)
        document = yaml.load(text, Loader=_LOADER) or {}  # a safe loader: no tags, no code
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise LabelsError(str(Problem(str(path), f"invalid YAML: {getattr(exc, 'problem', exc)}",
                                      line=mark.line + 1 if mark else None))) from None
    if not isinstance(document, dict) or not isinstance(document.get("transcripts") or {}, dict) \
            or not isinstance(document.get("quotes") or [], list) or not isinstance(document.get("missed") or [], list):
        raise LabelsError(str(Problem(str(path), "labels need a `transcripts:` mapping and optional "
                                      "`quotes:` and `missed:` lists", hint="see benchmarks/labels/README.md")))
    return document


class RecentLabels:
    """The documents of the last few labels texts read or written in this process, keyed by the whole text
    (so a file changed by anyone is never served stale). Every mark re-reads the file the previous mark has
    just written, and parsing the YAML is most of a mark's time. Documents are copied in and out, so no two
    callers (sessions, threads) ever share one."""

    def __init__(self, size: int = 8):
        self._documents: OrderedDict[str, dict] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, text: str) -> dict | None:
        with self._lock:
            document = self._documents.get(text)
            if document is not None:
                self._documents.move_to_end(text)
        return None if document is None else _copied(document)

    def put(self, text: str, document: dict) -> None:
        """Remember `document` as what `text` reads as (a writer passes the document it rendered as text)."""
        copied = _copied(document)
        with self._lock:
            self._documents[text] = copied
            self._documents.move_to_end(text)
            while len(self._documents) > self._size:
                self._documents.popitem(last=False)


def _copied(value):
    """A copy of plain YAML data (mappings and lists copied, scalars shared: they are immutable)."""
    if isinstance(value, dict):
        return {key: _copied(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copied(item) for item in value]
    return value


RECENT_LABELS = RecentLabels()


def _labels_text(path: Path) -> str:
    size = path.stat().st_size
    if size > LABELS_MAX_BYTES:
        raise LabelsError(str(Problem(str(path), f"the labels file is {size:,} bytes, more than the "
                                      f"{LABELS_MAX_BYTES:,} a labels file may be")),
                          hint="split it into several labels files, or check that it is a labels file at all")
    return path.read_text(encoding="utf-8")


def _refuse_aliases(text: str, path: Path) -> None:
    for event in yaml.parse(text, Loader=_LOADER):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise LabelsError(str(Problem(str(path), "YAML anchors and aliases (& and *) are not allowed in labels",
                                          line=event.start_mark.line + 1, column=event.start_mark.column + 1)),
                              hint="write each mark out in full")


def _label(entry: dict, path: Path, transcript_id) -> TranscriptLabel:
    if not isinstance(entry, dict):
        raise LabelsError(str(Problem(str(path), f"entry for {transcript_id} must be a mapping")))
    absent = entry.get("absent")
    return TranscriptLabel(occupation=entry.get("occupation"), present=frozenset(entry.get("present") or ()),
                           absent=None if absent is None else frozenset(absent))


# ---------------------------------------------------------------- missed passages (the `missed:` list)
MISSED_KEYS = ("transcript", "theme", "start", "end")
MISSED_COLUMNS = ["theme", "transcript_id", "start", "end", "found_now"]


def missed_passages(document: dict, path: Path) -> list[MissedPassage]:
    """The `missed:` list of a labels document; LabelsError naming the file, line and fix for a bad entry."""
    entries = document.get("missed") or []
    lines = _item_lines(path, "missed") if entries else []
    return [_missed(entry, path, lines[n] if n < len(lines) else None) for n, entry in enumerate(entries)]


def _missed(entry, path: Path, line: int | None) -> MissedPassage:
    problem = _missed_problem(entry)
    if problem:
        raise LabelsError(str(Problem(str(path), problem, line=line, key="missed",
                                      hint="write {transcript: ID, theme: ID, start: N, end: N}")))
    return MissedPassage(str(entry["transcript"]), str(entry["theme"]), entry["start"], entry["end"])


def _missed_problem(entry) -> str | None:
    if not isinstance(entry, dict):
        return "a missed passage must be a mapping"
    lacking = [k for k in MISSED_KEYS if k not in entry]
    if lacking:
        return "missed passage without " + ", ".join(lacking)
    if not all(isinstance(entry[k], int) and not isinstance(entry[k], bool) for k in ("start", "end")):
        return "missed passage start and end must be whole numbers"
    if not 0 <= entry["start"] < entry["end"]:
        return "missed passage start must be below its end (character offsets, from 0)"
    return None


def _item_lines(path: Path, key: str) -> list[int]:
    """The line of each item of a top-level list, for error messages."""
    root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    items = next((v for k, v in root.value if k.value == key), None) if isinstance(root, yaml.MappingNode) else None
    return [item.start_mark.line + 1 for item in items.value] if isinstance(items, yaml.SequenceNode) else []


def missed_table(labels: Labels, present: pd.Series, known: set[str]) -> pd.DataFrame:
    """MISSED_COLUMNS: every missed passage in the data, per theme, and whether the codebook now finds the
    theme in that transcript (`present`: transcript_id -> set of themes found)."""
    rows = [(m.theme, m.transcript, m.start, m.end, m.theme in present.get(m.transcript, set()))
            for m in labels.missed if m.transcript in known]
    return pd.DataFrame(rows, columns=MISSED_COLUMNS).sort_values(["theme", "transcript_id", "start"],
                                                                  ignore_index=True)


@dataclass
class Evaluation:
    n: int
    occupation_accuracy: float
    occupations: pd.DataFrame  # transcript_id, expected, predicted
    themes: pd.DataFrame       # theme, tp, fp, fn, tn, precision, recall, f1
    macro_f1: float
    missing: list[str]
    missed: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=MISSED_COLUMNS))

    def macro_averages(self) -> dict[str, float]:
        """Precision, recall and F1 averaged over the themes (0.0 each with no theme): the numbers the
        codebook preview compares, saved against edited.

        evaluation.macro_averages()
        {'precision': 0.75, 'recall': 0.5, 'f1': 0.58}
        """
        return macro_averages(self.themes)

    def lines(self) -> list[str]:
        out = [f"{self.n} labelled transcripts scored ({len(self.missing)} labelled ids not in the data)",
               f"occupation accuracy: {self.occupation_accuracy:.1%}", f"theme macro F1: {self.macro_f1:.3f}", ""]
        shown = self.themes.copy()
        for column in ("precision", "recall", "f1"):
            shown[column] = shown[column].map(lambda v: f"{v:.2f}")
        out.append(shown.to_string(index=False))
        wrong = self.occupations[self.occupations["expected"] != self.occupations["predicted"]]
        if len(wrong):
            out += ["", "occupation disagreements:", wrong.to_string(index=False)]
        if len(self.missed):
            out += ["", f"passages the codebook missed ({len(self.missed)}; counted as the theme present):",
                    self.missed.to_string(index=False)]
        return out


def evaluate(transcripts: pd.DataFrame, themes: pd.DataFrame, labels: Labels, theme_ids: list[str]) -> Evaluation:
    """Compare scores with labels: occupation accuracy, and per theme precision, recall and F1."""
    named = named_transcripts(labels)
    labelled = transcripts[transcripts["transcript_id"].isin(named)]  # a set of 80,000 ids alone took 0.1 s
    known = set(labelled["transcript_id"])
    ids = [i for i in labels.transcripts if i in known]
    predicted_occupation = labelled.set_index("transcript_id")["occupation"]
    occupations = pd.DataFrame({"transcript_id": ids,
                                "expected": [labels.transcripts[i].occupation for i in ids],
                                "predicted": [predicted_occupation[i] for i in ids]})
    with_occupation = occupations[occupations["expected"].notna()]
    right = with_occupation["expected"] == with_occupation["predicted"]
    accuracy = float(right.mean()) if len(with_occupation) else 0.0
    present = _present_in(themes, named)
    rows = [_theme_counts(theme, ids, labels, present, _missed_in(labels, theme, known)) for theme in theme_ids]
    table = pd.DataFrame(rows)
    return Evaluation(n=len(ids), occupation_accuracy=accuracy, occupations=occupations, themes=table,
                      macro_f1=macro_averages(table)["f1"],
                      missing=[i for i in labels.transcripts if i not in known],
                      missed=missed_table(labels, present, known))


def evaluate_edit(before: Analysis, edited: EditedRows, labels: Labels) -> Evaluation:
    """`evaluate` of an edited codebook a preview scored (`core.workbench.diff.scored_preview`), the same as of a
    fresh run of it: only the themes rows of the transcripts the labels name (coded, or holding a missed
    passage) are made, from the rows the preview scored and `before`'s: thousands of rows, never millions.

        evaluate_edit(analysis, scored_preview(corpus, analysis, edited)[1], labels).macro_averages()
    """
    themes = edited.themes_of(before, named_transcripts(labels))
    return evaluate(edited.transcripts, themes, labels, edited.codebook.theme_ids)


def named_transcripts(labels: Labels) -> list[str]:
    """The transcripts labels say anything about: those coded, and those holding a missed passage (which codes
    the transcript by itself), each once."""
    return list(dict.fromkeys([*labels.transcripts, *(passage.transcript for passage in labels.missed)]))


def _present_in(themes: pd.DataFrame, transcript_ids: list[str]) -> pd.Series:
    """transcript_id -> the set of themes present, of these transcripts only: the sets of every transcript of a
    large corpus took seconds (3.5 s at 80,000), on every run of a Codebook page with hand coding loaded."""
    present = themes[themes["present"] == 1]
    return present[present["transcript_id"].isin(transcript_ids)].groupby("transcript_id")["theme"].agg(set)


def _missed_in(labels: Labels, theme: str, known: set[str]) -> set[str]:
    """Transcripts in the data with a missed passage of the theme: the theme is present there."""
    return {m.transcript for m in labels.missed if m.theme == theme and m.transcript in known}


def macro_averages(themes: pd.DataFrame) -> dict[str, float]:
    """The mean precision, recall and F1 of a per-theme table (`Evaluation.themes`); 0.0 each when empty.

    >>> macro_averages(pd.DataFrame({"precision": [1.0, 0.5], "recall": [0.5, 0.5], "f1": [0.6, 0.4]}))
    {'precision': 0.75, 'recall': 0.5, 'f1': 0.5}
    """
    return {column: float(themes[column].mean()) if len(themes) else 0.0 for column in ("precision", "recall", "f1")}


def _theme_counts(theme: str, ids: list[str], labels: Labels, present: pd.Series, missed: set[str]) -> dict:
    tp = fp = fn = tn = 0
    for transcript_id in [*ids, *sorted(missed - set(ids))]:  # a missed passage codes a transcript by itself
        label = labels.transcripts.get(transcript_id)
        predicted = theme in present.get(transcript_id, set())
        if transcript_id in missed or label is None or theme in label.present:  # None: only a missed passage
            expected = True
        elif label.absent is None or theme in label.absent:
            expected = False
        else:
            continue  # not coded for this theme
        tp += predicted and expected
        fp += predicted and not expected
        fn += expected and not predicted
        tn += not predicted and not expected
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"theme": theme, "tp": tp, "fp": fp, "fn": fn, "tn": tn, "precision": precision, "recall": recall,
            "f1": f1}
