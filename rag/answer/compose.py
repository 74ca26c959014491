"""Composition: quotes in context, grouped by author (or article), numbered citations in reading order."""

from __future__ import annotations

import re
from dataclasses import replace

from ..render import MARKER, quoted_title
from ..sentences import CLOSING_MARKS, OPENING_MARKS, Sentence, is_question, split_sentences
from ..types import Answer, Citation
from .candidates import BULLET_MARKS, reports_a_view
from .scores import Scored

TEXTS = {
    "en": {
        "abstain": "I could not find an answer to this question in the articles. The closest passages are "
        "listed as related; they may not answer it.",
        "perspectives": "{n} sources give their view on this:",
        "sources": "{n} sources speak to this:",
        "writes": "{who} writes:",
        "article": "The article {title} says:",
        "hedge": "The articles touch on this only loosely; the quotes below may not fully answer the question.",
        "dropped": "{n} generated sentence(s) were removed because the cited passages do not support them.",
        "llm_unsupported": "The language model gave no answer supported by the passages; showing the quotes instead.",
        "llm_failed": "The language model failed ({error}); showing the quotes instead.",
        "hello": "Hello! Ask me a question about customer experience and I will answer with quotes from the articles, "
        "for example: “Should we have a separate CX strategy?”",
        "thanks": "You're welcome. Ask another question whenever you like.",
        "rest_abstain": "I could not find an answer to the rest of the question in the articles.",
    },
    "nl": {
        "abstain": "Ik heb in de artikelen geen antwoord op deze vraag gevonden. De passages die er het dichtst "
        "bij komen staan hieronder als gerelateerd; ze beantwoorden de vraag mogelijk niet.",
        "perspectives": "{n} bronnen geven hun visie hierop:",
        "sources": "{n} bronnen gaan hierop in:",
        "writes": "{who} schrijft:",
        "article": "Het artikel {title} stelt:",
        "hedge": "De artikelen raken hier maar zijdelings aan; de citaten hieronder beantwoorden de vraag "
        "mogelijk niet volledig.",
        "dropped": "{n} gegenereerde zin(nen) zijn weggelaten omdat de geciteerde passages ze niet onderbouwen.",
        "llm_unsupported": "Het taalmodel gaf geen antwoord dat de passages onderbouwen; hieronder de citaten.",
        "llm_failed": "Het taalmodel faalde ({error}); hieronder de citaten.",
        "hello": "Hallo! Stel me een vraag over klantbeleving; ik antwoord met citaten uit de artikelen, bijvoorbeeld: "
        "“Moeten we een aparte CX-strategie hebben?”",
        "thanks": "Graag gedaan. Stel gerust nog een vraag.",
        "rest_abstain": "Op de rest van de vraag heb ik in de artikelen geen antwoord gevonden.",
    },
}


# A sentence that opens like this leans on the one before it ("De grootste misvatting? Dat CX een eigen strategie
# nodig heeft ..."): quoted alone it can say the opposite of what its author means.
DEPENDENT_OPENERS = re.compile(
    r"^(dat|terwijl|waardoor|zodat|omdat|want|en|of|wat|die|daarom|daardoor|tenzij|niet omdat|that|which|whereas|"
    r"because|and|or|unless|not because)\b",
    re.IGNORECASE,
)
# A sentence that opens like this qualifies the one before it ("CX moet geen aparte strategie zijn. Tenzij je die even
# nodig hebt ..."): that one quoted alone states more than its author does.
QUALIFIER = re.compile(r"^(tenzij|behalve|mits|unless|except|provided)\b", re.IGNORECASE)
# A sentence that opens like this, or says "namelijk"/"immers" early on, gives the reason for the one before it ("CX
# heeft minder last van deze erosie. CX draait namelijk om het moment en de verbinding."): that one quoted alone
# states a claim without the reason its author gives, in the same paragraph, for it.
EXPLAINS = re.compile(r"^(want|immers|because)\b|^\W*(\w+\s+){1,3}(namelijk|immers)\b", re.IGNORECASE)
# A sentence with one of these among its first words points back at the one before it ("Want die strategie ís je
# kompas. CX hoort daarin ingebakken te zitten, niet ernaast geplakt."; "In zulke gevallen helpt een aparte
# CX-strategie ..."; "Het HOE daarentegen. Dáár wordt het verschil gemaakt ..."): quoted alone, what it speaks of is
# missing.
POINTS_BACK = re.compile(
    r"^\W*(\w+\s+){0,3}(daar|hier)(in|mee|van|bij|op|voor|over|uit|aan|binnen|tegen)\b|^\W*(daar|dáár|hier)\b|"
    r"^\W*in (zulke|zo'n|dat|die|deze|dit soort) (gevallen|geval|situaties|situatie)\b|^\W*in (such|that|those) cases?\b",
    re.IGNORECASE,
)
SHORT_QUESTION_WORDS = 8
TITLE_CHARS = 80  # an article's title in the answer's lead ("The article “…” says:")


