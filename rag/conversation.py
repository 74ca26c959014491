"""Reading a question in its conversation: which correspondents it names and what a follow-up refers back to.

"Should we have a separate CX strategy?" stands alone. "What does Wim say?", "and what does Rien think?" and
"why is that?" ask nothing of their own: they are read together with the topic of the conversation, the latest
earlier question that did ask something. "And what about the financial side?" is a follow-up with a subject of
its own: that subject leads and the topic only steers retrieval a little.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .search import tokenize
from .stores.base import Index

FOLLOW_UP_START = re.compile(
    r"^(and|but|also|what about|how about|en|maar|ook|wat vindt|wat zegt|wat denkt|hoe zit het)\b", re.IGNORECASE
)
BACK_REFERENCES = frozenset(
    "it that this they them he she him her his its those hij zij ze hem haar zijn dat die dit deze".split()
)
# Words that ask for someone's view without saying about what ("what does Wim say/think about it?").
ASKING = frozenset(
    "what does do did say says said think thinks thought write writes wrote argue argues argued mean means believe "
    "believes view views opinion position stance about according and but also how why then there so "
    "recommend recommends recommended advise advises advised suggest suggests suggested propose proposes proposed "
    "advice recommendation recommendations raadt raadde aan aanraden adviseert adviseerde adviseren advies "
    "aanbeveling aanbevelingen "
    "wat zegt zei vindt vond denkt dacht schrijft schreef bedoelt vinden mening standpunt visie over volgens "
    "en maar ook hoe waarom dan daar daarvan daarover ervan erover zo".split()
)
# ... or for their position as a whole ("what is Wim's main point?", "do the letter writers agree?", "summarize
# Rien's letter"). These tell only whether a question asks something of its own: "central" or "stand out" in a
# question that does are still its words, translated and scored.
POSITION = frozenset(
    "main key central core point points argument arguments message gist thesis take stand summary summarize "
    "summarise sum up letter letters piece agree agrees disagree disagrees agreement disagreement differ differs "
    "where which who whom when is are was were the their his her of on in to "
    "belangrijkste voornaamste kern kernpunt punt punten argument argumenten boodschap samenvatting vat samen "
    "brief brieven stuk eens oneens verschillen verschil waar welke wie wanneer".split()
)
# "The letter writers", "de briefschrijvers": everyone who wrote a letter of a correspondence, named at once.
WRITERS_OF_LETTERS = re.compile(
    r"\b(letter[- ]?writers?|correspondents?|(the )?(three|two|four) (writers|authors|experts|correspondents)|"
    r"briefschrijvers?|correspondenten|de (drie|twee|vier) (schrijvers|auteurs|experts|briefschrijvers))\b",
    re.IGNORECASE,
)
# ... when the question asks for their positions (else it asks about the correspondence itself, its introduction too).
POSITIONS = re.compile(
    r"\b(agree|agrees|disagree|think|thinks|say|says|argue|argues|believe|view|views|opinions?|positions?|stance|"
    r"eens|oneens|vinden|vindt|denken|denkt|zeggen|zegt|mening|meningen|standpunt|standpunten|visie|visies)\b",
    re.IGNORECASE,
)
TOPIC_WEIGHT = 0.15  # share of the topic in the query vector of a follow-up that has a subject of its own


@dataclass(frozen=True)
class Query:
    """A question as retrieval reads it."""

    question: str  # as asked
    text: str  # what retrieval and sentence scoring read: names removed, the topic added for a follow-up
    authors: tuple[str, ...] = ()  # correspondents it names: retrieval is restricted to their passages
    topic: str | None = None  # the earlier question a follow-up refers back to
    shifted: bool = False  # a follow-up with its own subject: `text` is that subject, the topic only steers
    follows: bool = False  # read as a follow-up of the conversation before it
    earlier_authors: tuple[str, ...] = ()  # for a follow-up: the correspondents the question before it named


def known_authors(index: Index) -> list[str]:
    """Distinct authors of the indexed passages."""
    return index.authors()


def letter_writers(index: Index) -> list[str]:
    """The writers of the letters of every indexed correspondence (a file with several authors)."""
    names = [
        a.strip() for f in index.manifest.files.values() if f.author and "," in f.author for a in f.author.split(",")
    ]
    return list(dict.fromkeys(n for n in names if n))


def mentioned_authors(text: str, index: Index) -> tuple[str, ...]:
    """Authors named in the text by full, first or last name ("Rien", "Brus", "Rien Brus"), and every letter
    writer when the text asks for the positions of them as a group ("do the letter writers agree?", "wat vinden de
    briefschrijvers?")."""
    if WRITERS_OF_LETTERS.search(text) and POSITIONS.search(text):
        known = set(known_authors(index))
        group = [a for a in letter_writers(index) if a in known]
        if len(group) > 1:
            return tuple(group)
    found = []
    for author in known_authors(index):
        names = [author] + [p for p in author.split() if len(p) > 2]
        # Case-sensitive: "Anders" is a name, "anders" is a Dutch word.
        if any(re.search(rf"\b{re.escape(n)}\b", text) for n in names):
            found.append(author)
    return tuple(found)


def without_names(text: str, authors: tuple[str, ...]) -> str:
    """The text with the given authors' names removed (they filter retrieval; they say nothing about content)."""
    for author in authors:
        # Particles ("de", "van") are only removed as part of the full name: alone they are ordinary words.
        for name in sorted([author] + [p for p in author.split() if len(p) > 2], key=len, reverse=True):
            text = re.sub(rf"\b{re.escape(name)}\b", " ", text)
    if authors:
        text = WRITERS_OF_LETTERS.sub(" ", text)
    return " ".join(text.split())


def own_terms(text: str) -> set[str]:
    """The stemmed content words of a question, without words that only ask for a view or point back."""
    # One letter is what is left of a possessive or contraction ("Wim's view", "isn't"): it asks nothing.
    words = [
        w
        for w in re.findall(r"\w+", text.lower())
        if w not in ASKING | POSITION and w not in BACK_REFERENCES and len(w) > 1
    ]
    return set(tokenize(" ".join(words)))


def _points_back(text: str) -> bool:
    return bool(set(re.findall(r"\w+", text.lower())) & BACK_REFERENCES)


def _is_follow_up(question: str, terms: set[str]) -> bool:
    """Opens with a connector, asks nothing of its own, or points back with a pronoun and adds little."""
    return bool(FOLLOW_UP_START.search(question.strip())) or not terms or (_points_back(question) and len(terms) <= 3)


def topic_of(history: list[str], index: Index) -> str | None:
    """The latest earlier question that asks something of its own (names removed), or None."""
    for earlier in reversed(history):
        text = without_names(earlier, mentioned_authors(earlier, index))
        if own_terms(text):
            return text
    return None


def read_question(question: str, history: list[str], index: Index) -> Query:
    """Names, topic and retrieval text of `question`, given the earlier questions of the conversation."""
    authors = mentioned_authors(question, index)
    text = without_names(question, authors) or question
    terms = own_terms(text)
    if not history or not _is_follow_up(question, terms):
        return Query(question, text, authors)
    # "Why is that?" after "What does Rien think?" still asks about Rien.
    earlier = tuple(mentioned_authors(history[-1], index))
    authors = authors or earlier
    topic = topic_of(history, index)
    if topic is None:
        return Query(question, text, authors, follows=True, earlier_authors=earlier)
    if FOLLOW_UP_START.search(question.strip()) and len(terms) >= 2 and not _points_back(text):
        return Query(question, text, authors, topic, shifted=True, follows=True, earlier_authors=earlier)
    return Query(question, f"{topic} {text}", authors, topic, follows=True, earlier_authors=earlier)
