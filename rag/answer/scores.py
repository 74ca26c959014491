"""Scores: how well each candidate sentence answers the question (pure functions over vectors and words)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..sentences import Sentence, is_question, overlap
from ..types import Passage
from .candidates import is_list, takes_a_stance
from .query import Ask

LEXICAL_WEIGHT = 0.35  # share of the sentence score from word overlap, question in the corpus language
LEXICAL_WEIGHT_CROSS = 0.10  # ... and across languages, where shared words are mostly accidents (unless they are terms
# the dictionary does not translate: up to LEXICAL_WEIGHT as they make up more of the question, `lexical_weight`)
CONTEXT_WEIGHT = 0.2  # share of the sentence score from its passage's similarity to the question
QUESTION_PENALTY = 0.8  # a question restated in the text rarely answers it
REASON_BONUS = 1.1  # for "why?" follow-ups, sentences that give a reason
STANCE_BONUS = 1.1  # for a writer asked after in a conversation ("What does Wim say?"), where they stand
# A sentence much like several others among the retrieved ones says what they have in common (in this corpus: CX
# belongs inside the strategy), not what sets apart the passage that answers: it is near every question about the
# subject. Selection (its ranking, floor and margins) uses each sentence's score minus COMMON_PENALTY x the amount by
# which its mean cosine to its COMMON_NEIGHBOURS nearest candidates exceeds the candidates' average; the gate still
# judges the unadjusted score. Chosen on the dev side (README: common sentences).
COMMON_NEIGHBOURS = 2
COMMON_PENALTY = 0.8
LISTS_FOR = ("plain", "whether")  # the intents a lead-in with its list may answer ("What are the pitfalls?")
REASON = re.compile(
    r"\b(omdat|want|doordat|daardoor|daarom|waardoor|zodat|reden|oorzaak|juist daarom|dus|because|since|therefore|"
    r"so that|reason)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Scored:
    """A candidate sentence with its score against the question."""

    sentence: Sentence
    score: float  # what selection ranks by
    similarity: float  # cosine of sentence and question
    passage_rank: int
    unadjusted: float | None = None  # the score before `distinct` lowered it (None: not adjusted)

    @property
    def evidence(self) -> float:
        """How strongly the sentence answers, as the gate judges it: the score before any adjustment for ranking."""
        return self.score if self.unadjusted is None else self.unadjusted

    @property
    def unit(self) -> tuple[str, str | None]:
        """The source this sentence belongs to: its article, or its letter's author within a correspondence."""
        return (self.sentence.chunk.doc, self.sentence.chunk.author)


def sentence_score(similarity: float, lexical_share: float, context: float, words: int, lexical: float) -> float:
    """((1 - lexical) * cosine + lexical * term overlap), blended with the passage's own similarity
    (CONTEXT_WEIGHT), and damped for short fragments: * min(1, 0.75 + 0.25 * words / 12)."""
    score = (1 - lexical) * similarity + lexical * lexical_share
    score = (1 - CONTEXT_WEIGHT) * score + CONTEXT_WEIGHT * context
    return score * min(1.0, 0.75 + 0.25 * words / 12)


def score(ask: Ask, passages: list[Passage], per_passage: dict, corpus_lang: str) -> list[Scored]:
    """Every candidate of every passage scored against the question, best first (ties in reading order); unless the
    question asks for positions, sentences common among the candidates are ranked lower (`distinct`)."""
    lexical = lexical_weight(ask, corpus_lang)
    scored = []
    # "What does Wim say?" after "Should we have a separate CX strategy?": his statements of where he stands on it
    # ("Dat hangt af van hoe volwassen je organisatie is.") before what he describes.
    views_of_named = bool(ask.query.authors) and ask.query.follows and ask.intent == "plain"
    for p in passages:
        sentences, vectors = per_passage[p.chunk.id]
        if not sentences:
            continue
        sims = vectors @ ask.vector
        context = p.dense if p.dense is not None else float(np.max(sims))
        for s, sim in zip(sentences, sims):
            if is_list(s) and ask.intent not in LISTS_FOR:
                continue  # a list is no one's position, and no reason
            value = sentence_score(
                float(sim), overlap(ask.concepts, s.text, ask.weights), context, len(s.text.split()), lexical
            )
            if is_question(s.text):
                value *= QUESTION_PENALTY
            if ask.intent == "reasons" and REASON.search(s.text):
                value *= REASON_BONUS
            if views_of_named and takes_a_stance(s.text):
                value *= STANCE_BONUS
            scored.append(Scored(s, value, float(sim), p.rank))
    if ask.intent == "views":  # positions on one question resemble each other by design: there, that is the answer
        return sorted(scored, key=lambda x: (-x.score, x.passage_rank, x.sentence.start))
    return distinct(scored, per_passage)


def lexical_weight(ask: Ask, corpus_lang: str) -> float:
    """The word overlap's share of the sentence score: LEXICAL_WEIGHT in the corpus language; across languages
    LEXICAL_WEIGHT_CROSS, raised towards LEXICAL_WEIGHT by the share of the question's words that are terms it shares
    with the corpus (`Ask.terms`: "What is chefsache?" is all term, and its one quote states it)."""
    if ask.lang == corpus_lang:
        return LEXICAL_WEIGHT
    return LEXICAL_WEIGHT_CROSS + (LEXICAL_WEIGHT - LEXICAL_WEIGHT_CROSS) * ask.terms


def distinct(scored: list[Scored], per_passage: dict) -> list[Scored]:
    """`scored` re-ranked, best first, with the sentences that resemble many others among the candidates lowered:
    each by COMMON_PENALTY x how much closer it lies to its COMMON_NEIGHBOURS nearest candidates than the candidates
    do on average (never raised: a sentence unlike the rest, an anecdote, is not evidence for that). A sentence that
    overlapping passages repeat (same document, same place) counts once, so its copy is not its neighbour."""
    vectors: dict[tuple[str, int], np.ndarray] = {}
    for sentences, sentence_vectors in per_passage.values():
        for s, v in zip(sentences, sentence_vectors):
            vectors.setdefault((s.chunk.doc, s.start), v)
    if len(vectors) > COMMON_NEIGHBOURS:
        keys = list(vectors)
        matrix = np.stack([vectors[key] for key in keys])
        matrix = matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
        cosines = matrix @ matrix.T
        np.fill_diagonal(cosines, -np.inf)
        nearest = np.sort(cosines, axis=1)[:, -COMMON_NEIGHBOURS:].mean(axis=1)
        common = dict(zip(keys, np.maximum(nearest - nearest.mean(), 0.0).tolist()))
        scored = [
            Scored(
                x.sentence,
                x.score - COMMON_PENALTY * common.get((x.sentence.chunk.doc, x.sentence.start), 0.0),
                x.similarity,
                x.passage_rank,
                x.evidence,
            )
            for x in scored
        ]
    return sorted(scored, key=lambda x: (-x.score, x.passage_rank, x.sentence.start))
