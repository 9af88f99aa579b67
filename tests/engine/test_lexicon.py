"""core.engine.lexicon and the matcher's real-word guard: a different real word is never a typo of a term
word; inflections, British/American spellings, derived forms and true typos still match."""
from __future__ import annotations

import pytest

from core.codebook.model import parse_codebook
from core.engine import lexicon
from core.engine.matcher import VocabularyMatcher
from core.engine.term_index import TermIndex, WordRule

# (term word, a different real word that looks like it): must never match, at any typo threshold down to 75
CONFUSABLE = [
    ("spelling", "selling"), ("threat", "treat"), ("iterative", "interactive"), ("learning", "leaning"),
    ("livelihood", "likelihood"), ("oversight", "overnight"), ("delegating", "deleting"), ("deprecated", "depreciated"),
    ("calendar", "calender"), ("misinformation", "information"), ("quite", "quiet"), ("affect", "effect"),
    ("costume", "custom"), ("desert", "dessert"), ("principal", "principle"), ("stationary", "stationery"),
    ("complement", "compliment"), ("adapt", "adopt"), ("breath", "breadth"), ("casual", "causal"),
    ("council", "counsel"), ("device", "devise"), ("formerly", "formally"), ("later", "latter"),
    ("personal", "personnel"), ("statue", "statute"), ("trail", "trial"), ("angel", "angle"), ("diary", "dairy"),
    ("clarity", "charity"), ("models", "modals"), ("debug", "debut"), ("server", "severe"), ("automation", "animation"),
    ("creative", "creature"), ("prompting", "promoting"), ("process", "progress"), ("summary", "summery"),
    ("manual", "menial"), ("context", "contest"), ("content", "contend"), ("replace", "replica"),
    ("career", "carrier"), ("editing", "exiting"), ("writing", "waiting"), ("brake", "break"),
    ("tried", "tired"), ("reliable", "liable"), ("topic", "tropic"),
    ("curate", "create"), ("stigma", "sigma"), ("emigrate", "immigrate"), ("coding", "codling"),
    ("sources", "courses"), ("patience", "patients"), ("expand", "expend"), ("lose", "loose"),
]

# (term word, a form that must match): true typos, British/American spellings, inflections, derived forms
VARIANTS = [
    ("research", "reserch"), ("hallucinate", "halucinate"), ("anxious", "anxios"), ("definitely", "definately"),
    ("receive", "recieve"), ("separate", "seperate"), ("occurred", "occured"), ("environment", "enviroment"),
    ("government", "goverment"), ("accommodate", "accomodate"), ("beginning", "begining"), ("believe", "beleive"),
    ("management", "managment"), ("tomorrow", "tommorow"), ("embarrassed", "embarassed"),
    ("collaboration", "collaberation"), ("independently", "independantly"), ("repetitive", "repetative"),
    ("productivity", "productivty"), ("function", "fuction"), ("resistance", "resistence"),
    ("accuracy", "accurracy"), ("hallucination", "halucination"), ("necessary", "neccessary"),
    ("experience", "experiance"), ("professional", "proffesional"),
    ("organize", "organise"), ("organized", "organised"), ("behavior", "behaviour"), ("license", "licence"),
    ("analyze", "analyse"), ("color", "colour"), ("favorite", "favourite"), ("center", "centre"),
    ("program", "programme"), ("optimize", "optimise"), ("summarize", "summarise"), ("prioritize", "prioritise"),
    ("catalog", "catalogue"), ("modeling", "modelling"), ("judgment", "judgement"), ("labor", "labour"),
    ("schedule", "scheduling"), ("write", "wrote"), ("write", "written"), ("study", "studies"),
    ("hallucinate", "hallucinating"), ("codebase", "codebases"), ("api", "apis"), ("plan", "planned"),
    ("collaborate", "collaborative"), ("efficient", "efficiently"), ("quick", "quickly"),
    ("delegating", "delegation"), ("dependency", "dependencies"),
]


