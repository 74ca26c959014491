"""Selection: which scored sentences to quote. Relevance decides; one right quote beats five.

A sentence is quoted only when it clears an absolute floor (calibrated on the dev sets) and comes close to the
best sentence (`margin`). Views are sought only when the question asks for them ("do the authors agree ...", or
"should we ..." where the writers debate the point: `debated`), and even then only among sentences that clear the
floor; when the best of them is in a correspondence, its letters are the positions. Articles without a named author
count as one source each, like a letter.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..sentences import Sentence, is_question, jaccard, repeats, split_sentences
from ..types import Passage
from .candidates import MIN_WORDS, has_money, is_list, reports_a_view, takes_a_stance
from .compose import in_context, in_list_item, source_of
from .query import Ask
from .scores import Scored

# How far below a writer's most central statement one that says where they stand is still their main position.
STANCE_MARGIN = 0.05
SAME_STATEMENT = 0.85  # cosine above which two of a writer's statements say the same thing
PRICE_NEAR = 2  # sentences from a quote that a price for it may stand (`priced`)


@dataclass(frozen=True)
class Policy:
    """The knobs of selection, calibrated on the dev sets (see README)."""

    floor: float = 0.23  # absolute: below this a sentence does not answer (calibrated per embedder: gate.floor)
    margin: float = 0.02  # a quote must score within this of the best sentence (scores are flat: keep it tight)
    same_source_margin: float = 0.08  # ... or within this, when it comes from a source already quoted
    other_source_lift: float = 0.03  # another source must also clear the floor by this much (its own evidence)
    views_margin: float = 0.15  # how far below the best another source's best may be, when positions are asked for
    max_quotes: int = 5
    per_passage: int = 2
    duplicate: float = 0.6  # token Jaccard above which two sentences say the same


def _given(c: Scored, exclude: frozenset[tuple[str, int, int]]) -> bool:
    """The sentence, as it would be shown (widened to its context), overlaps a quote already given: "Dat klinkt
    misschien vreemd ..." is shown with the sentence before it."""
    if not exclude:
        return False
    s = in_context(c.sentence)
    return any(doc == s.chunk.doc and start < s.end and s.start < end for doc, start, end in exclude)


def _unanswered(c: Scored) -> bool:
    """A question that its quote leaves open: shown in context (`in_context` adds the sentence after a question) it
    still ends on a question, and it opens with no statement ("Het moet aansluiten op het grotere plaatje: wie …?"
    states something). Such a quote restates what was asked and answers nothing."""
    if not (is_question(c.sentence.text) or reports_a_view(c.sentence.text)):
        return False  # only a question or a reported view is widened forward: its quote ends where it does
    text = in_context(c.sentence).text
    if not is_question(text):
        return False
    lead, colon, _ = text.partition(":")
    return not (colon and len(lead.split()) >= MIN_WORDS and "?" not in lead)


def _within_list(a: Sentence, b: Sentence) -> bool:
    """One is a list with its lead-in (`listed`) and the other lies inside it: the list says it already."""
    return (is_list(a) or is_list(b)) and a.chunk.doc == b.chunk.doc and a.start < b.end and b.start < a.end


def _fits(c: Scored, chosen: list[Scored], policy: Policy) -> bool:
    same_passage = sum(x.sentence.chunk.id == c.sentence.chunk.id for x in chosen)
    dup = any(
        (x.sentence.chunk.doc, x.sentence.start) == (c.sentence.chunk.doc, c.sentence.start)
        or jaccard(x.sentence.text, c.sentence.text) > policy.duplicate
        or repeats(x.sentence.text, c.sentence.text)
        or _within_list(x.sentence, c.sentence)
        for x in chosen
    )
    return same_passage < policy.per_passage and not dup


def _debate(pool: list[Scored], floor: float | None = None) -> str | None:
    """The document of the best evidence when several writers have their say in it (a correspondence), counting
    only sentences that clear `floor` when one is given; else None."""
    if not pool:
        return None
    doc = pool[0].sentence.chunk.doc
    speakers = {
        c.sentence.chunk.author
        for c in pool
        if c.sentence.chunk.doc == doc and c.sentence.chunk.author and (floor is None or c.score >= floor)
    }
    return doc if len(speakers) > 1 else None


def debated(scored: list[Scored], floor: float) -> bool:
    """The writers debate the point: the best quotable evidence is in a document in which several writers have their
    say (a correspondence), and at least two of them wrote a sentence that clears the floor."""
    return _debate([c for c in scored if not _unanswered(c)], floor) is not None


