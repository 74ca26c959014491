import re

import pytest

from rag.conversation import mentioned_authors, own_terms, read_question, says_nothing, without_names
from rag.errors import InputError
from rag.indexer import update_index
from rag.service import Assistant
from tests.helpers import make_settings


@pytest.fixture
def assistant(tmp_path):
    s = make_settings(tmp_path)
    update_index(s)
    return Assistant(s)


def _file(assistant, doc):
    return (assistant.settings.seeds_dir / doc).read_text(encoding="utf-8")


def test_answer_markers_match_citations_and_quotes_are_verbatim(assistant):
    answer = assistant.ask("Waarom zijn chatbots sneller dan medewerkers?")
    assert not answer.abstained and answer.citations
    markers = [int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)]
    assert markers == [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    for c in answer.citations:
        assert _file(assistant, c.doc)[c.start : c.end] == c.quote


def test_answer_groups_quotes_by_letter_author_in_the_question_language(assistant):
    answer = assistant.ask("What do the letter writers say about chatbots and automatisering?")
    assert answer.lang == "en"
    authors = {c.author for c in answer.citations}
    assert "Piet Jansen" in authors or "Marie Bakker" in authors
    for author in authors - {None}:
        assert f"{author} writes:" in answer.answer


def test_dutch_question_gets_dutch_framing(assistant):
    answer = assistant.ask("Wat vindt Marie Bakker van automatisering?")
    assert answer.lang == "nl" and "Marie Bakker schrijft:" in answer.answer
    assert {c.author for c in answer.citations} == {"Marie Bakker"}


def test_weak_evidence_abstains_cites_nothing_and_keeps_related_passages(tmp_path):
    s = make_settings(tmp_path, abstain_threshold=0.99)
    update_index(s)
    answer = Assistant(s).ask("Hoe bak je een appeltaart?")
    assert answer.abstained and not answer.citations and answer.passages
    assert "geen antwoord" in answer.answer


def test_follow_ups_are_read_with_the_topic_of_the_conversation(assistant):
    index = assistant.index()
    topic = "Moet je klantcontact automatiseren met chatbots?"
    follow = read_question("and what does Marie think?", [topic], index)
    assert follow.topic == topic and follow.authors == ("Marie Bakker",) and follow.text.startswith(topic)
    # Asking for a view without a connector is a follow-up too; names never enter the retrieval text.
    wim = read_question("What does Piet say?", [topic], index)
    assert wim.topic == topic and wim.authors == ("Piet Jansen",) and "Piet" not in wim.text
    # A chain of follow-ups keeps the last question that asked something of its own.
    chain = read_question("En Marie?", [topic, "What does Piet say?"], index)
    assert chain.topic == topic and chain.authors == ("Marie Bakker",)
    # "Why is that?" after a question about Piet still asks about Piet.
    why = read_question("Why is that?", [topic, "What does Piet think?"], index)
    assert why.topic == topic and why.authors == ("Piet Jansen",)
    # A one-word topic still counts, and a question that asks for someone's view continues it.
    one_word = read_question("Wat vindt Marie?", ["Wat vindt Piet van chatbots?"], index)
    assert one_word.topic == "Wat vindt van chatbots?" and one_word.authors == ("Marie Bakker",)
    assert read_question("Why is that?", ["What does Piet think about chatbots?"], index).authors == ("Piet Jansen",)
    # A new one-word question is not a follow-up; particles of a name are not removed from the text.
    assert read_question("What is NPS?", [topic], index).topic is None
    # A follow-up with a subject of its own leads with that subject.
    shifted = read_question("And what about waiting times on the phone?", [topic], index)
    assert shifted.shifted and shifted.topic == topic and shifted.text == "And what about waiting times on the phone?"
    # A new question stands alone, even mid-conversation.
    alone = read_question("Wat is een klantreis in de zorg?", [topic], index)
    assert alone.topic is None and alone.text == "Wat is een klantreis in de zorg?"
    assert read_question("and what does Marie think?", [], index).topic is None
    answer = assistant.ask("and what does Marie think?", history=[topic])
    assert {c.author for c in answer.citations} == {"Marie Bakker"}


def test_author_names_are_matched_as_written_and_in_lower_case_where_that_is_no_word(assistant, monkeypatch):
    import rag.conversation
    import rag.lexicon

    index = assistant.index()
    assert mentioned_authors("wat zegt Piet?", index) == ("Piet Jansen",)
    assert mentioned_authors("dat is anders", index) == ()
    # Typed in lower case: "piet" and "jansen" are no words, so they name him; "bakker" (baker) is a word.
    monkeypatch.setattr(rag.lexicon, "dictionary_words", lambda: frozenset({"bakker", "ramp"}))
    rag.conversation._names.cache_clear()
    try:
        assert mentioned_authors("wat zegt piet?", index) == ("Piet Jansen",)
        assert mentioned_authors("what does jansen think", index) == ("Piet Jansen",)
        assert mentioned_authors("wat vindt de bakker?", index) == ()
        assert mentioned_authors("wat vindt marie bakker?", index) == ("Marie Bakker",)  # the full name
        assert "piet" not in read_question("what does piet think about chatbots?", [], index).text
        # A possessive goes with the name: "'s" would be read as a word of the question ("eren" in Dutch).
        assert read_question("What is Piet Jansen's concern?", [], index).text == "What is concern?"
        assert mentioned_authors("WAT VINDT PIET?", index) == ("Piet Jansen",)  # any case
        # ... verbs of meaning, calling and advising ask about a person too
        assert mentioned_authors("wat bedoelt piet met chatbots?", index) == ("Piet Jansen",)
        assert mentioned_authors("waarom noemt piet chatbots duur?", index) == ("Piet Jansen",)
        assert mentioned_authors("what does piet mean by fast?", index) == ("Piet Jansen",)
        # Only in a question about what someone holds: "piet" in another question may be a word to this corpus.
        assert mentioned_authors("hoe lang wacht piet aan de telefoon?", index) == ()
        assert mentioned_authors("what's the piet waiting time?", index) == ()  # "what's" is no possessive of a name
        # A follow-up opener, a possessive after the name, or the full name: about a person
        assert mentioned_authors("en piet?", index) == ("Piet Jansen",)
        assert mentioned_authors("piet's main point", index) == ("Piet Jansen",)
        assert mentioned_authors("marie bakker", index) == ("Marie Bakker",)
        assert set(mentioned_authors("piet sides with Marie, so what bothers him?", index)) == {
            "Piet Jansen",
            "Marie Bakker",
        }
    finally:
        rag.conversation._names.cache_clear()


def test_they_after_several_bare_names_asks_about_all_of_them(assistant):
    index = assistant.index()
    topic = "Moet je klantcontact automatiseren met chatbots?"
    both = read_question("Do they agree?", ["What does Piet say?", "And Marie?"], index)
    assert set(both.authors) == {"Piet Jansen", "Marie Bakker"}
    # Only those named since the conversation's last question with a subject of its own.
    later = read_question("Do they agree?", ["What does Marie say?", topic, "What does Piet say?", "En Marie?"], index)
    assert set(later.authors) == {"Piet Jansen", "Marie Bakker"} and later.topic == topic
    only = read_question("Do they agree?", ["What does Marie say?", topic, "What does Piet say?"], index)
    assert only.authors == ("Piet Jansen",)
    # Dutch "ze" with a plural verb, and "elkaar", point back to several.
    dutch = read_question("Zijn ze het met elkaar eens?", ["Wat vindt Piet?", "En Marie?"], index)
    assert set(dutch.authors) == {"Piet Jansen", "Marie Bakker"}
    # A writer's position as a whole is asked whatever came before; "What does Piet say?" continues the topic.
    whole = read_question("What is Piet's main point?", [topic], index)
    assert whole.topic is None and whole.authors == ("Piet Jansen",)
    # "he" beside another name: the one named before, and the other.
    assert read_question("Does he agree with Marie?", ["What does Piet say?"], index).authors == (
        "Piet Jansen",
        "Marie Bakker",
    )
    # Fillers ask nothing of their own: "ok but why though?" is a "why?" about the topic.
    filler = read_question("ok but why though?", [topic], index)
    assert filler.follows and filler.topic == topic
    assert read_question("Which one?", [topic], index).topic == topic
    # "he" after the name is that person, not the one before.
    assert read_question("What does Marie think, and why does he say so?", ["What does Piet say?"], index).authors == (
        "Marie Bakker",
    )
    # A follow-up that points back keeps the topic, even when it asks for the main point of it.
    assert read_question("What does Piet see as the main risk of that?", [topic], index).topic == topic
    # "he" points back to the last one named.
    assert read_question("Why does he think so?", ["What does Piet say?", "And Marie?"], index).authors == (
        "Marie Bakker",
    )


def test_the_letter_writers_named_as_a_group_are_everyone_who_wrote_a_letter(assistant):
    index = assistant.index()
    writers = {"Piet Jansen", "Marie Bakker"}
    assert set(mentioned_authors("Do the letter writers agree about chatbots?", index)) == writers
    assert set(mentioned_authors("Wat vinden de briefschrijvers van automatisering?", index)) == writers
    # "according to" asks for their say too (a helper's unseen question abstained)
    assert set(mentioned_authors("What role do chatbots play according to the letter writers?", index)) == writers
    assert set(mentioned_authors("Welke rol speelt automatisering volgens de briefschrijvers?", index)) == writers
    # Asked about the correspondence itself, not the writers' positions: nobody is named (the introduction counts).
    assert mentioned_authors("What is the letter exchange between the correspondents about?", index) == ()
    answer = assistant.ask("Zijn de briefschrijvers het eens over chatbots?")
    assert not answer.abstained and {c.author for c in answer.citations} == writers


@pytest.mark.parametrize("question", ["", "   \n\t", "x" * 200_000])
def test_empty_blank_and_huge_questions_get_a_clear_message(assistant, question):
    with pytest.raises(InputError, match="empty|too long"):
        assistant.ask(question)


def test_same_question_same_answer(assistant):
    a, b = (
        assistant.ask("Wat is het belangrijkste ontwerpprincipe?"),
        assistant.ask("Wat is het belangrijkste ontwerpprincipe?"),
    )
    assert (a.answer, a.citations) == (b.answer, b.citations)


def test_sentences_split_at_sentence_ends_only_and_keep_offsets():
    from rag.parsing import parse_document
    from rag.sentences import split_sentences

    text = "Titel\nDan kan het — tijdelijk! — tóch slim zijn. Niet als doel op zich, maar als tussenfase. Wow! Technologie telt."
    doc = parse_document("x.txt", text)
    from rag.chunking import chunk_document

    sentences = [s for c in chunk_document(doc, 900, 150) for s in split_sentences(c, 1)]
    assert [s.text for s in sentences] == [
        "Titel",
        "Dan kan het — tijdelijk! — tóch slim zijn.",
        "Niet als doel op zich, maar als tussenfase.",
        "Wow!",
        "Technologie telt.",
    ]
    assert all(text[s.start : s.end] == s.text for s in sentences)


def _sentence(text: str, startswith: str):
    from rag.chunking import chunk_document
    from rag.parsing import parse_document
    from rag.sentences import split_sentences

    chunk = chunk_document(parse_document("x.txt", text), 900, 150)[0]
    return next(s for s in split_sentences(chunk) if s.text.startswith(startswith))


def test_a_question_in_the_text_is_quoted_with_the_sentence_that_answers_it():
    from rag.answer import in_context

    text = "Titel\nMoet CX een aparte strategie zijn? Dat hangt af van de volwassenheid. Verder niets."
    quoted = in_context(_sentence(text, "Moet CX"))
    assert quoted.text == "Moet CX een aparte strategie zijn? Dat hangt af van de volwassenheid."
    assert text[quoted.start : quoted.end] == quoted.text


def test_a_sentence_that_leans_on_the_one_before_is_quoted_with_it():
    from rag.answer import in_context

    # Quoted alone, "Dat CX ..." would say the opposite of what the author means.
    text = "Titel\nDe grootste misvatting? Dat CX een eigen strategie nodig heeft. Verder niets."
    quoted = in_context(_sentence(text, "Dat CX"))
    assert quoted.text == "De grootste misvatting? Dat CX een eigen strategie nodig heeft."
    assert text[quoted.start : quoted.end] == quoted.text
    # "Unless ..." and "not because ..." finish the sentence before them.
    text = "Titel\nCX moet geen aparte strategie zijn. Tenzij je die even nodig hebt. Niet omdat het onzin is."
    assert (
        in_context(_sentence(text, "Tenzij")).text
        == "CX moet geen aparte strategie zijn. Tenzij je die even nodig hebt."
    )
    assert in_context(_sentence(text, "Niet omdat")).text.startswith("CX moet geen")
    # ... and a statement the next sentence qualifies is quoted with it: alone it states more than its author does.
    assert (
        in_context(_sentence(text, "CX moet")).text
        == "CX moet geen aparte strategie zijn. Tenzij je die even nodig hebt."
    )
    # A sentence that stands on its own, or opens a new paragraph, is quoted alone.
    text = "Titel\nDe klant telt. Klanten willen snelheid boven alles.\nDat is bekend uit onderzoek."
    assert in_context(_sentence(text, "Klanten willen")).text == "Klanten willen snelheid boven alles."
    assert in_context(_sentence(text, "Dat is bekend")).text == "Dat is bekend uit onderzoek."


def test_a_claim_is_quoted_with_the_reason_its_author_gives_next():
    from rag.answer import in_context

    # "Want ..." and "... namelijk ..." give the reason for the sentence before them, in the same paragraph.
    text = (
        "Titel\nCX kun je niet bij Marketing beleggen. Want iedereen heeft invloed op de klantbeleving. Direct of "
        "indirect.\nCX heeft minder last van deze erosie. CX draait namelijk om het moment.\nDe klant telt.\n"
        "Nieuwe alinea hier. Want dat lijkt me een goed begin van iets anders."
    )
    assert (
        in_context(_sentence(text, "CX kun je")).text
        == "CX kun je niet bij Marketing beleggen. Want iedereen heeft invloed op de klantbeleving."
    )
    assert in_context(_sentence(text, "CX heeft")).text.endswith("CX draait namelijk om het moment.")
    # Not across a paragraph, and a sentence without a reason after it stays alone.
    assert in_context(_sentence(text, "De klant telt")).text == "De klant telt."


def test_a_sentence_that_points_back_is_quoted_with_what_it_points_at():
    from rag.answer import in_context

    # "daarin" and "in zulke gevallen" speak of what the sentence before says; alone, what they mean is missing.
    text = (
        "Titel\nWant die strategie is je kompas. CX hoort daarin ingebakken te zitten, niet ernaast geplakt.\n"
        "Soms ontbreekt de klant in het leiderschap. In zulke gevallen helpt een aparte CX-strategie tijdelijk.\n"
        "In zulke gevallen kies je zelf.\nDaarin ligt de kern van het verhaal voor iedereen."
    )
    assert in_context(_sentence(text, "CX hoort")).text.startswith("Want die strategie is je kompas. CX hoort")
    assert in_context(_sentence(text, "In zulke")).text.startswith("Soms ontbreekt de klant")
    # "Dáár" (there) opening a sentence is the place the sentence before names
    there = "Titel\nHet WAT is hetzelfde. Het HOE daarentegen. Dáár wordt het verschil gemaakt.\nDaarom telt CX."
    assert in_context(_sentence(there, "Dáár")).text == "Het HOE daarentegen. Dáár wordt het verschil gemaakt."
    # Not across a paragraph: a new paragraph starts its own thought.
    assert in_context(_sentence(text, "Daarin ligt")).text.startswith("Daarin ligt")


def test_a_sentence_that_continues_a_list_item_is_quoted_with_the_item():
    from rag.answer import in_context

    text = (
        "Titel\nEen paar manieren:\n✅ Mini-stages – Iedereen luistert klantgesprekken mee. De snelste manier om "
        "te begrijpen wat klanten ervaren.\nDe klant telt. Klanten willen snelheid boven alles."
    )
    quoted = in_context(_sentence(text, "De snelste"))
    assert quoted.text.startswith("✅ Mini-stages") and quoted.text.endswith("wat klanten ervaren.")
    assert text[quoted.start : quoted.end] == quoted.text
    # Outside a list item a plain sentence is still quoted alone.
    assert in_context(_sentence(text, "Klanten willen")).text == "Klanten willen snelheid boven alles."
    # A figure that opens a line of prose is no list marker; the third sentence of an item goes back to its start.
    prose = "Titel\n3.000 klanten belden vorige week over storingen. Klanten willen vooral snelheid."
    assert in_context(_sentence(prose, "Klanten willen")).text == "Klanten willen vooral snelheid."
    item = "Titel\n- Eerste zin van het punt hier. Tweede zin van het punt. Derde zin van het punt."
    assert in_context(_sentence(item, "Derde")).text.startswith("- Eerste zin")
    # ... and its first sentence goes on to the item's end (its line): without them the item has no point.
    assert in_context(_sentence(text, "✅ Mini-stages")).text.endswith("wat klanten ervaren.")
    assert in_context(_sentence(item, "- Eerste")).text.endswith("Derde zin van het punt.")
    # A question in a list item never runs into the next item.
    items = "Titel\n❌ Geen ruimte – Hoe verwacht je dat?\n❌ Te snel – Cultuur is geen project."
    assert in_context(_sentence(items, "❌ Geen ruimte")).text == "❌ Geen ruimte – Hoe verwacht je dat?"


def test_the_answer_streams_as_growing_text_before_the_final_answer(assistant):
    from rag.types import Answer

    events = list(assistant.ask_stream("Wat vinden Piet en Marie van chatbots en automatisering?"))
    texts, final = events[:-1], events[-1]
    assert isinstance(final, Answer) and all(isinstance(t, str) for t in texts)
    assert texts and all(final.answer.startswith(t) for t in texts)
    assert [len(t) for t in texts] == sorted(len(t) for t in texts)


def test_a_widened_quote_that_covers_another_chosen_sentence_is_given_once_in_full():
    from rag.answer import Scored, compose

    text = "Titel\nDe grootste misvatting? Dat CX een eigen strategie nodig heeft. Iets anders hier nog."
    question, answer = _sentence(text, "De grootste"), _sentence(text, "Dat CX")
    body, citations = compose([Scored(answer, 0.9, 0.9, 1), Scored(question, 0.8, 0.8, 1)], "nl")
    assert [c.quote for c in citations] == ["De grootste misvatting? Dat CX een eigen strategie nodig heeft."]
    assert text[citations[0].start : citations[0].end] == citations[0].quote and "[1]" in body
    text = (
        "Titel\nChatbots beantwoorden vragen sneller dan mensen. Dat betekent niet dat je alles automatiseert. Klaar."
    )
    first, leaning = _sentence(text, "Chatbots"), _sentence(text, "Dat betekent")
    _, citations = compose([Scored(leaning, 0.9, 0.9, 1), Scored(first, 0.8, 0.8, 1)], "nl")
    assert [c.quote for c in citations] == [
        "Chatbots beantwoorden vragen sneller dan mensen. Dat betekent niet dat je alles automatiseert."
    ]


@pytest.mark.parametrize(
    ("question", "read_as"),
    [
        ("Can you give me three practical tips for the phone queue?", "practical tips for the phone queue?"),
        ("Could you tell me why patients wait so long?", "why patients wait so long?"),
        ("Please explain how chatbots help", "how chatbots help"),
        ("I'd like to know what chatbots cost", "what chatbots cost"),
        ("Kun je me vertellen waarom patiënten lang wachten?", "waarom patiënten lang wachten?"),
        ("Geef me drie tips voor de wachtrij", "tips voor de wachtrij"),
        ("Ik wil graag weten wat chatbots kosten", "wat chatbots kosten"),
        # "you" as anyone, not the assistant: the question itself
        ("Can you automate customer contact?", "Can you automate customer contact?"),
        ("Can you give patients too much choice?", "Can you give patients too much choice?"),
        ("Zou je me kunnen uitleggen waarom patiënten wachten?", "waarom patiënten wachten?"),
        ("What can you tell me about waiting times?", "waiting times?"),
        ("Ik vraag me af of chatbots helpen", "of chatbots helpen"),
        ("Kun je klantcontact automatiseren?", "Kun je klantcontact automatiseren?"),
        ("Explain.", "Explain."),  # nothing else to read
        ("Vertel eens, waarom faalt CX?", "waarom faalt CX?"),
        # Greetings and thanks around it
        ("Hi! Why do patients wait?", "Why do patients wait?"),
        ("Hoi, waarom wachten patiënten? Alvast bedankt.", "waarom wachten patiënten?"),
        ("Hello there, can you tell me why patients wait? Thanks in advance!", "why patients wait?"),
        ("Beste manier om wachttijden te meten?", "Beste manier om wachttijden te meten?"),  # "best", not "dear"
        ("Hi-fi shops and waiting times?", "Hi-fi shops and waiting times?"),
        ("Should agents say thank you?", "Should agents say thank you?"),  # thanking is the subject
        ("Beste practices, welke werken?", "Beste practices, welke werken?"),
        ("Thanks! Why do patients wait?", "Why do patients wait?"),
        # The articles named around the question: every answer comes from them
        ("According to the articles, why do patients wait?", "why do patients wait?"),
        ("Why do patients wait, according to the authors?", "Why do patients wait?"),
        ("Waarom wachten patiënten volgens de auteurs?", "Waarom wachten patiënten?"),
        ("Volgens Piet: waarom wachten patiënten?", "waarom wachten patiënten?"),  # the name filters
        ("What is in the articles?", "What is in the articles?"),
        ("Is CX in the boardroom?", "Is CX in the boardroom?"),
        # The asker introducing themselves: who asks, not what about
        ("We are a mid-sized insurer. Why do patients wait?", "Why do patients wait?"),
        ("I'm a CX manager at a bank, why do patients wait?", "why do patients wait?"),
        ("As a team lead, how do I shorten the queue?", "how do I shorten the queue?"),
        ("Hi! I'm Sarah. I work at a hospital. Can you tell me why patients wait?", "why patients wait?"),
        ("Quick context: we run a chain of gyms. What do chatbots cost?", "What do chatbots cost?"),
        ("Wij zijn een middelgrote verzekeraar. Waarom wachten patiënten?", "Waarom wachten patiënten?"),
        ("Ik ben teamleider bij een ziekenhuis, hoe kort ik de wachtrij in?", "hoe kort ik de wachtrij in?"),
        ("Ik werk bij een telecombedrijf. Wat kosten chatbots?", "Wat kosten chatbots?"),
        ("As a team lead, I manage ten agents. How do I shorten the queue?", "How do I shorten the queue?"),
        # ... but not where the question needs the sentence before it to say anything
        ("We run a patient survey every year. Is that enough?", "We run a patient survey every year. Is that enough?"),
        ("Priya here, service designer at an agency. Why do patients wait?", "Why do patients wait?"),
        ("Hoi, ik ben Lisa en ik werk als teamleider bij een ziekenhuis. Wat kosten chatbots?", "Wat kosten chatbots?"),
        ("Als teamleider stuur ik tien mensen aan. Hoe kort ik de wachtrij in?", "Hoe kort ik de wachtrij in?"),
        # ... but a situation or a problem is what the question is about, and "as a result" introduces nobody
        ("We are struggling with churn. What now?", "We are struggling with churn. What now?"),
        (
            "We're a clinic with no budget for chatbots. What now?",
            "We're a clinic with no budget for chatbots. What now?",
        ),
        ("Our CFO keeps trimming the budget. How do I argue?", "Our CFO keeps trimming the budget. How do I argue?"),
        ("I am a bit lost. Why do patients wait?", "I am a bit lost. Why do patients wait?"),
        (
            "I'm a manager at a clinic, and our waiting times doubled. Why?",
            "I'm a manager at a clinic, and our waiting times doubled. Why?",
        ),
        ("As a result, do patients wait?", "As a result, do patients wait?"),
        ("Data analyst at a clinic. Why do patients wait?", "Why do patients wait?"),
        ("Hey! Tom from a brewery. Why do patients wait?", "Why do patients wait?"),
        ("Customers from a bank expect speed. Why?", "Customers from a bank expect speed. Why?"),
        ("Klanten uit Brabant zijn boos. Waarom?", "Klanten uit Brabant zijn boos. Waarom?"),
        (
            "Service agents at our clinic are rushed. Why do patients wait?",
            "Service agents at our clinic are rushed. Why do patients wait?",
        ),
        (
            "Ik werk bij een ziekenhuis en we hebben geen budget. Wat nu?",
            "Ik werk bij een ziekenhuis en we hebben geen budget. Wat nu?",
        ),
        ("I work at a hospital.", "I work at a hospital."),  # nothing else to read
        # How to answer, and a sign-off, in sentences of their own
        ("Why do patients wait? Please keep it short.", "Why do patients wait?"),
        ("Why do patients wait? Could you answer in bullet points? Thanks, Mark", "Why do patients wait?"),
        ("Why do patients wait? A brief summary would be enough, cheers.", "Why do patients wait?"),
        ("Waarom wachten patiënten? Kunt u ook de bron vermelden? Bedankt.", "Waarom wachten patiënten?"),
        ("Why do patients wait?\n\nKind regards,\nSarah Jenkins", "Why do patients wait?"),
        ("Why do patients wait? Thanks, J. Alvarez", "Why do patients wait?"),
        ("Kort antwoord graag: waarom wachten patiënten?", "waarom wachten patiënten?"),
        # ... not a sentence with a word of its own, nor another question
        ("Why do patients wait? Especially in winter.", "Why do patients wait? Especially in winter."),
        ("Why do patients wait? Is it staffing?", "Why do patients wait? Is it staffing?"),
        ("Do chatbots help patients? And why?", "Do chatbots help patients?"),
        ("Helpen chatbots patiënten? En waarom?", "Helpen chatbots patiënten?"),
        # A verb that opens a question of its own is not a request: "help desk", "name recognition", "geef ruimte"
        ("Help desk agents are rushed, what now?", "Help desk agents are rushed, what now?"),
        ("Name recognition: does it matter?", "Name recognition: does it matter?"),
        ("Geef medewerkers meer ruimte?", "Geef medewerkers meer ruimte?"),
    ],
)
def test_a_request_to_the_assistant_is_not_read_as_what_the_question_is_about(assistant, question, read_as):
    assert read_question(question, [], assistant.index()).text == read_as


@pytest.mark.parametrize(
    ("message", "nothing"),
    [
        ("Hi!", True),
        ("Thank you", True),
        ("Ok, great.", True),
        ("Top, dank je wel", True),
        ("Hi, I'm a CX manager at a bank.", True),
        ("Ik werk bij een telecombedrijf.", True),
        ("Why?", False),
        ("Hi! Why do patients wait?", False),
        ("Thanks, and what does Piet say?", False),
        ("We are struggling with churn.", False),
        ("Great chatbots?", False),
    ],
)
def test_a_message_of_only_courtesy_or_an_introduction_asks_nothing(message, nothing):
    assert says_nothing(message) is nothing


@pytest.mark.parametrize(
    "message",
    [
        # a request or a question without its mark, made of words that also make wishes or sign-offs (a review found
        # these answered with the greeting)
        "Leg uit",
        "Summarize",
        "Can you explain that?",
        "Geef een voorbeeld",
        "Key points",
        "wat moet ik doen",
        "Explain CX",
        "Key CX KPIs",
        "Samenvatting van Rien Brus",
        "En wat kan de top zelf doen",
        # an introduction that says what the asker wants
        "I'm a CX manager looking for arguments for a CX budget.",
        "Hi, I'm a CX manager at a bank and want to know about CX budgets",
        "I'm a student writing a thesis on CX strategy.",
    ],
)
def test_a_request_in_words_of_courtesy_or_after_an_introduction_asks_something(message):
    assert not says_nothing(message)


@pytest.mark.parametrize(
    "question",
    [
        # what the question is about, in the shape of an introduction, a wish or a sign-off (found by a review)
        "I'm a fan of a separate CX strategy. Am I wrong?",
        "Ik ben een tegenstander van een aparte CX-strategie. Heb ik gelijk?",
        "My role is unclear in our CX program. What should I do?",
        "I'm a CX manager with a tiny budget. What can I do?",
        "We are the market leader but customers leave. Why?",
        "Agents at our call centre leave within a year. Why?",
        "Medewerkers bij callcenters vertrekken vaak. Waarom?",
        "Head of CX is a lonely job. Why?",
        "Working at a call centre is hard. Why?",
        "As a customer journey gets longer, what breaks?",
        "Phone or email: which is better?",
        "Formeel of informeel: wat verwachten klanten?",
        "What do customers prefer? Email or mobile.",
        "What about NPS? And CES.",
        "Ik ben het niet eens met Marie. Wie wel?",
        "Should we measure NPS? How?",
    ],
)
def test_a_question_shaped_like_what_is_said_around_one_keeps_its_subject(assistant, question):
    assert read_question(question, [], assistant.index()).text == question.replace("Marie. ", ". ")


def test_a_long_sign_off_does_not_hang_the_reading():
    # Its job title took 16 s for 107 characters and 4x more for each " Of The" ("Of" and "The" read either as a
    # connector or as a capitalised word); at 40 of them it would not finish. Not a speed measurement: a hang guard.
    import time

    from rag.conversation import without_request

    start = time.perf_counter()
    assert says_nothing("Kind regards, Mark Jensen, Head of Customer Service")
    assert not says_nothing("Thanks, Mark, Head" + " Of The" * 40 + " 2024")
    without_request("Why? Kind regards, Mark, Head" + " Of The" * 40 + " 2024")
    assert time.perf_counter() - start < 5


def test_a_greeting_thanks_or_introduction_alone_gets_a_reply_not_quotes(assistant):
    hello = assistant.ask("Hi, I'm a CX manager at a hospital.")
    assert not hello.abstained and not hello.citations and not hello.passages
    assert hello.answer.startswith("Hello! Ask me a question") and hello.lang == "en"
    thanks = assistant.ask("Bedankt!", history=["Waarom wachten patiënten?"])
    assert thanks.answer.startswith("Graag gedaan") and not thanks.citations
    # ... a request in a conversation is answered, not greeted
    for request in ("Leg uit", "Can you explain that?", "Key points"):
        answer = assistant.ask(request, history=["Waarom wachten patiënten?"])
        assert not answer.answer.startswith(("Hello!", "Hallo!", "You're welcome", "Graag gedaan"))
    # ... and the introduction is no topic for the question after it
    assert read_question("Why?", ["Hi, I'm a CX manager at a hospital."], assistant.index()).topic is None


def test_a_request_in_an_earlier_question_is_not_the_topic_and_a_request_alone_is_a_follow_up(assistant):
    index = assistant.index()
    topic = "Moet je klantcontact automatiseren met chatbots?"
    why = read_question("Why is that?", [topic, "Kun je me vertellen wat Piet vindt?"], index)
    assert why.topic == topic and "vertellen" not in why.text and why.authors == ("Piet Jansen",)
    framed = read_question("En Marie?", ["Kun je me vertellen of klantcontact met chatbots kan?"], index)
    assert framed.topic == "of klantcontact met chatbots kan?"
    for request in ("Tell me more", "Leg eens uit", "Explain.", "Can you explain?"):
        more = read_question(request, [topic], index)
        assert more.follows and more.topic == topic, request


@pytest.mark.parametrize(
    ("question", "stranger"),
    [
        ("What was Coolblue's NPS last year?", "Coolblue"),  # its figure
        ("How much does Coolblue spend on its phone lines?", "Coolblue"),
        ("Hoeveel klanten heeft Coolblue?", "Coolblue"),
        ("Zendesk or Genesys for our phone queue?", "Zendesk"),  # a choice between names the articles never use
        ("Salesforce of HubSpot voor de wachtrij?", "Salesforce"),
        ("Should a company like Coolblue automate its phone lines?", None),  # named on the way: the subject is asked
        ("What does Piet say about chatbots?", None),  # a writer is no stranger
        ("How many patients wait?", None),
        # Function words, inflections, job titles, a view rather than a figure: no strangers asked about
        ("Could you tell me how much a clinic should invest in its phone lines?", None),
        ("Hi! How much should the board be involved?", None),
        ("Employees: how much influence do they have on waiting times?", None),
        ("What's the CFO's role in phone budgets?", None),
        # ... and its own view: no quote is theirs (a helper's "What does Gartner say about CX?" got a writer's words)
        ("What is Google's view on chatbots?", "Google"),
        ("What does Gartner say about phone queues?", "Gartner"),
        ("According to McKinsey, what makes patients wait?", "McKinsey"),
        ("Wat vindt Gartner van wachttijden?", "Gartner"),
        ("How does Coolblue handle its phone queue?", None),  # what it does: the subject is asked
        # ... not the subject of the saying (a review found these read as views)
        ("Should a company like Coolblue say sorry more often?", None),
        ("Is it true that patients of Ziggo report long waits?", None),
        ("Hoe stelt Coolblue zijn klanten centraal?", None),
        # what works best for a name no article mentions: a pick no quote makes (a helper's unseen question quoted a
        # sentence on strategy)
        ("Which phone strategy works best on TikTok?", "TikTok"),
        ("Welke aanpak werkt het best voor Zalando?", "Zalando"),
        ("What works best for patients who wait?", None),
    ],
)
def test_a_name_no_article_mentions_is_what_the_question_asks_about_only_for_its_figure_view_or_a_choice(
    assistant, question, stranger
):
    from rag.answer.query import QUANTITY, unknown_subject

    assert unknown_subject(question, assistant.index(), bool(QUANTITY.search(question))) == stranger


@pytest.mark.parametrize(
    ("question", "year"),
    [
        ("What did the hospitals report for 2027?", "2027"),  # a year no article mentions: nothing answers it
        ("Did Piet and Marie meet again in 2026?", "2026"),
        ("Hoeveel patiënten wachtten in januari 2024?", "2024"),
        ("What did Marketingfacts publish in 2025?", None),  # a year the articles mention
        ("Should our 2027 plan include chatbots?", None),  # the asker's own thing, not when something happened
        ("Are chatbots still faster in 2027?", None),  # whether it still holds: the writers' positions answer
        ("Should we automate our phone lines in 2027?", None),
        ("Ons budget voor 2027 is krap. Hoe kunnen we toch investeren?", None),  # the asker's own year
        ("What did the hospitals report for 2027 budgets?", None),  # a noun after the year: what it names
        ("Hospitals opened in 1998; what does Piet make of chatbots?", None),  # not in the sentence that asks
        ("What did the hospitals report about 2027?", "2027"),
        ("How many patients waited in 2022 according to the articles?", "2022"),  # "2022 according" is no noun
    ],
)
def test_a_year_no_article_mentions_is_asked_about_only_as_when_something_happened(assistant, question, year):
    from rag.answer.query import unknown_year

    assert unknown_year(question, assistant.index()) == year
    if year:  # the articles say nothing of that year: it answered with what they say of another
        assert assistant.ask(question).abstained


def test_where_and_when_a_writer_wrote_say_which_letter_not_what_is_asked(assistant):
    # "What did Wim Rampen argue in his September 2025 letter from Helmond?" abstained: read as a question about
    # Helmond and September.
    index = assistant.index()
    plain = read_question("What did Piet argue in his letter?", [], index)
    marked = read_question("What did Piet argue in his October 2025 letter from Amsterdam?", [], index)
    assert marked.text == plain.text and marked.authors == ("Piet Jansen",)
    assert (
        assistant.ask("What did Piet argue in his October 2025 letter from Amsterdam?").citations
        == assistant.ask("What did Piet argue in his letter?").citations
    )
    # Another writer's place, a year none of them wrote in, and a month name inside a word are still asked about.
    assert "Utrecht" in read_question("What does Piet say about Utrecht?", [], index).text
    assert "2023" in read_question("What did Piet argue in 2023?", [], index).text
    assert "Octobermarkt" in read_question("What does Piet say about the Octobermarkt?", [], index).text


def _verbatim(assistant, answer):
    for c in answer.citations:
        assert _file(assistant, c.doc)[c.start : c.end] == c.quote


def test_who_wrote_what_is_answered_from_the_files_citing_the_passage_that_names_the_writers(assistant):
    # Before, sentences were scored against such questions: "Who are the letter writers?" abstained or quoted what
    # the writers say, not who they are.
    letters = assistant.ask("Who are the letter writers?")
    assert not letters.abstained and "written by Piet Jansen and Marie Bakker:" in letters.answer
    assert [c.quote for c in letters.citations] == [
        "In deze briefwisseling schrijven Piet Jansen en Marie Bakker elkaar over automatisering in klantcontact."
    ]
    assert letters.passages[0].chunk.doc == "c_brieven.txt"
    # A byline is quoted with the lines above it, so that it says what it is the byline of.
    data = assistant.ask("Wie heeft het stuk over data en meetbaarheid geschreven?")
    assert "geschreven door Anna de Vries:" in data.answer
    assert " ".join(data.citations[0].quote.split()) == "• 4 maart 2025 • Anna de Vries"
    # An unsigned article says so, and where it appeared when it names that.
    care = assistant.ask("Who wrote the article about wachttijden in de zorg?")
    assert "names no author; it appeared on Marketingfacts:" in care.answer
    assert care.citations[0].quote == "dinsdag, 4 november 2025 (07:01) - Marketingfacts"
    # Asked about all of them: every file, each with its citation.
    everyone = assistant.ask("Which authors are in this collection?")
    assert everyone.answer.startswith("3 pieces and their writers:") and len(everyone.citations) == 3
    for answer in (letters, data, care, everyone):
        _verbatim(assistant, answer)


@pytest.mark.parametrize(
    "question",
    [
        "Who wrote the introduction to the letters?",
        "Wie heeft de inleiding van de briefwisseling geschreven?",
        "Who wrote the intro?",
        "Who wrote the opening paragraph of the correspondence?",
        "Did Piet write the intro to that correspondence series?",  # "series" was searched for: it abstained
        "Who wrote the preface before the letters start?",  # "start" named the wrong piece
    ],
)
def test_the_unsigned_introduction_of_letters_is_not_claimed_for_their_writers(assistant, question):
    # A helper found "Wie heeft de inleiding van de correspondentie geschreven?" answered "... is geschreven door" the
    # letter writers; "Who wrote the introduction to the letters?" abstained (the introduction was searched for).
    answer = assistant.ask(question)
    assert not answer.abstained
    assert re.search(r"(introduction|inleiding) of|(names no|noemt geen) (writer|schrijver)", answer.answer)
    assert "written by" not in answer.answer and "geschreven door" not in answer.answer
    assert [c.quote for c in answer.citations] == [
        "In deze briefwisseling schrijven Piet Jansen en Marie Bakker elkaar over automatisering in klantcontact."
    ]
    assert answer.citations[0].author is None
    _verbatim(assistant, answer)


def test_the_introduction_to_the_letters_after_another_question_is_still_the_letters(assistant):
    # A browser check found it answered from the question before ("… names no author" of the article just quoted).
    history = ["Who wrote the article about wachttijden in de zorg?"]
    for question in ("Who wrote the introduction to the letters?", "Wie schreef de inleiding van de briefwisseling?"):
        answer = assistant.ask(question, history=history)
        assert [c.doc for c in answer.citations] == ["c_brieven.txt"], question
        assert answer.citations[0].author is None


def test_an_introduction_as_a_subject_or_of_a_signed_piece_is_answered_as_before(assistant):
    # A piece of one writer: its introduction is theirs.
    data = assistant.ask("Who wrote the introduction of the article about data en meetbaarheid?")
    assert "written by Anna de Vries:" in data.answer
    # After an answer from an unsigned article: that article's introduction names no author.
    care = assistant.ask("Who wrote the introduction?", history=["Who wrote the article about wachttijden in de zorg?"])
    assert "names no author" in care.answer and {c.doc for c in care.citations} == {"a_zorg.txt"}
    # "Who wrote about the introduction of ...?" asks who wrote about that: the chatbot's is in Piet Jansen's letter.
    bots = assistant.ask("Who wrote about the introduction of chatbots?")
    assert "Piet Jansen" in bots.answer and "names no writer" not in bots.answer


def test_whether_a_writer_named_wrote_a_piece_is_answered_by_its_writers(assistant):
    # "Did X write ...?" abstained or quoted X: the piece decides, as for "Was ... written by X?".
    care = assistant.ask("Did Marie Bakker write the article about wachttijden in de zorg?")
    assert "names no author" in care.answer and {c.doc for c in care.citations} == {"a_zorg.txt"}
    intro = assistant.ask("Did Piet write the introduction?")
    assert "names no writer" in intro.answer and intro.citations[0].author is None
    data = assistant.ask("Heeft Anna de Vries het stuk over data en meetbaarheid geschreven?")
    assert "geschreven door Anna de Vries:" in data.answer


@pytest.mark.parametrize(
    "question",
    [
        "What's the gist of the letters between Piet Jansen and Marie Bakker?",
        "What is the difference between Piet and Marie?",
        "Waar gaat de briefwisseling tussen Piet en Marie over?",
        "How does Piet's view differ from Marie's?",  # "from" was what it asked about: it abstained
        "Hoe verschilt Piet van Marie?",
        "Compare Piet and Marie.",
        "Wat is het verschil tussen de standpunten van Piet Jansen en Marie Bakker?",  # "standpunten" was asked
    ],
)
def test_letters_between_writers_or_their_difference_give_each_writers_position(assistant, question):
    # "between", "difference" and "briefwisseling" were read as what is asked about: a helper found the gist of the
    # letters between three writers abstaining and their difference answered with "Daar maak je het verschil."
    assert not own_terms(without_names(question, ("Piet Jansen", "Marie Bakker")))
    answer = assistant.ask(question)
    assert not answer.abstained
    assert {c.author for c in answer.citations} == {"Piet Jansen", "Marie Bakker"}


def test_who_wrote_a_piece_and_when_in_one_question_gives_both(assistant):
    # The second part cited the line the first did, so its date was dropped: "could not find the rest".
    both = assistant.ask("Who wrote the article about wachttijden in de zorg and when was it published?")
    assert "names no author" in both.answer and "is dated 4 November 2025" in both.answer
    assert "rest of the question" not in both.answer
    _verbatim(assistant, both)


def test_whether_a_writer_wrote_a_piece_needs_the_piece_pointed_at():
    from rag.answer.authorship import asks_is_it_by

    assert asks_is_it_by("Did Marie Bakker write the article about zorg?", ("Marie Bakker",))
    assert asks_is_it_by("Heeft Marie het zorgartikel geschreven?", ("Marie Bakker",))
    assert not asks_is_it_by("Did Marie write a letter about chatbots?", ("Marie Bakker",))  # what she wrote
    assert not asks_is_it_by("Did the hospital write the article?", ())  # no writer named


@pytest.mark.parametrize("question", ["En hoe reageert Marie daarop?", "How does Marie respond to that?"])
def test_how_a_writer_replies_to_what_another_said_is_their_position(assistant, question):
    # "reageert" and "respond" were what it asked about: it abstained
    answer = assistant.ask(question, history=["What is Piet Jansen's position?"])
    assert not answer.abstained and {c.author for c in answer.citations} == {"Marie Bakker"}
    assert not own_terms("En hoe reageert daarop?") and not own_terms("How does respond to that?")


def test_when_and_where_a_piece_or_letter_was_written_is_answered_from_its_date_and_place(assistant):
    # Such questions were scored against the sentences, which never state a date: they abstained or quoted the writer.
    data = assistant.ask("When was the article about data en meetbaarheid published?")
    assert data.answer == "“Data en meetbaarheid” is dated 4 March 2025: “4 maart 2025” [1]"
    marie = assistant.ask("Where did Marie write from?")
    assert marie.answer == "Marie Bakker wrote from Utrecht in October 2025: “Utrecht, oktober 2025” [1]"
    letters = assistant.ask("Wanneer zijn de brieven geschreven?")
    assert "Piet Jansen schreef vanuit Amsterdam in oktober 2025: “Amsterdam, oktober 2025” [1]" in letters.answer
    assert "Marie Bakker schreef vanuit Utrecht in oktober 2025: “Utrecht, oktober 2025” [2]" in letters.answer
    # "it" after an answer about a piece is that piece
    care = assistant.ask("When was it written?", history=["Who wrote the article about wachttijden in de zorg?"])
    assert care.answer.startswith("“Klantreis in de zorg” is dated 4 November 2025:")
    assert care.citations[0].quote == "dinsdag, 4 november 2025 (07:01) - Marketingfacts"
    everything = assistant.ask("When were the articles published?")
    assert everything.answer.startswith("3 pieces and when they were written:") and len(everything.citations) == 4
    for answer in (data, marie, letters, care, everything):
        assert not answer.abstained
        _verbatim(assistant, answer)


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("When was the cX-Factor column published?", True),
        ("Where did Rien write from?", True),
        ("Vanuit welke plaats schreef Wim zijn brief?", True),
        ("In welk jaar verscheen de column?", True),
        ("What is the date of the Marketingfacts article?", True),
        ("Van wanneer is het stuk over cultuur?", True),
        ("Wanneer publiceerde Rien zijn stuk?", True),  # a helper's unseen questions abstained on these two
        ("In welke plaats zat Rien toen hij zijn brief schreef?", True),
        ("When should a company write its CX strategy?", False),  # a duty
        ("Where does Wim write about culture?", False),  # where in his text
        ("When was the survey sent?", False),  # no piece, writer or "it"
        ("When do customers write complaints?", False),
        ("Wanneer verscheen het boek van Pine & Gilmore?", False),  # "het boek": no pronoun, no piece of the articles
        ("When is it best to send a survey?", False),
        ("When you write to customers, what tone does the article recommend?", False),  # the article is elsewhere
        ("Waar komt dat vandaan?", False),
        ("When was it published?", True),
        ("Wanneer is het geschreven?", True),
        ("When did Rien write that?", True),
        ("When did Rien write that CX is never the strategy?", False),  # a claim
    ],
)
def test_when_or_where_written_asks_about_a_piece_or_a_writer(question, asks):
    from rag.answer.authorship import asks_when_written

    names = ("Rien Brus",) if "Rien" in question else ("Wim Rampen",) if "Wim" in question else ()
    assert asks_when_written(question, names) is asks


