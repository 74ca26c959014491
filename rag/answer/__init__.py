"""Extractive, deterministic answers as a short pipeline of steps, each in its own module:

    question -> query.read (language, conversation, intent, vector, once) -> retrieval (rag.search)
    -> candidates (quotable sentences) -> scores -> gate (answer, hedge, abstain) -> selection -> composition

An optional language model (generate.py) replaces selection and composition when one is configured.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import NamedTuple

from ..conversation import (
    ASKING,
    BACK_REFERENCES,
    THANKS,
    THE_LETTERS,
    WRITERS_OF_LETTERS,
    asked_language,
    asks_piece_intro,
    courtesy_language,
    known_authors,
    mentioned_authors,
    own_terms,
    points_back,
    says_nothing,
    squeezed,
    topic_of,
    without_names,
    without_request,
)
from ..embedders import Embedder
from ..search import TOKEN_RE, search, tokenize
from ..sentences import guess_language
from ..settings import Settings
from ..stores.base import Index, SearchRequest
from ..types import Answer, Citation, Passage
from . import advice, authorship, dated, gate
from .candidates import candidates, has_money, has_number, is_quotable, names_something
from .compose import TEXTS, compose, in_context, joined
from .generate import generated
from .query import (
    ADVICE,
    COMMON_SHARE,
    Ask,
    asks_own,
    named_terms,
    names_concept,
    names_the_kind,
    names_what_is_priced,
    own_question,
    read,
    unit,
)
from .scores import Scored, score
from .selection import Policy, debated, main_position, priced, quoted_first, select

WHY_CHAIN = 3  # "why?" after "why?": the quotes of up to this many earlier answers are not given again
WITHIN_WIDER = 5  # retrieved passages a file restriction chooses among, per passage kept
HISTORY_KEPT = 50  # earlier questions of a conversation read (the latest): more say nothing the last ones do not

__all__ = ["Ask", "Policy", "Scored", "TEXTS", "answer_question", "compose", "in_context", "is_quotable", "retrieve"]


def retrieve(index: Index, embedder: Embedder, ask: Ask, settings: Settings, k: int | None) -> list[Passage]:
    """Passages for a question read in its conversation; a named writer restricts them to that writer's text."""
    q = ask.query
    passages = search(
        index, embedder, q.text, settings, k=k, query_vector=ask.vector, authors=q.authors, keywords=ask.keywords
    )
    if q.authors and not passages:  # the named person wrote nothing that matches: search everything
        passages = search(index, embedder, q.text, settings, k=k, query_vector=ask.vector, keywords=ask.keywords)
    return _with_rare_words(index, ask, passages, settings)


def _rare(ask: Ask, own: bool = False) -> list[frozenset[str]]:
    """The question's rare words, rarest first: concepts that at most RARE_SHARE of the articles use (and some do)
    and that are no frequent words of its language (`Ask.rarity`, read once with the question: "huisvesting",
    "chefsache", "martech", not "welke"); not the asker's situation before the question ("Our CX budget is tight. What
    percentage …?"). `own`: only those its own question asks about, not a topic a follow-up goes on from. None in a
    corpus too small to tell."""
    question = own_question(ask.question)
    asked = asks_own(without_request(question))
    situation = set(tokenize(ask.question)) - set(tokenize(question))

    def kept(c: frozenset[str]) -> bool:
        return bool(c & asked) if own else not (c & situation and not c & asked)

    rare = [
        (used, c)
        for c, (used, plain) in zip(ask.concepts, ask.rarity)
        if 0 < used <= RARE_SHARE and plain >= RARE_PLAIN and kept(c)
    ]
    return [c for _, c in sorted(rare, key=lambda x: x[0])]


def _with_rare_words(index: Index, ask: Ask, passages: list[Passage], settings: Settings) -> list[Passage]:
    """`passages` and, for each rare word of the question (`_rare`, at most RARE_ADDED) that none of them holds, the
    passage the keyword retriever ranks first for it, after them. Fusion ranks a passage that shares one rare word
    with the question and little else below the passages the answerer reads ("we spent a lot on martech …": the one
    passage that says martech; "cx budget cuts boardroom?": the one that says "budgetten"). Of a named writer's
    text when the passages are theirs. Found by keywords alone, it has no passage cosine: its sentences are scored
    with their best cosine as the passage's (`scores.score`, as for any passage without one). Scored with its own
    passage cosine instead, which is low (that is why fusion ranked it low), its sentences were not quoted: "What
    tends to happen to CX when budgets shrink?" quoted Anders Jansen's "CX heeft minder last van deze erosie." """
    if not passages or not settings.use_bm25:
        return passages
    held = [set(tokenize(f"{p.chunk.title} {p.chunk.text}")) for p in passages]
    missing = [c for c in _rare(ask) if not any(c & words for words in held)]
    authors = (
        ask.query.authors if ask.query.authors and all(p.chunk.author in ask.query.authors for p in passages) else ()
    )
    seen = {p.chunk.id for p in passages}
    added: list[Passage] = []
    for concept in missing[:RARE_ADDED]:
        request = SearchRequest(
            text=_searched(concept, ask, settings),
            vector=None,
            k=1,
            pool=settings.retrieve_k,
            bm25_weight=1.0,
            authors=authors,
        )
        for p in index.search(request):
            if p.chunk.id not in seen and p.bm25 is not None:
                seen.add(p.chunk.id)
                added.append(p)
    if not added:
        return passages
    return passages + [replace(p, rank=len(passages) + i) for i, p in enumerate(added, start=1)]


def _searched(concept: frozenset[str], ask: Ask, settings: Settings) -> str:
    """What the keyword retriever is asked for a concept: in the corpus language the question's own words for it (a
    stem stemmed again may change: the stemmer is not idempotent), else (and when it has none) its forms, the Dutch
    words an English question is read as."""
    own = [w for w in TOKEN_RE.findall(ask.question.lower()) if set(tokenize(w)) & concept]
    return " ".join(own) if own and ask.lang == settings.corpus_lang else " ".join(sorted(concept))


