"""BM25 for the files backend: built with bm25s once per index version, saved beside it, scored with numpy.

The first search of a version builds the model with bm25s (a documents x vocabulary matrix of precomputed term
scores, stored as compressed columns) and saves its arrays in the version folder as `bm25.npz`. Later processes load
that file and score a query with the few numpy lines in `Bm25.scores`, so they never import bm25s, nor the scipy it
imports (about 0.2 s of every `rag search` and `rag ask`). The file records the chunk table's checksum and the
tokenizer's fingerprint: one that does not match the version's chunks or today's tokenizer is rebuilt, never used.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..search import STOPWORDS, tokenize

log = logging.getLogger(__name__)
FILE = "bm25.npz"
FORMAT = 1
# Changes to tokenize() change what the saved vocabulary means: they change this fingerprint too.
PROBE = "De Klantbeleving-strategieën van 2024: 42 klanten, één CX-team en the customers' journeys."


@dataclass(frozen=True)
class Bm25:
    """bm25s's scores matrix in compressed-column form: column t holds term t's score in each document using it."""

    vocab: dict[str, int]
    data: np.ndarray  # float32 scores
    indices: np.ndarray  # document (row) of each score
    indptr: np.ndarray  # column t is data[indptr[t]:indptr[t + 1]]
    num_docs: int

    def scores(self, terms: list[str]) -> np.ndarray:
        """score(d) = sum over query terms t (repeats count) of the precomputed BM25 score of t in d.

        The same additions in the same order as bm25s's `get_scores`, so the float32 sums are identical."""
        scores = np.zeros(self.num_docs, dtype=np.float32)
        for t in (self.vocab[t] for t in terms if t in self.vocab):
            start, end = self.indptr[t], self.indptr[t + 1]
            np.add.at(scores, self.indices[start:end], self.data[start:end])
        return scores


def tokenizer_fingerprint() -> str:
    """A hash of the stop words and of what tokenize() makes of a probe text."""
    text = json.dumps([sorted(STOPWORDS), tokenize(PROBE)], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def build(corpus: list[list[str]]) -> Bm25:
    """Index tokenized documents with bm25s (default parameters)."""
    level = logging.getLogger("bm25s").level
    import bm25s

    logging.getLogger("bm25s").setLevel(level)  # bm25s sets its logger to DEBUG when imported: keep the caller's
    model = bm25s.BM25()
    model.index(corpus, show_progress=False)
    s = model.scores
    columns = len(s["indptr"]) - 1  # bm25s adds an empty token to the vocabulary after the matrix: it has no column
    vocab = {t: i for t, i in model.vocab_dict.items() if i < columns}
    return Bm25(vocab, s["data"], s["indices"], s["indptr"], int(s["num_docs"]))


def load(folder: Path, chunks_sha256: str) -> Bm25 | None:
    """The saved model of this version folder, or None when absent, unreadable or not this version's."""
    try:
        with np.load(folder / FILE, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            if meta != _meta(chunks_sha256, meta.get("num_docs")):
                return None
            tokens = z["vocab"].tolist()
            model = Bm25(dict(zip(tokens, range(len(tokens)))), z["data"], z["indices"], z["indptr"], meta["num_docs"])
    except (OSError, ValueError, KeyError) as exc:
        if not isinstance(exc, FileNotFoundError):
            log.info("Ignoring %s (%s); rebuilding BM25.", folder / FILE, exc)
        return None
    sizes_agree = len(model.indptr) == len(model.vocab) + 1 and model.indptr[-1] == len(model.data) == len(
        model.indices
    )
    if not sizes_agree or (len(model.indices) and model.indices.max() >= model.num_docs):
        return None
    return model


def save(folder: Path, model: Bm25, chunks_sha256: str) -> None:
    """Write `bm25.npz` into the version folder whole (or not at all: a read-only index still searches)."""
    tokens = sorted(model.vocab, key=model.vocab.__getitem__)
    partial = folder / f".{FILE}.{os.getpid()}"
    try:
        with open(partial, "wb") as fh:
            np.savez(
                fh,
                meta=np.array(json.dumps(_meta(chunks_sha256, model.num_docs))),
                vocab=np.array(tokens, dtype=str),
                data=model.data,
                indices=model.indices,
                indptr=model.indptr,
            )
        os.replace(partial, folder / FILE)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        log.info("Cannot save BM25 in %s (%s); it is rebuilt in memory on each start.", folder, exc)


def _meta(chunks_sha256: str, num_docs: int | None) -> dict:
    return {
        "format": FORMAT,
        "chunks_sha256": chunks_sha256,
        "tokenizer": tokenizer_fingerprint(),
        "num_docs": num_docs,
    }
