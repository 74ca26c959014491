"""The Assistant: one object the CLI and the app share. Holds settings, the loaded index and the embedder.

It reloads the index when another process swaps in a new version, so a running app keeps answering
from the old index until the swap and picks up the new one on the next question.

The indexer, the extractors and the models are imported by the methods that use them: `rag status` reads a
manifest and imports none of them (nor numpy).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .chunking import chunker_id
from .embedders import embedder_id
from .errors import IndexDamagedError, IndexMismatchError, IndexMissingError, InputError, RagError
from .settings import Settings
from .stores import Index, Store, open_store
from .stores.base import Manifest, rebuild_reason
from .types import Answer, Citation, Document, IndexReport, Passage, pages_of

if TYPE_CHECKING:
    from .embedders import Embedder
    from .indexer import Progress

log = logging.getLogger(__name__)


def validate_question(question: str, max_chars: int) -> str:
    """Strip the question; refuse empty, blank or oversized input with a message that says what to do."""
    if not isinstance(question, str) or not question.strip():
        raise InputError("The question is empty. Type a question, e.g. 'Should we have a separate CX strategy?'.")
    question = question.strip()
    if len(question) > max_chars:
        raise InputError(
            f"The question is too long ({len(question):,} characters; the limit is {max_chars:,}). "
            "Ask a shorter question; to add a document, add it as an article (in the app: Add article; else put it "
            "in the seeds dir and run `rag index`)."
        )
    return question


def with_pages(answer: Answer, index: Index) -> Answer:
    """The answer with each citation's PDF page(s), from the page offsets stored with the index."""
    if not any(p.chunk.pages for p in answer.passages):  # no PDF among the passages: nothing to look up
        return answer

    def paged(c: Citation) -> Citation:
        pages = pages_of(index.document(c.doc).pages, c.start, c.end)
        return dataclasses.replace(c, page=pages[0] if pages else None, pages=pages)

    return dataclasses.replace(answer, citations=tuple(paged(c) for c in answer.citations))