class Choice(NamedTuple):
    """What the answer is made of, for a question read in its conversation."""

    ask: Ask  # the question as answered: a "whether" question resolved to "views" or "plain"
    passages: list[Passage]
    scored: list[Scored]
    chosen: list[Scored]  # the quotes
    given: list[Scored]  # every quote so far in a run of "why?" follow-ups: the chosen ones and those before them


def _choose(
    index: Index, embedder: Embedder, ask: Ask, settings: Settings, k: int | None, history: list[str], depth: int = 0
) -> Choice:
    """Retrieve, score and select for a question read in its conversation."""
    before = _given_before(index, embedder, settings, k, history, depth) if ask.intent == "reasons" else []
    if before and ask.query.topic is None:
        # "Why is that?" after a writer's position ("What does Anders Jansen think?"): what was quoted is the topic.
        quoted = " ".join(c.sentence.text for c in before)
        ask = replace(ask, vector=unit(embedder.encode_queries([quoted])[0]))
    top = k or settings.top_k
    # Several writers named with nothing to go on ("do the letter writers agree?"): k passages a writer (over their
    # texts together, for as many writers as an answer quotes), so that each writer's main position is the centre of
    # about as much of their text as one writer's is.
    writers = min(len(ask.query.authors), settings.max_sentences)
    if ask.within:  # the files a two-part question's first part named: their best passages among a wider list
        wider = retrieve(index, embedder, ask, settings, top * WITHIN_WIDER)
        passages = [p for p in wider if p.chunk.doc in ask.within][:top]
    else:
        passages = retrieve(index, embedder, ask, settings, top * writers if ask.writers_at_once else k)
        if before:  # the reasons are in the files just quoted: their best passages among a wider list join the list
            quoted = {c.sentence.chunk.doc for c in before}
            have = {p.chunk.id for p in passages}
            wider = retrieve(index, embedder, ask, settings, top * WITHIN_WIDER)
            passages += [p for p in wider if p.chunk.doc in quoted and p.chunk.id not in have][:top]
    per_passage = candidates(index, embedder, passages)
    scored = score(ask, passages, per_passage, settings.corpus_lang)
    policy = _policy(index, settings)
    if ask.intent == "whether":  # "Should we ...?": the writers' positions where they debate it, else the evidence
        ask = replace(ask, intent="views" if debated(scored, policy.floor) else "plain")
        if ask.intent == "views":
            scored = score(ask, passages, per_passage, settings.corpus_lang)
    if ask.intent == "person":  # a writer or a piece as a whole: what it advises when asked, else its main position
        chosen = advice.for_sources(index, passages, per_passage, policy) if ask.advice else []
        if not chosen:
            whole = _whole_sources(index, passages)
            chosen = main_position(whole, candidates(index, embedder, whole), policy)
        passages = quoted_first(passages, chosen)[:top]
    elif ask.intent == "reasons":
        # "Why is that?" asks about what the previous answers quoted: their sources, not the same sentences again
        # (compared as shown: a quote widened to its context covers the sentences around it too).
        shown = [in_context(c.sentence) for c in before]
        exclude = frozenset((q.chunk.doc, q.start, q.end) for q in shown)
        units = {c.unit for c in before}
        same_sources = [c for c in scored if c.unit in units]
        chosen = select(same_sources, ask, policy, exclude) if same_sources else select(scored, ask, policy, exclude)
    elif ask.advice and ask.query.authors and not ask.within:
        # "And what's his advice?" after a question on his view: his advice, else the answer on the topic before
        chosen = advice.for_sources(index, passages, per_passage, policy) or select(scored, ask, policy)
    else:
        chosen = select(scored, ask, policy)
    return Choice(ask, passages, scored, chosen, chosen + before)


def _policy(index: Index, settings: Settings) -> Policy:
    """Selection's knobs for this index's embedder and the settings."""
    return Policy(floor=gate.floor(index.manifest.embedder), max_quotes=settings.max_sentences)


WHOLE_PASSAGES = 40  # passages of one source a main position is taken over, at most (a 300-page PDF has thousands)


def _whole_sources(index: Index, passages: list[Passage]) -> list[Passage]:
    """The passages of the sources the retrieved `passages` come from (an article, or a writer's letters), in the
    order retrieved and then as written, up to WHOLE_PASSAGES a source: a source's main position is the centre of all
    it wrote, not of the passages a wording of the question happened to retrieve ("What does the finance article
    say?" and "Wat is de kern van het artikel over financiële ruimte?" gave different ones)."""
    units = list(dict.fromkeys((p.chunk.doc, p.chunk.author) for p in passages))
    have = {p.chunk.id for p in passages}
    counts = {u: sum((p.chunk.doc, p.chunk.author) == u for p in passages) for u in units}
    more = []
    for doc in dict.fromkeys(d for d, _ in units):
        for c in index.chunks_of(doc):
            unit = (c.doc, c.author)
            if unit in counts and c.id not in have and counts[unit] < WHOLE_PASSAGES:
                counts[unit] += 1
                more.append(c)
    rank = len(passages)
    return [*passages, *(Passage(rank + i + 1, c, 0.0) for i, c in enumerate(more))]


def _given_before(
    index: Index, embedder: Embedder, settings: Settings, k: int | None, history: list[str], depth: int = 0
) -> list[Scored]:
    """The quotes the previous question was answered with, and those of the "why?" run it belongs to, up to
    WHY_CHAIN answers back (each step back retrieves again)."""
    if not history or depth >= WHY_CHAIN:
        return []
    last, before, within = history[-1], history[:-1], frozenset()
    parts = authorship.two_parts(last, index)
    if parts:  # its second part, as it was answered: after what the first found, quoting the files it named
        who = _final(_answer(index, embedder, parts[0], settings, k, before, time.perf_counter()))
        if who.abstained:
            return []
        last, before, within = parts[1], [who.about or parts[0]], frozenset(c.doc for c in who.citations)
    earlier = read(last, _as_read(before, index), index, embedder, settings.corpus_lang, settings.translate_queries)
    return _choose(index, embedder, replace(earlier, within=within), settings, k, before, depth + 1).given


