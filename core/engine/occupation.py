"""The occupation from the participant's own words: "I'm a nurse", "I work as a restaurant manager",
"I teach", "as a paralegal, I ...", mapped to an occupation group through the job-title lexicon
(`core.codebook.titles`), with keyword evidence as the fallback and the check.

    found = self_descriptions(shard, turns, titles_index(codebook.job_titles))
    chosen = decide(found, keyword_choice, text)   # core.engine.occupation_choice: one Decision per transcript

Only the participant's first turns are read (the same window as keyword evidence), with compiled regexes:
a cue ("I'm a", "I work in", "my role as", ...) starts a clause, and the clause's words are looked up in the
lexicon, longest phrase first. A transcript gets the group of its best self-description, its sentence as
evidence with the title's character offsets, a confidence and an `uncertain` flag when the self-description
and the keywords disagree or only weak evidence exists: never a silent guess.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from core.codebook.titles import FILLER_WORDS, JobTitles, word_key
from core.engine.corpus import Shard, concatenated_ranges
from core.engine.results import in_sorted
from core.ingest.text import WORD

# How strongly a cue says "this is my job": a title after "I am a" beats an industry after "I work in".
STRONG, MEDIUM = 3, 2
_TITLE_CUES = (
    r"i\s*(?:'|’)?m|i\s+am|i(?:'|’)ve\s+been|i\s+have\s+been|i\s+was|i\s+worked\s+as|i\s+work\s+as|i\s+serve\s+as"
    r"|i(?:'|’)m\s+employed\s+as|i\s+am\s+employed\s+as|i\s+(?:currently\s+)?work\s+as|working\s+as"
    r"|am")  # "I work in green energy and am a compliance engineer": "am" has no other subject
# Words between "I'm" and "a": "I'm mostly a writer", "I am basically a bookkeeper".
_CUE_ADVERBS = "currently|now|also|still|just|actually|primarily|mainly|mostly|basically|essentially|technically"
_STRONG_CUE = (rf"\b(?:(?:{_TITLE_CUES})\s+(?:(?:{_CUE_ADVERBS})\s+)?"
               r"(?:working\s+as\s+)?(?:an?|the)\s"
               r"|(?:i\s+work\s+as|works?\s+as|working\s+as|employed\s+as|i\s+serve\s+as)\s"
               r"|my\s+(?:current\s+|day\s+|main\s+|day\s*-?\s*to\s*-?\s*day\s+)?"
               r"(?:role|job|title|position|profession|occupation|job\s+title)"
               r"\s+(?:is|as)\s+(?:that\s+of\s+)?(?:an?\s|the\s)?"
               r"|(?:in|with)\s+my\s+(?:current\s+)?(?:role|job|position|capacity)\s+as\s+(?:an?\s|the\s)?)")
_ACTIVITIES = ("teach|tutor|run|own|manage|lead|supervise|oversee|look|care|write|edit|design|develop|build|sell"
               "|research|study|coordinate|produce|handle|practice|practise|translate|interpret|counsel|coach|train"
               "|repair|fix|install|clean|drive|cook|bake|serve|moderate|work|freelance|consult|specialize|specialise")
_MEDIUM_CUE = (r"\b(?:i\s+(?:currently\s+|mainly\s+|mostly\s+|also\s+|primarily\s+)?"
               r"(?=(?:work\s+(?:in|at|for|with|on)|teach|tutor|run|own|manage|lead|supervise|oversee|look\s+after"
               r"|care\s+for|write|edit|design|develop|build|sell|research|study|coordinate|produce|handle"
               r"|practice|practise|translate|interpret|counsel|coach|train|repair|fix|install|clean|drive"
               r"|cook|bake|serve|moderate|work|freelance|consult|specialize|specialise)\b)"
               r"|i\s*(?:'|’)?m\s+in\s+charge\s+of|i\s+am\s+in\s+charge\s+of|i\s*(?:'|’)?m\s+responsible\s+for"
               r"|i\s+am\s+responsible\s+for|i\s*(?:'|’)?m\s+(?:currently\s+)?(?:in|working\s+in)\b"
               r"|i\s+am\s+(?:currently\s+)?(?:in|working\s+in)\b"
               r"|i(?:(?:'|’)ve|\s+have)\s+been\s+working\s+(?:in|at|for)\b)")
# "As a nurse, I ..." at the start of a sentence is a strong cue. Inside a sentence ("in my workday as a
# software engineer", "useful to me as a therapist") it is a medium one, and only when the words before it
# are not about the AI: "I use it as a research assistant" and "such as a reward" describe no job.
_CLAUSE_AS = r"(?:^|(?<=[.!?:\n])|(?<=[.!?:]\s))\s*as\s+(?:an?\s|the\s)"
_INNER_AS = r"as\s+(?:an?\s|the\s)"
# "Working in the police force, I ...": a clause that opens with it names the speaker's workplace.
_CLAUSE_WORKING = r"(?:^|(?<=[.!?:\n])|(?<=[.!?:]\s))\s*(?:so\s+)?working\s+(?:in|at|for|within)\s"
# "I do payroll", "I do customer service for a telecom": the activity must follow at once ("I do some
# research on prices", "I do like it", "I do the paperwork" name no job).
_I_DO = r"\bi\s+(?:mostly\s+|mainly\s+|also\s+|primarily\s+)?do\s+(?!(?:the|a|an|my|our|this|that|it|all)\b)"
# "One of my jobs is a preschool teacher", "my other job is as a tutor".
_JOB_IS = r"\bjobs?\s+(?:is|was)\s+(?:as\s+)?(?:an?\s|the\s)"
CUE = re.compile(rf"(?P<strong>{_STRONG_CUE}|{_JOB_IS})|(?P<clause_as>{_CLAUSE_AS})|(?P<medium>{_MEDIUM_CUE})"
                 rf"|(?P<inner>{_INNER_AS})|(?P<clause_working>{_CLAUSE_WORKING})|(?P<i_do>{_I_DO})", re.IGNORECASE)
# Words before an inner "as a" that make it talk about a tool or a comparison, not the speaker's job.
AI_TALK = frozenset({"use", "uses", "used", "using", "treat", "treats", "treated", "treating", "act", "acts",
                     "acting", "serve", "serves", "serving", "function", "functions", "see", "sees", "view",
                     "think", "thinking", "like", "such", "rely", "relying", "leverage", "employ", "role", "it",
                     "ai", "this", "that", "them", "tool", "tools", "model", "models", "chatgpt", "claude",
                     "gemini", "copilot", "llm", "llms", "bot", "chatbot", "same", "much", "well", "as",
                     "something", "someone", "describe", "asked", "ask", "prompt", "pretend", "imagine"})
# "As a ..." idioms and roles in life rather than at work.
NOT_A_JOB = frozenset({"person", "result", "whole", "matter", "rule", "way", "means", "someone", "human", "individual",
                       "parent", "mom", "mum", "dad", "mother", "father", "side", "bonus", "reminder", "starting",
                       "first", "last", "kid", "child", "society", "team", "company", "group", "species", "culture",
                       "country", "community", "consumer", "user", "customer", "hobby", "hobbyist", "general",
                       "basis", "base", "example", "favor", "favour", "thank", "gift", "joke", "test", "proxy"})
AI_TALK_WORDS = 4  # how far back the AI may be named: "I use it mostly as a", not "It helps me in my work as a"
# A clause ends at punctuation or where a new clause starts ("..., so I", "and I", "which", "because").
CLAUSE_END = re.compile(r"[.!?;:,()\n]|\s(?:and|but|so|or)\s+(?:i|we|my|it)\b|\s(?:because|which|where|who|"
                        r"that|when|while|since|although|though|if|so|but|using|to\s+(?!a\b))\b", re.IGNORECASE)
CLAUSE_WORDS = 12  # a title is said in the first few words after its cue
ACTIVITY_WORDS = 4  # after "I teach", "I work in": the phrase starts right away ("I do some research on X" is no job)
AS_WORDS = 3  # after "as a": the title opens the phrase ("as a person attending grad school for history" names no job)
# A cue's strength, and how many words after it the title may start.
CUE_KINDS = {"strong": (STRONG, CLAUSE_WORDS), "clause_as": (STRONG, AS_WORDS), "medium": (MEDIUM, ACTIVITY_WORDS),
             "inner": (MEDIUM, AS_WORDS), "clause_working": (MEDIUM, ACTIVITY_WORDS), "i_do": (MEDIUM, 1)}
# Words that name a level, not a job: "senior nurse" == "nurse" (dropped unless they are the last word).
MODIFIERS = frozenset({"senior", "junior", "lead", "freelance", "freelancing", "principal", "independent",
                       "part", "full", "time", "certified", "licensed", "registered", "chief", "head", "assistant",
                       "associate", "staff", "remote", "contract", "self", "employed", "professional", "currently",
                       "former", "experienced", "new", "newly", "hired", "aspiring", "trainee", "apprentice"})
# Roles every trade has: they defer to a more specific match in the clause ("manager at a dental practice",
# "software engineer intern").
GENERIC_ROLES = frozenset({"manager", "owner", "director", "supervisor", "coordinator", "administrator", "specialist",
                           "officer", "assistant", "associate", "executive", "worker", "employee", "staff", "lead",
                           "head", "founder", "partner", "freelancer", "operator", "business", "company", "firm",
                           "team", "professional", "leader", "member", "management", "managing", "intern",
                           "trainee", "apprentice"})
# Judgements of skill: "I'm a decent writer", "I'm not a great coder", "I am a pretty bad artist".
JUDGEMENTS = frozenset({"good", "decent", "ok", "okay", "great", "bad", "terrible", "poor", "better", "best",
                        "worse", "competent", "mediocre", "awful", "excellent", "confident", "natural"})
# Words that start the next noun phrase: "a nurse at a clinic", "a writer and novelist", "a manager of ...".
SEGMENT_WORDS = frozenset({"at", "for", "in", "with", "on", "from", "within", "and", "or", "plus", "who", "as",
                           "about", "doing", "making"})


@dataclass(frozen=True)
class TitleIndex:
    """The lexicon compiled for lookup: normalised phrase -> group, the longest phrase's length, and for each
    word that opens a phrase the longest phrase it opens (a clause's other words need no look-up)."""

    groups: dict[tuple[str, ...], str]
    longest: int
    opening: dict[str, int]


@lru_cache(maxsize=8)
def titles_index(titles: JobTitles) -> TitleIndex:
    """Compiled once per process and lexicon (keyed on its content hash)."""
    groups = {key: group for group, phrase, _ in titles.entries if (key := phrase_words(phrase)[0])}
    opening: dict[str, int] = {}
    for key in groups:
        opening[key[0]] = max(opening.get(key[0], 0), len(key))
    return TitleIndex(groups, max(map(len, groups), default=1), opening)


def phrase_words(text: str, offset: int = 0,
                 limit: int | None = None) -> tuple[tuple[str, ...], list[tuple[int, int]]]:
    """The lexicon words of `text` and their character spans (+ offset), the first `limit` of them (all
    when None). "IT" in capitals is the trade, not the pronoun, so it gets its own key.

    >>> phrase_words("I am a registered nurse in IT", offset=100, limit=3)
    (('i', 'am', 'registered'), [(100, 101), (102, 104), (107, 117)])
    """
    keys, spans = lexicon_words(text, 0, len(text), limit)
    return tuple(keys), [(start + offset, end + offset) for start, end in spans]


def lexicon_words(text: str, start: int, end: int, limit: int | None) -> tuple[list[str], list[tuple[int, int]]]:
    """`phrase_words` of text[start:end], their spans in `text`: WORD has no anchor or look-around, so
    searching from `start` to `end` finds the words of the slice without making it."""
    keys, spans = [], []
    for match in WORD.finditer(text, start, end):
        key = lexicon_key(match.group())
        if key is not None:
            keys.append(key)
            spans.append(match.span())
            if len(keys) == limit:
                break  # a clause's title is in its first few words: the rest is never read
    return keys, spans


@lru_cache(maxsize=1 << 16)
def lexicon_key(word: str) -> str | None:
    """A word as the lexicon compares it (`word_key`), None for a filler word; remembered, since the same
    few thousand words make most clauses."""
    lowered = word.lower().replace("’", "'")
    if lowered in FILLER_WORDS:
        return None
    return "information_technology" if word == "IT" else word_key(lowered)


@dataclass(frozen=True)
class SelfDescription:
    """Where a participant says what they do: the group, the title's span in the text, the cue's strength."""

    group: str
    start: int
    end: int
    strength: int
    phrase_words: int  # words of the lexicon phrase matched: longer is more specific


def describe_clause(text: str, start: int, limit: int, index: TitleIndex, strength: int,
                    reach: int = CLAUSE_WORDS) -> SelfDescription | None:
    """The best lexicon match in the clause of `text` starting at `start`, ending by `limit` at the latest,
    starting within its first `reach` words (see module docstring)."""
    limit = min(limit, start + 160)
    end_match = CLAUSE_END.search(text, start, limit)
    keys, spans = lexicon_words(text, start, end_match.start() if end_match else limit, CLAUSE_WORDS)
    if not MODIFIERS.isdisjoint(keys[:-1]):  # level words dropped, unless last: "senior nurse" == "nurse"
        kept = [i for i, k in enumerate(keys) if k not in MODIFIERS or i == len(keys) - 1]
        keys, spans = [keys[i] for i in kept], [spans[i] for i in kept]
    reach = min(len(keys), reach, judged_at(keys) if strength == STRONG else reach)
    openings = [first for first in range(reach) if keys[first] in index.opening]
    if not openings:
        return None  # most clauses: no word opens a title, so no phrase is looked up
    best, best_rank = None, None
    for first in openings:
        for size in range(min(index.opening[keys[first]], len(keys) - first), 0, -1):
            group = index.groups.get(tuple(keys[first:first + size]))
            if group is None:
                continue
            # A specific title beats a generic role; the first noun phrase beats later ones; within a title
            # the last word is the head ("short film screenwriter" is a screenwriter), after an activity verb
            # the verb's own phrase comes first ("I teach chemistry" is teaching); then the longer phrase.
            specific = size > 1 or keys[first] not in GENERIC_ROLES
            head = first + size if strength == STRONG else -first
            rank = (specific, -_segments_before(keys, first), head, size)
            if best_rank is None or rank > best_rank:
                best, best_rank = (group, first, size), rank
            break  # the longest phrase starting here; shorter ones inside it are part of it
    if best is None:
        return None
    group, first, size = best
    return SelfDescription(group, spans[first][0], spans[first + size - 1][1], strength, size)


def _segments_before(keys: list[str], first: int) -> int:
    """How many noun phrases start after the clause's first word and by `first` ("a nurse at a clinic")."""
    return sum(key in SEGMENT_WORDS for key in keys[1:first + 1])


def judged_at(keys: Sequence[str]) -> int:
    """The position of the first judgement of skill among a clause's words ("I'm a decent writer" says how
    well, not what they do): a strong cue reads no title from there on.

    >>> judged_at(("pretty", "good", "writer")), judged_at(("writer", "and", "ok", "cook"))
    (1, 2)
    """
    return next((i for i, key in enumerate(keys) if key in JUDGEMENTS), len(keys))


def self_descriptions(shard: Shard, turns: np.ndarray, index: TitleIndex) -> list[list[SelfDescription]]:
    """Per transcript, every self-description found in the given turns (the participant's first turns),
    in text order. Where a cue may start is found on the shard's word ids with numpy (`cue_candidates`);
    the cue regex is tried only there, never scanned over the text."""
    found: list[list[SelfDescription]] = [[] for _ in range(len(shard))]
    texts = shard.texts
    turn_of, offset = cue_candidates(shard, turns)
    position, last_turn = -1, -1
    for turn, start, doc, end in zip(turn_of.tolist(), offset.tolist(), shard.turn_doc[turn_of].tolist(),
                                     shard.turn_end[turn_of].tolist()):
        text = texts[doc]
        if turn == last_turn and start < position:
            continue  # inside the cue just read
        cue = CUE.match(text, start, end)
        if cue is None or (cue.lastgroup in ("inner", "clause_as") and not as_names_a_job(text, start, cue.end())) \
                or (cue.lastgroup == "i_do" and not opens_a_title(text, cue.end(), index)):
            continue  # most "I do ..." are "I do use it", "I do not": one look-up, not a clause read
        position, last_turn = cue.end(), turn
        described = describe_clause(text, cue.end(), end, index, *CUE_KINDS[cue.lastgroup or "medium"])
        if described is not None:
            found[doc].append(described)
    return found


def opens_a_title(text: str, position: int, index: TitleIndex) -> bool:
    """Whether the first word after `position` (fillers and level words skipped) opens a lexicon phrase."""
    for match in WORD.finditer(text, position):
        key = lexicon_key(match.group())
        if key is not None and key not in MODIFIERS:
            return key in index.opening
    return False


def as_names_a_job(text: str, start: int, end: int) -> bool:
    """Whether "as a ..." (text[start:end]) may name the speaker's job: not an idiom ("as a result", "as a
    person who ..."), and inside a sentence not about the AI (`talks_about_the_ai`)."""
    following = WORD.search(text, end)
    if following and following.group().lower() in NOT_A_JOB:
        return False
    sentence_start = start == 0 or _last_solid(text, start) in ("", ".", "!", "?", ":", "\n")
    return sentence_start or not talks_about_the_ai(text, start)


def _last_solid(text: str, start: int) -> str:
    """text[:start].rstrip()[-1:] without copying the text before `start` (thousands of characters)."""
    at = start - 1
    while at >= 0 and text[at].isspace():
        at -= 1
    return text[at] if at >= 0 else ""


def talks_about_the_ai(text: str, start: int) -> bool:
    """Whether the clause before an inner "as a" at `start` is about the AI or a comparison.

    >>> talks_about_the_ai("I use it as a research assistant", 10)
    True
    >>> talks_about_the_ai("It helps in my workday as a nurse", 23)
    False
    """
    before = text[max(0, start - 120):start]
    clause = re.split(r"[.!?;:,()\n]", before)[-1]
    words = [word.lower().replace("’", "'") for word in WORD.findall(clause)][-AI_TALK_WORDS:]
    return any(word in AI_TALK for word in words)


# A cue's first word, and the second words it may be followed by (None: any). Every cue of CUE begins with
# one of these pairs, so only these token positions are tried.
_CUE_PAIRS: dict[str, frozenset[str] | None] = {
    "i'm": None, "im": None, "i've": None, "so": frozenset({"working"}),
    "i": frozenset({"am", "m", "have", "was", "worked", "serve", "currently", "mainly", "mostly", "also",
                    "primarily", "now", "do", *_ACTIVITIES.split("|")}),
    "am": frozenset({"a", "an", "the", *_CUE_ADVERBS.split("|")}),
    "my": frozenset({"current", "day", "main", "role", "job", "title", "position", "profession", "occupation"}),
    "as": frozenset({"a", "an", "the"}), "in": frozenset({"my"}), "with": frozenset({"my"}),
    "work": frozenset({"as"}), "works": frozenset({"as"}), "job": frozenset({"is", "was"}),
    "jobs": frozenset({"is", "was"}), "working": frozenset({"as", "in", "at", "for", "within"}),
    "employed": frozenset({"as"}),
}

_CUE_WORDS = frozenset({*_CUE_PAIRS, *(second for seconds in _CUE_PAIRS.values() for second in seconds or ())})

# The word a cue needs next after these openings, read off CUE: "I have" opens a cue only as "I have been",
# "I'm" only before "a", "in", "working", ... Most candidates are "I have used it", "I'm not sure", "in my
# experience": the regex is not tried there (40% of the candidates). A word is compared up to an apostrophe
# (where CUE ends a word with \b, "teach's" still starts with "teach"), and a word beyond ASCII always passes
# (case folding matches "ſ" to "s"), so no position the regex would match is left out.
_AFTER_AM = frozenset({"a", "an", "the", "working", "employed", "in", "responsible", "currently",
                       *_CUE_ADVERBS.split("|")})
_ACTIVITY_WORDS = frozenset(_ACTIVITIES.split("|"))
_JOB_WORDS = frozenset({"role", "job", "title", "position", "profession", "occupation"})
_CUE_THEN: dict[tuple[str, ...], frozenset[str]] = {
    ("i'm",): _AFTER_AM, ("im",): _AFTER_AM, ("i", "m"): _AFTER_AM, ("i", "am"): _AFTER_AM,
    ("i've",): frozenset({"been"}), ("i", "have"): frozenset({"been"}), ("i", "worked"): frozenset({"as"}),
    ("i", "was"): frozenset({"a", "an", "the", "working", *_CUE_ADVERBS.split("|")}),
    ("i", "currently"): _ACTIVITY_WORDS, **{("i", adverb): _ACTIVITY_WORDS | {"do"}
                                           for adverb in ("also", "mostly", "mainly", "primarily")},
    ("in", "my"): frozenset({"current", "role", "job", "position", "capacity"}), ("with", "my"): frozenset(
        {"current", "role", "job", "position", "capacity"}),
    ("my", "day"): _JOB_WORDS | {"to"}, ("my", "current"): _JOB_WORDS, ("my", "main"): _JOB_WORDS,
}


def cue_candidates(shard: Shard, turns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(turn, character offset) of every word pair in the given turns that may begin a cue (and whose next
    word may continue it, `_CUE_THEN`), in text order."""
    cue_word = np.fromiter(map(_CUE_WORDS.__contains__, shard.vocab), dtype=bool, count=len(shard.vocab))
    ids = {shard.vocab[number]: number for number in np.flatnonzero(cue_word).tolist()}  # the vocabulary read in C
    first = np.zeros(len(shard.vocab), dtype=bool)
    any_second = np.zeros(len(shard.vocab), dtype=bool)
    pairs = []
    for word, seconds in _CUE_PAIRS.items():
        if word in ids:
            first[ids[word]] = True
            if seconds is None:
                any_second[ids[word]] = True
            else:
                pairs += [ids[word] * len(shard.vocab) + ids[second] for second in seconds if second in ids]
    turns = np.asarray(turns, dtype=np.int64)
    begin = shard.turn_token_start[turns]
    lengths = np.maximum(shard.turn_token_start[turns + 1] - begin - 1, 0)  # less the BREAK after each turn
    positions = concatenated_ranges(begin, lengths)
    turn_of = np.repeat(turns, lengths)
    keep = first[shard.token_word[positions]]
    positions, turn_of = positions[keep], turn_of[keep]
    words = shard.token_word[np.minimum(positions[:, None] + np.arange(3), len(shard.token_word) - 1)]
    keep = any_second[words[:, 0]] | in_sorted(np.sort(pairs), words[:, 0].astype(np.int64) * len(shard.vocab)
                                                   + words[:, 1])
    keep[keep] = _may_continue(shard.vocab, ids, words[keep])
    return turn_of[keep], shard.token_start[positions[keep]]


def _may_continue(vocab: list[str], ids: dict[str, int], words: np.ndarray) -> np.ndarray:
    """Per row of (first, second, third) word ids: False where the opening has a `_CUE_THEN` rule and the word
    after it is not one it allows (a BREAK, id 0, ends every turn: nothing after it)."""
    rule, following = _cue_rules(ids, len(vocab), words.astype(np.int64))
    ruled = np.flatnonzero(rule >= 0)
    distinct, which = np.unique(rule[ruled] * len(vocab) + following[ruled], return_inverse=True)
    allowed = list(_CUE_THEN.values())
    passes = np.array([_loosely_in(vocab[key % len(vocab)], allowed[key // len(vocab)])
                       for key in distinct.tolist()], dtype=bool)
    keep = np.ones(len(words), dtype=bool)
    keep[ruled] = passes[which.reshape(-1)]
    return keep


def _cue_rules(ids: dict[str, int], n_words: int, words: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row of (first, second, third) word ids: the number of the `_CUE_THEN` opening it starts with (-1:
    none) and the word after that opening. An opening is a key, first x (n_words + 1) + 0 for one word and
    + 1 + second for two, so every row is looked up twice in the sorted keys instead of compared with every
    opening. A row starts with one opening at most (no one-word opening is the first word of a two-word one)."""
    present = [(number, opening) for number, opening in enumerate(_CUE_THEN) if all(word in ids for word in opening)]
    keys = np.array([ids[opening[0]] * (n_words + 1) + (ids[opening[1]] + 1 if len(opening) > 1 else 0)
                     for _, opening in present], dtype=np.int64)
    order = np.argsort(keys)
    keys, numbers = keys[order], np.array([number for number, _ in present], dtype=np.int64)[order]
    rule, following = np.full(len(words), -1, dtype=np.int64), np.zeros(len(words), dtype=np.int64)
    for size in (1, 2) if len(keys) else ():
        row_keys = words[:, 0] * (n_words + 1) + (words[:, 1] + 1 if size == 2 else 0)
        at = np.minimum(np.searchsorted(keys, row_keys), len(keys) - 1)
        found = keys[at] == row_keys
        rule[found], following[found] = numbers[at[found]], words[found, size]
    return rule, following


def _loosely_in(word: str, allowed: frozenset[str]) -> bool:
    return bool(word) and (not word.isascii() or word.split("'")[0] in allowed)
