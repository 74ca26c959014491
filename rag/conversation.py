"""Reading a question in its conversation: which correspondents it names and what a follow-up refers back to.

"Should we have a separate CX strategy?" stands alone. "What does Wim say?", "and what does Rien think?" and
"why is that?" ask nothing of their own: they are read together with the topic of the conversation, the latest
earlier question that did ask something. "And what about the financial side?" is a follow-up with a subject of
its own: that subject leads and the topic only steers retrieval a little.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

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
    "brief brieven stuk eens oneens verschillen verschil waar welke wie wanneer each other another one whether if "
    "elkaar ok okay oke oké though right well really actually exactly just nou hoor dan toch eigenlijk precies".split()
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
# A request to the assistant around the question ("Can you tell me ...", "Give me ...", "Kun je uitleggen ...", "Ik
# wil graag weten ..."): it says what to do with the answer, not what the answer is about, and it draws the question's
# vector away from the passages ("Can you give me practical tips to ...": evidence 0.24; "practical tips to ...":
# 0.32). "Can you outsource CX?" asks about CX, not the assistant: only a request verb makes it a request.
REQUEST = re.compile(
    r"""^\s*(
        # "Can you tell me ...", "Could you explain ...", "Please give us ...": asked of the assistant
        (please,?\s+)?((can|could|would|will)\s+you|can['’]t\s+you|please)\s+(please\s+)?
            (tell|give|show|explain|list|name|describe|summari[sz]e|help)(\s+(me|us))?(\s+(with|about))?\b
        # "Explain ...", "Summarize ...": no other reading; "Tell me ...", "Give us ...", "Help me ...": with the person
        | (explain|describe|summari[sz]e)\b
        | (tell|give|show|list|name|help)\s+(me|us)\b(\s+(with|about))?
        | i(['’]d|\s+would)\s+like\s+to\s+(know|hear|understand)\b | i\s+(want|need)\s+to\s+(know|understand)\b
        | i\s+wonder(ed)?\b
        # "Kun je me vertellen ...", "Wilt u uitleggen ...", "Geef me ...", "Leg eens uit ...", "Ik wil graag weten ..."
        | (kun|kunt|kan|zou|wil|wilt)\s+(je|jij|u)\s+((me|mij|ons)\s+)?(eens\s+)?
            (vertellen|uitleggen|geven|noemen|laten\s+zien|beschrijven|samenvatten)\b
        | (vertel|geef|noem)\s+(me|mij|ons)\b(\s+eens)? | vertel\s+eens\b | (beschrijf|vat\s+samen)\b
        | leg\s+((me|mij|ons)\s+)?(eens\s+)?uit\b
        | ik\s+(wil|zou)\s+(graag\s+)?(weten|horen|begrijpen)\b
    )[\s,:]*""",
    re.IGNORECASE | re.VERBOSE,
)
# The articles themselves named around the question ("According to the articles, ...", "..., according to the
# authors?", "Volgens de teksten: ...", "In deze artikelen, ..."): every answer comes from them, so it says nothing
# about which passage answers. Asked that way, the dev side's questions lost hit@5 0.954 -> 0.892. The writer named
# ("According to Wim, ...") is a filter: after the name is taken out, "According to ," is left and read away too.
_CORPUS = (
    r"((the|these|those|your)\s+)?(articles?|authors?|writers?|texts?|documents?|sources?|pieces?|corpus|letters?|"
    r"experts?)|((de|deze|die|je|jouw)\s+)?(artikelen|artikels|artikel|auteurs|schrijvers|teksten|documenten|bronnen|"
    r"stukken|brieven|experts)"
)
SOURCES = re.compile(
    rf"^\s*(according\s+to|based\s+on|volgens|op\s+basis\s+van|in)\s+({_CORPUS})\s*[,:]\s*"
    rf"|^\s*(according\s+to|volgens)\s*[,:]\s*"
    rf"|[,;]?\s*(according\s+to|based\s+on|volgens)\s+({_CORPUS})\s*(?=[?.!]*\s*$)"
    rf"|[,;]\s*in\s+({_CORPUS})\s*(?=[?.!]*\s*$)"
    rf"|[,;]\s*(according\s+to|volgens)\s*(?=[?.!]*\s*$)",
    re.IGNORECASE,
)
COUNT = re.compile(
    r"^(\d+|two|three|four|five|six|seven|eight|nine|ten|twee|drie|vier|vijf|zes|zeven|acht|negen|tien)\s+",
    re.IGNORECASE,
)
# A back-reference to several people at once ("do they agree?", "wat vinden ze allebei?").
PLURAL_BACK = re.compile(r"\b(they|them|their|both|beiden|beide|allebei|hun)\b", re.IGNORECASE)
# ... or to the one person named before ("Does he agree with Rien?" after "What does Anders Jansen say?").
PERSON_BACK = re.compile(r"\b(he|she|him|her|hij|hem|zij)\b", re.IGNORECASE)
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
    return tuple(a for a in known_authors(index) if any(p.search(text) for p in _name_patterns(a)))


@lru_cache(maxsize=4096)
def _name_patterns(author: str) -> tuple[re.Pattern, ...]:
    """How a text names `author`: the full name or a first or last name, as written ("Rien", "Brus", "Rien Brus"),
    and in lower case ("wat vindt brus?") where the lower-case form is no word: "Anders" is a name, "anders" is a
    Dutch word, and so is "rampen" (the plural of "ramp"). Particles ("de", "van") only count in the full name."""
    from .lexicon import dictionary_words
    from .search import stem_words

    words = dictionary_words()
    names = sorted([author, *(p for p in author.split() if len(p) > 2)], key=len, reverse=True)

    def a_word(low: str) -> bool:  # a stop word, a dictionary word, or an inflected form of one ("rampen")
        if " " in low:
            return False  # a full name in lower case is still a name
        stem = stem_words([low])[0]
        return low in words or stem is None or (stem != low and stem in words)

    patterns = [re.compile(rf"\b{re.escape(n)}\b") for n in names]
    patterns += [re.compile(rf"\b{re.escape(n.lower())}\b") for n in names if not a_word(n.lower())]
    return tuple(patterns)


def without_names(text: str, authors: tuple[str, ...]) -> str:
    """The text with the given authors' names removed (they filter retrieval; they say nothing about content)."""
    for author in authors:
        # Particles ("de", "van") are only removed as part of the full name: alone they are ordinary words.
        for pattern in _name_patterns(author):
            text = pattern.sub(" ", text)
    if authors:
        text = WRITERS_OF_LETTERS.sub(" ", text)
    return " ".join(text.split())


def without_request(text: str) -> str:
    """The question without a request to the assistant around it ("Can you give me three tips to ...?" -> "tips to
    ...?") or a reference to the articles ("According to the articles, why ...?" -> "why ...?"); the text itself when
    nothing else would be left."""
    rest = REQUEST.sub("", text, count=1).strip()
    if rest != text.strip():  # "Give me three tips": how many is asked, not what about ("drie" matches nothing asked)
        rest = COUNT.sub("", rest, count=1)
    rest = SOURCES.sub("", rest).strip()
    return rest if rest.strip(" ?.!") else text


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


def _named_since_topic(history: list[str], index: Index) -> tuple[str, ...]:
    """Everyone the conversation named since its latest question with a subject of its own (that one included),
    in the order they were named."""
    named: list[str] = []
    for earlier in reversed(history):
        named = list(mentioned_authors(earlier, index)) + [
            a for a in named if a not in mentioned_authors(earlier, index)
        ]
        if own_terms(without_request(without_names(earlier, mentioned_authors(earlier, index)))):
            break
    return tuple(dict.fromkeys(named))


def read_question(question: str, history: list[str], index: Index) -> Query:
    """Names, topic and retrieval text of `question`, given the earlier questions of the conversation."""
    authors = mentioned_authors(question, index)
    text = without_request(without_names(question, authors)) or question
    terms = own_terms(text)
    if not history or not _is_follow_up(question, terms):
        return Query(question, text, authors)
    # "Why is that?" after "What does Rien think?" still asks about Rien; "Do they agree?" after "What does Wim say?"
    # and "And Jan-Hein?" asks about both.
    earlier = tuple(mentioned_authors(history[-1], index))
    if not authors and PLURAL_BACK.search(question):
        authors = _named_since_topic(history, index)
    elif authors and earlier and PERSON_BACK.search(question):  # "Is hij het eens met Rien?" after Anders: both
        authors = tuple(dict.fromkeys(earlier + authors))
    authors = authors or earlier
    topic = topic_of(history, index)
    if topic is None:
        return Query(question, text, authors, follows=True, earlier_authors=earlier)
    if FOLLOW_UP_START.search(question.strip()) and len(terms) >= 2 and not _points_back(text):
        return Query(question, text, authors, topic, shifted=True, follows=True, earlier_authors=earlier)
    return Query(question, f"{topic} {text}", authors, topic, follows=True, earlier_authors=earlier)
