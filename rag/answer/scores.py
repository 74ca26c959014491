"""Scores: how well each candidate sentence answers the question (pure functions over vectors and words)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..sentences import Sentence, overlap
from ..types import Passage
from .query import Ask

LEXICAL_WEIGHT = 0.35  # share of the sentence score from word overlap, question in the corpus language
LEXICAL_WEIGHT_CROSS = 0.10  # ... and across languages, where shared words are mostly accidents
CONTEXT_WEIGHT = 0.2  # share of the sentence score from its passage's similarity to the question
QUESTION_PENALTY = 0.8  # a question restated in the text rarely answers it
REASON_BONUS = 1.1  # for "why?" follow-ups, sentences that give a reason
REASON = re.compile(
    r"\b(omdat|want|doordat|daardoor|daarom|waardoor|zodat|reden|oorzaak|juist daarom|dus|because|since|therefore|"
    r"so that|reason)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Scored:
    """A candidate sentence with its score against the question."""

    sentence: Sentence
    score: float
    similarity: float  # cosine of sentence and question
    passage_rank: int

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
    """Every candidate of every passage scored against the question, best first (ties in reading order)."""
    lexical = LEXICAL_WEIGHT if ask.lang == corpus_lang else LEXICAL_WEIGHT_CROSS
    scored = []
    for p in passages:
        sentences, vectors = per_passage[p.chunk.id]
        if not sentences:
            continue
        sims = vectors @ ask.vector
        context = p.dense if p.dense is not None else float(np.max(sims))
        for s, sim in zip(sentences, sims):
            value = sentence_score(float(sim), overlap(ask.concepts, s.text), context, len(s.text.split()), lexical)
            if s.text.endswith("?"):
                value *= QUESTION_PENALTY
            if ask.intent == "reasons" and REASON.search(s.text):
                value *= REASON_BONUS
            scored.append(Scored(s, value, float(sim), p.rank))
    return sorted(scored, key=lambda x: (-x.score, x.passage_rank, x.sentence.start))