def _as_read(history: list[str], index: Index) -> list[str]:
    """The conversation as the next question reads it: a question in two parts as the two questions one after the
    other (answering an earlier question again takes it whole: `_shown_before`, `_given_before`)."""
    return [part for asked in history for part in (authorship.two_parts(asked, index) or (asked,))]


def _who_wrote(
    index: Index,
    ask: Ask,
    passages: list[Passage],
    sure: bool,
    t0: float,
    shown: Callable[[], list[tuple[str, str | None]] | None],
    chosen: list[Scored],
    scored: list[Scored],
    piece: str = "",
) -> Iterator[Answer]:
    """The writers of the files the question asks about (`authorship.target`): for "Who wrote that?", those of what
    the answer before cited (`shown`); the writers it asks about are those `read` left in `ask.query.authors`. A file
    found by searching for the question's subject, and the quotes that say whose it is, need evidence clearly above
    the threshold (`sure`): naming a writer is a claim of fact. `piece`: the words that name a piece, as the corpus
    reads them (`_piece_read`)."""
    named = ask.query.authors
    quotes = [in_context(c.sentence) for c in sorted(chosen, key=lambda c: -c.score)] if sure else []
    found = authorship.target(
        ask.question, ask.query.text, named, passages, index, shown, quotes, _most_evidence(scored, chosen), piece
    )
    if authorship.asks_when_written(ask.question, named):  # when or where it was written
        text, citations, cited = dated.compose(index, found, ask.answer_lang)
    else:
        intro = asks_piece_intro(ask.question)  # who wrote the introduction: the letters' is unsigned
        text, citations, cited = authorship.compose(
            index, found.docs, ask.answer_lang, found.writers, found.quotes, found.signed, intro
        )
    abstained = bool(not citations or (found.searched and not sure))
    if abstained:
        text, citations, cited = TEXTS[ask.answer_lang]["abstain"], (), []
    latency = (time.perf_counter() - t0) * 1000
    about = "" if abstained else authorship.followed_by(index, without_request(ask.question), found)
    passages = authorship.cited_first(passages, cited)
    yield Answer(ask.question, text, abstained, citations, tuple(passages), latency, ask.answer_lang, about=about)


def _most_evidence(scored: list[Scored], chosen: list[Scored], top: int = 3) -> str | None:
    """The file the question's subject is most about, among those of the `chosen` quotes: the most evidence in its
    best `top` sentences together ("the piece about culture" is the culture article, not the letter with one sentence
    on it; a file no chosen quote comes from is never named)."""
    among = {c.sentence.chunk.doc for c in chosen}
    by_file: dict[str, dict[int, float]] = {}
    for c in (c for c in scored if c.sentence.chunk.doc in among):  # a sentence in two overlapping passages counts once
        seen = by_file.setdefault(c.sentence.chunk.doc, {})
        seen[c.sentence.start] = max(seen.get(c.sentence.start, 0.0), c.score)
    totals = {doc: sum(sorted(s.values(), reverse=True)[:top]) for doc, s in by_file.items()}
    return max(totals, key=totals.get) if totals else None


def _shown_before(
    index: Index, embedder: Embedder, settings: Settings, k: int | None, history: list[str]
) -> list[tuple[str, str | None]] | None:
    """The files and writers the last answer before this question cited ("Who wrote that?"; "Thanks!" in between is
    skipped): that question answered again, extractively, with at most `WHY_CHAIN` questions before it as its
    conversation (so a run of "Who wrote that?" stays shallow). None without a question before."""
    asked = [i for i, q in enumerate(history) if not says_nothing(q)]
    if not asked:
        return None
    i = asked[-1]
    return [(c.doc, c.author) for c in _answered_again(index, embedder, history[i], settings, k, history[:i]).citations]


def _answered_again(
    index: Index, embedder: Embedder, question: str, settings: Settings, k: int | None, history: list[str]
) -> Answer:
    """An earlier question answered again, extractively, with at most `WHY_CHAIN` questions before it as its
    conversation (so that a run of questions each looking back stays shallow): what it cited."""
    extractive = settings.with_overrides(llm_base_url="")
    return _final(answer_question(index, embedder, question, extractive, k, history[-WHY_CHAIN:]))


def answer_question(
    index: Index,
    embedder: Embedder,
    question: str,
    settings: Settings,
    k: int | None = None,
    history: list[str] | None = None,
    t0: float | None = None,
) -> Iterator[str | Answer]:
    """Yield growing answer text, then the final Answer (extractive; generative when an LLM is configured)."""
    t0 = time.perf_counter() if t0 is None else t0
    question = squeezed(question)
    # the latest questions of the conversation, each read as a question is (squeezed, at most as long)
    history = [squeezed(asked)[: settings.max_question_chars] for asked in (history or [])[-HISTORY_KEPT:]]
    # a request for the answer before in another language ("And in Dutch?") stands for the question it answered again
    history = functools.reduce(
        lambda read, asked: [*read, read[-1] if read and asked_language(asked) else asked], history, []
    )
    asked, lang = question, asked_language(question)
    if lang and history:  # "And in Dutch?": the question before, answered again in that language
        asked, history = history[-1], history[:-1]
    parts = authorship.two_parts(asked, index)
    if parts:  # "Who wrote the cX-Factor column and what is his main point?": each part, the second as a follow-up
        events = _in_two_parts(index, embedder, asked, parts, settings, k, history, t0, lang)
    else:
        events = _answer(index, embedder, asked, settings, k, history, t0, lang=lang)
    for event in events:
        yield replace(event, question=question) if isinstance(event, Answer) and asked != question else event