def test_who_a_writer_is_and_who_wrote_what_was_just_quoted(assistant):
    marie = assistant.ask("Who is Marie Bakker?")
    assert marie.answer.startswith("Marie Bakker is one of the writers of “Briefwisseling over service")
    assert "with Piet Jansen:" in marie.answer
    # "Who wrote that?" names the writer of what the answer before it quoted, not every writer of the file.
    topic = "Wat vindt Marie van chatbots?"
    quoted = assistant.ask(topic)
    assert {c.author for c in quoted.citations} == {"Marie Bakker"}
    after = assistant.ask("Wie heeft dat geschreven?", history=[topic])
    assert after.answer.startswith("Marie Bakker is een van de schrijvers van")
    # A group named after a question about one writer asks about the whole group.
    group = assistant.ask("Wie zijn de briefschrijvers?", history=["Who is Marie Bakker?"])
    assert "geschreven door Piet Jansen en Marie Bakker:" in group.answer


def test_who_wrote_what_names_the_letter_that_says_it_by_order_place_or_content_and_only_unsigned_pieces(assistant):
    # A letter of a correspondence found by what it says: its writer, citing their sentence (not everyone who wrote).
    handover = assistant.ask("Wie schreef over de overdracht van bot naar mens?")
    assert handover.answer.startswith("Marie Bakker is een van de schrijvers van")
    assert (
        handover.citations[0].author == "Marie Bakker" and "overdracht van bot naar mens" in handover.citations[0].quote
    )
    # ... by its order or its place
    first = assistant.ask("Wie schreef de eerste brief in de briefwisseling over service?")
    assert first.answer.startswith("Piet Jansen schreef deze brief van “Briefwisseling over service")
    utrecht = assistant.ask("Who wrote the letter from Utrecht?")
    assert utrecht.answer.startswith("Marie Bakker wrote this letter of")
    # ... citing the line that signs the letter, not the introduction that names every writer (it did)
    assert first.citations[0].quote == "Groet,\nPiet" and utrecht.citations[0].quote == "Groet,\nMarie"
    # "Which pieces have no author?" lists the unsigned ones only.
    unsigned = assistant.ask("Which pieces have no author?")
    assert "Anna de Vries" not in unsigned.answer and "Piet Jansen" not in unsigned.answer
    assert "names no author; it appeared on Marketingfacts" in unsigned.answer
    for answer in (handover, first, utrecht, unsigned):
        _verbatim(assistant, answer)


