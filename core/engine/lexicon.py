"""What Themescope knows about English words, all of it from maintained lexical data shipped inside packages
(nothing is downloaded at run time):

- inflections (`schedule` -> `scheduled`, `write` -> `wrote`): lemminflect's lexicon, and its rules for
  words it does not know (`codebase` -> `codebases`);
- British and American spellings (`organise` / `organize`, `behaviour` / `behavior`): breame's tables;
- real words: pyspellchecker's English dictionary (160,000 words, without the common misspellings that
  web-text lists hold) or a word frequency of at least COMMON_ZIPF in wordfreq (very common words the
  dictionary lacks);
- derived forms of one family (`collaborate` -> `collaborative`, `efficient` -> `efficiently`): a shared
  stem of at least four letters and a known ending on each (`same_family`).

`variant_kind(term_word, word)` says how a corpus word relates to a term word; the matcher accepts every kind
but "real word": a different real word is never a typo (`spelling` is not `selling`, `threat` is not
`treat`). A real word people use by mistake (`depreciated` for `deprecated`) goes on the term's `allow` list.

    >>> variant_kind("spelling", "selling"), variant_kind("research", "reserch")
    ('real word', 'typo')
    >>> variant_kind("organize", "organised"), variant_kind("write", "wrote")
    ('spelling variant', 'inflection')
"""
from __future__ import annotations

import contextlib
import json
import pickle
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from core.files import lexicon_cache_folder, write_atomically

COMMON_ZIPF = 4.0  # wordfreq's scale: 4.0 is about once per 100,000 words of ordinary English text
EXACT, INFLECTION, SPELLING, DERIVED, TYPO, REAL_WORD = ("exact", "inflection", "spelling variant", "derived form",
                                                         "typo", "real word")
ACCEPTED = (EXACT, INFLECTION, SPELLING, DERIVED, TYPO)


def variant_kind(term_word: str, word: str) -> str:
    """How `word` relates to `term_word` (both normalised: lower case, plain apostrophes)."""
    if word == term_word:
        return EXACT
    if word in inflections(term_word) or term_word in inflections(word):  # `reports` -> `report` too
        return INFLECTION
    if word in adverbs(term_word):
        return DERIVED
    if word in regular_forms(term_word):  # British/American, or a contraction without its apostrophe
        return SPELLING
    if same_family(term_word, word):
        return DERIVED
    return REAL_WORD if is_real_word(word) else TYPO


def accepted(term_word: str, word: str) -> bool:
    """The matcher's guard for a word that passed the typo threshold: anything but a different real word.
    Cheaper than `variant_kind` (no look-up of the candidate's own inflections)."""
    return word in regular_forms(term_word) or same_family(term_word, word) or not is_real_word(word)


@lru_cache(maxsize=65536)
def inflections(word: str) -> frozenset[str]:
    """The inflected forms of `word` taken as a base form (its own included): plurals, past, participles,
    comparatives. Only forward: a term in -ing (`imaging`) does not match its bare verb (`image`).

    >>> sorted(inflections("schedule"))
    ['schedule', 'scheduled', 'schedules', 'scheduling']
    >>> sorted(inflections("codebase")), sorted(inflections("imaging"))
    (['codebase', 'codebased', 'codebases', 'codebasing'], ['imaging', 'imagings'])
    """
    import lemminflect

    known = lemminflect.getAllInflections(word)
    if not known:  # not a base form the lexicon knows: its rules for an unknown word, as a noun (and verb)
        known = dict(lemminflect.getAllInflectionsOOV(word, "NOUN"))
        if not lemminflect.getAllLemmas(word):  # unknown altogether (codebase, chatgpt): a verb too
            known |= lemminflect.getAllInflectionsOOV(word, "VERB")
    forms = {word} | {form.lower() for tag, found in known.items() for form in found if _kept(word, tag, form)}
    return frozenset(form for form in forms if form.replace("'", "").isalpha())


