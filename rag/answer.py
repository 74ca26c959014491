"""Extractive, deterministic answers: pick the sentences that answer the question, attribute them, cite them.

Flow: question (+ history for follow-ups) -> hybrid retrieval -> candidate sentences of the top passages ->
score each against the question (cross-lingual embedding similarity + stemmed term overlap) -> abstain when
the best evidence is weak -> select with author diversity and near-duplicate removal -> compose by author.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass

import numpy as np

from .conversation import TOPIC_WEIGHT, Query, read_question
from .embedders import Embedder
from .parsing import PLACE_DATE_RE, SALUTATION_RE, SIGNOFF_RE
from .search import search, tokenize
from .sentences import Sentence, guess_language, jaccard, overlap, split_sentences
from .settings import Settings
from .store import Index
from .types import Answer, Citation, Passage

LEXICAL_WEIGHT = 0.35  # share of the sentence score from word overlap, question in the corpus language
LEXICAL_WEIGHT_CROSS = 0.10  # ... and across languages
CONTEXT_WEIGHT = 0.2  # share of the sentence score from its passage's similarity to the question
HEDGE_MARGIN = 0.03  # evidence this close above the abstention threshold is answered with a caveat
TEXTS = {
    "en": {
        "abstain": "I could not find an answer to this question in the articles. The closest passages are "
        "listed as related; they may not answer it.",
        "perspectives": "The sources take {n} perspectives on this:",
        "writes": "{who} writes:",
        "article": "The article “{title}” says:",
        "hedge": "The articles touch on this only loosely; the quotes below may not fully answer the question.",
        "dropped": "{n} generated sentence(s) were removed because the cited passages do not support them.",
        "llm_unsupported": "The language model gave no answer supported by the passages; showing the quotes instead.",
        "llm_failed": "The language model failed ({error}); showing the quotes instead.",
    },
    "nl": {
        "abstain": "Ik heb in de artikelen geen antwoord op deze vraag gevonden. De passages die er het dichtst "
        "bij komen staan hieronder als gerelateerd; ze beantwoorden de vraag mogelijk niet.",
        "perspectives": "De bronnen bekijken dit vanuit {n} perspectieven:",
        "writes": "{who} schrijft:",
        "article": "Het artikel “{title}” stelt:",
        "hedge": "De artikelen raken hier maar zijdelings aan; de citaten hieronder beantwoorden de vraag "
        "mogelijk niet volledig.",
        "dropped": "{n} gegenereerde zin(nen) zijn weggelaten omdat de geciteerde passages ze niet onderbouwen.",
        "llm_unsupported": "Het taalmodel gaf geen antwoord dat de passages onderbouwen; hieronder de citaten.",
        "llm_failed": "Het taalmodel faalde ({error}); hieronder de citaten.",
    },
}


@dataclass(frozen=True)
class Scored:
    """A candidate sentence with its score against the question."""

    sentence: Sentence
    score: float
    similarity: float
    passage_rank: int


def _is_candidate(s: Sentence) -> bool:
    """Skip letter furniture (place/date line, salutation, sign-off) and fragments."""
    text = s.text
    if len(text) < 25 or len(text.split()) < 5:
        return False
    return not (PLACE_DATE_RE.fullmatch(text) or SALUTATION_RE.match(text) or SIGNOFF_RE.match(text))


def sentence_vectors(
    index: Index, embedder: Embedder, passages: list[Passage]
) -> dict[str, tuple[list[Sentence], np.ndarray]]:
    """Sentences and their vectors per passage, cached on the loaded index."""
    cache = index.cache.setdefault("sentences", {})
    todo = [p.chunk for p in passages if p.chunk.id not in cache]
    if todo:
        split = {c.id: [s for s in split_sentences(c) if _is_candidate(s)] for c in todo}
        flat = [s.text for c in todo for s in split[c.id]]
        vectors = embedder.encode_documents(flat) if flat else np.zeros((0, embedder.dim), dtype=np.float32)
        pos = 0
        for c in todo:
            n = len(split[c.id])
            cache[c.id] = (split[c.id], vectors[pos : pos + n])
            pos += n
    return {p.chunk.id: cache[p.chunk.id] for p in passages}


def score_sentences(
    question: str, query_vector: np.ndarray, passages: list[Passage], per_passage: dict, lexical: float = 0.35
) -> list[Scored]:
    """Score = (1 - lexical) * cosine(question, sentence) + lexical * share of question terms in the sentence.

    `lexical` is lowered for questions in another language than the corpus, where shared words are accidents
    ("why CX?" in a Dutch text). Questions restated in the text count less: they rarely answer.
    """
    terms = set(tokenize(question))
    scored = []
    for p in passages:
        sentences, vectors = per_passage[p.chunk.id]
        if not sentences:
            continue
        sims = vectors @ query_vector
        context = p.dense if p.dense is not None else float(np.max(sims))
        for s, sim in zip(sentences, sims):
            score = (1 - lexical) * float(sim) + lexical * overlap(terms, s.text)
            # The passage's own similarity backs its sentences; short fragments carry little evidence.
            score = (1 - CONTEXT_WEIGHT) * score + CONTEXT_WEIGHT * context
            score *= min(1.0, 0.75 + 0.25 * len(s.text.split()) / 12)
            if s.text.endswith("?"):
                score *= 0.8  # a question restated in the text rarely answers it
            scored.append(Scored(s, score, float(sim), p.rank))
    return sorted(scored, key=lambda x: (-x.score, x.passage_rank, x.sentence.start))


def select(scored: list[Scored], max_sentences: int, relative: float = 0.75) -> list[Scored]:
    """Best sentences within `relative` of the best, one per author first, at most 2 per passage, no near-duplicates."""
    if not scored:
        return []
    floor = scored[0].score * relative
    pool = [s for s in scored if s.score >= floor]
    chosen: list[Scored] = []

    def fits(c: Scored) -> bool:
        same_passage = sum(x.sentence.chunk.id == c.sentence.chunk.id for x in chosen)
        dup = any(
            x.sentence.start == c.sentence.start or jaccard(x.sentence.text, c.sentence.text) > 0.6 for x in chosen
        )
        return same_passage < 2 and not dup

    seen_authors = set()
    for c in pool:  # first pass: the best sentence of each distinct author (diverse perspectives)
        author = c.sentence.chunk.author
        if author and author not in seen_authors and fits(c):
            chosen.append(c)
            seen_authors.add(author)
    for c in pool:
        if len(chosen) >= max_sentences:
            break
        if c not in chosen and fits(c):
            chosen.append(c)
    return chosen[: max(max_sentences, len(seen_authors))]


# A sentence that opens like this leans on the one before it ("De grootste misvatting? Dat CX een eigen strategie
# nodig heeft ..."): quoted alone it can say the opposite of what its author means.
DEPENDENT_OPENERS = re.compile(
    r"^(dat|terwijl|waardoor|zodat|omdat|want|en|of|wat|die|daarom|daardoor|that|which|whereas|because|and|or)\b",
    re.IGNORECASE,
)
SHORT_QUESTION_WORDS = 8


def in_context(sentence: Sentence, max_back: int = 2) -> Sentence:
    """The sentence widened to a quote that keeps its meaning: a question with the sentence answering it, a
    sentence that answers a short question or leans on the one before it with that sentence (verbatim, one span)."""
    sentences = split_sentences(sentence.chunk)
    i = next((j for j, s in enumerate(sentences) if s.start == sentence.start), None)
    if i is None:
        return sentence
    first = last = i
    if sentences[i].text.endswith("?") and i + 1 < len(sentences):
        last = i + 1
    while first > 0 and i - first < max_back:
        previous, current = sentences[first - 1], sentences[first]
        if "\n" in sentence.chunk.text[previous.end - sentence.chunk.start : current.start - sentence.chunk.start]:
            break  # a new paragraph starts its own thought
        short_question = previous.text.endswith("?") and len(previous.text.split()) <= SHORT_QUESTION_WORDS
        if not (short_question or DEPENDENT_OPENERS.match(current.text)):
            break
        first -= 1
    if first == last == i:
        return sentence
    start, end = sentences[first].start, sentences[last].end
    return Sentence(
        sentence.chunk, start, end, sentence.chunk.text[start - sentence.chunk.start : end - sentence.chunk.start]
    )


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


def compose(chosen: list[Scored], lang: str) -> tuple[str, tuple[Citation, ...]]:
    """Group by author (or article), quote verbatim, number citations in reading order."""
    t = TEXTS[lang]
    groups: dict[tuple[str | None, str], list[Scored]] = {}
    for c in chosen:  # insertion order = order of each group's best sentence
        chunk = c.sentence.chunk
        groups.setdefault((chunk.author, chunk.title), []).append(c)
    citations: list[Citation] = []
    lines = []
    if len(groups) > 1:
        lines.append(t["perspectives"].format(n=len(groups)))
    for (author, title), items in groups.items():
        quotes = []
        for s in _merged([in_context(c.sentence) for c in items]):
            if any(x.doc == s.chunk.doc and x.start < s.end and s.start < x.end for x in citations):
                continue  # already quoted for another author or article
            n = len(citations) + 1
            citations.append(
                Citation(n, s.chunk.doc, s.chunk.title, s.chunk.author, s.chunk.date, s.text, s.start, s.end)
            )
            quotes.append(f"“{' '.join(s.text.split())}” [{n}]")
        if quotes:
            lead = t["writes"].format(who=author) if author else t["article"].format(title=title)
            lines.append(f"{lead} {' '.join(quotes)}")
    return "\n\n".join(lines), tuple(citations)


def retrieve(
    index: Index, embedder: Embedder, query: Query, settings: Settings, k: int | None
) -> tuple[list[Passage], np.ndarray]:
    """Passages for a question read in its conversation, and the query vector they were ranked by."""
    vector = embedder.encode_queries([query.text])[0]
    if query.shifted and query.topic:  # the follow-up's own subject leads; the conversation's topic steers
        vector = (1 - TOPIC_WEIGHT) * vector + TOPIC_WEIGHT * embedder.encode_queries([query.topic])[0]
        vector = (vector / max(float(np.linalg.norm(vector)), 1e-12)).astype(np.float32)
    passages = search(index, embedder, query.text, settings, k=k, query_vector=vector, authors=query.authors)
    if query.authors and not passages:  # the named person wrote nothing that matches: search everything
        passages = search(index, embedder, query.text, settings, k=k, query_vector=vector)
    return passages, vector


def _generated(
    settings: Settings, query: Query, passages: list[Passage], lang: str, embedder: Embedder, done: Callable
) -> Generator[str | Answer, None, str | None]:
    """Stream the language model's answer and yield the checked Answer; else return why it fell back."""
    from . import llm

    try:
        checked = None
        for event in llm.generate(settings, query.question, passages, lang, embedder, topic=query.topic):
            if isinstance(event, str):
                yield event
            else:
                checked = event
    except llm.LLMError as exc:
        return TEXTS[lang]["llm_failed"].format(error=exc)
    if checked is None or not checked.citations:
        return TEXTS[lang]["llm_unsupported"]
    dropped = len(checked.unsupported)
    notice = TEXTS[lang]["dropped"].format(n=dropped) if dropped else None
    yield done(
        checked.text, checked.citations, False, mode="generative", unsupported=checked.unsupported, notice=notice
    )
    return None


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
    lang = guess_language(question)
    query = read_question(question, history or [], index)
    passages, vector = retrieve(index, embedder, query, settings, k)
    lexical = LEXICAL_WEIGHT if lang == settings.corpus_lang else LEXICAL_WEIGHT_CROSS
    scored = score_sentences(query.text, vector, passages, sentence_vectors(index, embedder, passages), lexical)
    strength = scored[0].score if scored else 0.0

    def done(text: str, citations: tuple[Citation, ...], abstained: bool, **extra) -> Answer:
        return Answer(
            question, text, abstained, citations, tuple(passages), (time.perf_counter() - t0) * 1000, lang, **extra
        )

    if strength < settings.abstain_threshold:
        yield done(TEXTS[lang]["abstain"], (), True)
        return
    notice = None
    if settings.llm_base_url:
        notice = yield from _generated(settings, query, passages, lang, embedder, done)
        if notice is None:
            return
    text, citations = compose(select(scored, settings.max_sentences), lang)
    if strength < settings.abstain_threshold + HEDGE_MARGIN:  # close to abstaining: say the quotes may miss
        text = f"{TEXTS[lang]['hedge']}\n\n{text}"
    paragraphs = text.split("\n\n")
    for i in range(1, len(paragraphs)):  # stream the answer paragraph by paragraph, like a generator would
        yield "\n\n".join(paragraphs[:i])
    yield done(text, citations, False, notice=notice)
