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


def test_word_frequencies_are_read_from_a_cache_the_first_use_writes(tmp_path, monkeypatch):
    import json

    from rag.wordlists import checker, frequencies

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    frequencies.cache_clear()
    try:
        counts, total = frequencies("nl")
        reference = checker("nl").word_frequency
        assert total == reference.total_words and counts["welke"] == reference["welke"] > counts["huisvesting"] > 0
        [cache] = (tmp_path / "rag-cx").glob("wordfreq-nl-*.json")
        data = json.loads(cache.read_text(encoding="utf-8"))
        data["total"] = 7  # the next process reads the cache, not the word list
        cache.write_text(json.dumps(data), encoding="utf-8")
        frequencies.cache_clear()
        assert frequencies("nl")[1] == 7
        cache.write_text("not json", encoding="utf-8")  # a damaged cache is rebuilt
        frequencies.cache_clear()
        assert frequencies("nl")[1] == reference.total_words
    finally:
        frequencies.cache_clear()
