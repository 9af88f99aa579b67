"""Codebook lint on a corpus: terms and themes that do not work as their author meant, with codebook lines.

    findings = lint(term_report(corpus, analysis), analysis.codebook)
    for finding in findings: print(finding)   # config/codebook.yaml:140:9: warning [unused-term] ...

Each rule is a small function in `RULES`, looked up by name. Errors are findings worth failing CI on (a
theme that never fires; a term listed under two occupations, which compete for every transcript); warnings
ask for a look (unused terms on a corpus large enough to say so, terms clearly in more than half of all
transcripts). Two rules run only when named (`rules=[...]`, `--rule`): a term under two themes (often meant,
since themes do not compete) and a term covered by a sibling (redundant, harmless).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import yaml

from core.codebook.model import Codebook
from core.workbench.terms import KINDS, TermReport

ERROR, WARNING = "error", "warning"
BROAD_SHARE = 0.5  # a term in more than half of all transcripts says little about any one of them
# Below this many transcripts a term's absence says more about the corpus than about the term (the default
# codebook has ~1,200 terms for any interview about AI at work; 44 demo interviews cannot use them all)
UNUSED_MIN_TRANSCRIPTS = 500
Z95 = 1.96


@dataclass(frozen=True)
class Finding:
    """One lint result: which rule, how serious, where in the codebook, what and how to fix it."""

    rule: str
    severity: str
    message: str
    hint: str
    file: str
    line: int | None = None
    column: int | None = None
    code: str = ""                  # the theme or occupation id it is about
    related: tuple[str, ...] = ()   # other codes it names (the first owner of a shared term)

    def about(self, code_id: str) -> bool:
        """Does this finding concern theme or occupation `code_id`?

        >>> Finding("shared-term", WARNING, "", "", "cb.yaml", code="worry", related=("accuracy",)).about("accuracy")
        True
        """
        return code_id == self.code or code_id in self.related

    def __str__(self) -> str:
        where = self.file + "".join(f":{n}" for n in (self.line, self.column) if n is not None)
        return f"{where}: {self.severity} [{self.rule}] {self.message}. Fix: {self.hint}"


class Positions:
    """Where each code and term starts in the codebook's YAML text (line and column, 1-based)."""

    def __init__(self, codebook: Codebook):
        self.source = codebook.source
        self._at: dict[tuple, tuple[int, int]] = {}
        try:
            root = yaml.compose(codebook.text, Loader=yaml.SafeLoader) if codebook.text else None
        except yaml.YAMLError:
            root = None  # a codebook built in code has no text to point into
        for section in KINDS.values():
            for code_index, code_node in enumerate(_items(_value(root, section))):
                self._at[(section, code_index)] = _start(code_node)
                for term_index, term_node in enumerate(_items(_value(code_node, "terms"))):
                    self._at[(section, code_index, term_index)] = _start(term_node)

    def of(self, kind: str, code_index: int, term_index: int | None = None) -> tuple[int | None, int | None]:
        key = (KINDS[kind], code_index) if term_index is None else (KINDS[kind], code_index, term_index)
        return self._at.get(key, (None, None))


def _value(node, key: str):
    if isinstance(node, yaml.MappingNode):
        return next((value for k, value in node.value if k.value == key), None)
    return None


def _items(node) -> list:
    return node.value if isinstance(node, yaml.SequenceNode) else []


