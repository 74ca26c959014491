"""Advice: what a source tells the reader to do, for a question that asks for it ("What does the culture article
recommend?", "What is Rien's advice?", "What should a board do according to the Ivory Tower article?").

A source is one article, or one writer's letter. Its advice is read over its whole text, not only the passages a
question retrieved, so that a list two chunks split is one list; which sentences are advice is decided sentence by
sentence (`candidates.advises`), and which of them to quote by `selection.advised`.
"""

from __future__ import annotations

from dataclasses import replace

from ..conversation import without_names, without_request
from ..lexicon import dutch_words
from ..search import tokenize
from ..sentences import Sentence
from ..stores.base import Index
from ..types import Chunk, Passage
from . import authorship
from .candidates import advice_in, is_list, label_of
from .compose import in_list_item
from .query import Ask, asks_own, names_concept
from .scores import Scored
from .selection import Policy, advised, main_position

ADVICE_CACHE = 1_000  # sources whose advice a loaded index keeps


def source_runs(index: Index, doc: str, author: str | None) -> list[Chunk]:
    """The text of one source (a file's chunks by `author`; the unsigned ones for None) as one span per run of
    adjacent chunks: a list two chunks split is one list in it ("Een paar simpele manieren om dat te doen:" ends one
    chunk, its items open the next), and a writer whose letters alternate with another's gets each letter apart."""
    runs: list[list[Chunk]] = []
    last = None
    for c in index.chunks_of(doc):
        if c.author == author:
            if last is not None and last.author == author and runs:
                runs[-1].append(c)
            else:
                runs.append([c])
        last = c
    if not runs:
        return []
    text = index.document(doc).text
    out = []
    for run in runs:
        start, end, first = min(c.start for c in run), max(c.end for c in run), run[0]
        span = text[start:end]
        out.append(
            Chunk(f"{doc}#whole:{start}-{end}", doc, first.section, start, end, span, first.title, author, first.date)
        )
    return out


def advice_of(index: Index, doc: str, author: str | None) -> tuple[list[Sentence], list[Chunk]]:
    """A source's advice (`candidates.advice_in` over each of its runs) and the runs, read once per loaded index."""
    cache = index.cache.setdefault("advice", {})
    key = (doc, author)
    if key not in cache:
        if len(cache) > ADVICE_CACHE:
            cache.clear()
        runs = source_runs(index, doc, author)
        cache[key] = ([s for run in runs for s in advice_in(run, dutch_words())], runs)
    return cache[key]


def _sources(passages: list[Passage]) -> list[tuple[str, str | None]]:
    """The sources of the passages (file and writer), in the order retrieved."""
    return list(dict.fromkeys((p.chunk.doc, p.chunk.author) for p in passages))


def for_sources(index: Index, passages: list[Passage], per_passage: dict, policy: Policy) -> list[Scored]:
    """What the sources of the passages advise, for a question that asks only that: one source's advice; several
    writers' ("What do they recommend?" after the letters) one piece of advice each, or the main position of one who
    gives none. [] when none gives advice."""
    sources = _sources(passages)
    each = replace(policy, max_quotes=1) if len(sources) > 1 else policy
    chosen, advised_any = [], False
    for doc, author in sources:
        advice = advised(advice_of(index, doc, author)[0], each)
        advised_any = advised_any or bool(advice)
        if not advice and len(sources) > 1:
            own = [p for p in passages if (p.chunk.doc, p.chunk.author) == (doc, author)]
            advice = main_position(own, per_passage, each, quotes=1)
        chosen += advice
    return chosen[: policy.max_quotes] if advised_any else []


def on_subject(index: Index, passages: list[Passage], ask: Ask, question: str, policy: Policy) -> list[Scored]:
    """One source's advice on what the question asks about ("What should a board do according to the Ivory Tower
    article?", "What does the culture article recommend about meetings?"): its advice that names every word the
    `question` (as asked) asks about, a translation of it, or a compound of it ("boardroom" for "board"), or whose
    label names one ("what should operations teams do?": the item "Vanuit operations: …", not the board's item that
    mentions "operationele teams" in passing); the sentences before a list. [] when the source never speaks of a word
    asked about ("What should a board do about Netflix …?"), none of its advice names them, or the passages are of
    several sources: the answer is then scored as any other ("Which KPIs does the culture article recommend instead
    of average handling time?")."""
    sources = _sources(passages)
    # what the question asks about: not how it asks, nor whose advice it is ("Rien Brus")
    terms = asks_own(without_request(without_names(question, ask.query.authors)))
    asked = [c for c in ask.concepts if c & terms and not c & authorship.PIECE_FORMS]
    if len(sources) != 1 or not asked:
        return []
    advice, runs = advice_of(index, *sources[0])
    own = set(tokenize(question))  # the question's own words: a short one ("CX") is named as itself

    def names(text: str, concept: frozenset[str]) -> bool:
        return names_concept(tokenize(text), concept, own)

    if not all(names(" ".join(run.text for run in runs), c) for c in asked):
        return []  # it asks about something the source never speaks of ("… about Netflix", "… in Japan")
    # several words the articles write as one ("customer service": klantenservice) name their advice first: the list
    # with "Mini-stages bij klantenservice", not the item labelled "De “customer minute” …", which names customers only
    compounds = [s for s in advice if len(asked) > 1 and any(all(names(w, c) for c in asked) for w in tokenize(s.text))]
    labelled = [s for s in advice if any(names(label_of(s.text, in_list_item(s)), c) for c in asked)]
    found = compounds or labelled or [s for s in advice if all(names(s.text, c) for c in asked)]
    sentences = [s for s in found if not is_list(s)]
    # advice that goes on in the next sentence goes with it ("Stop met … . En zorg dat je aan tafel zit …")
    sentences += [s for s in advice if not is_list(s) and any(_goes_on(x, s, runs) for x in sentences)]
    return advised(sorted(set(sentences), key=lambda s: s.start) or found, policy)


def _goes_on(first: Sentence, then: Sentence, runs: list[Chunk]) -> bool:
    """`then` follows `first` in the same paragraph of the same run, with nothing but spaces between them."""
    for run in runs:
        if run.start <= first.start and then.end <= run.end and then.start >= first.end:
            gap = run.text[first.end - run.start : then.start - run.start]
            return not gap.strip() and "\n" not in gap
    return False