def rule(word: str, threshold: float) -> WordRule:
    return WordRule(word, False, frozenset(), frozenset(), threshold, 5)


def test_the_tables_are_large_enough():
    assert len(CONFUSABLE) >= 50 and len(VARIANTS) >= 50


@pytest.mark.parametrize("term, word", CONFUSABLE)
def test_a_different_real_word_never_matches(term, word):
    assert lexicon.is_real_word(word)
    assert lexicon.variant_kind(term, word) == lexicon.REAL_WORD
    assert rule(term, 75).similarity(word) is None


@pytest.mark.parametrize("term, word", VARIANTS)
def test_variants_typos_and_forms_match(term, word):
    assert lexicon.variant_kind(term, word) in lexicon.ACCEPTED
    assert rule(term, 80).similarity(word) is not None


@pytest.mark.parametrize("term, word, kind", [
    ("schedule", "scheduled", "inflection"), ("write", "wrote", "inflection"),
    ("organize", "organising", "spelling variant"), ("behavior", "behaviour", "spelling variant"),
    ("collaborate", "collaborative", "derived form"), ("quick", "quickly", "derived form"),
    ("research", "reserch", "typo"), ("spelling", "selling", "real word"), ("deprecated", "deprecated", "exact"),
])
def test_each_variant_has_a_kind(term, word, kind):
    assert lexicon.variant_kind(term, word) == kind


def test_an_allowed_real_word_matches_and_a_denied_typo_does_not():
    book = parse_codebook("name: x\nthemes:\n- {id: t, label: T, description: d, terms: "
                          "[{term: deprecated, allow: [depreciated]}, {term: research, deny: [reserch]}]}")
    matcher = VocabularyMatcher(TermIndex(book))
    assert matcher.matches_of("depreciated") and not matcher.matches_of("reserch")
    assert not matcher.matches_of("selling")


def test_the_fast_path_agrees_with_the_rule_on_both_tables():
    words = sorted({w for pair in CONFUSABLE + VARIANTS for w in pair})
    terms = ", ".join(sorted({term for term, _ in CONFUSABLE + VARIANTS}))
    book = parse_codebook(f"name: x\nsettings: {{threshold: 80}}\nthemes:\n- {{id: t, label: T, description: d, "
                          f"terms: [{terms}]}}")
    index = TermIndex(book)
    matcher = VocabularyMatcher(index)
    for word in words:
        fast = dict(matcher.matches_of(word))
        slow = {slot: s for slot, r in enumerate(index.rules) if (s := r.similarity(word)) is not None}
        assert fast.keys() == slow.keys(), word


def test_the_forms_memo_is_written_only_when_a_run_found_new_forms(tmp_path, monkeypatch):
    """The memo grows to megabytes on a machine that has seen large corpora: a run that found nothing new must
    not read it again to merge (0.1 s of every cold run) nor write it."""
    import json

    from core.engine import lexicon
    from core.files import ENV_LEXICON_CACHE

    monkeypatch.setenv(ENV_LEXICON_CACHE, str(tmp_path))
    for cached in (lexicon.remembered_forms, lexicon.regular_forms):
        cached.cache_clear()
    try:
        lexicon.regular_forms("schedule")
        lexicon.save_forms()
        memo = next(tmp_path.glob("forms-*.json"))
        assert "scheduling" in json.loads(memo.read_text())["schedule"].split()  # one string per word
        lexicon.remembered_forms.cache_clear()  # the next process: reads the memo, finds nothing new
        lexicon.regular_forms.cache_clear()
        lexicon.regular_forms("schedule")
        memo.write_text(json.dumps({"schedule": "schedule", "marker": "x"}))  # changed under us: untouched
        lexicon.save_forms()
        assert "marker" in json.loads(memo.read_text())
        lexicon.regular_forms("deadline")  # a new word: merged with what is on disk
        lexicon.save_forms()
        assert {"marker", "deadline"} <= json.loads(memo.read_text()).keys()
    finally:
        for cached in (lexicon.remembered_forms, lexicon.regular_forms):
            cached.cache_clear()
