"""The files backend: FAISS vectors + chunk table + manifest in the index folder, swapped in atomically.

Layout::

    index/CURRENT              name of the active version folder (replaced atomically)
    index/v-<time>-<pid>/      manifest.json, chunks.jsonl, documents.jsonl, vectors.faiss
                               (+ bm25.npz, saved by the first search of the version: bm25.py)
    index/sentence-vectors/    answer sentences' vectors by content, for every version (vector_cache.py)
    index/.lock                held while writing

A version folder is complete before CURRENT points at it, so `kill -9` at any moment leaves either the
old or the new version loadable. The previous version is kept so readers that resolved CURRENT just
before a swap can still open it. `documents.jsonl` holds every document's extracted text, metadata, sections
and pages: chunk and citation offsets point into that text, whatever the file's format.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import IndexDamagedError, IndexMismatchError, IndexMissingError, InputError
from ..types import Chunk, Document, Page, Passage, Section
from .base import FIX, Index, Manifest, SearchRequest, Store, Update, not_indexed

if TYPE_CHECKING:  # faiss and numpy are imported where vectors are read or written; `rag status` needs neither
    import faiss
    import numpy as np

    from .vector_cache import VectorCache

log = logging.getLogger(__name__)
SCHEMA_VERSION = 2  # 2: documents.jsonl (the extracted text of every document), chunk pages


@dataclass
class FaissIndex(Index):
    """A loaded index version: chunks in vector order and the FAISS index over their vectors."""

    manifest: Manifest
    chunks: list[Chunk]
    faiss_index: faiss.Index
    path: Path | None = None
    cache: dict = field(default_factory=dict)  # derived structures (BM25, sentence vectors), built lazily
    _documents: dict[str, Document] | None = field(default=None, repr=False)

    def documents(self) -> dict[str, Document]:
        """Every indexed document by name, with its extracted text; read from disk on first use."""
        if self._documents is None:
            if self.path is None:
                raise IndexDamagedError(f"This index has no documents table. {FIX}")
            self._documents = load_documents_table(self.path, self.manifest)
        return self._documents

    def document(self, doc: str) -> Document:
        return _lookup(self.documents(), doc)

    @property
    def version(self) -> str:
        return self.path.name if self.path else ""

    def vectors(self) -> np.ndarray:
        """All vectors in chunk order (reconstructed from FAISS; used for incremental updates)."""
        import numpy as np

        n = self.faiss_index.ntotal
        if n == 0:
            return np.zeros((0, self.manifest.dim), dtype=np.float32)
        return self.faiss_index.reconstruct_n(0, n)

    def search(self, request: SearchRequest) -> list[Passage]:
        from .faiss_search import hybrid_search

        return hybrid_search(self, request)

    def chunk(self, chunk_id: str) -> Chunk | None:
        if "by_id" not in self.cache:
            self.cache["by_id"] = {c.id: c for c in self.chunks}
        return self.cache["by_id"].get(chunk_id)

    def authors(self) -> list[str]:
        if "authors" not in self.cache:
            self.cache["authors"] = sorted({c.author for c in self.chunks if c.author and "," not in c.author})
        return self.cache["authors"]

    def passages_of(self, docs: Iterable[str]) -> tuple[list[Chunk], np.ndarray]:
        import numpy as np

        keep = set(docs)
        rows = [i for i, c in enumerate(self.chunks) if c.doc in keep]
        if not rows:
            return [], np.zeros((0, self.manifest.dim), dtype=np.float32)
        return [self.chunks[i] for i in rows], self.vectors()[rows]

    def chunks_of(self, doc: str) -> list[Chunk]:
        if "by_doc" not in self.cache:  # one pass over the chunks per loaded version, not one per question
            by_doc: dict[str, list[Chunk]] = {}
            for c in self.chunks:
                by_doc.setdefault(c.doc, []).append(c)
            self.cache["by_doc"] = by_doc
        return sorted(self.cache["by_doc"].get(doc, []), key=lambda c: (c.start, c.end))

    def iter_chunks(self) -> Iterator[Chunk]:
        return iter(self.chunks)

    def document_share(self, terms: Iterable[str]) -> dict[str, float]:
        """From the BM25 model's columns (the chunks that use a term) and each chunk's document: no text is read."""
        import numpy as np

        from .faiss_search import bm25_index

        if "doc_codes" not in self.cache:
            names = {d: i for i, d in enumerate(dict.fromkeys(c.doc for c in self.chunks))}
            self.cache["doc_codes"] = (np.array([names[c.doc] for c in self.chunks], dtype=np.int64), len(names))
        codes, total = self.cache["doc_codes"]
        known = self.cache.setdefault("document_share", {})  # per term: a common term's column is long at 100k
        model = bm25_index(self) if self.chunks else None
        for t in set(terms) - known.keys():
            column = model.vocab.get(t) if model else None
            if column is None or not total:
                known[t] = 0.0
                continue
            rows = model.indices[model.indptr[column] : model.indptr[column + 1]]
            known[t] = np.count_nonzero(np.bincount(codes[rows], minlength=total)) / total
        return {t: known[t] for t in terms}

    def prepare(self) -> None:
        from .faiss_search import bm25_index

        if self.chunks:  # an empty index has no words to rank (bm25s cannot index nothing)
            bm25_index(self)

    def vector_cache(self, embedder: str, dim: int) -> VectorCache | None:
        """index/sentence-vectors/, shared by every version (its files are named by content)."""
        from .vector_cache import FOLDER, VectorCache

        return VectorCache(self.path.parent / FOLDER, embedder, dim) if self.path else None


def _lookup(documents: dict[str, Document], doc: str) -> Document:
    if doc not in documents:
        raise not_indexed(doc, sorted(documents))
    return documents[doc]


def build_faiss(vectors: np.ndarray, dim: int, hnsw_threshold: int) -> tuple[faiss.Index, str]:
    """Exact inner product below `hnsw_threshold` vectors; HNSW (inner product) at or above it."""
    import faiss
    import numpy as np

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if len(vectors) >= hnsw_threshold:
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = 128
        kind = "hnsw32"
    else:
        index = faiss.IndexFlatIP(dim)
        kind = "flat-ip"
    if len(vectors):
        index.add(vectors)
    return index, kind


def _fsync_write(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


@contextmanager
def write_lock(index_dir: Path) -> Iterator[None]:
    """Exclusive lock so two writers never interleave; released by the OS if the process dies."""
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        fh = open(index_dir / ".lock", "a+")  # noqa: SIM115 - closed by the `with` below
    except OSError as exc:
        raise InputError(
            f"Cannot write the index in {index_dir} ({exc.strerror}); set RAG_INDEX_DIR or --index-dir to a folder "
            "you can write to."
        ) from None
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # as on PostgreSQL: say why nothing happens (minutes, at scale)
            log.warning("another `rag index` is writing to %s; waiting for it to finish", index_dir)
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def document_to_json(doc: Document) -> dict:
    """A document as one line of documents.jsonl."""
    return asdict(doc)


def document_from_json(data: dict) -> Document:
    """The inverse of document_to_json."""
    sections = tuple(Section(**s) for s in data.pop("sections"))
    pages = tuple(Page(**p) for p in data.pop("pages"))
    return Document(**data, sections=sections, pages=pages)


@contextmanager
def _reading(where: Path) -> Iterator[None]:
    """Turn any failure to read or parse an index file into IndexDamagedError naming the command that fixes it."""
    try:
        yield
    except IndexMismatchError:
        raise
    except FileNotFoundError as exc:
        missing = Path(exc.filename).name if exc.filename else "a file"
        raise IndexDamagedError(f"The index at {where} is incomplete (missing {missing}). {FIX}") from None
    except Exception as exc:  # noqa: BLE001 - any parse failure means the same thing to the user
        raise IndexDamagedError(f"The index at {where} is damaged ({_reason(exc)}). {FIX}") from None


# FAISS's C++ errors open with the function and source line that raised them ("Error in std::unique_ptr<faiss::Index>
# faiss::read_index_up(IOReader*, int) at /project/faiss/impl/index_read.cpp:3251: ..."): noise to a user.
_FAISS_WHERE = re.compile(r"^Error in .*? at \S+:\d+:\s*", re.S)


def _reason(exc: Exception) -> str:
    """What went wrong reading an index file, in a few words: the exception's message without FAISS's location."""
    message = _FAISS_WHERE.sub("", str(exc)).strip()
    if message == str(exc).strip():
        return f"{type(exc).__name__}: {message[:120]}"
    return f"not a readable FAISS file: {message[:120]}" if message else "not a readable FAISS file"


def load_documents_table(path: Path, manifest: Manifest) -> dict[str, Document]:
    """documents.jsonl of one version folder, checked against the manifest."""
    with _reading(path.parent):
        table = (path / "documents.jsonl").read_bytes()
        if hashlib.sha256(table).hexdigest() != manifest.documents_sha256:
            raise ValueError("documents table does not match its checksum")
        docs = [document_from_json(json.loads(line)) for line in table.decode("utf-8").splitlines() if line]
    return {d.doc: d for d in docs}


def read_indexed_document(index_dir: Path, doc: str) -> Document:
    """One document of the current version, without loading the vectors."""
    name = current_version(index_dir)
    if name is None:
        raise IndexMissingError(f"No index at {index_dir}. Run `rag index` to build it.")
    path = index_dir / name
    try:
        manifest = _read_manifest(index_dir, path)
    except IndexMismatchError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise IndexDamagedError(f"The index at {index_dir} is damaged ({type(exc).__name__}). {FIX}") from None
    return _lookup(load_documents_table(path, manifest), doc)


def save_index(
    index_dir: Path, manifest: Manifest, chunks: list[Chunk], faiss_index: faiss.Index, documents: list[Document]
) -> Path:
    """Write a new version folder, fsync it, then atomically point CURRENT at it. Call under write_lock."""
    import faiss

    if len(chunks) != faiss_index.ntotal:
        raise ValueError(f"{len(chunks)} chunks but {faiss_index.ntotal} vectors")
    index_dir.mkdir(parents=True, exist_ok=True)
    name = f"v-{time.time_ns()}-{os.getpid()}"
    tmp = index_dir / f".tmp-{name}"
    tmp.mkdir()
    table = "".join(json.dumps(asdict(c), ensure_ascii=False) + "\n" for c in chunks).encode("utf-8")
    _fsync_write(tmp / "chunks.jsonl", table)
    docs_table = "".join(
        json.dumps(document_to_json(d), ensure_ascii=False) + "\n" for d in sorted(documents, key=lambda d: d.doc)
    ).encode("utf-8")
    _fsync_write(tmp / "documents.jsonl", docs_table)
    vectors = faiss.serialize_index(faiss_index).tobytes()
    _fsync_write(tmp / "vectors.faiss", vectors)
    manifest = Manifest(
        **{
            **manifest.__dict__,
            "count": len(chunks),
            "chunks_sha256": hashlib.sha256(table).hexdigest(),
            "documents_sha256": hashlib.sha256(docs_table).hexdigest(),
            "vectors_sha256": hashlib.sha256(vectors).hexdigest(),
        }
    )
    _fsync_write(tmp / "manifest.json", json.dumps(manifest.to_json(), indent=1, ensure_ascii=False).encode("utf-8"))
    final = index_dir / name
    previous = _current_or_none(index_dir)  # kept for readers that resolved CURRENT just before the swap
    os.rename(tmp, final)
    pointer = index_dir / f".CURRENT-{name}"
    _fsync_write(pointer, name.encode())
    os.replace(pointer, index_dir / "CURRENT")
    dir_fd = os.open(index_dir, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    _prune(index_dir, keep={name, previous or ""})
    return final


def _current_or_none(index_dir: Path) -> str | None:
    # Not "the newest other v-* folder": a write killed between its rename and the swap leaves a newer orphan.
    try:
        return current_version(index_dir)
    except IndexDamagedError:
        return None


def _prune(index_dir: Path, keep: set[str]) -> None:
    """Remove old versions and leftovers of interrupted writes."""
    for p in index_dir.iterdir():
        if p.name in keep or p.name in ("CURRENT", ".lock") or p.name.endswith(".jsonl"):
            continue
        if p.name.startswith(("v-", ".tmp-")) and p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        elif p.name.startswith(".CURRENT-"):
            p.unlink(missing_ok=True)


def current_version(index_dir: Path) -> str | None:
    """Name of the active version, or None when no index was ever written."""
    if index_dir.exists() and not index_dir.is_dir():  # `rag index --full` cannot help there ("File exists")
        raise InputError(
            f"The index folder {index_dir} is a file; set RAG_INDEX_DIR or --index-dir to a folder (it may not exist yet)."
        )
    try:
        name = (index_dir / "CURRENT").read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        raise IndexDamagedError(f"The index at {index_dir} is damaged (unreadable CURRENT). {FIX}") from None
    if not name.startswith("v-") or "/" in name:
        raise IndexDamagedError(f"The index at {index_dir} is damaged (CURRENT holds {name[:40]!r}). {FIX}")
    return name


def read_manifest(index_dir: Path) -> Manifest:
    """The active version's manifest alone (no vectors, no chunks): what `rag status` shows."""
    name = current_version(index_dir)
    if name is None:
        raise IndexMissingError(f"No index at {index_dir}. Run `rag index` to build it.")
    with _reading(index_dir):
        manifest = Manifest.from_json(json.loads((index_dir / name / "manifest.json").read_text(encoding="utf-8")))
        # Without loading FAISS: a vectors file shorter than its passages' vectors, or with other bytes than were
        # written, is damaged (`rag status` said such an index was fine while every question failed on it, or was
        # answered from garbled vectors). The checksum is read once per version and process (0.2 s at 100k passages).
        vectors = index_dir / name / "vectors.faiss"
        stat = vectors.stat()
        if stat.st_size < manifest.count * manifest.dim * 4:
            raise ValueError("vectors.faiss is shorter than the vectors of its passages")
        if manifest.vectors_sha256 and not _vectors_match(str(vectors), stat.st_mtime_ns, manifest.vectors_sha256):
            raise ValueError("vectors.faiss does not match its checksum")
        return manifest