# A list item's line opens with a bullet or a number followed by a space ("1. ", "2) "; not "3.000 klanten").
LIST_ITEM = re.compile(rf"[ \t]*([{BULLET_MARKS}]|\d+[.)](?=\s))")


def in_list_item(s: Sentence) -> bool:
    """The sentence's line opens a list item (the sentence may be its second or third)."""
    text, offset = s.chunk.text, s.start - s.chunk.start
    return bool(LIST_ITEM.match(text, text.rfind("\n", 0, offset) + 1))


def in_context(sentence: Sentence, max_back: int = 2) -> Sentence:
    """The sentence widened to a quote that keeps its meaning (verbatim, one span): a question, a view the writer
    reports, or a statement the next sentence qualifies ("Tenzij ..."), with the sentence after it; a sentence that
    answers a short question, or leans on the one before it, with that one; a list item whole (up to `max_back`
    sentences either side of the sentence), since an item is one thought."""
    sentences = split_sentences(sentence.chunk)
    i = next((j for j, s in enumerate(sentences) if s.start == sentence.start), None)
    if i is not None and sentences[i].end < sentence.end:  # a short question with its answer (`with_questions`):
        # widened from the answer, which takes the question with it
        i = next((j for j, s in enumerate(sentences) if s.end == sentence.end), i)
    if i is None:
        return sentence
    first = last = i
    chunk_text, offset = sentence.chunk.text, sentence.chunk.start

    def same_line(a: int, b: int) -> bool:  # nothing but spaces between sentences a and b: one paragraph or item
        return "\n" not in chunk_text[sentences[a].end - offset : sentences[b].start - offset]

    if i + 1 < len(sentences) and (
        is_question(sentences[i].text) or reports_a_view(sentences[i].text) or QUALIFIER.match(sentences[i + 1].text)
    ):
        # a question answered in the next paragraph stays answered there; a list item never runs into the next
        if same_line(i, i + 1) or not in_list_item(sentences[i]):
            last = i + 1
    elif i + 1 < len(sentences) and EXPLAINS.match(sentences[i + 1].text) and same_line(i, i + 1):
        last = i + 1  # the reason given next, in the same paragraph
    # "De “customer minute” in meetings – Start elke vergadering met een klantverhaal. Geen cijfers, maar een échte
    # ervaring. Zo wordt de klant vanzelf een prioriteit.": without its last two sentences the habit has no point.
    while in_list_item(sentences[i]) and last + 1 < len(sentences) and last - i < max_back:
        if not same_line(last, last + 1) or not same_line(i, last):
            break  # the item ends with its line
        last += 1
    while first > 0 and i - first < max_back:
        previous, current = sentences[first - 1], sentences[first]
        if "\n" in sentence.chunk.text[previous.end - sentence.chunk.start : current.start - sentence.chunk.start]:
            break  # a new paragraph starts its own thought
        short_question = is_question(previous.text) and len(previous.text.split()) <= SHORT_QUESTION_WORDS
        # A list item is one thought: "✅ Mini-stages bij klantenservice – Iedereen ... luistert mee. De snelste
        # manier om te begrijpen wat klanten écht ervaren." The second sentence alone names nothing.
        leans = DEPENDENT_OPENERS.match(current.text) or POINTS_BACK.match(current.text)
        if not (short_question or in_list_item(current) or leans):
            break
        first -= 1
    if "\n" in sentence.text:  # a lead-in with its list: quoted as it is (`listed`)
        return sentence
    if first == last == i:
        return sentence
    start, end = sentences[first].start, sentences[last].end
    return Sentence(
        sentence.chunk, start, end, sentence.chunk.text[start - sentence.chunk.start : end - sentence.chunk.start]
    )