def _in_two_parts(
    index: Index,
    embedder: Embedder,
    question: str,
    parts: tuple[str, str],
    settings: Settings,
    k: int | None,
    history: list[str],
    t0: float,
    lang: str | None = None,
) -> Iterator[str | Answer]:
    """Who wrote it, then the second question: as a follow-up to what the first answer found ("his main point" is the
    writer's just named; "what does it conclude?" the letter's), or on its own when it asks who wrote something else
    ("... and who wrote the culture piece?"). The first part is shown while the second is answered; `lang`: the
    language to answer in, when the asker chose one."""
    first, then = parts
    who = _final(_answer(index, embedder, first, settings, k, history, t0, lang=lang))
    # ... on its own unless it points back at what the first found ("… and when was it published?", "… and who wrote
    # it?": the piece just named)
    if authorship.asks_who_else(then, index) and not authorship.points_at_answer(then):
        if not who.abstained:
            yield who.answer
        rest = _final(_answer(index, embedder, then, settings, k, history, t0, lang=lang))
        if who.abstained:
            yield replace(rest, question=question, latency_ms=(time.perf_counter() - t0) * 1000)
        else:
            yield joined(question, who, rest, (time.perf_counter() - t0) * 1000, again=True)
        return
    if who.abstained:  # no piece or writer found for sure: "what does it recommend?" refers to nothing
        yield replace(who, question=question, latency_ms=(time.perf_counter() - t0) * 1000)
        return
    yield who.answer
    # The second part follows what the first found: its writers, and the subject searched for unless the second asks
    # about something of its own ("Who wrote about Porter, and what is his view on strategy?" is not about Porter);
    # not the conversation before ("Wie is Rien Brus en wat vindt hij?" asks his position, not his view of the topic
    # before) unless the first points back at it ("Who wrote that and why?").
    about = " ".join(mentioned_authors(who.about, index)) if own_terms(then) else who.about
    context = [*history, about or first] if authorship.points_at_answer(first) else [about or first]
    within = frozenset(c.doc for c in who.citations)  # what it says is in the files just named
    rest = _final(_answer(index, embedder, then, settings, k, context, t0, within, lang))
    # a date it gives is new even when it cites the line the first did ("dinsdag, 4 november 2025 … - Marketingfacts")
    dated_too = authorship.asks_when_written(then)
    yield joined(question, who, rest, (time.perf_counter() - t0) * 1000, new=bool(own_terms(then)), again=dated_too)


def _named_piece(
    index: Index, embedder: Embedder, question: str, lang: str, settings: Settings
) -> tuple[str, str] | None:
    """The file a question names as a piece of writing (`authorship.piece_named`), and the question to read for it.
    By a title word no other file uses at all ("the cX-Factor column", "the Ivory Tower article": a name, read as
    Dutch for an English question) the question is read without those words, which would draw the passage that holds
    the title. By a subject, a word only its title has and few articles use ("the culture article") or words only
    that article uses ("the piece on Netflix", "het artikel over mystery shopping"), it is read without them when it
    asks about something of its own ("What does the culture article say about KPIs?"), else as asked: the subject
    is what it asks about. None when no one file is named so, or when it asks about something the piece never
    speaks of and another article does ("Does the culture article mention Netflix?")."""
    piece = authorship.piece_named(question)
    if piece is None:
        return None
    concepts, keywords = _piece_words(piece, lang, settings)
    named = f"{piece.words} {keywords}"
    docs = authorship.titled(named, index)
    if len(docs) == 1:
        return docs[0], piece.rest
    by_title = authorship.title_words_named(named, index, COMMON_SHARE)
    docs = by_title or _only_about(index, embedder, piece.words, keywords, concepts, settings)
    if not docs:
        return None
    # what it asks about, not how it asks ("Wat staat er in …?", "tips") nor the asker's own situation before it ("We're
    # a 50-seat contact centre and our budget is tight. What does the finance article advise?")
    own = own_question(piece.rest)
    terms = asks_own(without_request(own))
    if _elsewhere(index, docs[0], own, terms, lang, settings):
        return None
    # what it asks of the piece: its own terms, its advice ("What does the culture article recommend?"), or, named by
    # words before the noun or of its title, the piece as a whole ("What does the finance article say?": its main
    # position, whatever the wording); named by what it is about, that is what it asks about ("Wat zegt het stuk over
    # Netflix?")
    whole = piece.modified or bool(by_title)
    return docs[0], (piece.rest if terms or whole or ADVICE.search(piece.rest) else question)


def _piece_words(piece: authorship.Piece, lang: str, settings: Settings) -> tuple[tuple[frozenset[str], ...], str]:
    """The concepts and keywords of the words that name a piece, read in the corpus's language ("the piece about the
    ivory tower": ivoren toren)."""
    from .query import concepts_of

    return concepts_of(piece.words, lang, settings.corpus_lang if settings.translate_queries else lang)


def _piece_read(question: str, lang: str, settings: Settings) -> str:
    """The words that name a piece in the question (`authorship.piece_named`) with their keywords; empty when it names
    none."""
    piece = authorship.piece_named(question)
    return f"{piece.words} {_piece_words(piece, lang, settings)[1]}" if piece else ""


def _without_writers(concepts: list[frozenset[str]], question: str, index: Index) -> list[frozenset[str]]:
    """The concepts without the name words of writers the question does not name: "anders" (differently) or "else"
    read as "ander" is no word of Anders Jansen's name, which a sentence that names him would hold ("Does anyone
    else agree?" quoted his lecture's "Anders, wat is …"); a concept of a name alone is left out."""
    named = set(mentioned_authors(question, index))
    names = set(tokenize(" ".join(a for a in known_authors(index) if a not in named)))
    return [c - names for c in concepts if c - names]


