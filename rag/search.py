"""Hybrid retrieval: keyword and dense search fused by reciprocal rank, run by the store's backend, then the
head of the fused list ordered by scores (`rescored`) and spread over documents (`diversified`) here, for both.

The files backend ranks keywords with BM25 over the tokens below (rag/stores/faiss_search.py); PostgreSQL
with its `dutch` full-text configuration (rag/stores/postgres.py). Both fuse with `rrf` and the same weights.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

import numpy as np

from .embedders import Embedder
from .settings import Settings
from .stopwords import STOPWORDS_DUTCH, STOPWORDS_EN
from .stores.base import Index, SearchRequest
from .types import Chunk, Passage

TOKEN_RE = re.compile(r"\w+", re.UNICODE)
# In the corpus language, the keyword retriever's best passages are always among those the answerer reads
# (`with_keyword_best`; 2 chosen on the dev side: 1 misses "chefsache" behind a passage that writes "bedoeld", 3 lowers
# realistic-test's citation precision)
KEYWORD_BEST = 2
DIVERSE_TOP = 3  # the first passages come from this many different documents where the corpus has them (tuned on dev)
STOPWORDS = frozenset(STOPWORDS_DUTCH) | frozenset(STOPWORDS_EN)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("dutch")


def tokenize(text: str) -> list[str]:
    """Lowercase word tokens without Dutch/English stop words, Dutch-stemmed (hyphenated words split)."""
    words = [w for w in TOKEN_RE.findall(text.lower()) if w not in STOPWORDS and (not w.isdigit() or len(w) == 4)]
    return _stemmer().stemWords(words)


def stem_words(words: list[str]) -> list[str | None]:
    """Each lower-case single word's stem as `tokenize` gives it (None for a stop word), stemmed in one call."""
    stems = _stemmer().stemWords(words)
    return [None if w in STOPWORDS else s for w, s in zip(words, stems)]


def rrf(ranked_lists: list[list[tuple[int, float]]], weights: list[float], k: int = 60) -> dict[int, float]:
    """Reciprocal rank fusion: score(d) = sum_i w_i / (k + rank_i(d)), ranks starting at 1."""
    fused: dict[int, float] = {}
    for ranked, weight in zip(ranked_lists, weights):
        for rank, (row, _) in enumerate(ranked, start=1):
            fused[row] = fused.get(row, 0.0) + weight / (k + rank)
    return fused


def bm25_weight(query: str, settings: Settings) -> float:
    """BM25's weight in fusion: full in the corpus language, `bm25_weight_cross` for other languages."""
    return settings.bm25_weight if same_language(query, settings) else settings.bm25_weight_cross


def search(
    index: Index,
    embedder: Embedder | None,
    query: str,
    settings: Settings,
    k: int | None = None,
    query_vector: np.ndarray | None = None,
    authors: tuple[str, ...] = (),
    keywords: str | None = None,
) -> list[Passage]:
    """Rank passages for `query`; `authors` restricts to passages written by them (follow-ups about a person);
    `keywords` is what the keyword retriever reads instead of `query` (an English question's Dutch words)."""
    k = k or settings.top_k
    # At least the default number of passages are ranked, so that the head of the list does not depend on k:
    # `rag search -k 3` gives the first three of what the answerer reads.
    window = max(k, settings.top_k)
    vector = None
    if settings.use_dense and embedder is not None:
        vector = query_vector if query_vector is not None else embedder.encode_queries([query])[0]
    request = SearchRequest(
        text=keywords or query,
        vector=vector,
        k=window,
        pool=max(settings.retrieve_k, window),
        bm25_weight=bm25_weight(query, settings),
        use_bm25=settings.use_bm25,
        rrf_k=settings.rrf_k,
        authors=authors,
    )
    weight = request.bm25_weight if request.use_bm25 else 0.0
    if request.use_bm25 and weight > 0 and same_language(query, settings):
        fused = with_keyword_best(index.search(replace(request, k=request.pool)), window)
    else:
        fused = index.search(request)
    return diversified(rescored(fused, weight, settings.rescore_top, settings.top_k))[:k]


def same_language(query: str, settings: Settings) -> bool:
    """The question is in the corpus language: the keyword retriever reads its own words, not translations."""
    from .sentences import guess_language

    return guess_language(query) == settings.corpus_lang