APOSTROPHE = re.compile(r"(?<=\w)['’](?=\w)")


def unwrapped(quote: Sentence) -> Sentence:
    """The quote without the quotation marks around all of it (a pull quote: ‘“There can only be one strategy.”),
    so that the answer's own marks do not stack on them; still one verbatim span (the answer shows it as a
    quotation: “‘There can only be one strategy.’”). A quote that opens a quotation and goes on after it (“Culture
    eats strategy for breakfast” – en als CX’er ...) keeps its marks."""
    text = quote.text
    head = len(text) - len(text.lstrip(OPENING_MARKS))
    tail = len(text) - len(text.rstrip(CLOSING_MARKS))
    if not head or not tail or head + tail >= len(text):
        return quote
    inner = text[head : len(text) - tail]
    # Marks inside (an apostrophe between letters aside: "CX’er", "KPI's"): the outer ones may belong to a shorter
    # quotation ('Klantgericht' is een modewoord, zeggen ze: 'het betekent niets.').
    if any(mark in APOSTROPHE.sub("", inner) for mark in OPENING_MARKS + CLOSING_MARKS):
        return quote
    return Sentence(quote.chunk, quote.start + head, quote.end - tail, inner)


def _merged(quotes: list[Sentence]) -> list[Sentence]:
    """Quotes in reading order, overlapping ones of the same chunk joined into one (still one verbatim span)."""
    out: list[Sentence] = []
    for q in sorted(quotes, key=lambda q: (q.chunk.doc, q.start)):
        last = out[-1] if out else None
        if last and last.chunk.id == q.chunk.id and q.start < last.end:
            if q.end > last.end:
                c = q.chunk
                out[-1] = Sentence(c, last.start, q.end, c.text[last.start - c.start : q.end - c.start])
            continue
        if last and last.chunk.doc == q.chunk.doc and q.start < last.end:
            continue  # overlaps through the chunk overlap: the earlier quote holds most of it
        out.append(q)
    return out


LEADING_MARK = re.compile(rf"[{BULLET_MARKS}][ \t]+")


def unmarked(s: Sentence) -> Sentence:
    """The quote without the list mark it opens with ("✅ Mini-stages …", "- Medewerkers …"): decoration, not words
    (and an emoji shows as an empty box where no emoji font is installed)."""
    m = LEADING_MARK.match(s.text)
    if not m or m.end() >= len(s.text):
        return s
    return Sentence(s.chunk, s.start + m.end(), s.end, s.text[m.end() :])


def source_of(sentence: Sentence) -> tuple[str | None, str]:
    """Who a quote is from, as the answer groups it: the writer (and where they wrote it), or an unsigned article."""
    return sentence.chunk.author, sentence.chunk.title