def _start(node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


# ---------------------------------------------------------------- the rules
@dataclass(frozen=True)
class Context:
    report: TermReport
    codebook: Codebook
    positions: Positions
    unused_min_transcripts: int = UNUSED_MIN_TRANSCRIPTS

    def code_index(self, kind: str, code_id: str) -> int:
        return next(i for i, code in enumerate(getattr(self.codebook, KINDS[kind])) if code.id == code_id)

    def finding(self, rule: str, message: str, kind: str, code: str, term_index: int | None = None, *,
                related: tuple[str, ...] = ()) -> Finding:
        line, column = self.positions.of(kind, self.code_index(kind, code), term_index)
        return Finding(rule, RULES[rule].severity, message, RULES[rule].hint, self.positions.source, line, column,
                       code, related)


def _unused_terms(ctx: Context) -> Iterator[Finding]:
    """Terms with no hits, on a corpus large enough for that to mean something; a term whose words are all
    claimed by a sibling term is not unused (see `covered_by`), and the rule `covered-term` names it."""
    if ctx.report.n_transcripts < ctx.unused_min_transcripts:
        return
    terms = ctx.report.terms
    for row in terms[(terms["hits"] == 0) & (terms["covered_by"] == "")].itertuples():
        yield ctx.finding("unused-term", f"{row.kind} `{row.code}`: term `{row.term}` has no hits in "
                          f"{ctx.report.n_transcripts:,} transcripts", row.kind, row.code, row.term_index)


def _covered_terms(ctx: Context) -> Iterator[Finding]:
    """A term listed beside a sibling that already matches every form of it adds nothing."""
    terms = ctx.report.terms
    for row in terms[terms["covered_by"] != ""].itertuples():
        yield ctx.finding("covered-term", f"{row.kind} `{row.code}`: term `{row.term}` is covered by "
                          f"`{row.covered_by}` (its hits are counted under that term)", row.kind, row.code,
                          row.term_index)


def clearly_over(count: int, n: int, share: float) -> bool:
    """Is the lower end of the 95% Wilson interval of count/n above `share`? On 44 transcripts 25 (57%) is
    not clearly over a half; on 1,250, 850 (68%) is.

    >>> clearly_over(25, 44, 0.5), clearly_over(850, 1250, 0.5)
    (False, True)
    """
    if n == 0:
        return False
    p, z2 = count / n, Z95 ** 2
    centre, spread = p + z2 / (2 * n), Z95 * (p * (1 - p) / n + z2 / (4 * n * n)) ** 0.5
    return (centre - spread) / (1 + z2 / n) > share


def _broad_terms(ctx: Context) -> Iterator[Finding]:
    n = ctx.report.n_transcripts
    terms = ctx.report.terms
    for row in terms[[clearly_over(t, n, BROAD_SHARE) for t in terms["transcripts"]]].itertuples():
        yield ctx.finding("broad-term", f"{row.kind} `{row.code}`: term `{row.term}` matches in {row.transcripts:,}"
                          f" of {ctx.report.n_transcripts:,} transcripts ({row.share:.0%})", row.kind, row.code,
                          row.term_index)


def _shared_terms(kind: str, rule: str) -> Callable[[Context], Iterator[Finding]]:
    """The same words listed under two codes of one kind count as evidence for both."""
    def check(ctx: Context) -> Iterator[Finding]:
        first_seen: dict[tuple[str, ...], tuple[str, int]] = {}
        for code in getattr(ctx.codebook, KINDS[kind]):
            for term_index, term in enumerate(code.terms):
                owner = first_seen.setdefault(term.words, (code.id, term_index))
                if owner[0] != code.id:
                    line, _ = ctx.positions.of(kind, ctx.code_index(kind, owner[0]), owner[1])
                    yield ctx.finding(rule, f"term `{term.text}` is in {kind} `{code.id}` and in {kind} "
                                      f"`{owner[0]}`" + (f" (line {line})" if line else ""), kind, code.id,
                                      term_index, related=(owner[0],))
    return check


def _silent_themes(ctx: Context) -> Iterator[Finding]:
    hits = ctx.report.terms[ctx.report.terms["kind"] == "theme"].groupby("code")["hits"].sum()
    for theme in ctx.codebook.themes:
        if hits.get(theme.id, 0) == 0:
            yield ctx.finding("silent-theme", f"theme `{theme.id}` has no hits in {ctx.report.n_transcripts:,} "
                              "transcripts", "theme", theme.id)


@dataclass(frozen=True)
class Rule:
    severity: str
    hint: str
    check: Callable[[Context], Iterator[Finding]]
    by_default: bool = True


RULES: dict[str, Rule] = {
    "silent-theme": Rule(ERROR, "add the words participants use for it (see `themescope terms` near misses), "
                         "or remove the theme", _silent_themes),
    # occupations compete for each transcript, so a shared term can only produce ties: an error; themes do
    # not compete, and a term may fairly signal two of them: a warning
    "shared-occupation-term": Rule(ERROR, "keep the term under the one occupation it signals best",
                                   _shared_terms("occupation", "shared-occupation-term")),
    # themes do not compete: a term under two themes is often meant (`pass off` is delegation and stigma), so
    # this rule runs only when asked for (`--rule shared-term`)
    "shared-term": Rule(WARNING, "keep the term under the one theme it signals best, unless it truly signals "
                        "both", _shared_terms("theme", "shared-term"), by_default=False),
    "unused-term": Rule(WARNING, "check its spelling, or remove it if this corpus never uses it", _unused_terms),
    # a redundant term does no harm (its words are counted under the sibling): a clean-up, asked for by name
    "covered-term": Rule(WARNING, "remove it: its sibling term already matches its words", _covered_terms,
                         by_default=False),
    "broad-term": Rule(WARNING, "use a more specific phrase, an `exclude`, or a lower `weight`", _broad_terms),
}


def lint(report: TermReport, codebook: Codebook, *, rules: list[str] | None = None,
         unused_min_transcripts: int = UNUSED_MIN_TRANSCRIPTS) -> list[Finding]:
    """Every finding of the given rules (default: every rule on by default), errors first, then in codebook
    order."""
    ctx = Context(report, codebook, Positions(codebook), unused_min_transcripts)
    chosen = rules or [name for name, rule in RULES.items() if rule.by_default]
    findings = [f for name in chosen for f in RULES[name].check(ctx)]
    return sorted(findings, key=lambda f: (f.severity != ERROR, f.line or 0, f.rule))


def lint_summary(findings: list[Finding]) -> str:
    errors = sum(f.severity == ERROR for f in findings)
    return f"{errors} error(s), {len(findings) - errors} warning(s)"