class Assistant:
    """Search and answer over the index in `settings.index_dir`; safe to share between threads."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._index: Index | None = None
        self._version: str | None = None
        self._lock = threading.Lock()

    @property
    def embedder(self) -> Embedder:
        from .embedders import get_embedder

        return get_embedder(self.settings.embedder)

    @property
    def store(self) -> Store:
        """Where the index lives (files or PostgreSQL); the rest of the program does not care which."""
        return open_store(self.settings)

    def _where(self) -> str:
        return str(self.settings.index_dir) if self.settings.backend == "faiss" else "the database"

    def index(self) -> Index:
        """The current index, reloaded if a newer version was swapped in since the last call."""
        version = self.store.version()
        if version is None:
            raise IndexMissingError(f"No index in {self._where()}. Run `rag index` to build it.")
        if version != self._version:
            with self._lock:
                if version != self._version:
                    index = self.store.load()
                    self._check(index)
                    # load() reads the version again: record what was actually loaded.
                    self._index, self._version = index, index.version or version
        assert self._index is not None
        return self._index

    def _check(self, index: Index) -> None:
        """Refuse an index built with other settings; the message says what to run."""
        mismatch = self._mismatch(index.manifest, self.embedder.id, self.embedder.dim)
        if mismatch:
            raise IndexMismatchError(mismatch)

    def _mismatch(self, manifest: Manifest, embedder: str | None = None, dim: int | None = None) -> str | None:
        """What differs between the index and the settings, or None. Without a loaded embedder, by name only."""
        if manifest.schema_version != self.store.schema_version:
            return (
                f"The index was written by another version of this program (schema {manifest.schema_version}; "
                f"this one reads {self.store.schema_version}). Run `rag index` to rebuild it."
            )
        reason = rebuild_reason(manifest, embedder or embedder_id(self.settings.embedder), self._chunker, dim)
        if not reason:
            return None
        return (
            f"The index does not match the settings: {reason.split(';')[0]}. Run `rag index` with these "
            "settings to rebuild it, or use the settings it was built with (embedder, chunk size, overlap)."
        )

    @property
    def _chunker(self) -> str:
        return chunker_id(self.settings.chunk_size, self.settings.chunk_overlap)

    def ensure_index(self, progress: Progress | None = None, rebuild_stale: bool = False) -> IndexReport | None:
        """Build the index if it is missing (or, with `rebuild_stale`, built with other settings).

        Read commands never rewrite an index built with other settings (others may share it); only the app's
        start-up passes `rebuild_stale`, so `make run` keeps working after the defaults change.
        """
        if self.store.version() is not None:
            if not rebuild_stale:  # refuse a stale index from its manifest; the first question loads it
                mismatch = self._mismatch(self.store.peek())
                if mismatch:
                    raise IndexMismatchError(mismatch)
                return None
            try:
                self.index()
                return None
            except IndexMismatchError as exc:
                if not rebuild_stale:
                    raise
                log.warning("%s", str(exc).split(". Run")[0] + "; rebuilding it.")
        return self.reindex(progress=progress)

    def reindex(self, full: bool = False, progress: Progress | None = None) -> IndexReport:
        """Incremental (or full) update, then switch to the new version."""
        from .indexer import update_index

        report = update_index(self.settings, full=full, progress=progress)
        self.index()
        return report

    def _searchable(self) -> Index:
        """The current index, which must hold passages: an empty one (an empty seeds folder) has nothing to search."""
        index = self.index()
        if index.manifest.count == 0:
            raise IndexMissingError(
                f"No articles are indexed yet: put .txt, .md, .html, .pdf or .docx files in {self.settings.seeds_dir} "
                "and run `rag index` (or upload one in the app)."
            )
        return index

    def load(self) -> float:
        """Load what answering needs once per process or index version (index, model, BM25, the Dutch words English
        questions are read with); milliseconds taken."""
        t0 = time.perf_counter()
        index = self._searchable()
        self.embedder  # noqa: B018 - loads the model
        if self.settings.use_bm25:
            index.prepare()
        if self.settings.translate_queries and self.settings.corpus_lang == "nl":
            from .neighbours import for_corpus

            for_corpus(index, self.embedder)  # Dutch word vectors for English questions: built once per machine
        return (time.perf_counter() - t0) * 1000

    def indexed_copy(self, name: str, data: bytes) -> tuple[str, str] | None:
        """(file name, title) of the indexed file with the same bytes or the same extracted text as the upload
        `name`, or None (also when it cannot be read or there is no index)."""
        from .corpus import content_digest, file_hash
        from .extract import ExtractError, extract

        try:
            files = sorted(self.index().manifest.files.items())
            digest = file_hash(data)
            if hit := next(((n, e.title) for n, e in files if e.sha256 == digest), None):
                return hit
            text_hash = content_digest(extract(name, data, self.settings.max_upload_bytes).text)
        except (ExtractError, RagError):  # not readable, or no usable index: nothing to be a copy of
            return None
        return next(((n, e.title) for n, e in files if e.text_sha256 == text_hash), None)

    def search(self, query: str, k: int | None = None, authors: tuple[str, ...] = ()) -> list[Passage]:
        """Validated hybrid search."""
        from .search import search

        query = validate_question(query, self.settings.max_question_chars)
        return search(self._searchable(), self.embedder, query, self.settings, k=k, authors=authors)

    def ask(self, question: str, k: int | None = None, history: list[str] | None = None) -> Answer:
        """Answer with citations (extractive by default, generative when an LLM endpoint is configured)."""
        final = None
        for event in self.ask_stream(question, k=k, history=history):
            if isinstance(event, Answer):
                final = event
        assert final is not None
        return final

    def ask_stream(
        self, question: str, k: int | None = None, history: list[str] | None = None
    ) -> Iterator[str | Answer]:
        """Yield partial answer texts while generating, then the final Answer.

        The Answer's `latency_ms` is retrieval and answering only; `load_ms` is the one-off loading before it
        (model, index, BM25), close to 0 once they are loaded."""
        from .answer import answer_question

        question = validate_question(question, self.settings.max_question_chars)
        load_ms = self.load()
        t0 = time.perf_counter()
        index = self.index()
        events = answer_question(index, self.embedder, question, self.settings, k=k, history=history or [], t0=t0)
        for event in events:
            yield with_pages(dataclasses.replace(event, load_ms=load_ms), index) if isinstance(event, Answer) else event

    def document(self, doc: str) -> Document:
        """An indexed document with the text its offsets point into (for `rag show` and the app's viewer)."""
        return self.index().document(doc)

    def status(self) -> dict:
        """Backend, articles, passages, embedder, when the index was last written (from the manifest alone: fast),
        and for PostgreSQL the row counts and each replica's lag."""
        error = None
        try:
            m = self.store.peek()
        except IndexMissingError:
            m = None
        except (IndexMismatchError, IndexDamagedError) as exc:  # e.g. a database in another schema version
            m, error = None, str(exc)
        if m is None:
            return {
                "backend": self.settings.backend,
                "articles": None if error else 0,  # unknown when the index cannot be read
                "passages": None if error else 0,
                "embedder": self.settings.embedder,
                "last_indexed": None,
                "index_type": None,
                **self.store.status(),
                "error": error,  # the index cannot be read by this program: what to do, in one line
            }
        return {
            "backend": self.settings.backend,
            "articles": len(m.files),
            "passages": m.count,
            "embedder": m.embedder,
            "index_type": m.index_type,
            "last_indexed": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(m.created)),
            **self.store.status(),
            "seeds_dir": str(self.settings.seeds_dir),
            "warning": self._mismatch(m),  # still shows what is indexed
        }