def _elsewhere(index: Index, doc: str, question: str, terms: set[str], lang: str, settings: Settings) -> bool:
    """The question asks about something (its own `terms`) that the piece `doc` never speaks of and another article
    does ("Does the culture article mention Netflix?"): it is not that piece's to answer. A piece that speaks of any
    of it is ("Wat zijn volgens het boardroom-artikel de grootste blokkades?": blokkades, though only the culture
    article says "grootste"). The name words of writers the question does not name are no subject (`_without_writers`:
    "Wat moeten leiders anders doen volgens het cultuurartikel?" asks "anders", not Anders Jansen)."""
    from .query import concepts_of, english_read

    target = settings.corpus_lang if settings.translate_queries else lang
    # "het cultuurstuk about leadership": leiderschap
    english = english_read(question, lang, target, index, names=tuple(known_authors(index)))
    read = concepts_of(question, lang, target, english=english)[0]
    concepts = [c for c in read if c & terms and not c & authorship.PIECE_FORMS]
    asked = _without_writers(concepts, question, index)
    if not asked:
        return False
    used = _terms_of(index, doc)
    if any(c & used for c in asked):  # it speaks of some of it ("de grootste blokkades": blokkades, not grootste)
        return False
    elsewhere = index.document_share(set().union(*asked))
    return any(elsewhere.get(f, 0.0) > 0 for c in asked for f in c)


# "And the Ivory Tower article?", "and what about the boardroom piece?", "En wat zegt het stuk?" (the piece's name taken
# out, `authorship.piece_named`): a connector, the piece and nothing else asked of it
SAME_OF = re.compile(
    r"^\s*(and|but|also|en|maar|ook)\b[\s,]*((what|how)\s+about\s+|wat\s+dacht\s+je\s+van\s+|hoe\s+zit\s+het\s+met\s+|"
    r"what\s+(does|do)\s+|wat\s+(zegt|zeggen|vindt|vinden)\s+)?(the|this|that|het|de|dat|dit|die)\s+"
    rf"{authorship.PIECE_NOUNS}(\s+(say|says|think|then|zegt|zeggen|vindt|dan))?\s*[?.!]*\s*$",
    re.IGNORECASE,
)


def _asked_again(
    index: Index, piece: tuple[str, str], asked: str, history: list[str], settings: Settings
) -> str | None:
    """For "And the Ivory Tower article?" (`asked`: what is left with the piece's name taken out) after "What does the
    culture article say about KPIs?": the question before, without the piece it named ("What does the article say about
    KPIs?"), to ask of `piece`. None when it asks anything else (its main message, its advice: `SAME_OF`), when the
    question before asked nothing of its own (the piece's main position answers), or when the piece never speaks of
    what it asked and another article does ("And the finance article?" after a question about Netflix)."""
    if not SAME_OF.search(asked):
        return None
    topic = topic_of(history, index)
    before = authorship.piece_named(topic) if topic else None
    again = (before.rest if before else topic) or ""
    terms = asks_own(without_request(own_question(again)))
    if not terms or _elsewhere(index, piece[0], again, terms, guess_language(again), settings):
        return None
    return again


SEVERAL_PIECES = re.compile(
    r"\b(articles|pieces|columns|letters|writers|authors|artikelen|stukken|brieven|schrijvers|auteurs)\b", re.IGNORECASE
)
ASKS_WHO = re.compile(r"\b(who|whom|whose|wie)\b", re.IGNORECASE)


def _asks_what_to_do(question: str) -> bool:
    """It asks for advice ("what should I do then?", "what's their main recommendation?"), not who gives it ("who
    recommends it?")."""
    return bool(ADVICE.search(question)) and not ASKS_WHO.search(question)


def _piece_before(
    index: Index,
    embedder: Embedder,
    question: str,
    lang: str,
    history: list[str],
    settings: Settings,
    k: int | None = None,
) -> tuple[str, str] | None:
    """The piece the conversation named, for a question that speaks of it without naming it ("What does it say about
    KPIs?" after "Tell me about the culture article": that article on KPIs, not the culture article's title passage
    read with KPIs). The latest earlier question that names a piece, over those after it that speak of it too ("Who
    wrote it?"), or whose answer quoted one piece alone (`_answered_from`: "What does it say about loans?" after "Why
    does CX need financial room?", answered from the finance article); none when a question between asks about
    something else, or when it asks about something the piece never speaks of and another article does ("What does
    the column say about Netflix?" after the culture article)."""
    # ... or asks only for advice ("So what should we do?" after "Why does CX need financial room?": the finance
    # article's advice, not its reasons again; not who gives it: "who recommends it?" after "what is mystery shopping")
    advice_only = (
        _asks_what_to_do(question)
        and not authorship.BEYOND_PIECE.search(question)
        and not SEVERAL_PIECES.search(question)  # "What do the articles recommend?": all of them
        and not asks_own(without_request(own_question(question)))
    )
    if not (authorship.PIECE_BACK.search(question) or advice_only):
        return None
    for i in range(len(history) - 1, -1, -1):
        earlier = history[i]
        piece = _named_piece(index, embedder, earlier, guess_language(earlier), settings)
        doc = piece[0] if piece else None
        if doc is None and not authorship.PIECE_BACK.search(earlier):
            doc = _answered_from(index, embedder, earlier, settings, k, history[:i])
            if doc is None:
                return None
        if doc is not None:
            terms = asks_own(without_request(question))
            return None if _elsewhere(index, doc, question, terms, lang, settings) else (doc, question)
    return None


def _piece_followed(
    index: Index, embedder: Embedder, question: str, lang: str, history: list[str], settings: Settings
) -> tuple[str, str] | None:
    """The piece the question just before named, for a follow-up that asks something of its own and does not look
    beyond it ("and what should leaders do differently then?" after "What does the culture article say about
    KPIs?": that article's say; it abstained, read with the whole corpus). None when it asks nothing of its own
    ("Why?", "Tell me more": the answer before goes on), looks elsewhere ("And what do the other articles say?"),
    or asks about something the piece never speaks of and another article does."""
    terms = asks_own(without_request(own_question(question)))
    # asking nothing of its own, only the piece's advice goes on from it ("what's their main recommendation?", "what
    # should I do then?"; not who gives it); "Why?", "Tell me more" go on from the answer before
    if not (terms or _asks_what_to_do(question)) or not history or authorship.BEYOND_PIECE.search(question):
        return None
    piece = _named_piece(index, embedder, history[-1], guess_language(history[-1]), settings)
    if piece is None or _elsewhere(index, piece[0], question, terms, lang, settings):
        return None
    return piece[0], question