def test_who_wrote_a_title_a_letter_by_its_order_or_after_a_question_about_another_writer(assistant):
    data = assistant.ask("Who wrote Data en meetbaarheid?")  # a title after "who wrote"
    assert data.answer.startswith("“Data en meetbaarheid” is ") and "Anna de Vries:" in data.answer  # language: a guess
    care = assistant.ask("Wie schreef ‘Klantreis in de zorg’?")  # quoted: a title, not a claim
    assert "noemt geen auteur; het verscheen bij Marketingfacts" in care.answer
    last = assistant.ask("Who wrote the last letter?")  # the order alone names the letter
    assert last.answer.startswith("Marie Bakker wrote this letter of")
    # The writer of the question before is not carried over: "And who wrote about ...?" asks about anyone.
    handover = assistant.ask(
        "En wie schreef over de overdracht van bot naar mens?", history=["Wat vindt Piet van chatbots?"]
    )
    assert handover.answer.startswith("Marie Bakker is een van de schrijvers van")
    for answer in (data, care, last, handover):
        _verbatim(assistant, answer)


def test_who_wrote_that_skips_thanks_stays_shallow_and_never_asks_the_language_model(tmp_path):
    # A language model that cannot be reached: "Who wrote that?" answers the question before again extractively.
    s = make_settings(tmp_path, llm_base_url="http://127.0.0.1:9/v1")
    update_index(s)
    assistant = Assistant(s)
    answer = assistant.ask("Wie heeft dat geschreven?", history=["Wat vindt Marie van chatbots?", "Bedankt!"])
    assert answer.answer.startswith("Marie Bakker is een van de schrijvers van") and answer.notice is None
    # "Who wrote that?" twice points at the same letters; a long run is read from its last few questions only (it
    # once recursed through all of them: 500 raised RecursionError).
    again = assistant.ask("Who wrote that?", history=["Wat vindt Marie van chatbots?", "Who wrote that?"])
    assert "Marie Bakker" in again.answer and again.citations[0].doc == "c_brieven.txt"
    assert assistant.ask("Who wrote that?", history=["Wat vindt Marie van chatbots?"] + ["Who wrote that?"] * 600)
    assert assistant.ask("Who wrote that?").abstained  # nothing before it to point at


