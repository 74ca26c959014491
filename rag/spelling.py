"""Typos in a question read as the word meant ("custmer experiance" -> "customer experience", "werkvlore" ->
"werkvloer"), before anything else reads it.

A typo is a word no dictionary and no indexed text knows; the word meant is one edit away from it (a letter left out,
added, changed or two swapped: Norvig's edits, from PyPI `pyspellchecker`, which ships English and Dutch word
frequencies). The index decides first: among the candidates, a word the articles use wins, else the most frequent
common one in the question's language, else in the other. Names, acronyms, numbers and short words are left as typed. Asked
with one such typo, the dev side's questions lost hit@5 0.954 -> 0.892 and false abstention rose 0.031 -> 0.108.
"""

from __future__ import annotations

import re

from .search import STOPWORDS, tokenize
from .stores.base import Index
from .wordlists import checker

# A word the articles do not use is read as the typo's word only when it is very common (in the word lists' counts:
# "customer" 18,618, "separate" 49,358): "upselling" is no typo of "upwelling" (111), "upskilled" none of "unskilled",
# "genai" none of "genas", "appen" none of "kappen" (a review found 2% of correct jargon changed at 200).
MIN_COUNT = 5_000
MIN_LETTERS = 5
MAX_LETTERS = 30  # longer is no word anyone meant
MAX_WORDS = 40  # words looked up per question (a question of 2,000 characters took seconds)  # shorter words have too many neighbours one edit away ("cost" -> "coat", "most", "cast")
WORD = re.compile(r"(?<![\w'’])[^\W\d_]+(?![\w'’])")  # letters only; each part of "custmoer-centric"


# A word made of a known word and one of these endings is a word ("reachability", "bereikbaarheid"), and so is one
# spelled the British way ("organisation") where the word lists spell it the American way.
SUFFIXES = (
    "ability",
    "ibility",
    "ness",
    "ment",
    "ments",
    "ation",
    "ations",
    "ity",
    "ities",
    "less",
    "ful",
    "able",
    "ible",
    "ism",
    "ist",
    "ists",
    "ship",
    "wise",
    "heid",
    "heden",
    "baarheid",
    "lijk",
    "lijke",
    "isch",
    "ische",
    "schap",
    "baar",
    "loos",
)  # derivations only: inflections ("busies" + "s") are the dictionaries' and the stemmer's, and hide typos
BRITISH = (  # at the end of the word: "centre", "organisation", "behaviour"; not "verbetreingen" -> "verbeteringen"
    (r"isation(s?)$", r"ization\1"),
    (r"is(e|es|ed|ing)$", r"iz\1"),
    (r"our(s|ed|ing|able)?$", r"or\1"),
    (r"tre(s?)$", r"ter\1"),
    (r"yse(s|d)?$", r"yze\1"),
    (r"ogue(s?)$", r"og\1"),
    (r"ll(ed|ing)$", r"l\1"),
    (r"ence$", r"ense"),
)


def _known(word: str, index: Index) -> bool:
    """In a dictionary (in any inflection, with a common ending, or spelled the British way) or in the indexed
    text; the word lists are loaded only for a word that is in neither FreeDict nor the index (0.4 s, once)."""
    low = word.lower()
    forms = [low]
    # "reach" + "ability", "manage" + "ing" without its "e"; not "manag" + "ment" ("managment" is a typo)
    forms += [
        low[: -len(end)] + extra
        for end in SUFFIXES
        if low.endswith(end) and len(low) - len(end) >= 3
        for extra in (("", "e") if end[0] in "aeiou" else ("",))
    ]
    forms += [re.sub(uk, us, low) for uk, us in BRITISH if re.search(uk, low)]
    return any(_listed(f, index) for f in forms) or any(checker(x).known(forms) for x in ("en", "nl"))


def _listed(low: str, index: Index) -> bool:
    """In FreeDict (in any inflection), among the stop words or in the indexed text."""
    from .lexicon import in_dictionary

    if low in STOPWORDS or in_dictionary(low):
        return True
    # In the indexed text: by its stem, where the stemmer took off an ending, not half the word ("markting" stems to
    # "mark", which the articles use)
    stems = [t for t in tokenize(low) if len(t) >= len(low) - 3]
    return any(v > 0 for v in index.document_share(set(stems)).values())


LETTERS = "abcdefghijklmnopqrstuvwxyzéëïöüè"


