from dataclasses import replace

import pytest
from workbench_data import CODEBOOK, edited, workbench

from core import parse_codebook
from core.workbench.lint import ERROR, RULES, WARNING, clearly_over, lint, lint_summary
from core.workbench.terms import term_report


@pytest.fixture(scope="module")
def findings():
    corpus, scored = workbench()
    # every rule, and unused terms reported on these 3 transcripts (by default only from 500 on)
    return lint(term_report(corpus, scored), scored.codebook, rules=list(RULES), unused_min_transcripts=1)


@pytest.mark.parametrize("rule, severity, line, column, message", [
    ("silent-theme", ERROR, 23, 5, "theme `art` has no hits in 3 transcripts"),
    ("shared-occupation-term", ERROR, 33, 13,
     "term `teacher` is in occupation `education` and in occupation `it_software` (line 30)"),
    ("shared-term", WARNING, 22, 9, "term `double check` is in theme `worry` and in theme `accuracy` (line 11)"),
    ("unused-term", WARNING, 12, 9, "theme `accuracy`: term `hallucinate` has no hits in 3 transcripts"),
    ("unused-term", WARNING, 26, 13, "theme `art`: term `painting` has no hits in 3 transcripts"),
])
def test_each_finding_names_the_rule_and_codebook_line(findings, rule, severity, line, column, message):
    found = [f for f in findings if f.rule == rule and f.message == message]
    assert len(found) == 1, [str(f) for f in findings]
    assert (found[0].severity, found[0].file, found[0].line, found[0].column) == \
        (severity, str(CODEBOOK), line, column)


@pytest.mark.parametrize("code, rules", [
    ("art", ["silent-theme", "unused-term"]),
    ("accuracy", ["shared-term", "unused-term"]),   # also named by worry's shared term
    ("worry", ["shared-term"]),
    ("education", ["shared-occupation-term"]),
    ("it_software", ["shared-occupation-term"]),
    ("scheduling", []),   # `schedule` in 2 of 3 transcripts is not clearly over a half
])
def test_each_finding_names_its_code(findings, code, rules):
    assert sorted(f.rule for f in findings if f.about(code)) == sorted(rules)


def test_the_code_of_a_shared_term_is_where_it_is_listed_again(findings):
    shared = next(f for f in findings if f.rule == "shared-term")
    assert (shared.code, shared.related) == ("worry", ("accuracy",))
    assert {f.code for f in findings if f.rule == "silent-theme"} == {"art"}


def test_findings_are_errors_first_and_nothing_else_is_reported(findings):
    assert len(findings) == 5
    assert [f.severity for f in findings] == [ERROR] * 2 + [WARNING] * 3
    assert lint_summary(findings) == "2 error(s), 3 warning(s)"


def test_a_finding_prints_as_file_line_column_with_a_fix(findings):
    text = str(findings[0])
    assert text.startswith(f"{CODEBOOK}:23:5: error [silent-theme] theme `art` has no hits")
    assert "Fix: add the words participants use" in text


def test_fixing_the_codebook_clears_the_errors():
    corpus, scored = workbench()
    fixed = edited("terms: [painting]", "terms: [nothing]")
    fixed = parse_codebook(fixed.text.replace("terms: [sysadmin, teacher]", "terms: [sysadmin]"))
    findings = lint(term_report(corpus, corpus.score(fixed, base=scored)), fixed)
    assert [f for f in findings if f.severity == ERROR] == []


def test_rules_can_be_chosen_by_name():
    corpus, scored = workbench()
    only = lint(term_report(corpus, scored), scored.codebook, rules=["unused-term"], unused_min_transcripts=1)
    assert {f.rule for f in only} == {"unused-term"} and len(only) == 2
    assert set(RULES) == {"silent-theme", "shared-occupation-term", "shared-term", "unused-term", "broad-term",
                          "covered-term"}


def test_by_default_a_small_corpus_gets_no_unused_term_and_no_shared_theme_term_warnings():
    corpus, scored = workbench()
    rules = {f.rule for f in lint(term_report(corpus, scored), scored.codebook)}
    assert rules == {"silent-theme", "shared-occupation-term"}


@pytest.mark.parametrize("count, n, over", [(25, 44, False), (2, 3, False), (850, 1250, True), (40, 44, True),
                                            (600, 1250, False), (0, 0, False)])
def test_a_term_is_broad_only_when_clearly_over_half(count, n, over):
    assert clearly_over(count, n, 0.5) is over


def test_the_shipped_data_lints_clean_with_strict(tmp_path, capsys):
    from core.cli.main import main
    root = CODEBOOK.parents[3]
    assert main(["lint", "--data", str(root / "data"), "--codebook", str(root / "config" / "codebook.yaml"),
                 "--cache-dir", str(tmp_path), "--strict"]) == 0
    assert "0 error(s), 0 warning(s) on " in capsys.readouterr().out


def test_a_codebook_without_text_still_lints_without_lines():
    corpus, scored = workbench()
    bare = replace(scored.codebook, text="")
    found = lint(term_report(corpus, replace(scored, codebook=bare)), bare, rules=["silent-theme"])
    assert [(f.line, f.column) for f in found] == [(None, None)]
    assert str(found[0]).startswith(f"{CODEBOOK}: error [silent-theme]")


# ---------------------------------------------------------------- the CLI twin
def test_cli_lint_prints_findings_and_exits_1_on_errors(tmp_path, capsys):
    from workbench_data import TRANSCRIPTS

    from core.cli.main import main
    code = main(["lint", "--codebook", str(CODEBOOK), "--data", str(TRANSCRIPTS), "--cache-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1
    assert f"{CODEBOOK}:23:5: error [silent-theme] theme `art` has no hits in 3 transcripts" in out
    assert out.rstrip().endswith(f"{CODEBOOK}: 2 error(s), 0 warning(s) on 3 transcripts")


@pytest.mark.parametrize("options, code", [(["--rule", "shared-term"], 0), (["--rule", "shared-term", "--strict"], 1),
                                           (["--rule", "no-such-rule"], 2)])
def test_cli_lint_exit_codes(tmp_path, capsys, options, code):
    from workbench_data import TRANSCRIPTS

    from core.cli.main import main
    assert main(["lint", "--codebook", str(CODEBOOK), "--data", str(TRANSCRIPTS), "--cache-dir", str(tmp_path),
                 *options]) == code
    if code == 2:
        assert "unknown lint rule(s): no-such-rule" in capsys.readouterr().err