def test_a_question_who_wrote_is_no_topic_and_a_piece_asked_about_decides_whose_it_is(assistant):
    # "Who are the letter writers?" then "What does Marie think?": her position, not who wrote (it abstained).
    marie = assistant.ask("Wat vindt Marie?", history=["Who are the letter writers?"])
    assert not marie.abstained and {c.author for c in marie.citations} == {"Marie Bakker"}
    # ... but what it was about stays the topic ("Who wrote about X?", then "Why?" asks about X), and "they" after
    # "Wie zijn de briefschrijvers?" are the letter writers (a fourth review found both lost).
    why = assistant.ask("Waarom?", history=["Wie schreef over wachttijden aan de telefoon?"])
    assert not why.abstained and {c.doc for c in why.citations} == {"a_zorg.txt"}
    agree = assistant.ask("Zijn ze het eens over chatbots?", history=["Wie zijn de briefschrijvers?"])
    assert {c.author for c in agree.citations} == {"Piet Jansen", "Marie Bakker"}
    # A piece named by its title stands for its writer: "What is her main point?" is Anna de Vries's (it quoted
    # another writer's position, as the review found for "Who wrote the cX-Factor column?" then "his main point").
    hers = assistant.ask("What is her main point?", history=["Who wrote Data en meetbaarheid?"])
    assert {c.author for c in hers.citations} == {"Anna de Vries"}
    # "Was the data piece written by Piet Jansen?": the piece's writer answers, not Piet's letters.
    data = assistant.ask("Was het stuk over data en meetbaarheid geschreven door Piet Jansen?")
    assert "Anna de Vries" in data.answer and "Piet" not in data.answer
    # "Who is the author?" after an answer: the file it quoted.
    quoted = assistant.ask("Wat zegt Anna de Vries over data?")
    after = assistant.ask("Who is the author?", history=["Wat zegt Anna de Vries over data?"])
    assert quoted.citations and after.citations[0].doc == quoted.citations[0].doc == "b_data.md"