def _answered_from(
    index: Index, embedder: Embedder, question: str, settings: Settings, k: int | None, history: list[str]
) -> str | None:
    """The one piece the answer to an earlier question quoted (`_answered_again`), when it names no writer: what "it"
    in the question after it speaks of. None when it quoted several sources or a letter of a correspondence (one
    writer of several is "he", not "it"), or abstained."""
    if says_nothing(question) or mentioned_authors(question, index):
        return None
    docs = {c.doc for c in _answered_again(index, embedder, question, settings, k, history).citations}
    if len(docs) != 1:
        return None
    doc = docs.pop()
    return doc if len({c.author for c in index.chunks_of(doc)} - {None}) <= 1 else None


ONLY_ABOUT_K = 5  # passages looked at for the one file a subject's words are only in


def _only_about(
    index: Index, embedder: Embedder, words: str, keywords: str, concepts: tuple, settings: Settings
) -> list[str]:
    """The one file that uses every word of a subject some of which no other file uses ("Netflix", "mystery
    shopping"): the article about it. [] otherwise ("silo's" in two articles, "AI" in none)."""
    files = max(len(index.manifest.files), 1)
    subject = [c for c in concepts if not c & authorship.PIECE_FORMS]
    if not subject:
        return []
    share = index.document_share(set().union(*subject))
    only = {f for c in subject for f in c if 0 < share.get(f, 0.0) * files <= 1.0 + 1e-9}  # in one file each
    if not only:
        return []
    # the file is the one that uses the words: the first passage found for them, else among the next few the file
    # that uses a word of the question as asked that only it uses (an English "boardroom" found the column's passages
    # first, by their vectors, and the Ivory Tower article third; "money" is not the only file with "geld", the letters)
    own = set(tokenize(words))
    for k in (1, ONLY_ABOUT_K):
        for doc in dict.fromkeys(p.chunk.doc for p in search(index, embedder, words, settings, k=k, keywords=keywords)):
            used = _terms_of(index, doc)
            if all(c & used for c in subject) and (k == 1 or only & own & used):
                return [doc]
    return []


# Words for figures, which a quote holds by stating one ("What are the Forrester numbers?": "… 73% …").
FIGURES = frozenset(
    tokenize(
        "number numbers figure figures statistic statistics stats percentage percentages cijfer cijfers getal getallen "
        "statistiek statistieken"
    )
)
# ... and the words that ask for a figure, which a quote holds by stating one ("What percent …", "gemiddeld")
FIGURE_WORDS = FIGURES | frozenset(
    tokenize(
        "percent procent average averages gemiddeld gemiddelde rate rates ratio ratios verhouding rente score scores"
    )
)
RARE_SHARE = 0.4  # a word asked of no piece names what a quote is about when at most this share of the articles use it
RARE_PLAIN = 0.5  # ... and is at least this rare in its language (`query.rarity`): not a frequent word ("welke")
RARE_ADDED = 2  # passages added for rare words no retrieved passage holds (`_with_rare_words`)
# Who says something, in so many words ("Who talks about ownership?", "What do the writers say about it?"): how it is
# asked, not what about.
SAYING = frozenset(
    tokenize(
        "talk talks talking speak speaks discuss discusses mention mentions say says write writes writer writers "
        "author authors anyone anybody someone praat praten spreekt spreken bespreekt bespreken noemt noemen "
        "vermeldt vermelden zegt zeggen schrijft schrijven schrijver schrijvers auteur auteurs iemand bring brings up "
        "raise raises refer refers cite cites quote quotes welk welke which tell vertel "
        + " ".join(ASKING | BACK_REFERENCES)  # ... and the words that only ask ("wat zegt", "staat er", "daarover")
    )
)


def _terms_of(index: Index, doc: str) -> frozenset[str]:
    """The keyword terms a file uses (as `tokenize` makes them), from its chunks, once per file and loaded index."""
    terms = index.cache.setdefault("document_terms", {})
    if doc not in terms:
        terms[doc] = frozenset(tokenize(" ".join(c.text for c in index.chunks_of(doc))))
    return terms[doc]


