"""An English word's nearest Dutch words in the embedder's own space: the translations the dictionary lacks.

FreeDict's English-Dutch list (rag/lexicon.py) is small: "company" gets firma, maatschappij and vennootschap but not
bedrijf, "staff" only staf, "executive" and "leadership" nothing. A multilingual encoder puts a word close to its
translation ("company" - "bedrijf" 0.91, "staff" - "medewerkers" 0.89, "habits" - "gewoontes" 0.76 in USE v3), so
the Dutch dictionary word nearest to an English question word, when it lies within the embedder's calibrated
cosine, is read as one more translation (bilingual lexicon induction, with no mapping to learn because the encoder
is multilingual already).

The Dutch side is every one-word Dutch entry of the dictionaries (about 20,000 words), embedded once per machine and
embedder and kept in ~/.cache/rag-cx/ (a few seconds to build, milliseconds to load). Only embedders with a
calibrated cosine (MIN_COSINE) use it: a cosine means something else in every model's space. A loaded index keeps the part of it that its corpus uses
(`for_corpus`): a word the articles never use is no keyword, and the search stays small.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from functools import lru_cache
from pathlib import Path

import numpy as np

from .embedders import Embedder
from .lexicon import DICT_DIR, dictionaries_stamp, english_to_dutch
from .search import stem_words
from .stores.base import Index

log = logging.getLogger(__name__)

# Embedder id -> the cosine from which a Dutch word counts as a translation (chosen on the dev-side sets, README:
# "Translations the dictionary lacks"). Not listed: not calibrated, so not used.
MIN_COSINE = {"use-multilingual-v3": 0.85}
CANDIDATES = 3  # nearest words kept per English word, before the caller keeps those the corpus uses
DUTCH_WORD = re.compile(r"[^\W\d_]{3,}")  # one word of letters: phrases and abbreviations are not embedded
CACHED_WORDS = 20_000  # English words whose neighbours are remembered per process
FORMAT = 1  # of the cache file: words, their stems, float16 unit vectors


class Neighbours:
    """Dutch words and their unit vectors, searched by cosine."""

    def __init__(
        self,
        embedder: Embedder,
        words: list[str],
        vectors: np.ndarray,
        min_cosine: float,
        stems: list[str | None] | None = None,
    ) -> None:
        self.embedder = embedder
        self.words = words
        self.vectors = vectors  # unit rows; float16 as cached (a loaded index searches its own float32 part)
        self.min_cosine = min_cosine
        self.stems = stems if stems is not None else stem_words(words)  # as the keyword index stems them
        self._known: dict[str, tuple[str, ...]] = {}

    def nearest(self, words: list[str]) -> dict[str, tuple[str, ...]]:
        """Each English word's Dutch words at `min_cosine` or closer, nearest first (at most CANDIDATES)."""
        todo = [w for w in dict.fromkeys(words) if w not in self._known]
        if todo and len(self.words):
            queries = self.embedder.encode_queries(todo)
            queries = queries / np.maximum(np.linalg.norm(queries, axis=1, keepdims=True), 1e-12)
            cosines = queries.astype(np.float32) @ self.vectors.astype(np.float32, copy=False).T
            k = min(CANDIDATES, cosines.shape[1])
            top = np.argpartition(-cosines, k - 1, axis=1)[:, :k]
            if len(self._known) > CACHED_WORDS:
                self._known.clear()
            for word, row, cols in zip(todo, cosines, top):
                cols = cols[np.argsort(-row[cols])]
                self._known[word] = tuple(self.words[c] for c in cols if row[c] >= self.min_cosine)
        return {w: self._known.get(w, ()) for w in words}

    def within(self, keep: list[bool]) -> Neighbours:
        """Only the words where `keep` is true."""
        rows = np.flatnonzero(keep)
        vectors = self.vectors[rows].astype(np.float32)
        pick = rows.tolist()
        return Neighbours(
            self.embedder, [self.words[i] for i in pick], vectors, self.min_cosine, [self.stems[i] for i in pick]
        )


def _cache_file(embedder_id: str, folder: Path, stamp: list[int]) -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    key = hashlib.sha256(f"{FORMAT}|{embedder_id}|{folder.resolve()}|{stamp}".encode()).hexdigest()[:16]
    return base / "rag-cx" / f"dutch-words-{key}.npz"


def dutch_words(table: dict[str, tuple[str, ...]]) -> list[str]:
    """The one-word Dutch entries of the English -> Dutch table, sorted."""
    return sorted({w for words in table.values() for w in words if DUTCH_WORD.fullmatch(w)})


@lru_cache(maxsize=4)
def neighbours(embedder: Embedder, folder: Path = DICT_DIR) -> Neighbours | None:
    """The embedder's Dutch words with their stems and vectors, built on first use and cached on disk; None when the
    embedder has no calibrated cosine or the dictionaries are not installed."""
    min_cosine = MIN_COSINE.get(embedder.id)
    stamp = dictionaries_stamp(folder) if min_cosine is not None else None
    if min_cosine is None or stamp is None:
        return None
    cache = _cache_file(embedder.id, folder, stamp)
    try:
        with np.load(cache, allow_pickle=False) as data:
            words, stems, vectors = data["words"].tolist(), data["stems"].tolist(), data["vectors"]
        if vectors.shape == (len(words), embedder.dim) == (len(stems), embedder.dim):
            return Neighbours(embedder, words, vectors, min_cosine, [s or None for s in stems])
    except (OSError, ValueError, KeyError):
        pass
    words = dutch_words(english_to_dutch(folder))
    if not words:
        return None
    log.info("Embedding %d Dutch dictionary words for English questions (once per machine)…", len(words))
    vectors = embedder.encode_queries(words)
    # Kept as float16 (half the file), and used as read back, so the first run answers like every later one.
    vectors = (vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)).astype(np.float16)
    near = Neighbours(embedder, words, vectors, min_cosine)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as f:
            np.savez(f, words=np.array(words), stems=np.array([s or "" for s in near.stems]), vectors=vectors)
        os.replace(tmp, cache)
    except OSError as exc:  # a read-only home: embed again next time
        log.info("Cannot cache the Dutch word vectors at %s (%s).", cache, exc)
    return near


def for_corpus(index: Index, embedder: Embedder) -> Neighbours | None:
    """The Dutch words the indexed corpus uses (by their stems), kept on the loaded index; None as `neighbours`."""
    key = ("neighbours", embedder.id)
    if key not in index.cache:
        near = neighbours(embedder)
        if near is not None:
            share = index.document_share({s for s in near.stems if s})
            near = near.within([bool(s) and share.get(s, 0.0) > 0 for s in near.stems])
        index.cache[key] = near
    return index.cache[key]