def test_who_wrote_that_after_an_answer_that_cited_nothing_abstains(assistant):
    # Before, it named whatever file the follow-up's own retrieval found.
    for before in ("Hoi!", "Thanks!"):
        answer = assistant.ask("Wie heeft dat geschreven?", history=[before])
        assert answer.abstained and not answer.citations


@pytest.mark.parametrize(
    "question",
    [
        "Who writes that bots should only automate what is predictable?",  # whose claim: their views
        "Does the writer of the data piece think dashboards matter?",
        "Who should own the customer journey in a hospital?",
        "Welke schrijver vindt dat automatisering tijd geeft?",
    ],
)
def test_a_question_about_a_claim_or_a_view_is_no_question_who_wrote(assistant, question):
    answer = assistant.ask(question)
    assert "written by" not in answer.answer and "no author" not in answer.answer
    assert "geschreven door" not in answer.answer


def test_who_wrote_something_and_what_they_hold_answers_both_parts(assistant):
    # Before, "Who wrote X and what is her main point?" was answered as who wrote X only.
    both = assistant.ask("Who wrote Data en meetbaarheid and what is her main point?")
    assert both.answer.startswith("“Data en meetbaarheid” is ") and both.citations[0].quote.endswith("Anna de Vries")
    assert len(both.citations) > 1 and {c.author for c in both.citations} == {"Anna de Vries"}
    marie = assistant.ask("Wie is Marie Bakker en wat vindt zij?")
    assert (
        marie.answer.startswith("Marie Bakker is een van de schrijvers van")
        and "\n\nMarie Bakker schrijft:" in marie.answer
    )
    assert {c.author for c in marie.citations[1:]} == {"Marie Bakker"}
    for answer in (both, marie):
        markers = [int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)]
        assert markers == [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
        _verbatim(assistant, answer)
    # The answer streams: who wrote it first, then the second part under it.
    events = list(assistant.ask_stream("Wie is Marie Bakker en wat vindt zij?"))
    assert events[-1].answer == marie.answer
    # The first part shows while the second is answered.
    assert events[0] == marie.answer.split("\n\n")[0]
    # A second who-is question is given though it cites what the first did (it said the rest was not found).
    two = assistant.ask("Who is Piet Jansen and who is Marie Bakker?")
    assert "Piet Jansen is one of the writers" in two.answer and "\n\nMarie Bakker is one of the writers" in two.answer
    assert "rest of the question" not in two.answer
    # "Who wrote that?" after it: the files it cited (it listed every file the second part alone would cite).
    that = assistant.ask("Who wrote that?", history=["Who wrote Data en meetbaarheid and what is her main point?"])
    assert {c.doc for c in that.citations} == {"b_data.md"}
    # A letter named by its place stands for its writer, not for the place ("Utrecht" was searched for).
    utrecht = assistant.ask("Who wrote the letter from Utrecht and what does she propose?")
    assert {c.author for c in utrecht.citations} == {"Marie Bakker"} and len(utrecht.citations) > 1
    # A second part that asks for the main point of an unsigned piece: its main position (it abstained).
    care = assistant.ask("Who wrote the article about wachttijden in de zorg; what is the main message?")
    assert len(care.citations) > 1 and {c.doc for c in care.citations} == {"a_zorg.txt"}
    # The second part follows what the first found: the last letter is Marie's, and the piece found is what is quoted
    # (they quoted all the letters, and letters beside the piece; a review found both).
    last = assistant.ask("Who wrote the last letter and what does it conclude?")
    assert {c.author for c in last.citations[1:]} == {"Marie Bakker"}
    care = assistant.ask("Who wrote the article about wachttijden in de zorg and what does it recommend?")
    assert len(care.citations) > 1 and {c.doc for c in care.citations} == {"a_zorg.txt"}
    # A letter named by its order stands for its writer to the question after it (it stood for every letter writer).
    why = assistant.ask("Why?", history=["Who wrote the first letter and what does he propose?"])
    assert why.citations and {c.author for c in why.citations} == {"Piet Jansen"}
    hers = assistant.ask("What is her main point?", history=["Who wrote the last letter?"])
    assert hers.citations and {c.author for c in hers.citations} == {"Marie Bakker"}
    # ... and the question after it reads it as the two questions one after the other.
    why = assistant.ask("Why?", history=["Who wrote Data en meetbaarheid and what is her main point?"])
    assert why.citations and {c.author for c in why.citations} == {"Anna de Vries"}
    # The second part follows the first, not the topic before it: her position, not her view of waiting times.
    later = assistant.ask("Wie is Marie Bakker en wat vindt zij?", history=["Waarom duren wachttijden zo lang?"])
    assert later.answer == marie.answer


@pytest.mark.parametrize(
    "question, asked",
    [
        # a pronoun in a later clause: the subject of the nearest sentence before it that names a writer
        ("Piet writes to Marie, so what exactly bothers him?", ("Piet Jansen",)),
        ("Did Marie agree with Piet, or did she go further?", ("Marie Bakker",)),
        ("Unlike Piet, Marie does not automate everything. What does she make it depend on?", ("Marie Bakker",)),
        ("Not interested in what Piet thinks. Marie, though: what does she want?", ("Marie Bakker",)),
        ("Piet schrijft aan Marie, maar wat bedoelt hij precies met overdracht?", ("Piet Jansen",)),
        ("Did Marie answer Piet, or did she start the exchange?", ("Marie Bakker",)),
        ("Is Piet right, or is Marie right when she says bots need a handover?", ("Marie Bakker",)),
        # about all of them: no pronoun for one, a plural one, a possessive, or the pronoun before the names
        ("Do Piet and Marie agree on chatbots?", ("Piet Jansen", "Marie Bakker")),
        ("Piet and Marie: do they agree?", ("Piet Jansen", "Marie Bakker")),
        ("What do Piet and Marie say about the customer and her journey?", ("Piet Jansen", "Marie Bakker")),
        ("Does he agree with Piet and Marie?", ("Piet Jansen", "Marie Bakker")),
        # "him" beside a writer who is its clause's subject is someone else: both are asked about (a third review)
        ("Marie quotes a study. Does Piet agree with her?", ("Piet Jansen", "Marie Bakker")),
        # two writers as subjects of two clauses: either could be meant (it named the first)
        (
            "Piet says no, but Marie says it depends. On what does she think it depends?",
            ("Piet Jansen", "Marie Bakker"),
        ),
        ("Anna writes about data and Piet about bots; what do you make of her?", ("Anna de Vries", "Piet Jansen")),
        # ... or a pronoun that may be someone else: a subject of several writers, several people in its sentence, a
        # person who is no writer (a review found 20 of 35 such questions narrowed to one writer)
        ("What do Piet and Marie say about chatbots, and what should he do first?", ("Piet Jansen", "Marie Bakker")),
        (
            "Piet and Marie disagree with Anna. Why do they think she is wrong?",
            ("Piet Jansen", "Marie Bakker", "Anna de Vries"),
        ),
        ("Marie responds to Piet. Does she agree with him?", ("Piet Jansen", "Marie Bakker")),
        ("If a CEO reads Piet and Marie, what should he take away?", ("Piet Jansen", "Marie Bakker")),
        ("Piet en Marie schrijven elkaar. Wat vindt de klant, en wat wil hij?", ("Piet Jansen", "Marie Bakker")),
    ],
)
def test_of_several_writers_named_a_pronoun_in_a_later_clause_asks_about_one(assistant, question, asked):
    # Before, every writer named was asked about: "Rien seems to side with Jan-Hein, so what exactly bothers him?"
    # quoted Jan-Hein.
    assert set(read_question(question, [], assistant.index()).authors) == set(asked)


def test_a_last_sentence_that_asks_nothing_of_its_own_about_one_writer_gives_their_main_position(assistant):
    # "Wim replied to Jan-Hein. What did he say?" read Wim right but abstained: the sentence before made it a question
    # about "replied" (a third review).
    from rag.answer.query import read

    question = "Marie replied to Piet. What did she say?"
    ask = read(question, [], assistant.index(), assistant.embedder)
    assert ask.query.authors == ("Marie Bakker",) and ask.query.asking == "What did she say?" and ask.intent == "person"
    # ... in a conversation too: it abstained after "Who is Piet Jansen and who is Marie Bakker?" (found in the browser)
    ask = read(question, ["Who is Piet Jansen?", "who is Marie Bakker?"], assistant.index(), assistant.embedder)
    assert ask.query.authors == ("Marie Bakker",) and ask.intent == "person"


def test_a_follow_up_after_a_pronoun_for_one_writer_still_asks_about_that_writer(assistant):
    # "Why is that?" after it asked about all of them again, and abstained (a review found it).
    asked = "Did Marie agree with Piet, or did she go further?"
    assert read_question("And why is that?", [asked], assistant.index()).authors == ("Marie Bakker",)


def test_a_sentence_that_asks_about_one_of_the_writers_named_before_it_is_read_on_its_own(assistant):
    # The sentence before says whom it asks about; "column", "letter" and "read" there drew the question away from
    # what it asks (such questions abstained).
    index = assistant.index()
    query = read_question(
        "I read Anna de Vries's piece after Piet's letter. What does she say about measuring?", [], index
    )
    assert query.authors == ("Anna de Vries",) and query.text == "What does she say about measuring?"
    # ... in a conversation too: its pronoun points at a writer it names, not at the topic before
    asked = "I read Anna de Vries's piece after Piet's letter. What does she say about measuring?"
    query = read_question(asked, ["Waarom duren wachttijden zo lang?"], index)
    assert query.authors == ("Anna de Vries",) and query.topic is None and not query.follows
    # ... unless it points back at what the sentence before says
    query = read_question("Piet quotes Marie in his letter. Why does he do that?", [], index)
    assert query.authors == ("Piet Jansen",) and "quotes in his letter" in query.text


def test_a_letter_named_by_its_order_is_its_writer_and_what_writers_conclude_is_their_position(assistant):
    # It quoted whichever letter matched, and "conclude" was read as a subject of its own (both abstained or missed).
    last = assistant.ask("What does the last letter conclude?")
    assert last.citations and {c.author for c in last.citations} == {"Marie Bakker"}
    both = assistant.ask("Wat concluderen de briefschrijvers?")
    assert {c.author for c in both.citations} == {"Piet Jansen", "Marie Bakker"}


def test_a_question_with_long_runs_of_spaces_is_read_as_its_words(assistant):
    from rag.conversation import squeezed

    assert squeezed("  Who  wrote \t it?\n\n  \nAnd why? ") == "Who wrote it?\nAnd why?"
    # 1,960 spaces between two words took two minutes: the who-wrote patterns backtracked through them.
    answer = assistant.ask("Who wrote" + " " * 1960 + "Data en meetbaarheid?")
    assert answer.question == "Who wrote Data en meetbaarheid?" and "Anna de Vries" in answer.answer
    # ... in the conversation before it too, which is read as far as a question is (a second review: an earlier
    # question of 1,600 spaces took over 20 s, one of 4,000 characters naming two writers 15 s)
    assert assistant.ask("Why?", history=["Who wrote" + " " * 1600 + "Data en meetbaarheid?"]).citations
    assert assistant.ask("Why?", history=["Piet " + "Marie he " * 450])


def test_why_looks_for_the_reasons_in_the_files_just_quoted(assistant, monkeypatch):
    # The previous answer's files were preferred among the 8 passages retrieved for "Why?"; when none of them was
    # retrieved, another file answered ("Who wrote about culture and why does it matter?", then "Tell me more", quoted
    # Anders Jansen). Now their best passages among the first 40 join the 8.
    import rag.answer as answering

    searched = []
    retrieve = answering.retrieve

    def spy(index, embedder, ask, settings, k):
        searched.append(k)
        return retrieve(index, embedder, ask, settings, k)

    monkeypatch.setattr(answering, "retrieve", spy)
    first = assistant.ask("Waarom duren wachttijden zo lang?")
    searched.clear()
    why = assistant.ask("Why?", history=["Waarom duren wachttijden zo lang?"])
    assert searched[-2:] == [None, 40]  # the 8 (the setting), then the wider list for the files just quoted
    assert {c.doc for c in why.citations} <= {c.doc for c in first.citations}


NO_INTRO = """Brieven over loyaliteit

Delft, juni 2025
Beste Tom,
Loyaliteit verdien je met elke afspraak die je nakomt.
Groet,
Eva

Gouda, juni 2025
Beste Eva,
Loyaliteit begint bij medewerkers die trots zijn op hun werk.
Groet,
Tom
"""
CO_WRITTEN = """---
title: Marketingtrends 2025
author: Lotte Smit, Bram Visser
date: 2025-06-01
---
Marketingtrends 2025

Personalisatie blijft de belangrijkste trend in marketing.
"""


def test_an_introduction_and_dates_where_files_differ(tmp_path):
    # A review found: letters that follow their title directly had their title quoted as an unsigned introduction;
    # "Did Piet write the introduction?" listed every correspondence's; a co-written article's date read as a letter's
    # ("Lotte Smit, Bram Visser wrote in 1 June 2025").
    settings = make_settings(tmp_path)
    (settings.seeds_dir / "d_loyaliteit.txt").write_text(NO_INTRO, encoding="utf-8")
    (settings.seeds_dir / "e_trends.md").write_text(CO_WRITTEN, encoding="utf-8")
    update_index(settings)
    assistant = Assistant(settings)
    intro = assistant.ask("Who wrote the introduction?")
    assert [c.doc for c in intro.citations] == ["c_brieven.txt"]
    piet = assistant.ask("Did Piet Jansen write the introduction?")
    assert [c.doc for c in piet.citations] == ["c_brieven.txt"] and "names no writer" in piet.answer
    eva = assistant.ask("Who wrote the introduction of the letters about loyaliteit?")
    assert "names no writer" not in eva.answer
    trends = assistant.ask("When was the article about marketingtrends written?")
    assert trends.answer == "“Marketingtrends 2025” is dated 1 June 2025 [1]."  # its front matter's date
    tom = assistant.ask("Where did Tom write from?")
    assert tom.answer == "Tom wrote from Gouda in June 2025: “Gouda, juni 2025” [1]"
    for answer in (intro, piet, eva, trends, tom):
        _verbatim(assistant, answer)


def test_the_sentence_that_asks_after_the_askers_own_situation():
    from rag.answer.query import own_question

    last = "What practices does the culture article recommend?"
    assert own_question(f"In 2026 I want to make our culture more customer-centric. {last}") == last
    assert own_question(f"Ons budget is krap. {last}") == last
    # not after a sentence about something else, or one that asks itself
    whole = f"Culture eats strategy for breakfast. {last}"
    assert own_question(whole) == whole
    assert own_question(f"Do we need a plan? {last}") == f"Do we need a plan? {last}"
    assert own_question(last) == last