def _spelled_out(
    ask: Ask, chosen: list[Scored], scored: list[Scored], index: Index, of_piece: bool = True, held: bool = False
) -> tuple[list[Scored], bool]:
    """The quotes that hold every word the question asks about, for a question the gate would abstain on: "Does the
    article mention Forrester?" is answered by the sentence that does, however little a short question's vector says.
    The chosen quotes that do, else the best scored sentence that does ("What does the finance article say about
    loans?": "… een zakelijke lening …", scored a hair below "De kosten zijn direct …"); none without such a word, and
    the gate decides. With them, whether the piece speaks of everything asked (else the answer is hedged).
    - Of a piece the question names (`of_piece`): the words the piece uses at all, not the noun that names it; none
      when the piece never mentions a name or date the question writes ("… about Netflix according to the Ivory
      Tower article?", "… in december 2025 …?"). Of a piece a follow-up is held to (`held`, `_piece_followed`): none
      when the piece never speaks of one of them ("what about small companies?" after the culture article asks about
      small companies, the piece was only the context).
    - Of no piece: a question of its own (no follow-up; a writer it names keeps the quotes to their text: "what does
      Rien Brus mean by window dressing"), and every word it asks about beyond the
      asking (`SAYING`) and the corpus's subject ("CX", words at least `COMMON_SHARE` of the articles use) used, each
      by at most `RARE_SHARE` of them: "Who talks about ownership?" (eigenaarschap), not "een recept voor erwtensoep"
      (never used), "Which company does Wim work for?" (a writer) nor "bedrijf" (most articles).
    A word for figures (`FIGURES`) is held by a quote that states one, and the asker's own situation before the
    question (`own_question`) is not asked about."""
    about = _without_writers(
        [c for c in ask.concepts if not c & (authorship.PIECE_FORMS | SAYING)], ask.question, index
    )
    # what its own question asks about: not the asker's own situation before it ("Ik ben teamleider in Utrecht. …"),
    # the topic a follow-up goes on from ("and what should leaders do differently then?" after a question on KPIs:
    # leaders, not KPIs), nor, of a piece, how it asks for advice ("differently")
    own = own_question(ask.question)
    if of_piece or own != ask.question or ask.query.follows:
        asked_words = asks_own(without_request(own))
        about = [c for c in about if c & asked_words]
    figures = [c for c in about if c & FIGURES]  # "the Forrester numbers": a quote that states one holds them
    about = [c for c in about if not c & FIGURES]
    if not about or (not of_piece and ask.query.follows):
        return [], False
    complete = True
    if of_piece:  # in the piece's words, or compounds of them ("leaders": Leiderschap)
        docs = {c.sentence.chunk.doc for c in [*chosen, *scored]}
        used = frozenset().union(*(_terms_of(index, doc) for doc in docs))
        asked = [c for c in about if names_concept(used, c)]
        missing = [c for c in about if c not in asked]
        complete = not missing  # else it answers in part ("… about remote work?": work, not remote), hedged
        # it asks about more than the piece speaks of: after a piece (`held`), or a name or date the piece never
        # mentions ("What should a board do about Netflix according to the Ivory Tower article?", "Welke reacties
        # kwamen er in december 2025 op …?")
        written = named_terms(ask.question) if missing and not held else set()  # the names and dates it writes
        if missing and (held or any(c & written for c in missing)):
            return [], False
    else:
        share = index.document_share(set().union(*about))

        def spread(c: frozenset[str]) -> float:  # the share of articles that use the concept (its widest word)
            return max((share.get(t, 0.0) for t in c), default=0.0)

        asked = [c for c in about if spread(c) < COMMON_SHARE]
        if any(not 0 < spread(c) <= RARE_SHARE for c in asked):
            return [], False
    if not asked:
        return [], False

    def spells(q: Scored) -> bool:
        text = in_context(q.sentence).text
        words = set(tokenize(text))
        named = all(names_concept(words, c) if of_piece else c & words for c in asked)
        return named and (not figures or has_number(text))

    kept = [q for q in chosen if spells(q)]
    others = [q for q in scored if spells(q)]
    return kept or ([max(others, key=lambda q: q.score)] if others else []), complete


def _figure_of_subject(ask: Ask, quoted: list[str], chosen: list[Scored], index: Index) -> bool:
    """One quote states a figure and names every rare word its own question asks about (`_rare`), or it asks about
    none. Not a word for figures ("percent", "gemiddeld"), nor the asker's situation before the question, nor one
    that says whose figure it is: a writer it names or the title or source of a quote's piece ("What percentage of
    companies failed, per the Marketingfacts article?")."""
    source = set(tokenize(" ".join(mentioned_authors(ask.question, index))))
    for doc in {c.sentence.chunk.doc for c in chosen}:
        entry = index.document(doc)
        source |= set(tokenize(f"{entry.title} {entry.source or ''}"))
    rare = [c for c in _rare(ask, own=True) if not c & (FIGURE_WORDS | source | authorship.PIECE_FORMS)]
    return not rare or any(has_number(t) and all(c & set(tokenize(t)) for c in rare) for t in quoted)


def _compares_writers(index: Index, question: str, ask: Ask) -> bool:
    """A follow-up that names two writers or more itself and asks nothing of its own beyond their views ("How does
    Rien's view differ from Wim's?", "Does Wim agree with Rien?"), without pointing back at the topic before ("… on
    that?", "… daarover?")."""
    if THE_LETTERS.search(question) or WRITERS_OF_LETTERS.search(question):
        return False  # "What about the letters?" after a question about KPIs asks what they say about KPIs
    named = mentioned_authors(question, index)
    text = without_request(without_names(question, named))
    return ask.query.follows and len(named) > 1 and not asks_own(text, between_writers=True) and not points_back(text)


def _final(events: Iterator[str | Answer]) -> Answer:
    """The final answer of a stream."""
    final = None
    for event in events:
        final = event
    if not isinstance(final, Answer):
        raise RuntimeError("an answer stream ended without its final answer")
    return final