def select(
    scored: list[Scored], ask: Ask, policy: Policy, exclude: frozenset[tuple[str, int, int]] = frozenset()
) -> list[Scored]:
    """The quotes for the answer, best first. `exclude` holds (doc, start, end) of quotes already given: a sentence
    that overlaps one is not quoted again."""
    pool = [s for s in scored if not _given(s, exclude) and not _unanswered(s)]
    if not pool:
        return []  # nothing found, or everything was given already: nothing to quote (the answer abstains)
    best = pool[0].score
    chosen: list[Scored] = []
    if ask.intent == "views":  # the best sentence of each source that is close enough, best sources first
        named = len(ask.query.authors) > 1  # each person the question names gets their say
        # The unsigned part of a correspondence is its editorial introduction: it frames the debate, it takes no side.
        signed = {c.sentence.chunk.doc for c in pool if c.sentence.chunk.author}
        debate = _debate(pool)  # the best evidence is in a debate (a correspondence): its letters are the positions
        seen = set()
        for c in pool:
            close = c.score >= policy.floor and (named or c.score >= best - policy.views_margin)
            intro = not c.sentence.chunk.author and c.sentence.chunk.doc in signed
            outside = debate is not None and c.sentence.chunk.doc != debate
            if c.unit in seen or not close or intro or outside:
                continue
            if _fits(c, chosen, policy):  # else the source's next sentence may: one that repeats another's is no say
                seen.add(c.unit)
                chosen.append(c)
    views = bool(chosen)  # the sources were chosen above: add only more of them
    for c in pool:
        if len(chosen) >= policy.max_quotes or c.score < max(policy.floor, best - policy.same_source_margin):
            break
        # More of a source already quoted costs no precision; another source must come close to the best.
        known = any(x.unit == c.unit for x in chosen)
        other = not views and c.score >= best - policy.margin and c.score >= policy.floor + policy.other_source_lift
        if (known or not chosen or other) and c not in chosen and _fits(c, chosen, policy):
            chosen.append(c)
    return chosen[: policy.max_quotes] or pool[:1]


def main_position(passages: list[Passage], per_passage: dict, policy: Policy, quotes: int = 2) -> list[Scored]:
    """A writer's main position when only their name is asked: the statements closest to the centre of what they
    wrote (the mean of their sentence vectors), two at most (`_position`). Several writers named at once ("do the
    letter writers agree?") each get their own: the statement closest to the centre of their own text, in the order
    their passages were retrieved."""
    by_writer: dict[str, list] = {}
    for p in passages:
        for s, v in zip(*per_passage[p.chunk.id]):
            if not is_question(s.text) and not reports_a_view(s.text) and not is_list(s):  # their own statement
                # One writer, however many articles: the centre of all they wrote (an unsigned article on its own).
                by_writer.setdefault(s.chunk.author or s.chunk.doc, []).append((s, v, p.rank))
    each = quotes if len(by_writer) == 1 else 1
    chosen: list[Scored] = []
    for items in by_writer.values():
        chosen += _position(items, each, chosen, policy)
    return chosen[: policy.max_quotes]


ADVICE_QUOTES = 3  # pieces of advice quoted at most (a list counts as one)


def advised(advice: list[Sentence], policy: Policy) -> list[Scored]:
    """What one source advises, when asked with nothing else to go on ("What does the Ivory Tower article
    recommend?", "What is Rien's advice?"): of its `advice` (`candidates.advice_in`), its lists first ("Twee concrete
    oplossingen om rugwind te creëren: - …"), then its sentences that tell the reader what to do ("Stop met …", "En
    zorg dat …"), each in the order written, a sentence inside a list quoted with it."""
    order = sorted(advice, key=lambda s: (not is_list(s), s.start))
    # one source's whole text is one span: as many of its quotes as advice may have, but not one that a quote
    # chosen shows already (a quote is widened to its whole list item, `in_context`)
    policy = replace(policy, per_passage=max(policy.per_passage, ADVICE_QUOTES))
    chosen: list[Scored] = []
    shown: list[Sentence] = []

    def shown_already(span: Sentence) -> bool:
        return any(x.start <= span.start and span.end <= x.end for x in shown)

    for s in order:
        if len(chosen) >= min(ADVICE_QUOTES, policy.max_quotes):
            break
        if shown_already(s):  # inside a quote chosen already: widening it would show nothing new
            continue
        c, whole = Scored(s, 1.0, 1.0, 0), in_context(s)
        if not shown_already(whole) and _fits(c, chosen, policy):
            chosen.append(c)
            shown.append(whole)
    return chosen


