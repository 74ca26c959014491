"""Build or incrementally update the index: only added or changed files are embedded."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import numpy as np

from .chunking import chunk_document, chunker_id
from .corpus import content_digest, read_corpus
from .embedders import Embedder, get_embedder
from .errors import IndexDamagedError, IndexMismatchError, InputError, RagError
from .settings import Settings
from .stores import Index, Store, open_store
from .stores.base import FileEntry, Manifest, Update, rebuild_reason
from .types import Chunk, Document, IndexReport

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (passages embedded so far, passages to embed)
EMBED_BATCH = 256


def update_index(settings: Settings, full: bool = False, progress: Progress | None = None) -> IndexReport:
    """Bring the index in line with the seeds dir; embeds only what changed unless `full` or settings changed.

    A file is extracted again only when its bytes changed (content hash), so unchanged PDFs are not re-read."""
    t0 = time.perf_counter()
    embedder = get_embedder(settings.embedder)
    chunker = chunker_id(settings.chunk_size, settings.chunk_overlap)
    store = open_store(settings)
    with store.lock():
        old, previous, reason = _previous_manifest(store, embedder, chunker, full)
        known = {n: e.sha256 for n, e in old.files.items()} if old is not None else None
        texts = {n: e.text_sha256 for n, e in old.files.items()} if old is not None else None
        # of two files with the same bytes, the one indexed before stays, also on a full rebuild (`--full`, a new version)
        before = {n: e.sha256 for n, e in (previous or _indexed_files(store)).items()}
        corpus = read_corpus(settings.seeds_dir, settings.max_file_bytes, known, texts, before)
        docs, skipped = corpus.documents, corpus.skipped
        full = old is None
        old_files = old.files if old else {}
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
                (), (), (), tuple(unchanged), tuple(skipped), 0, old.count, time.perf_counter() - t0, False
            )
        keep = {*corpus.unchanged, *kept_stale} if old is not None else set()  # a rebuild embeds every file again
        todo = [d for d in docs if d.doc not in keep]
        files = {n: e for n, e in old_files.items() if n in keep}
        chunks: list[Chunk] = []
        for d in todo:
            cs = chunk_document(d, settings.chunk_size, settings.chunk_overlap)
            chunks.extend(cs)
            files[d.doc] = FileEntry(d.sha256, len(cs), d.title, d.author, d.date, content_digest(d.text))
        donor = _donor(settings, store, embedder, chunker) if full else None
        vectors, embedded = _vectors(chunks, todo, donor, embedder, progress)
        count = sum(e.chunks for e in files.values())
        manifest = Manifest(store.schema_version, embedder.id, embedder.dim, chunker, "", count, files)
        delete = tuple(sorted(set(changed) | set(removed)))
        store.write(Update(manifest, delete, chunks, vectors, tuple(todo), full))
    return IndexReport(
        tuple(added),
        tuple(changed),
        tuple(removed),
        tuple(unchanged),
        tuple(skipped),
        embedded,
        count,
        time.perf_counter() - t0,
        old is None,
        reason,
    )


def _donor(settings: Settings, store: Store, embedder: Embedder, chunker: str) -> Index | None:
    """The FAISS index of the same corpus, when building in another backend with the same embedder and chunker.

    `rag index --backend postgres` next to an existing FAISS index reuses its vectors instead of embedding
    every passage again.
    """
    if store.kind == "faiss":
        return None
    other = settings.with_overrides(backend="faiss")
    try:
        donor_store = open_store(other)
        manifest = donor_store.manifest()
        if manifest is None or rebuild_reason(manifest, embedder.id, chunker, embedder.dim):
            return None
        return donor_store.load()
    except RagError as exc:  # an unreadable donor only means embedding everything
        log.info("not reusing vectors from the %s index: %s", other.backend, exc)
        return None
    except Exception as exc:  # noqa: BLE001 - e.g. the donor database is down; embedding still works
        log.info("not reusing vectors from the %s index: %s: %s", other.backend, type(exc).__name__, exc)
        return None


def _vectors(
    chunks: list[Chunk], docs: list[Document], donor: Index | None, embedder: Embedder, progress: Progress | None
) -> tuple[np.ndarray, int]:
    """Vectors for `chunks`: taken from the donor where it holds the same file text and chunk, else embedded."""
    reuse: dict[tuple[str, int, int, str], np.ndarray] = {}
    if donor is not None:
        same = [d.doc for d in docs if d.doc in donor.manifest.files and donor.manifest.files[d.doc].sha256 == d.sha256]
        old_chunks, old_vectors = donor.passages_of(same)
        reuse = {(c.doc, c.start, c.end, c.text): v for c, v in zip(old_chunks, old_vectors)}
    missing = [c for c in chunks if (c.doc, c.start, c.end, c.text) not in reuse]
    if donor is not None:
        log.info("reusing %d vectors from the existing index; embedding %d", len(chunks) - len(missing), len(missing))
    fresh = dict(zip((c.id for c in missing), embed_chunks(embedder, missing, progress)))
    if not chunks:
        return np.zeros((0, embedder.dim), dtype=np.float32), 0
    rows = [reuse.get((c.doc, c.start, c.end, c.text)) for c in chunks]
    vectors = np.vstack([r if r is not None else fresh[c.id] for r, c in zip(rows, chunks)]).astype(np.float32)
    return vectors, len(missing)


def _indexed_files(store: Store) -> dict[str, FileEntry]:
    """The files the store's current index holds, or none when it cannot be read (a full rebuild needs no more)."""
    try:
        manifest = store.manifest()
    except RagError:
        return {}
    return manifest.files if manifest is not None else {}


def _previous_manifest(
    store: Store, embedder: Embedder, chunker: str, full: bool
) -> tuple[Manifest | None, dict[str, FileEntry], str | None]:
    """(the manifest to update in place from or None, what was indexed before, why everything is rebuilt)."""
    if full:
        return None, {}, None
    try:
        old = store.manifest()
    except IndexMismatchError:  # written by another version of this program: its layout may differ
        reason = "the index was written by another version of this program; rebuilding the whole index"
        log.info(reason)
        return None, {}, reason
    except IndexDamagedError as exc:
        raise IndexDamagedError(f"{exc} (An incremental update cannot start from a damaged index.)") from None
    if old is None:
        return None, {}, "no index yet; building it"
    reason = rebuild_reason(old, embedder.id, chunker, embedder.dim)
    if reason:
        log.info(reason)  # the caller reports it (the CLI prints report.reason)
        return None, old.files, reason
    return old, old.files, None


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
