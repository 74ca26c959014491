"""Typos in a question read as the word meant, against the word lists and the indexed text (rag/spelling.py)."""

import pytest

from rag.spelling import spelled


@pytest.mark.parametrize(
    ("typed", "lang", "read_as"),
    [
        # a letter left out, two swapped, one changed, one too many
        ("Why do custmer wait so long?", "en", "Why do customer wait so long?"),
        ("Should we have a sepaarte strategy?", "en", "Should we have a separate strategy?"),
        ("Is a dashbaord useful?", "en", "Is a dashboard useful?"),
        ("Does managment care?", "en", "Does management care?"),
        ("Wat verwachten patienten?", "nl", "Wat verwachten patiënten?"),  # a diacritic left out, not "patenten"
        ("Is het gecreeerd?", "nl", "Is het gecreëerd?"),
        # the word the articles use wins: "wachttijden", "bereikbaarheid" are in the tiny corpus
        ("Waarom zijn de wachtijden zo lang?", "nl", "Waarom zijn de wachttijden zo lang?"),
        ("Hoe meet je bereikbaarhied?", "nl", "Hoe meet je bereikbaarheid?"),
        # ... each part of a compound
        ("Is a custmer-centric culture enough?", "en", "Is a customer-centric culture enough?"),
        # a word of four letters as two letters swapped into a very common word (a helper's "waht does … say")
        ("waht does the board say?", "en", "what does the board say?"),
        ("Is it tiem to act?", "en", "Is it time to act?"),
    ],
)
def test_a_typo_is_read_as_the_word_meant(tiny_assistant, typed, lang, read_as):
    assert spelled(typed, tiny_assistant.index(), lang) == read_as


@pytest.mark.parametrize(
    "typed",
    [
        "How does upselling relate to reskilling and gamification?",  # rare words, no typos of rarer ones
        "Is reachability part of the organisation's behaviour in the centre?",  # derived and British forms
        "What does Rampn think?",  # a name inside a sentence stays as typed
        "Is NSP or CSTA better?",  # acronyms
        "Is teh cost high?",  # short words have too many neighbours
        "Do chatbots and omnichannel onboarding help?",
        # a capitalised word may be a name wherever it stands, and a rarer word one edit away is no reason (a review
        # found "Gartner" read as "Partner", "upskilled" as "unskilled", "appen" as "kappen")
        "Gartner says what about Genesys and Sprinklr?",
        "Custmer first?",
        "Are upskilled agents better with genai?",
        "Moeten we klanten appen of prompten?",
    ],
)
def test_a_word_that_is_no_typo_stays_as_typed(tiny_assistant, typed):
    from rag.sentences import guess_language

    assert spelled(typed, tiny_assistant.index(), guess_language(typed)) == typed


def test_a_writers_name_is_kept(tiny_assistant):
    assert spelled("wat vindt jansen van bots?", tiny_assistant.index(), "nl", frozenset({"jansen"})).startswith(
        "wat vindt jansen"
    )