@lru_cache(maxsize=8)
def _vectors_match(path: str, mtime_ns: int, sha256: str) -> bool:
    """Whether the file at `path` (as of `mtime_ns`) has the checksum `sha256`."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 22):
            digest.update(block)
    return digest.hexdigest() == sha256


def load_index(index_dir: Path) -> FaissIndex:
    """Load the active version; raise IndexMissingError or IndexDamagedError with the command to run."""
    import faiss
    import numpy as np

    name = current_version(index_dir)
    if name is None:
        raise IndexMissingError(f"No index at {index_dir}. Run `rag index` to build it.")
    path = index_dir / name
    with _reading(index_dir):
        manifest = _read_manifest(index_dir, path)
        table = (path / "chunks.jsonl").read_bytes()
        if hashlib.sha256(table).hexdigest() != manifest.chunks_sha256:
            raise ValueError("chunk table does not match its checksum")
        chunks = [_chunk_from_json(json.loads(line)) for line in table.decode("utf-8").splitlines() if line]
        vectors = np.fromfile(path / "vectors.faiss", dtype=np.uint8)
        if manifest.vectors_sha256 and hashlib.sha256(vectors).hexdigest() != manifest.vectors_sha256:
            raise ValueError("vectors.faiss does not match its checksum")
        faiss_index = faiss.deserialize_index(vectors)
    if not (len(chunks) == faiss_index.ntotal == manifest.count) or faiss_index.d != manifest.dim:
        raise IndexDamagedError(
            f"The index at {index_dir} is inconsistent (chunks, vectors and manifest disagree). {FIX}"
        )
    return FaissIndex(manifest, chunks, faiss_index, path)


def _chunk_from_json(data: dict) -> Chunk:
    return Chunk(**{**data, "pages": tuple(data["pages"])})


def _read_manifest(index_dir: Path, path: Path) -> Manifest:
    """The manifest of a version folder; IndexMismatchError when another schema version wrote it."""
    data = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    if data.get("schema_version") != SCHEMA_VERSION:  # checked first: an older layout may not parse as a Manifest
        raise IndexMismatchError(
            f"The index at {index_dir} was written by another version of this program (schema "
            f"{data.get('schema_version')}; this one reads {SCHEMA_VERSION}). Run `rag index` to rebuild it."
        )
    return Manifest.from_json(data)


class FaissStore(Store):
    """The index folder as a store: every write is a new version folder, swapped in atomically."""

    kind = "faiss"
    schema_version = SCHEMA_VERSION

    def __init__(self, index_dir: Path, hnsw_threshold: int = 50_000) -> None:
        self.index_dir = index_dir
        self.hnsw_threshold = hnsw_threshold
        self._last: FaissIndex | None = None  # what manifest() loaded, reused by the write that follows

    def version(self) -> str | None:
        return current_version(self.index_dir)

    def load(self) -> FaissIndex:
        return load_index(self.index_dir)

    def manifest(self) -> Manifest | None:
        try:
            self._last = load_index(self.index_dir)
        except IndexMissingError:
            return None
        return self._last.manifest

    def peek(self) -> Manifest | None:
        try:
            return read_manifest(self.index_dir)
        except IndexMissingError:
            return None

    def lock(self):
        return write_lock(self.index_dir)

    def write(self, update: Update) -> None:
        """Keep the old version's passages of untouched files, add the new ones, save a new version folder."""
        import numpy as np

        chunks, vectors = list(update.chunks), np.asarray(update.vectors, dtype=np.float32)
        documents = {d.doc: d for d in update.documents}
        if not update.full and current_version(self.index_dir) is not None:
            old = self._last
            if old is None or old.version != current_version(self.index_dir):
                old = load_index(self.index_dir)
            gone = set(update.delete)
            kept_docs = [n for n in old.manifest.files if n not in gone]
            kept, kept_vectors = old.passages_of(kept_docs)
            chunks = kept + chunks
            vectors = np.vstack([kept_vectors, vectors]) if len(kept) else vectors
            old_documents = old.documents()
            documents = {**{n: old_documents[n] for n in kept_docs if n in old_documents}, **documents}
        order = sorted(range(len(chunks)), key=lambda i: (chunks[i].doc, chunks[i].start, chunks[i].end))
        chunks = [chunks[i] for i in order]
        vectors = vectors[order] if len(order) else np.zeros((0, update.manifest.dim), dtype=np.float32)
        faiss_index, kind = build_faiss(vectors, update.manifest.dim, self.hnsw_threshold)
        if update.full:  # a rebuild, perhaps with another embedder: no cached sentence vector outlives it
            from .vector_cache import FOLDER, clear

            clear(self.index_dir / FOLDER)
        manifest = Manifest(**{**update.manifest.__dict__, "index_type": kind, "count": len(chunks)})
        save_index(self.index_dir, manifest, chunks, faiss_index, list(documents.values()))
        self._last = None

    def status(self) -> dict:
        return {"backend": self.kind, "index_dir": str(self.index_dir)}