def compose(chosen: list[Scored], lang: str, views: bool = False) -> tuple[str, tuple[Citation, ...]]:
    """Group by author (or article), quote verbatim, number citations in reading order. `views`: the question asked
    for positions, so several sources are introduced as perspectives; otherwise they are sources that speak to it
    (two articles quoted on a plain question hold no positions on it)."""
    t = TEXTS[lang]
    groups: dict[tuple[str | None, str], list[Scored]] = {}
    for c in chosen:  # insertion order = order of each group's best sentence
        groups.setdefault(source_of(c.sentence), []).append(c)
    citations: list[Citation] = []
    lines = []
    if len(groups) > 1:
        lines.append(t["perspectives" if views else "sources"].format(n=len(groups)))
    for (author, title), items in groups.items():
        quotes = []
        for whole in _merged([in_context(c.sentence) for c in items]):
            bare = unmarked(whole)  # the list mark first: "✅ “…”" is a quotation too
            s = unwrapped(bare)
            if any(x.doc == s.chunk.doc and x.start < s.end and s.start < x.end for x in citations):
                continue  # already quoted for another author or article
            n = len(citations) + 1
            citations.append(s.citation(n))
            # a list keeps its items on lines of their own ("… manieren om dat te doen:\n✅ De “customer minute” …")
            shown = "\n".join(" ".join(line.split()) for line in s.text.split("\n") if line.strip())
            if s is not bare:  # the writer quotes someone: say so, or the line reads as the writer's own
                shown = f"‘{shown}’"
            quotes.append(f"“{shown}” [{n}]")
        if quotes:
            # An unsigned article is named by its title, cut after a whole word when it is a long sentence (the
            # sources list it whole).
            lead = (
                t["writes"].format(who=author)
                if author
                else t["article"].format(title=quoted_title(title, TITLE_CHARS))
            )
            lines.append(f"{lead} {' '.join(quotes)}")
    return "\n\n".join(lines), tuple(citations)


def joined(
    question: str, first: Answer, then: Answer, latency_ms: float, new: bool = False, again: bool = False
) -> Answer:
    """Two answers to a question in two parts ("Who wrote the cX-Factor column and what is his main point?") as one:
    the second's citations numbered after the first's (a quote both cite keeps its first number), its related passages
    after the first's. What the second part could not answer is said in a line, not quoted loosely; a second answer
    that quotes only what the first did ("Who wrote about Porter and what did he say?") is not given again: the first
    shows the quote; but when the second part asked about something `new` of its own, that is unanswered. A second
    question of its own (`again`: "… and who is Rien Brus?") is given whatever it cites: what it says is new."""
    if then.abstained:
        rest = TEXTS[first.lang]["rest_abstain"]
        return replace(first, question=question, answer=f"{first.answer}\n\n{rest}", latency_ms=latency_ms)
    numbers = renumbering(first, then)
    extra = tuple(replace(c, n=numbers[c.n]) for c in then.citations if numbers[c.n] > len(first.citations))
    if not extra and new and not again:
        return joined(question, first, replace(then, abstained=True), latency_ms)
    if not extra and not again:
        return replace(first, question=question, latency_ms=latency_ms)
    seen = {p.chunk.id for p in first.passages}
    return replace(
        then,
        question=question,
        answer=f"{first.answer}\n\n{renumbered(then.answer, numbers)}",
        citations=first.citations + extra,
        passages=first.passages + tuple(p for p in then.passages if p.chunk.id not in seen),
        latency_ms=latency_ms,
        lang=first.lang,
        about=first.about,
    )


def renumbering(first: Answer, then: Answer) -> dict[int, int]:
    """The second answer's citation numbers as they read after the first's (a quote the first cites keeps its
    number)."""
    same = {(c.doc, c.start, c.end): c.n for c in first.citations}
    numbers, n = {}, len(first.citations)
    for c in then.citations:
        if (c.doc, c.start, c.end) in same:
            numbers[c.n] = same[c.doc, c.start, c.end]
        else:
            n += 1
            numbers[c.n] = n
    return numbers


def renumbered(text: str, numbers: dict[int, int]) -> str:
    """`text` with its citation markers renumbered (a marker not in `numbers` is left as it is)."""
    return MARKER.sub(lambda m: f"[{numbers.get(int(m.group(1)), int(m.group(1)))}]", text)