def with_keyword_best(passages: list[Passage], window: int, best: int = KEYWORD_BEST) -> list[Passage]:
    """The first `window` passages of the fused list, with the keyword retriever's `best` passages of the fused pool
    among them: those fusion ranked lower take the places of the last others (the keyword retriever's own stay where
    they are). Rank fusion rewards a passage both retrievers rank well; one that only the keyword retriever finds, by a
    rare word the question writes ("wat wordt bedoeld met cx als chefsache": one passage says "chefsache", and the
    embedder does not rank it), fell out of the passages the answerer reads. The first places stay fusion's."""
    head = passages[:window]
    if len(passages) <= window or best < 1:
        return head
    keyword = sorted((p for p in passages if p.bm25 is not None), key=lambda p: -p.bm25)[:best]
    missing = [p for p in keyword if not any(h is p for h in head)][: max(window - 1, 0)]
    if not missing:
        return head
    dropped: list[Passage] = []
    for p in reversed(head):
        if len(dropped) == len(missing):
            break
        if not any(p is k for k in keyword):
            dropped.append(p)
    kept = [p for p in head if not any(p is d for d in dropped)]
    return _renumbered(head, kept + missing)


def _scaled(values: list[float | None]) -> list[float]:
    """Min-max scaled to [0, 1] over the list; a missing value (not in that retriever's pool) is 0. When the present
    values are all equal (one keyword match, say) they say only that they are there: 1."""
    present = [v for v in values if v is not None]
    lo, hi = (min(present), max(present)) if present else (0.0, 0.0)
    return [0.0 if v is None else 1.0 if hi <= lo else (v - lo) / (hi - lo) for v in values]


def rescored(passages: list[Passage], bm25_weight: float, top: int, over: int) -> list[Passage]:
    """The first `top` passages of the fused list re-ordered by their scores; the rest keep their ranks.

    Reciprocal rank fusion keeps only ranks: it is good at finding candidates (a passage both retrievers rank
    moderately well gets in), but it cannot tell a passage that matches strongly from one that merely ranks first
    in a flat list. Among the top candidates the scores decide: the dense cosine plus `bm25_weight` times the BM25
    score, each min-max scaled over the first `over` passages (a fixed window, so the order does not depend on
    how many passages were asked for). `bm25_weight` is the one the question's language gets in fusion (full in
    the corpus language, less across languages; 0 without BM25). The set of the first `top` stays fusion's, so
    hit@top is unchanged (README: Retrieval)."""
    if len(passages) < 2 or top < 2:
        return passages
    window = passages[:over]
    dense = _scaled([p.dense for p in window])
    keyword = _scaled([p.bm25 for p in window]) if bm25_weight > 0 else [0.0] * len(window)
    strength = [d + bm25_weight * b for d, b in zip(dense, keyword)]
    head = sorted(range(min(top, len(window))), key=lambda i: (-strength[i], i))
    return _renumbered(passages, [passages[i] for i in head] + passages[len(head) :])


def diversified(passages: list[Passage], top: int = DIVERSE_TOP) -> list[Passage]:
    """The first `top` passages from as many different documents as there are, the rest in their order, ranks
    renumbered. A long article (a correspondence of three letters) has many passages that all match its subject;
    without this they fill the top of the list and push out the one article that answers (README: Retrieval)."""
    head: list[Passage] = []
    tail: list[Passage] = []
    for p in passages:
        if len(head) < top and all(h.chunk.doc != p.chunk.doc for h in head):
            head.append(p)
        else:
            tail.append(p)
    return _renumbered(passages, head + tail)


def _renumbered(passages: list[Passage], ordered: list[Passage]) -> list[Passage]:
    """`ordered` (the same passages) ranked 1, 2, ... in its order; `passages` itself when the order did not change."""
    if all(a is b for a, b in zip(passages, ordered)):
        return passages
    return [replace(p, rank=i) for i, p in enumerate(ordered, start=1)]


def chunk_at(index: Index, chunk_id: str) -> Chunk | None:
    """Find a chunk by id (for the UI's citation viewer)."""
    return index.chunk(chunk_id)
