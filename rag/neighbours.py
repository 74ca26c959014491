"""An English word's nearest Dutch words in the embedder's own space: the translations the dictionary lacks.

FreeDict's English-Dutch list (rag/lexicon.py) is small: "company" gets firma, maatschappij and vennootschap but not
bedrijf, "staff" only staf, "executive" and "leadership" nothing. A multilingual encoder puts a word close to its
translation ("company" - "bedrijf" 0.91, "staff" - "medewerkers" 0.89, "habits" - "gewoontes" 0.76 in USE v3), so
the Dutch dictionary word nearest to an English question word, when it lies within the embedder's calibrated
cosine, is read as one more translation (bilingual lexicon induction, with no mapping to learn because the encoder
is multilingual already).

The Dutch side is every one-word Dutch entry of the dictionaries (about 20,000 words), embedded once per machine and
embedder and kept in ~/.cache/rag-cx/ (a few seconds to build, milliseconds to load). Only embedders with a
calibrated cosine (MIN_COSINE) use it: a cosine means something else in every model's space. A loaded index keeps
the part of it that its corpus uses (`for_corpus`): a word the articles never use is no keyword, and the search
stays small.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from functools import cache, lru_cache
from pathlib import Path

import numpy as np

from .embedders import Embedder
from .lexicon import DICT_DIR, dictionaries_stamp, english_to_dutch
from .search import stem_words
from .settings import cache_root
from .stores.base import Index

log = logging.getLogger(__name__)

# Embedder id -> the cosine from which a Dutch word counts as a translation (chosen on the dev-side sets, README:
# "Translations the dictionary lacks"). Not listed: not calibrated, so not used.
MIN_COSINE = {"use-multilingual-v3": 0.85}
CANDIDATES = 3  # nearest words kept per English word, before the caller keeps those the corpus uses
DUTCH_WORD = re.compile(r"[^\W\d_]{3,}")  # one word of letters: phrases and abbreviations are not embedded
CACHED_WORDS = 20_000  # English words whose neighbours are remembered per process
FORMAT = 2  # of the cache file: the words and their float16 unit vectors
_BUILD = threading.Lock()  # one thread builds the word vectors, or a loaded index's part of them; the others wait


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
        # As the keyword index stems them (computed, not cached: they follow the stemmer and the stop words).
        self.stems = stems if stems is not None else stem_words(words)
        self._known: dict[str, tuple[str, ...]] = {}

    def nearest(self, words: list[str]) -> dict[str, tuple[str, ...]]:
        """Each English word's Dutch words at `min_cosine` or closer, nearest first (at most CANDIDATES)."""
        known = self._known
        found = {w: known[w] for w in dict.fromkeys(words) if w in known}
        todo = [w for w in dict.fromkeys(words) if w not in found]
        if todo and self.words:
            queries = self.embedder.encode_queries(todo)
            queries = queries / np.maximum(np.linalg.norm(queries, axis=1, keepdims=True), 1e-12)
            cosines = queries.astype(np.float32) @ self.vectors.astype(np.float32, copy=False).T
            k = min(CANDIDATES, cosines.shape[1])
            top = np.argpartition(-cosines, k - 1, axis=1)[:, :k]
            for word, row, cols in zip(todo, cosines, top):
                cols = cols[np.argsort(-row[cols])]
                found[word] = tuple(self.words[c] for c in cols if row[c] >= self.min_cosine)
            if len(known) > CACHED_WORDS:  # another thread may clear it meanwhile: answers come from `found`
                known.clear()
            known.update({w: found[w] for w in todo})
        return {w: found.get(w, ()) for w in words}

    def within(self, keep: list[bool]) -> Neighbours:
        """Only the words where `keep` is true."""
        rows = np.flatnonzero(keep)
        vectors = self.vectors[rows].astype(np.float32)
        pick = rows.tolist()
        return Neighbours(
            self.embedder, [self.words[i] for i in pick], vectors, self.min_cosine, [self.stems[i] for i in pick]
        )