MODALS = frozenset({"will", "would", "can", "could", "shall", "should", "may", "might", "must"})


def _kept(word: str, tag: str, form: str) -> bool:
    """Inflections that keep a word's meaning: none for a modal (`will` -> `would`), and a comparative or
    superlative only when regular (`quick` -> `quicker`; lemminflect gives `worse` for `wrong`)."""
    if word in MODALS:
        return False
    return tag not in ("JJR", "JJS", "RBR", "RBS") or form.startswith(word[:max(len(word) - 1, 1)])


def adverbs(word: str) -> frozenset[str]:
    """The -ly adverb of an adjective (`quick` -> `quickly`, `easy` -> `easily`, `basic` -> `basically`):
    a derived form close enough in meaning to count like an inflection.

    >>> sorted(adverbs("easy")), sorted(adverbs("quick"))
    (['easily'], ['quickly'])
    """
    if word.endswith("y") and len(word) > 2:
        return frozenset({word[:-1] + "ily"})
    if word.endswith("le") and len(word) > 3:
        return frozenset({word[:-1] + "y"})
    if word.endswith("ic"):
        return frozenset({word + "ally"})
    return frozenset({word + "ly"})


@lru_cache(maxsize=65536)
def regular_forms(word: str) -> frozenset[str]:
    """Every form that matches `word` whatever the typo threshold: inflections, the -ly adverb, British and
    American spellings. Remembered on this machine (see `remembered_forms`), so a run whose term words
    were all seen before never loads the lexicons."""
    known = remembered_forms().get(word)
    if known is not None:
        return frozenset(known.split())
    forms = inflections(word) | adverbs(word) | spelling_variants(word)
    forms |= {form.replace("n't", "nt") for form in forms if form.endswith("n't")}  # doesn't -> doesnt
    remembered_forms()[word] = " ".join(sorted(forms))
    return forms


@lru_cache(maxsize=65536)
def spelling_variants(word: str) -> frozenset[str]:
    """The British and American spellings of `word` and of its inflections, less the forms themselves.

    >>> sorted(spelling_variants("organize"))
    ['organise', 'organised', 'organises', 'organising']
    """
    from breame.spelling import get_american_spelling, get_british_spelling

    forms = inflections(word)
    variants = {other for form in forms for other in (get_american_spelling(form), get_british_spelling(form))}
    return frozenset(v for v in variants if v and v.isalpha()) - forms


# Endings that turn one word of a family into another (inflectional and common derivational suffixes).
SUFFIXES = frozenset({
    "", "s", "es", "'s", "s'", "e", "d", "ed", "ing", "ings", "er", "ers", "or", "ors", "ly", "ily", "ally",
    "ion", "ions", "ive", "ively", "ment", "ments", "ity", "ities", "y", "ies", "ize", "izes", "ized", "izing",
    "ise", "ises", "ised", "ising", "ation", "ations", "ate", "ates", "ated", "ating", "ative", "atively",
    "ence", "ences", "ance", "ances", "ent", "ant", "ency", "ancy", "ce", "cy", "al", "ness", "able",
    "ably", "ful", "fully", "ic", "ical", "ically"})
MIN_STEM = 4


def same_family(one: str, other: str) -> bool:
    """Two words of one family: a shared stem of at least four letters, each word that stem plus a known
    ending (SUFFIXES: `collaboration` and `collaborator`, but not `creative` and `creature`).

    >>> same_family("collaborate", "collaborative"), same_family("delegating", "delegation")
    (True, True)
    >>> same_family("oversight", "overnight"), same_family("calendar", "calender")
    (False, False)
    """
    shared = 0
    while shared < min(len(one), len(other)) and one[shared] == other[shared]:
        shared += 1
    return any(one[stem:] in SUFFIXES and other[stem:] in SUFFIXES for stem in range(shared, MIN_STEM - 1, -1))


