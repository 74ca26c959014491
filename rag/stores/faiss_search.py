"""The files backend's hybrid search, in memory: BM25 (bm25s, saved per version: bm25.py) over Dutch-stemmed tokens,
FAISS, weighted RRF."""

from __future__ import annotations

import numpy as np

from ..search import rrf, tokenize
from ..types import Passage
from . import bm25
from .base import SearchRequest
from .faiss import FaissIndex


def bm25_index(index: FaissIndex) -> bm25.Bm25:
    """The BM25 model over the index's chunks: once per loaded index, from the version folder when saved there."""
    if "bm25" not in index.cache:
        sha = index.manifest.chunks_sha256
        model = bm25.load(index.path, sha) if index.path else None
        if model is None:
            model = bm25.build([tokenize(f"{c.title}\n{c.text}") or ["_"] for c in index.chunks])
            if index.path:
                bm25.save(index.path, model, sha)
        index.cache["bm25"] = model
    return index.cache["bm25"]


def bm25_scores(index: FaissIndex, query: str) -> np.ndarray | None:
    """Every passage's BM25 score for `query`; None when no query term is in the vocabulary (or there are none)."""
    if not index.chunks:
        return None
    model = bm25_index(index)
    terms = [t for t in tokenize(query) if t in model.vocab]
    return model.scores(terms) if terms else None


def bm25_search(index: FaissIndex, query: str, k: int) -> list[tuple[int, float]]:
    """Top-k (row, score) by BM25; empty when no query term is in the vocabulary."""
    scores = bm25_scores(index, query)
    if scores is None:
        return []
    k = min(k, len(scores))
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [(int(i), float(scores[i])) for i in top if scores[i] > 0]


def dense_search(index: FaissIndex, query_vector: np.ndarray, k: int) -> list[tuple[int, float]]:
    """Top-k (row, cosine) from FAISS."""
    if index.faiss_index.ntotal == 0:
        return []
    scores, rows = index.faiss_index.search(
        query_vector.reshape(1, -1).astype(np.float32), min(k, index.faiss_index.ntotal)
    )
    return [(int(r), float(s)) for r, s in zip(rows[0], scores[0]) if r >= 0]


def author_rows(index: FaissIndex, authors: tuple[str, ...]) -> np.ndarray:
    """The rows of the passages written by `authors`, in row order (each author's rows found once per loaded index)."""
    by_author = index.cache.get("author_rows")
    if by_author is None:
        grouped: dict[str, list[int]] = {}
        for i, c in enumerate(index.chunks):
            if c.author:
                grouped.setdefault(c.author, []).append(i)
        by_author = index.cache["author_rows"] = {a: np.array(r, dtype=np.int64) for a, r in grouped.items()}
    parts = [by_author[a] for a in dict.fromkeys(authors) if a in by_author]
    return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)


def _top(rows: np.ndarray, scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The `k` best (row, score) of `rows` by `scores` (aligned), best first, ties by row."""
    order = np.lexsort((rows, -scores))[:k]
    return [(int(rows[i]), float(scores[i])) for i in order]


def _within(index: FaissIndex, request: SearchRequest, pool: int) -> tuple[list, list]:
    """Dense and BM25 top-`pool` lists over the passages of `request.authors` only, scored exactly: filtering the
    corpus-wide top lists lost a writer whose passages rank below the first few hundred (at 1,500 passages a question
    naming one got another writer's quotes)."""
    rows = author_rows(index, request.authors)
    if not len(rows):
        return [], []
    dense = []
    if request.vector is not None:
        vectors = index.faiss_index.reconstruct_batch(rows)
        dense = _top(rows, vectors @ request.vector.astype(np.float32), pool)
    scores = bm25_scores(index, request.text) if request.use_bm25 else None
    lexical = [] if scores is None else [(r, v) for r, v in _top(rows, scores[rows], pool) if v > 0]
    return dense, lexical


def hybrid_search(index: FaissIndex, request: SearchRequest) -> list[Passage]:
    """Dense and BM25 top-`pool` lists, restricted to `authors`, fused by weighted RRF; best `k`."""
    pool = request.pool
    if request.authors:
        dense, lexical = _within(index, request, pool)
    else:
        dense = dense_search(index, request.vector, pool) if request.vector is not None else []
        lexical = bm25_search(index, request.text, pool) if request.use_bm25 else []
    if dense and lexical and request.bm25_weight == 0:
        lexical = []  # keep the BM25 score off passages it did not help rank
    fused = rrf([dense, lexical], [1.0, request.bm25_weight if dense else 1.0], request.rrf_k)
    dense_by_row = dict(dense)
    bm25_by_row = dict(lexical)
    # Ties (same fused score) break on the dense score, then on position, so results are deterministic.
    order = sorted(fused, key=lambda r: (-fused[r], -dense_by_row.get(r, -1.0), r))[: request.k]
    if request.vector is not None:  # also when an author filter left no dense hit: PostgreSQL computes them too
        missing = [r for r in order if r not in dense_by_row]
        dense_by_row.update(_cosines(index, request.vector, missing))
    return [
        Passage(rank, index.chunks[row], fused[row], dense_by_row.get(row), bm25_by_row.get(row))
        for rank, row in enumerate(order, start=1)
    ]


def _cosines(index: FaissIndex, query_vector: np.ndarray, rows: list[int]) -> dict[int, float]:
    """Exact cosine for passages found only by BM25, so every passage carries a comparable dense score."""
    if not rows:
        return {}
    vectors = np.vstack([index.faiss_index.reconstruct(int(r)) for r in rows])
    return {r: float(s) for r, s in zip(rows, vectors @ query_vector)}