def _edits(word: str) -> tuple[set[str], set[str], set[str]]:
    """The words one edit from `word`, by how often typing makes that edit: a letter left out or two letters
    swapped ("busiess", "sepaarte") first, then one letter for another, then one letter too many."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    left_out = {a + c + b for a, b in splits for c in LETTERS}
    swapped = _swaps(word)
    changed = {a + c + b[1:] for a, b in splits if b for c in LETTERS}
    extra = {a + b[1:] for a, b in splits if b}
    return left_out | swapped, changed, extra


def _swaps(word: str) -> set[str]:
    """The words two neighbouring letters of `word` swapped make ("waht": what)."""
    return {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}


def one_edit_from(word: str) -> set[str]:
    """Every string one edit from `word` (`_edits`, all tiers)."""
    return set().union(*_edits(word))


def corrected(word: str, index: Index, lang: str) -> str | None:
    """The word `word` is a typo of, or None when it is no typo or nothing one edit away is known."""
    key = (word.lower(), lang, getattr(index, "version", ""))  # another index version may know other words
    if key not in _ANSWERS:
        if len(_ANSWERS) > 4096:
            _ANSWERS.clear()
        _ANSWERS[key] = _corrected(word.lower(), index, lang)
    return _ANSWERS[key]


_ANSWERS: dict[tuple[str, str, str], str | None] = {}  # a word looked up once a process, not once a question


def _corrected(low: str, index: Index, lang: str) -> str | None:
    if _known(low, index):
        return None
    accented = _with_diacritics(low, index)  # "patienten" is "patiënten", not "patenten"
    if accented:
        return accented
    other = "nl" if lang == "en" else "en"
    # a shorter word only as two letters swapped, into a very common word ("waht": what; "cost" has too many
    # neighbours one edit away: "coat", "most", "cast")
    short = len(low) < MIN_LETTERS
    for tier in [_swaps(low)] if short else _edits(low):
        candidates = {c for c in tier if len(c) >= MIN_LETTERS - 1 and c != low}
        used: dict[str, float] = {}
        if not short:
            terms = {c: tokenize(c) for c in candidates}
            share = index.document_share({t for ts in terms.values() for t in ts})
            used = {c: max((share.get(t, 0.0) for t in ts), default=0.0) for c, ts in terms.items()}
            used = {c: v for c, v in used.items() if v > 0 and _checker_knows(c)}
        if used:  # a word the articles use, the most widely used first, then the most common form of it
            return max(used, key=lambda c: (used[c], max(checker(x).word_frequency[c] for x in (lang, other)), c))
        # else a very common word of the question's language: a rarer one is as likely the asker's own word, and one
        # of the other language too ("appen" is no typo of "happen")
        counts = checker(lang).word_frequency
        common = [c for c in checker(lang).known(candidates) if counts[c] >= MIN_COUNT]
        if common:
            return max(common, key=lambda c: (counts[c], c))
    return None


DIACRITICS = {"e": "ëéè", "i": "ï", "o": "ö", "u": "ü", "a": "á"}


def _with_diacritics(low: str, index: Index) -> str | None:
    """`low` with one letter given its diacritic, where that makes a known word: Dutch typed without them
    ("patienten", "gecreeerd", "coordinatie", "prive")."""
    for i, ch in enumerate(low):
        for accented in DIACRITICS.get(ch, ""):
            form = low[:i] + accented + low[i + 1 :]
            if _listed(form, index) or any(checker(x).known([form]) for x in ("en", "nl")):
                return form
    return None


def _checker_knows(word: str) -> bool:
    """A word of either word list, or one the dictionaries know: not a string that only stems like a corpus word."""
    from .lexicon import dictionary_words

    return word in dictionary_words() or any(checker(lang).known([word]) for lang in ("en", "nl"))


def spelled(text: str, index: Index, lang: str, keep: frozenset[str] = frozenset()) -> str:
    """`text` with each typo read as the word meant. Lower-case words of MIN_LETTERS to MAX_LETTERS letters only (and
    of one letter less as two letters swapped into a very common word: "waht"),
    the first MAX_WORDS of them: a capitalised word may be a name wherever it stands ("Gartner", "Genesys" are no
    typos of "Partner", "Genesis"), and a word in `keep` (the writers' names) or with a digit stays as typed."""

    checked = 0

    def fix(m: re.Match) -> str:
        nonlocal checked
        word = m.group()
        if (
            not MIN_LETTERS - 1 <= len(word) <= MAX_LETTERS
            or not word.islower()
            or word in keep
            or checked >= MAX_WORDS
        ):
            return word
        checked += 1
        right = corrected(word, index, lang)
        return word if right is None else right

    return WORD.sub(fix, text)