def _cache_file(embedder_id: str, folder: Path, stamp: list[int]) -> Path:
    key = hashlib.sha256(f"{FORMAT}|{embedder_id}|{folder.resolve()}|{stamp}".encode()).hexdigest()[:16]
    name = re.sub(r"[^\w.-]", "_", embedder_id)  # "st:google/embeddinggemma-300m" -> "st_google_embeddinggemma-300m"
    return cache_root() / f"dutch-words-{name}-{key}.npz"


def dutch_words(table: dict[str, tuple[str, ...]]) -> list[str]:
    """The one-word Dutch entries of the English -> Dutch table, sorted."""
    return sorted({w for words in table.values() for w in words if DUTCH_WORD.fullmatch(w)})


def _read(path: Path, dim: int) -> tuple[list[str], np.ndarray] | None:
    """Words and vectors from a cache file; None when it is missing, damaged or of another shape (then removed)."""
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            words, vectors = data["words"].tolist(), data["vectors"]
        if vectors.shape == (len(words), dim):
            return words, vectors
    except Exception as exc:  # noqa: BLE001 - a truncated or foreign file (BadZipFile, EOFError, ...): build anew
        log.info("Ignoring the damaged word cache %s (%s).", path, exc)
    path.unlink(missing_ok=True)
    return None


def _write(path: Path, words: list[str], vectors: np.ndarray) -> None:
    """Save atomically (a reader sees the old file or the whole new one) and drop older files of the embedder."""
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as f:
            np.savez(f, words=np.array(words), vectors=vectors)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        _warn_unwritable(str(path.parent), str(exc))
        return
    prefix = path.name.rsplit("-", 1)[0] + "-"
    for old in path.parent.glob(prefix + "?" * 16 + ".npz"):  # this embedder's files, not "use-…" for "use"
        if old != path:
            old.unlink(missing_ok=True)


@cache
def _warn_unwritable(folder: str, reason: str) -> None:
    log.warning(
        "Cannot cache the Dutch word vectors in %s (%s): every process embeds them again (about 4 s). Make it "
        "writable, or set XDG_CACHE_HOME to a folder that is.",
        folder,
        reason,
    )


@lru_cache(maxsize=4)
def neighbours(embedder: Embedder, folder: Path = DICT_DIR) -> Neighbours | None:
    """The embedder's Dutch words and their vectors, built on first use and cached on disk; None when the embedder
    has no calibrated cosine or the dictionaries are not installed."""
    min_cosine = MIN_COSINE.get(embedder.id)
    stamp = dictionaries_stamp(folder) if min_cosine is not None else None
    if min_cosine is None or stamp is None:
        return None
    path = _cache_file(embedder.id, folder, stamp)
    with _BUILD:
        saved = _read(path, embedder.dim)
        if saved is not None:
            return Neighbours(embedder, *saved, min_cosine)
        words = dutch_words(english_to_dutch(folder))
        if not words:
            return None
        log.info("Embedding %d Dutch dictionary words for English questions (once per machine)…", len(words))
        vectors = embedder.encode_queries(words)
        # Kept as float16 (half the file), and used as read back, so the first run answers like every later one.
        vectors = (vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)).astype(np.float16)
        _write(path, words, vectors)
        return Neighbours(embedder, words, vectors, min_cosine)


def for_corpus(index: Index, embedder: Embedder) -> Neighbours | None:
    """The Dutch words the indexed corpus uses (by their stems), kept on the loaded index; None as `neighbours`."""
    key = ("neighbours", embedder.id)
    if key in index.cache:
        return index.cache[key]
    near = neighbours(embedder)
    with _BUILD:
        if key not in index.cache:
            if near is not None:
                share = index.document_share({s for s in near.stems if s})
                near = near.within([bool(s) and share.get(s, 0.0) > 0 for s in near.stems])
            index.cache[key] = near
    return index.cache[key]