def _answer(
    index: Index,
    embedder: Embedder,
    question: str,
    settings: Settings,
    k: int | None,
    history: list[str],
    t0: float,
    within: frozenset[str] = frozenset(),
    lang: str | None = None,
) -> Iterator[str | Answer]:
    """One question's answer (`answer_question`); `within`: the files it may quote, when not all; `lang`: the
    language to answer in, when the asker chose one."""
    if says_nothing(question):  # "Hi!", "Thanks!", "I'm a CX manager at a bank.": nothing to look up
        lang = lang or courtesy_language(question, history)
        text = TEXTS[lang]["thanks" if THANKS.search(question) else "hello"]
        yield Answer(question, text, False, (), (), (time.perf_counter() - t0) * 1000, lang)
        return
    read_history = _as_read(history, index)
    ask = read(question, read_history, index, embedder, settings.corpus_lang, settings.translate_queries)
    if history and not within and _compares_writers(index, question, ask):
        # "How does Rien's view differ from Wim's?" after another question compares the writers it names as a whole:
        # read with that question's topic it abstained, or quoted Rien's "Daar maak je het verschil." (a browser check)
        yield from _answer(index, embedder, question, settings, k, [], t0, lang=lang)
        return
    asked, of_piece, held, same_of = question, False, False, False
    if not within and ask.intent != "authors" and not ask.query.authors:
        named_piece = _named_piece(index, embedder, question, ask.lang, settings)
        carried = None if named_piece else _piece_before(index, embedder, question, ask.lang, history, settings, k)
        followed = None
        if not named_piece and not carried and ask.query.follows:
            followed = _piece_followed(index, embedder, question, ask.lang, history, settings)
        piece = named_piece or carried or followed
        held = followed is not None
        if piece is not None:  # "What does the culture article say about strategy?": that article's say on strategy
            within, asked = frozenset({piece[0]}), piece[1]
            # the piece it names is its subject: no follow-up of the conversation before, unless it points back at it
            # ("Wat zegt het artikel over de Ivoren Toren over de boardroom?" after another question abstained, read as
            # "… Wat zegt het artikel over de boardroom?" after that question); a piece named before is what "it" is;
            # so does a follow-up held to the piece before ("What do they need to change?"; not "And what about
            # housing?", which the question before would drown)
            # ... and so does "And the Ivory Tower article?" after "What does the culture article say about KPIs?",
            # which asks the same of that piece (it gave the piece's main position)
            again = _asked_again(index, named_piece, asked, read_history, settings) if named_piece else None
            same_of = again is not None
            asked = again or asked
            context = read_history if (named_piece or followed) and points_back(asked) and not same_of else []
            of_piece = named_piece is None or asked != question  # a piece, and something asked about it
            ask = read(asked, context, index, embedder, settings.corpus_lang, settings.translate_queries)
    # asked again of another piece, the question before is read, but the answer is in the language of this one
    ask = replace(ask, within=within, reply=lang or (guess_language(question) if same_of else ""))
    if within and ask.intent == "plain" and not asks_own(without_request(own_question(asked))):
        ask = replace(ask, intent="person")  # "… and what is its main message?": the piece's own main position
    ask, passages, scored, chosen, _ = _choose(index, embedder, ask, settings, k, history)
    bound = gate.threshold(settings.abstain_threshold, index.manifest.embedder)

    def done(text: str, citations: tuple[Citation, ...], abstained: bool, **extra) -> Answer:
        latency = (time.perf_counter() - t0) * 1000
        return Answer(question, text, abstained, citations, tuple(passages), latency, ask.answer_lang, **extra)

    # a writer it names, or the piece a two-part question's first part found: their own words are the answer
    named = (bool(ask.query.authors) and any(p.chunk.author in ask.query.authors for p in passages)) or bool(ask.within)
    if ask.cost:  # a price next to a quote is quoted with it; only a question for a price needs one
        with_price = priced(chosen, scored)
        chosen = with_price or ([] if ask.price else chosen)
    missing = ask.price and not chosen
    # read the quotes as shown: the sentence before may hold the figure
    if ask.quantity or ask.product or ask.price or ask.entity:
        quoted = [in_context(c.sentence).text for c in chosen]
        missing = (
            missing
            or (ask.quantity and not any(has_number(t) or (ask.price and has_money(t)) for t in quoted))
            # ... and the figure is of what it asks about: "What was the average Forrester CX Index score for Dutch
            # brands?" is not answered by Forrester's share of companies that failed (no "brands" there)
            or (ask.quantity and not ask.price and not _figure_of_subject(ask, quoted, chosen, index))
            # in the corpus language a question's words are the articles' own; a translation may lack the one the
            # article uses ("course": cursus, not opleiding)
            or (ask.price and ask.lang == settings.corpus_lang and not names_what_is_priced(ask, quoted))
            or (ask.entity and not any(names_something(t, question) for t in quoted))
            or (
                ask.product
                and not any(
                    names_something(t, question) and names_the_kind(ask, c.sentence.chunk.text)
                    for t, c in zip(quoted, chosen)
                )
            )
        )
    verdict = gate.decide(scored, bound, named, missing or ask.stranger is not None)
    if ask.intent == "authors":  # who wrote what: from what the index knows of its files, citing where it says so
        sure = verdict != "abstain" and (
            float(gate.strength(scored)) >= bound + authorship.MARGIN
            or authorship.spelled_out(ask.query.text, [c.sentence.text for c in chosen])
        )
        shown = functools.partial(_shown_before, index, embedder, settings, k, history)
        yield from _who_wrote(
            index, ask, passages, sure, t0, shown, chosen, scored, _piece_read(question, ask.lang, settings)
        )
        return
    if ask.intent == "person" and passages:  # a bare name: that writer's main position, whatever the scores
        verdict = "answer"
    # ... or, of a piece, would hedge with quotes that do not name what is asked ("wat zegt het cultuurartikel over
    # stages?" hedged with "Het is niet wat je zegt, …"; the piece's "Mini-stages bij klantenservice" names it)
    rescue = (verdict == "abstain" or (verdict == "hedge" and of_piece)) and not missing and ask.stranger is None
    spelled, complete = _spelled_out(ask, chosen, scored, index, of_piece, held) if rescue else ([], False)
    if spelled:  # "Does the Ivory Tower article mention Forrester?": the piece's sentence that names it
        verdict, chosen = ("answer" if of_piece and complete else "hedge"), spelled
    # advice on something, asked of one piece or writer (a writer's own answer is their advice already, `_choose`)
    of_one = bool(ask.within) or len(ask.query.authors) == 1
    if of_one and ask.intent != "person" and ADVICE.search(asked) and not missing:
        policy = _policy(index, settings)
        on_it = advice.on_subject(index, passages, ask, asked, policy)
        if on_it:  # "What should a board do according to the Ivory Tower article?": its advice that speaks of boards
            verdict, chosen = "answer", on_it
    if not chosen:  # nothing to quote: a "why?" after everything a writer said was given, or only open questions
        verdict = "abstain"
    if verdict == "abstain":
        yield done(TEXTS[ask.answer_lang]["abstain"], (), True)
        return
    notice = None
    if settings.llm_base_url:
        if ask.intent == "reasons" and ask.query.topic is None and history:
            # "Why is that?" after a bare name: the model is told what it follows ("What does Anders Jansen think?")
            ask = replace(ask, query=replace(ask.query, topic=history[-1]))
        notice = yield from generated(settings, ask, passages, embedder, done)
        if notice is None:
            return
    text, citations = compose(chosen, ask.answer_lang, views=ask.intent == "views" or ask.writers_at_once)
    if verdict == "hedge":  # close to abstaining: say the quotes may miss
        text = f"{TEXTS[ask.answer_lang]['hedge']}\n\n{text}"
    paragraphs = text.split("\n\n")
    for i in range(1, len(paragraphs)):  # stream the answer paragraph by paragraph, like a generator would
        yield "\n\n".join(paragraphs[:i])
    yield done(text, citations, False, notice=notice)
