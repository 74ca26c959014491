"""The store contract: where chunks and their vectors live, and the hybrid search over them.

Two backends implement it side by side: `faiss.py` (files in the index folder, the embedded default) and
`postgres.py` (PostgreSQL + pgvector, for a shared corpus and several app instances). The indexer, search,
answerer, app and eval only see these types:

- `Store`: `manifest()`, `lock()`, `write(Update)` (add and delete in one atomic step), `version()`, `load()`;
- `Index`: one loaded version to read from: `manifest`, `search(SearchRequest)`, `chunk(id)`, `document(doc)`,
  `authors()`, `passages_of(docs)` (chunks with their vectors, to reuse them), `cache` (derived data kept per
  version) and `vector_cache(...)` (answer sentences' vectors kept between processes, where the backend can).
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from ..errors import InputError
from ..types import Chunk, Document, Passage

if TYPE_CHECKING:  # numpy only in annotations: `rag status` reads a manifest and needs none of it
    import numpy as np

    from .vector_cache import VectorCache

FIX = "Run `rag index --full` to rebuild it."


@dataclass(frozen=True)
class FileEntry:
    """What the manifest remembers of one indexed file."""

    sha256: str  # of the file's bytes: it is read again only when they change
    chunks: int
    title: str = ""
    author: str | None = None
    date: str | None = None
    text_sha256: str = ""  # of its extracted text: another file with the same text is a duplicate


@dataclass(frozen=True)
class Manifest:
    """Build metadata kept beside the vectors; loading checks it."""

    schema_version: int
    embedder: str
    dim: int
    chunker: str
    index_type: str
    count: int
    files: dict[str, FileEntry]
    chunks_sha256: str = ""
    documents_sha256: str = ""
    vectors_sha256: str = ""  # of vectors.faiss: a file of the right length with other bytes is damaged too
    created: float = field(default_factory=time.time)

    def to_json(self) -> dict:
        data = asdict(self)
        data["files"] = {k: asdict(v) for k, v in sorted(self.files.items())}
        return data

    @classmethod
    def from_json(cls, data: dict) -> Manifest:
        data = dict(data)
        files = {k: FileEntry(**v) for k, v in data.pop("files").items()}
        return cls(files=files, **data)


def rebuild_reason(manifest: Manifest, embedder: str, chunker: str, dim: int | None = None) -> str | None:
    """Why the existing index cannot be updated in place, or None when it can (`dim` checked when known).

    Plain strings, so a caller can check an index without loading the model or the chunker's library."""
    if manifest.embedder != embedder or (dim is not None and manifest.dim != dim):
        return f"embedder changed ({manifest.embedder} -> {embedder}); rebuilding the whole index"
    if manifest.chunker != chunker:
        return f"chunker settings changed ({manifest.chunker} -> {chunker}); rebuilding the whole index"
    return None


@dataclass(frozen=True)
class Update:
    """One atomic change: drop the passages of `delete`, add `chunks` with their `vectors`, record `manifest`.

    `full` replaces everything (a rebuild). `documents` are the added or changed files with their extracted
    text, metadata, sections and pages; a backend keeps them beside the chunks (`Index.document`). Readers see the index before the update or after it, never in between.
    """

    manifest: Manifest
    delete: tuple[str, ...]
    chunks: list[Chunk]
    vectors: np.ndarray
    documents: tuple[Document, ...] = ()
    full: bool = False


@dataclass(frozen=True)
class SearchRequest:
    """A hybrid query: top `pool` per retriever, fused by weighted RRF, best `k` returned.

    `vector` is the normalised query vector (None: no dense retrieval); `bm25_weight` is the keyword list's
    weight in fusion (dense weighs 1.0; 0 keeps keyword scores off passages it did not help rank).
    """

    text: str
    vector: np.ndarray | None
    k: int
    pool: int
    bm25_weight: float
    use_bm25: bool = True
    rrf_k: int = 60
    authors: tuple[str, ...] = ()


class Index(ABC):
    """One loaded version of the index, read-only; safe to share between threads."""

    manifest: Manifest
    cache: dict  # derived structures kept as long as this version is in use (sentence vectors, ...)
    version: str

    @abstractmethod
    def search(self, request: SearchRequest) -> list[Passage]:
        """Passages ranked by the fused score, ties broken on the dense score, then on position."""

    @abstractmethod
    def chunk(self, chunk_id: str) -> Chunk | None:
        """One chunk by id, or None."""

    @abstractmethod
    def document(self, doc: str) -> Document:
        """One indexed document with the text its offsets point into; InputError naming a few indexed ones when
        `doc` is not indexed."""

    @abstractmethod
    def authors(self) -> list[str]:
        """Distinct single authors of the indexed passages, sorted."""

    @abstractmethod
    def passages_of(self, docs: Iterable[str]) -> tuple[list[Chunk], np.ndarray]:
        """The chunks of these files (by file, then position) and their vectors, in the same order."""

    @abstractmethod
    def chunks_of(self, doc: str) -> list[Chunk]:
        """The chunks of one file in reading order, without vectors (naming its writers reads a file's text)."""

    @abstractmethod
    def iter_chunks(self) -> Iterator[Chunk]:
        """Every chunk, streamed (evaluation counts relevant passages; answering never needs this)."""

    @abstractmethod
    def document_share(self, terms: Iterable[str]) -> dict[str, float]:
        """For each keyword term (as `rag.search.tokenize` makes them), the share of indexed documents that use it,
        0.0 for a term no document uses; from the backend's term statistics, never by reading every chunk."""

    def prepare(self) -> None:  # noqa: B027 - optional: only backends with derived in-memory data override it
        """Build what searching needs in memory ahead of the first question (the files backend's BM25 model)."""

    def vector_cache(self, embedder: str, dim: int) -> VectorCache | None:
        """Where vectors of answer sentences are kept between processes for this embedder, or None (embedded on
        demand each process: PostgreSQL)."""
        return None


class Store(ABC):
    """Where an index lives; `kind` names the backend (`faiss` or `postgres`)."""

    kind: str
    schema_version: int

    @abstractmethod
    def version(self) -> str | None:
        """A cheap token that changes with every write; None when nothing was ever indexed."""

    @abstractmethod
    def load(self) -> Index:
        """The current version; IndexMissingError or IndexDamagedError say what to run."""

    @abstractmethod
    def manifest(self) -> Manifest | None:
        """The manifest a writer updates from (None when nothing was indexed); the files backend checks that the
        whole index loads, PostgreSQL reads the primary."""

    def peek(self) -> Manifest | None:
        """The current manifest alone, fast (status, settings checks); None when nothing was indexed."""
        return self.manifest()

    @abstractmethod
    def lock(self) -> AbstractContextManager[None]:
        """Held by a writer for a whole update: a second writer waits (and says so)."""

    @abstractmethod
    def write(self, update: Update) -> None:
        """Apply `update` atomically. Call under `lock()`."""

    @abstractmethod
    def status(self) -> dict:
        """Backend facts for `rag status`: where it is, row counts, replicas and their lag."""

    def close(self) -> None:  # noqa: B027 - optional: only backends with connections override it
        """Release connections (nothing to do for files)."""


def not_indexed(doc: str, names: list[str]) -> InputError:
    """The error for a document name that is not in the index, naming a few that are (`names` sorted)."""
    shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
    return InputError(f"'{doc}' is not in the index. Give its name as `rag search` shows it, e.g. {shown}.")