def _position(items: list, each: int, taken: list[Scored], policy: Policy) -> list[Scored]:
    """One writer's `each` statements closest to the centre of their (sentence, vector, passage rank) `items`; near
    the centre, one that says where they stand comes first ("Ik ben het eens met de stelling ..." rather than the
    situation they describe, "De strategie opgesteld door directie, de CX-strategie door het CX-team."), and a
    statement that says the same as one chosen ("Er zou géén aparte CX-strategie moeten zijn." after "CX moet geen
    aparte strategie zijn.", cosine 0.90) adds nothing."""
    vectors = np.array([v for _, v, _ in items], dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    centre = vectors.mean(axis=0)
    centre /= max(float(np.linalg.norm(centre)), 1e-12)
    closeness = vectors @ centre
    order = sorted(range(len(items)), key=lambda i: (-closeness[i], items[i][2], items[i][0].start))
    near = closeness[order[0]] - STANCE_MARGIN
    order.sort(key=lambda i: not (closeness[i] >= near and takes_a_stance(items[i][0].text)))
    # an item of a list is one example among several ("In interne meetings praten over processen, …, maar nooit over
    # klanten."), not what the piece holds: statements come first
    order.sort(key=lambda i: in_list_item(items[i][0]))
    scored = [Scored(s, float(c), float(c), rank) for (s, _, rank), c in zip(items, closeness)]
    own: list[int] = []
    for i in order:
        same = any(float(vectors[i] @ vectors[j]) > SAME_STATEMENT for j in own)
        if not same and _fits(scored[i], taken + [scored[j] for j in own], policy):
            own.append(i)
        if len(own) >= each:
            break
    return [scored[i] for i in own]


def priced(chosen: list[Scored], scored: list[Scored], near: int = PRICE_NEAR) -> list[Scored]:
    """For a question what something costs: the quotes, when one states an amount of money (as shown, with its
    context); else a candidate that states one within `near` sentences of a quote, before that quote (the price
    stands in a sentence of its own: "€11,99 per stuk was geen gekke prijs voor een klassieker." two sentences after
    "denk aan de tijd van de dvd"); else none, and the question is not answered. Not any price of a quoted article:
    one further away is the price of something else (the streaming subscription's beside the dvd's)."""
    if any(has_money(in_context(c.sentence).text) for c in chosen):
        return chosen
    money = {(c.sentence.chunk.id, c.sentence.start): c for c in scored if has_money(c.sentence.text)}
    kept: dict[tuple[str, int], Scored] = {}
    for quote in chosen:  # each quote with the price nearest to it ("what did a dvd cost, and a subscription?")
        starts = [s.start for s in split_sentences(quote.sentence.chunk)]
        if quote.sentence.start not in starts:
            continue
        i = starts.index(quote.sentence.start)
        nearby = sorted(range(max(0, i - near), min(len(starts), i + near + 1)), key=lambda j: (abs(j - i), j))
        price = next((money[key] for j in nearby if (key := (quote.sentence.chunk.id, starts[j])) in money), None)
        if price is not None:
            for c in (price, quote):
                kept.setdefault((c.sentence.chunk.id, c.sentence.start), c)
    return list(kept.values())


def quoted_first(passages: list[Passage], chosen: list[Scored]) -> list[Passage]:
    """`passages` with those the chosen quotes come from first, in the order the answer cites them (by source in the
    order of each source's best quote, then in reading order: `compose`), ranks renumbered. A bare name ("What does
    Wim say?") retrieves that writer's passages with nothing to rank them by: the passages of the position quoted
    are the ones to show first. Their scores stay the retrieval's."""
    sources: dict[tuple[str | None, str], int] = {}
    for c in chosen:
        sources.setdefault(source_of(c.sentence), len(sources))
    order: dict[str, int] = {}
    cited = sorted(chosen, key=lambda c: (sources[source_of(c.sentence)], c.sentence.chunk.doc, c.sentence.start))
    for c in cited:
        order.setdefault(c.sentence.chunk.id, len(order))
    ranked = sorted(passages, key=lambda p: (order.get(p.chunk.id, len(order)), p.rank))
    return [replace(p, rank=i) for i, p in enumerate(ranked, 1)]
