"""Build or incrementally update the index: only added or changed files are embedded."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import numpy as np

from .chunking import chunk_document, chunker_id
from .corpus import content_digest, read_corpus
from .embedders import Embedder, get_embedder
from .errors import IndexDamagedError, IndexMismatchError, IndexMissingError, InputError
from .settings import Settings
from .store import SCHEMA_VERSION, FileEntry, Index, Manifest, build_faiss, load_index, save_index, write_lock
from .types import Chunk, Document, IndexReport

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (passages embedded so far, passages to embed)
EMBED_BATCH = 256


def rebuild_reason(manifest: Manifest, embedder: str, chunker: str, dim: int | None = None) -> str | None:
    """Why the existing index cannot be updated in place, or None when it can (`dim` checked when known).

    Plain strings, so a caller can check an index without loading the model or the chunker's library."""
    if manifest.embedder != embedder or (dim is not None and manifest.dim != dim):
        return f"embedder changed ({manifest.embedder} -> {embedder}); rebuilding the whole index"
    if manifest.chunker != chunker:
        return f"chunker settings changed ({manifest.chunker} -> {chunker}); rebuilding the whole index"
    return None


def update_index(settings: Settings, full: bool = False, progress: Progress | None = None) -> IndexReport:
    """Bring the index in line with the seeds dir; embeds only what changed unless `full` or settings changed.

    A file is extracted again only when its bytes changed (content hash), so unchanged PDFs are not re-read."""
    t0 = time.perf_counter()
    embedder = get_embedder(settings.embedder)
    chunker = chunker_id(settings.chunk_size, settings.chunk_overlap)
    with write_lock(settings.index_dir):
        old, previous, reason = _previous_index(settings, embedder, chunker, full)
        known = {n: e.sha256 for n, e in old.manifest.files.items()} if old is not None else None
        texts = {n: e.text_sha256 for n, e in old.manifest.files.items()} if old is not None else None
        corpus = read_corpus(settings.seeds_dir, settings.max_file_bytes, known, texts)
        docs, skipped = corpus.documents, corpus.skipped
        old_files = old.manifest.files if old else {}
        names = {d.doc for d in docs} | set(corpus.unchanged)
        unreadable = {s.doc for s in skipped}
        # A previously indexed file that is now unreadable keeps its old passages: nothing indexed is lost.
        # Unless its old bytes are still indexed under another name (it became a duplicate): that would index it twice.
        live = {d.sha256 for d in docs} | set(corpus.unchanged.values())
        kept_stale = [n for n in old_files if n not in names and n in unreadable and old_files[n].sha256 not in live]
        if previous and not names and not kept_stale:
            raise InputError(
                f"No articles to index in {settings.seeds_dir}, but the index holds {len(previous)}. If that is the "
                "right folder and you want an empty index, run `rag index --full`; otherwise point RAG_SEEDS_DIR at "
                "your articles. The index was left as it was."
            )
        added = [d.doc for d in docs if d.doc not in previous]
        changed = [d.doc for d in docs if d.doc in previous and previous[d.doc].sha256 != d.sha256]
        same = [d.doc for d in docs if d.doc in previous and d.doc not in changed]  # read again for a rebuild
        removed = [n for n in previous if n not in names and n not in kept_stale]
        unchanged = sorted([*corpus.unchanged, *same, *kept_stale])
        if old is not None and not (added or changed or removed):
            return IndexReport(
                (), (), (), tuple(unchanged), tuple(skipped), 0, old.manifest.count, time.perf_counter() - t0, False
            )
        keep = [*corpus.unchanged, *kept_stale] if old is not None else []  # a rebuild embeds every file again
        chunks, vectors, files, documents, embedded = _assemble(old, docs, keep, settings, embedder, progress)
        faiss_index, kind = build_faiss(vectors, embedder.dim, settings.hnsw_threshold)
        manifest = Manifest(SCHEMA_VERSION, embedder.id, embedder.dim, chunker, kind, len(chunks), files)
        save_index(settings.index_dir, manifest, chunks, faiss_index, documents)
    return IndexReport(
        tuple(added),
        tuple(changed),
        tuple(removed),
        tuple(unchanged),
        tuple(skipped),
        embedded,
        len(chunks),
        time.perf_counter() - t0,
        old is None,
        reason,
    )


def _previous_index(
    settings: Settings, embedder: Embedder, chunker: str, full: bool
) -> tuple[Index | None, dict[str, FileEntry], str | None]:
    """(the index to update in place or None, what was indexed before, why everything is rebuilt)."""
    if full:
        return None, {}, None
    try:
        old = load_index(settings.index_dir)
    except IndexMissingError:
        return None, {}, "no index yet; building it"
    except IndexMismatchError:  # written by another version of this program: its layout may differ
        reason = "the index was written by another version of this program; rebuilding the whole index"
        log.info(reason)
        return None, {}, reason
    except IndexDamagedError as exc:
        raise IndexDamagedError(f"{exc} (An incremental update cannot start from a damaged index.)") from None
    reason = rebuild_reason(old.manifest, embedder.id, chunker, embedder.dim)
    if reason:
        log.info(reason)  # the caller reports it (the CLI prints report.reason)
        return None, old.manifest.files, reason
    return old, old.manifest.files, None


def _assemble(
    old: Index | None,
    docs: list[Document],
    keep: list[str],
    settings: Settings,
    embedder: Embedder,
    progress: Progress | None,
) -> tuple[list[Chunk], np.ndarray, dict[str, FileEntry], list[Document], int]:
    """Keep the kept files' chunks, vectors and documents; chunk and embed the rest; order by file name."""
    kept = set(keep)
    kept_chunks: list[Chunk] = []
    kept_vectors = np.zeros((0, embedder.dim), dtype=np.float32)
    files: dict[str, FileEntry] = {}
    documents: list[Document] = []
    if old is not None and kept:
        rows = [i for i, c in enumerate(old.chunks) if c.doc in kept]
        kept_chunks = [old.chunks[i] for i in rows]
        kept_vectors = old.vectors()[rows] if rows else kept_vectors
        files.update({n: e for n, e in old.manifest.files.items() if n in kept})
        documents = [d for n, d in old.documents().items() if n in kept]
    new_chunks: list[Chunk] = []
    for d in docs:
        cs = chunk_document(d, settings.chunk_size, settings.chunk_overlap)
        new_chunks.extend(cs)
        files[d.doc] = FileEntry(d.sha256, len(cs), d.title, d.author, d.date, content_digest(d.text))
        documents.append(d)
    new_vectors = embed_chunks(embedder, new_chunks, progress)
    chunks = kept_chunks + new_chunks
    vectors = np.vstack([kept_vectors, new_vectors]) if len(new_chunks) else kept_vectors
    order = sorted(range(len(chunks)), key=lambda i: (chunks[i].doc, chunks[i].start, chunks[i].end))
    return [chunks[i] for i in order], vectors[order], files, documents, len(new_chunks)


def embed_chunks(embedder: Embedder, chunks: list[Chunk], progress: Progress | None = None) -> np.ndarray:
    """Embed chunk texts in batches, reporting progress."""
    parts = []
    total = len(chunks)
    if progress and total:
        progress(0, total)  # show the bar before the first batch is done
    for i in range(0, total, EMBED_BATCH):
        parts.append(embedder.encode_documents([c.text for c in chunks[i : i + EMBED_BATCH]]))
        if progress:
            progress(min(i + EMBED_BATCH, total), total)
    return np.vstack(parts) if parts else np.zeros((0, embedder.dim), dtype=np.float32)