def is_real_word(word: str) -> bool:
    """In the English dictionary, or common in ordinary English text."""
    return word in real_words()


@lru_cache(maxsize=65536)
def frequency(word: str) -> float:
    """wordfreq's Zipf frequency of `word` in English (0 for a word it has never seen; 7 for "the")."""
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, "en"))


# ---------------------------------------------------------------- what is kept on this machine
# Loading the four lexicons takes about a second in every process; what the engine needs from them, the set
# of real words and the forms of term words, is kept in a folder of this machine's cache, keyed by the
# packages' versions, so a run pays it once per machine rather than once per worker process.
_FORMAT = 2  # a new format or rule: a new file, never an old one misread
_FORMS_FORMAT = "s"  # the forms memo's own: "s" when each word's forms became one string


@lru_cache(maxsize=1)
def real_words() -> frozenset[str]:
    """pyspellchecker's English words and wordfreq's words with a Zipf frequency of at least COMMON_ZIPF."""
    path = lexicon_cache_folder() / f"real-words-{_version_key()}.pickle"
    try:
        return pickle.loads(path.read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError):
        pass
    from spellchecker import SpellChecker
    from wordfreq import iter_wordlist, zipf_frequency

    common = []
    for word in iter_wordlist("en", "best"):  # most frequent first
        if zipf_frequency(word, "en") < COMMON_ZIPF:
            break
        common.append(word)
    words = frozenset(SpellChecker(language="en", distance=1).word_frequency.dictionary) | frozenset(common)
    _keep(path, pickle.dumps(words, protocol=pickle.HIGHEST_PROTOCOL))
    return words


class Forms(dict):
    """word -> its regular forms, space-separated, and how many were read from the machine's memo (so an
    unchanged memo is never read again to be merged: it grows to megabytes on a machine that has seen large
    corpora). One string per word, not a list: the memo reads three times faster, and a dict of strings is
    nothing the garbage collector has to walk."""

    loaded: int = 0


@lru_cache(maxsize=1)
def remembered_forms() -> Forms:
    """word -> its regular forms, as worked out on this machine before (`save_forms` adds the new ones)."""
    forms = Forms()
    try:
        found = json.loads(_forms_path().read_text(encoding="utf-8"))
        forms.update({word: known for word, known in found.items() if isinstance(known, str)}
                     if isinstance(found, dict) else {})
    except (OSError, ValueError):
        pass
    forms.loaded = len(forms)
    return forms


def save_forms() -> None:
    """Keep the forms worked out in this process for the next one (nothing when none are new)."""
    forms = remembered_forms()
    if len(forms) == forms.loaded:
        return
    try:
        on_disk = json.loads(_forms_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        on_disk = {}
    if isinstance(on_disk, dict) and forms.keys() <= on_disk.keys():
        return
    _keep(_forms_path(), json.dumps({**(on_disk if isinstance(on_disk, dict) else {}), **forms}).encode())


def _forms_path() -> Path:
    return lexicon_cache_folder() / f"forms-{_FORMS_FORMAT}-{_version_key()}.json"


LEXICON_PACKAGES = ("lemminflect", "breame", "pyspellchecker", "wordfreq")  # whose data says what a word is


def installed_versions(packages: tuple[str, ...]) -> tuple[str, ...]:
    """Each package's installed version, "none" for one that is not installed."""
    versions = []
    for package in packages:
        try:
            versions.append(metadata.version(package))
        except metadata.PackageNotFoundError:
            versions.append("none")
    return tuple(versions)


@lru_cache(maxsize=1)
def _version_key() -> str:
    return "-".join([str(_FORMAT), *installed_versions(LEXICON_PACKAGES), str(COMMON_ZIPF)])


def _keep(path: Path, data: bytes) -> None:
    """A cache file: kept when the folder is writable; without it everything still works, only slower."""
    with contextlib.suppress(OSError):
        write_atomically(path, data)
