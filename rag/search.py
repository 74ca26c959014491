"""Hybrid retrieval: BM25 over Dutch-aware tokens plus dense FAISS search, fused by reciprocal rank."""

from __future__ import annotations

import logging
import re
from functools import lru_cache

import bm25s
import numpy as np
from bm25s.stopwords import STOPWORDS_DUTCH, STOPWORDS_EN

from .embedders import Embedder
from .settings import Settings
from .store import Index
from .types import Chunk, Passage

# bm25s sets its own logger to DEBUG when imported; hand the level back to whoever configures logging.
logging.getLogger("bm25s").setLevel(logging.NOTSET)

TOKEN_RE = re.compile(r"\w+", re.UNICODE)
STOPWORDS = frozenset(STOPWORDS_DUTCH) | frozenset(STOPWORDS_EN)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("dutch")


def tokenize(text: str) -> list[str]:
    """Lowercase word tokens without Dutch/English stop words, Dutch-stemmed (hyphenated words split)."""
    words = [w for w in TOKEN_RE.findall(text.lower()) if w not in STOPWORDS and (not w.isdigit() or len(w) == 4)]
    return _stemmer().stemWords(words)


def bm25_index(index: Index) -> bm25s.BM25:
    """The BM25 model over the index's chunks, built once per loaded index."""
    if "bm25" not in index.cache:
        model = bm25s.BM25()
        corpus = [tokenize(f"{c.title}\n{c.text}") or ["_"] for c in index.chunks]
        model.index(corpus, show_progress=False)
        index.cache["bm25"] = model
    return index.cache["bm25"]


def bm25_search(index: Index, query: str, k: int) -> list[tuple[int, float]]:
    """Top-k (row, score) by BM25; empty when no query term is in the vocabulary."""
    if not index.chunks:
        return []
    model = bm25_index(index)
    vocab = model.vocab_dict
    terms = [t for t in tokenize(query) if t in vocab]
    if not terms:
        return []
    scores = model.get_scores(terms)
    k = min(k, len(scores))
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [(int(i), float(scores[i])) for i in top if scores[i] > 0]


def dense_search(index: Index, query_vector: np.ndarray, k: int) -> list[tuple[int, float]]:
    """Top-k (row, cosine) from FAISS."""
    if index.faiss_index.ntotal == 0:
        return []
    scores, rows = index.faiss_index.search(
        query_vector.reshape(1, -1).astype(np.float32), min(k, index.faiss_index.ntotal)
    )
    return [(int(r), float(s)) for r, s in zip(rows[0], scores[0]) if r >= 0]


def rrf(ranked_lists: list[list[tuple[int, float]]], weights: list[float], k: int = 60) -> dict[int, float]:
    """Reciprocal rank fusion: score(d) = sum_i w_i / (k + rank_i(d)), ranks starting at 1."""
    fused: dict[int, float] = {}
    for ranked, weight in zip(ranked_lists, weights):
        for rank, (row, _) in enumerate(ranked, start=1):
            fused[row] = fused.get(row, 0.0) + weight / (k + rank)
    return fused


def bm25_weight(query: str, settings: Settings) -> float:
    """BM25's weight in fusion: full in the corpus language, `bm25_weight_cross` for other languages."""
    from .sentences import guess_language

    same = guess_language(query) == settings.corpus_lang
    return settings.bm25_weight if same else settings.bm25_weight_cross


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
    pool = max(settings.retrieve_k, k)
    if authors:  # widen the pool, then filter: cheap at this corpus size and exact for flat indexes
        pool = max(pool, min(len(index.chunks), pool * 10))
    dense: list[tuple[int, float]] = []
    if settings.use_dense and embedder is not None:
        if query_vector is None:
            query_vector = embedder.encode_queries([query])[0]
        dense = dense_search(index, query_vector, pool)
    lexical = bm25_search(index, keywords or query, pool) if settings.use_bm25 else []
    if dense and lexical and bm25_weight(query, settings) == 0:
        lexical = []  # keep the BM25 score off passages it did not help rank
    if authors:
        keep = {i for i, c in enumerate(index.chunks) if c.author in authors}
        dense = [d for d in dense if d[0] in keep]
        lexical = [b for b in lexical if b[0] in keep]
    fused = rrf([dense, lexical], [1.0, bm25_weight(query, settings) if dense else 1.0], settings.rrf_k)
    dense_by_row = dict(dense)
    bm25_by_row = dict(lexical)
    # Ties (same fused score) break on the dense score, then on position, so results are deterministic.
    order = sorted(fused, key=lambda r: (-fused[r], -dense_by_row.get(r, -1.0), r))[:k]
    if dense and query_vector is not None:
        missing = [r for r in order if r not in dense_by_row]
        dense_by_row.update(_cosines(index, query_vector, missing))
    return [
        Passage(rank, index.chunks[row], fused[row], dense_by_row.get(row), bm25_by_row.get(row))
        for rank, row in enumerate(order, start=1)
    ]


def _cosines(index: Index, query_vector: np.ndarray, rows: list[int]) -> dict[int, float]:
    """Exact cosine for passages found only by BM25, so every passage carries a comparable dense score."""
    if not rows:
        return {}
    vectors = np.vstack([index.faiss_index.reconstruct(int(r)) for r in rows])
    return {r: float(s) for r, s in zip(rows, vectors @ query_vector)}


def chunk_at(index: Index, chunk_id: str) -> Chunk | None:
    """Find a chunk by id (for the UI's citation viewer)."""
    for c in index.chunks:
        if c.id == chunk_id:
            return c
    return None
