"""The PostgreSQL + pgvector backend: the index in three tables, hybrid search in one SQL statement.

Writes go to the primary (RAG_DATABASE_URL) in one transaction each, serialised across processes by an
advisory lock; reads are spread round-robin over the replicas (RAG_DATABASE_READ_URLS) and fall back to the
primary when a replica is down or lags more than RAG_MAX_REPLICA_LAG_S (replicas.py). Nothing here loads
the chunk table whole: search, one chunk, the author list and the manifest are each one small query.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

import numpy as np

from ..errors import DependencyError, IndexDamagedError, IndexMismatchError, IndexMissingError
from ..types import Chunk, Document, Page, Passage, Section
from .base import FIX, FileEntry, Index, Manifest, SearchRequest, Store, Update, not_indexed
from .postgres_sql import (
    BM25_B,
    BM25_CANDIDATES,
    BM25_K1,
    CHUNK_COLUMNS,
    CHUNK_FIELDS,
    OF_DOCS,
    SCHEMA,
    SEARCH_INDEXES,
    TERMS_ADD,
    TERMS_REMOVE,
    keyword_terms,
    passage_terms,
    search_sql,
    tsvector_literal,
)
from .replicas import Router, redact

log = logging.getLogger(__name__)
SCHEMA_VERSION = 3  # 2: documents keep text_sha256, format, sections, pages; 3: keyword terms as the files backend's
LOCK_KEY = 0x7261_6731  # "rag1": the advisory lock every `rag index` on this database takes
REBUILD_INDEXES_FROM = 5_000  # passages in one write above which the HNSW/GIN indexes are rebuilt, not updated
HNSW_EF_SEARCH = 100  # candidates the HNSW scan keeps; 40 (the default) loses recall at 100k passages


def _psycopg():
    try:
        import psycopg
    except ImportError:
        raise DependencyError(
            "RAG_BACKEND=postgres needs `pip install -e '.[postgres]'` (run `make install`)."
        ) from None
    return psycopg


def _vector_text(v: np.ndarray) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in np.asarray(v, dtype=np.float32)) + "]"


def _foreign_manifest() -> IndexMismatchError:
    return IndexMismatchError(
        "The database has a `manifest` table that this program did not write (no schema_version). "
        "Point RAG_DATABASE_URL at another database, or drop that table and run `rag index`."
    )


N = len(CHUNK_FIELDS)  # the columns after a chunk's in a row: scores, or the embedding


def _chunk(row) -> Chunk:
    fields = dict(zip(CHUNK_FIELDS, row[:N]))
    return Chunk(**{**fields, "pages": tuple(fields["pages"] or ())})


@dataclass
class PostgresIndex(Index):
    """One generation of the index in the database; every read is a query (spread over the replicas)."""

    store: PostgresStore
    manifest: Manifest
    version: str
    avgdl: float = 1.0  # BM25's average passage length in terms
    cache: dict = field(default_factory=dict)

    def search(self, request: SearchRequest) -> list[Passage]:
        dense = request.vector is not None
        terms = Counter(keyword_terms(request.text)) if request.use_bm25 else Counter()
        lexical = bool(terms) and not (dense and request.bm25_weight == 0)  # as the files backend
        if not (dense or lexical):
            return []
        params = {
            "vec": _vector_text(request.vector) if dense else None,
            "pool": request.pool,
            "k": request.k,
            "rrf_k": request.rrf_k,
            "w": request.bm25_weight if dense else 1.0,
            "terms": list(terms),
            "qtf": list(terms.values()),  # a term repeated in the question counts as often (as bm25s)
            "n": max(self.manifest.count, 1),
            "avgdl": max(self.avgdl, 1.0),
            "budget": BM25_CANDIDATES,
            "k1": BM25_K1,
            "b": BM25_B,
            "authors": list(request.authors),
        }
        rows = self.store.read(search_sql(dense, lexical, bool(request.authors)), params)
        return [
            Passage(rank, _chunk(r), float(r[N]), None if r[N + 1] is None else float(r[N + 1]), r[N + 2])
            for rank, r in enumerate(rows, start=1)
        ]

    def chunk(self, chunk_id: str) -> Chunk | None:
        rows = self.store.read(f"SELECT {CHUNK_COLUMNS} FROM chunks WHERE id = %s", (chunk_id,))
        return _chunk(rows[0]) if rows else None

    def document(self, doc: str) -> Document:
        rows = self.store.read(
            "SELECT doc, text, sha256, title, author, date, source, url, format, sections, pages "
            "FROM documents WHERE doc = %s",
            (doc,),
        )
        if not rows:
            names = self.store.read("SELECT doc FROM documents ORDER BY doc LIMIT 6")
            raise not_indexed(doc, [r[0] for r in names])
        *head, fmt, sections, pages = rows[0]
        return Document(
            *head,
            sections=tuple(Section(**x) for x in sections),
            format=fmt,
            pages=tuple(Page(**x) for x in pages),
        )

    def authors(self) -> list[str]:
        if "authors" not in self.cache:
            rows = self.store.read(
                "SELECT DISTINCT author FROM chunks WHERE author IS NOT NULL AND author NOT LIKE '%,%'"
            )
            self.cache["authors"] = sorted(r[0] for r in rows)
        return self.cache["authors"]

    def passages_of(self, docs: Iterable[str]) -> tuple[list[Chunk], np.ndarray]:
        rows = self.store.read(
            f"SELECT {CHUNK_COLUMNS}, embedding::text FROM chunks WHERE doc = ANY(%s) ORDER BY doc, start_off, end_off",
            (list(docs),),
        )
        vectors = [np.array(r[N][1:-1].split(","), dtype=np.float32) for r in rows]
        return [_chunk(r) for r in rows], (
            np.vstack(vectors) if vectors else np.zeros((0, self.manifest.dim), np.float32)
        )

    def chunks_of(self, doc: str) -> list[Chunk]:
        rows = self.store.read(f"SELECT {CHUNK_COLUMNS} FROM chunks WHERE doc = %s ORDER BY start_off, end_off", (doc,))
        return [_chunk(r) for r in rows]

    def document_share(self, terms: Iterable[str]) -> dict[str, float]:
        """From the `terms` table (files per term, kept by every write): one small query, no chunk read."""
        known = self.cache.setdefault("document_share", {})
        missing = sorted(set(terms) - known.keys())
        if missing:
            rows = self.store.read(
                "SELECT q.t, coalesce(s.docs, 0), (SELECT count(*) FROM documents) FROM unnest(%s::text[]) q (t) "
                "LEFT JOIN terms s ON s.lexeme = q.t",
                (missing,),
            )
            known.update({t: docs / total if total else 0.0 for t, docs, total in rows})
        return {t: known[t] for t in terms}

    def iter_chunks(self) -> Iterator[Chunk]:
        rows = self.store.read(f"SELECT {CHUNK_COLUMNS} FROM chunks ORDER BY doc, start_off, end_off")
        return (_chunk(r) for r in rows)


class PostgresStore(Store):
    """The index in a PostgreSQL database with pgvector; see the module docstring."""

    kind = "postgres"
    schema_version = SCHEMA_VERSION

    def __init__(self, url: str, read_urls: tuple[str, ...] = (), max_lag_s: float = 5.0) -> None:
        _psycopg()
        self.url = url
        self.router = Router(url, read_urls, max_lag_s, setup=f"SET hnsw.ef_search = {HNSW_EF_SEARCH}")
        self._writer = threading.Lock()  # one writer per process; the advisory lock covers other processes
        self._conn = None  # the primary connection that holds the advisory lock during an update

    # -- reading -------------------------------------------------------------------------------------------
    def read(self, sql: str, params=None) -> list[tuple]:
        """Run a query on a replica (round-robin, within the lag limit) or on the primary."""
        return self.router.read(sql, params)

    def version(self) -> str | None:
        try:
            rows = self.read("SELECT schema_version, generation FROM manifest")
        except _psycopg().errors.UndefinedTable:
            return None
        except _psycopg().errors.UndefinedColumn:
            raise _foreign_manifest() from None
        return f"{rows[0][0]}.{rows[0][1]}" if rows else None

    @staticmethod
    def _check_version(version: int) -> None:
        if version != SCHEMA_VERSION:
            newer = version > SCHEMA_VERSION
            raise IndexMismatchError(
                f"The database holds the index in schema version {version}; this program uses {SCHEMA_VERSION}. "
                + (
                    "Upgrade rag (`git pull && make install`) to read it."
                    if newer
                    else "Run `rag index` to rebuild it in the current schema."
                )
            )

    def _manifest(self, rows_meta, rows_files) -> Manifest:
        version, embedder, dim, chunker, passages, _generation, updated = rows_meta
        files = {d: FileEntry(*rest) for d, *rest in rows_files}
        return Manifest(version, embedder, dim, chunker, "hnsw", passages, files, created=updated)

    def _read_manifest(self, read) -> Manifest | None:
        try:  # the version alone first: another schema's manifest or documents table may lack the other columns
            version = read("SELECT schema_version FROM manifest", None)
        except _psycopg().errors.UndefinedTable:
            return None
        except _psycopg().errors.UndefinedColumn:
            raise _foreign_manifest() from None
        if not version:
            return None
        self._check_version(version[0][0])
        meta = read("SELECT schema_version, embedder, dim, chunker, passages, generation, updated FROM manifest", None)
        files = read("SELECT doc, sha256, chunks, title, author, date, text_sha256 FROM documents ORDER BY doc", None)
        return self._manifest(meta[0], files)

    def load(self) -> PostgresIndex:
        def read_all(read):  # manifest and generation from one server in one transaction
            manifest = self._read_manifest(read)
            return manifest, manifest and read("SELECT generation, terms_total::float / passages FROM manifest")[0]

        manifest, extra = self.router.on_one_server(read_all)
        if manifest is None:
            raise IndexMissingError("No index in the database. Run `rag index` to build it.")
        generation, avgdl = extra
        return PostgresIndex(self, manifest, f"{manifest.schema_version}.{generation}", avgdl or 1.0)

    def manifest(self) -> Manifest | None:
        """From the primary: the indexer decides what to embed against what was last written."""
        return self._read_manifest(self.router.primary_read)

    # -- writing -------------------------------------------------------------------------------------------
    @contextmanager
    def lock(self) -> Iterator[None]:
        psycopg = _psycopg()
        with self._writer:
            conn = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
            try:
                if not conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()[0]:
                    log.warning("another `rag index` is writing to this database; waiting for it to finish")
                    conn.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
                self._conn = conn
                yield
            finally:
                self._conn = None
                conn.close()  # closing the session releases the advisory lock (as does a killed process)

    def write(self, update: Update) -> None:
        """Deletes, inserts and the manifest in one transaction: readers see the old or the new index."""
        if self._conn is None:
            with self.lock():
                return self.write(update)
        from pgvector.psycopg import register_vector

        conn = self._conn
        m = update.manifest
        with conn.transaction():
            current = self._schema_state(conn)
            if current is None or (update.full and current != (SCHEMA_VERSION, m.dim)):
                if current is not None and current[0] > SCHEMA_VERSION:
                    raise IndexMismatchError(
                        f"The database holds schema version {current[0]}, newer than this program's "
                        f"{SCHEMA_VERSION}. Upgrade rag (`git pull && make install`); the index was left as it was."
                    )
                conn.execute("DROP TABLE IF EXISTS keywords, chunks, documents, manifest, terms")
                conn.execute(SCHEMA.format(dim=m.dim))
                conn.execute(SEARCH_INDEXES)
            elif current[0] != SCHEMA_VERSION:
                raise IndexMismatchError(
                    f"The database holds schema version {current[0]}; this program uses {SCHEMA_VERSION}. {FIX}"
                )
            register_vector(conn)
            bulk = update.full or len(update.chunks) >= REBUILD_INDEXES_FROM
            if bulk:  # building the HNSW and GIN indexes once is much faster than updating them row by row
                conn.execute("DROP INDEX IF EXISTS chunks_embedding, keywords_tsv")
            passages, terms_total = self._remove(conn, update)
            terms_total += self._insert(conn, update)
            passages += len(update.chunks)
            conn.execute(TERMS_ADD, (sorted({c.doc for c in update.chunks}),))
            if bulk:
                conn.execute(SEARCH_INDEXES)
            if passages != m.count:
                raise IndexDamagedError(f"Wrote {passages} passages but the manifest counts {m.count}. {FIX}")
            conn.execute(
                """INSERT INTO manifest VALUES (1, %s, %s, %s, %s, %s, %s, 1, %s) ON CONFLICT (id) DO UPDATE SET
                   schema_version = excluded.schema_version, embedder = excluded.embedder, dim = excluded.dim,
                   chunker = excluded.chunker, passages = excluded.passages, terms_total = excluded.terms_total,
                   generation = manifest.generation + 1, updated = excluded.updated""",
                (SCHEMA_VERSION, m.embedder, m.dim, m.chunker, passages, terms_total, time.time()),
            )
        if bulk or len(update.chunks) * 10 >= passages:
            # Fresh statistics so the planner picks the HNSW and GIN indexes on a table that grew a lot; for a
            # small change autovacuum's own ANALYZE is enough (at 100k passages this one costs seconds).
            conn.execute("ANALYZE chunks, keywords")

    @staticmethod
    def _schema_state(conn) -> tuple[int, int] | None:
        if conn.execute("SELECT to_regclass('manifest') IS NULL OR to_regclass('chunks') IS NULL").fetchone()[0]:
            return None
        row = conn.execute("SELECT schema_version, dim FROM manifest").fetchone()
        return (row[0], row[1]) if row else None

    @staticmethod
    def _remove(conn, update: Update) -> tuple[int, int]:
        """Delete the files the update removes or replaces (their passages and document frequencies go with them);
        the passages and terms left."""
        if update.full:
            conn.execute("DELETE FROM terms")
            conn.execute("DELETE FROM documents")
            return 0, 0
        # Set arithmetic here: `NOT doc = ANY(all files)` in SQL compares every row with every file (10k x 10k).
        deleted, kept = set(update.delete), update.manifest.files
        present = [r[0] for r in conn.execute("SELECT doc FROM documents").fetchall()]
        gone = [d for d in present if d in deleted or d not in kept]
        passages, terms_total = conn.execute("SELECT passages, terms_total FROM manifest").fetchone() or (0, 0)
        if gone:
            removed = conn.execute(f"SELECT count(*), coalesce(sum(k.dl), 0) FROM {OF_DOCS}", (gone,))
            n, dl = removed.fetchone()
            passages, terms_total = passages - n, terms_total - dl
            conn.execute(TERMS_REMOVE, (gone,))
            conn.execute("DELETE FROM terms WHERE df <= 0")
            conn.execute("DELETE FROM documents WHERE doc = ANY(%s)", (gone,))
        return passages, terms_total

    @staticmethod
    def _insert(conn, update: Update) -> int:
        """COPY the update's new documents and passages; the terms they add (BM25's lengths)."""
        present = {r[0] for r in conn.execute("SELECT doc FROM documents").fetchall()}
        texts = {d.doc: d for d in update.documents}
        with conn.cursor().copy(
            "COPY documents (doc, sha256, text_sha256, chunks, title, author, date, source, url, format, text, "
            "sections, pages) FROM STDIN"
        ) as copy:
            for name, e in update.manifest.files.items():
                if name in present:
                    continue
                d = texts.get(name)
                if d is None:
                    raise IndexDamagedError(f"No text for {name} in this update (its passages were kept). {FIX}")
                copy.write_row(
                    (
                        name,
                        e.sha256,
                        e.text_sha256,
                        e.chunks,
                        e.title,
                        e.author,
                        e.date,
                        d.source,
                        d.url,
                        d.format,
                        d.text,
                        json.dumps([asdict(x) for x in d.sections]),
                        json.dumps([asdict(x) for x in d.pages]),
                    )
                )
        total = 0
        columns = f"{CHUNK_COLUMNS}, embedding"
        with conn.cursor().copy(f"COPY chunks ({columns}) FROM STDIN WITH (FORMAT BINARY)") as copy:
            copy.set_types(
                ["text", "text", "int4", "int4", "int4", "text", "text", "text", "text", "text", "int4[]", "vector"]
            )
            for c, v in zip(update.chunks, np.asarray(update.vectors, dtype=np.float32)):
                copy.write_row((*(getattr(c, f) for f in CHUNK_FIELDS[:-1]), list(c.pages), v))
        with conn.cursor().copy("COPY keywords (id, dl, tsv) FROM STDIN") as copy:
            for c in update.chunks:
                terms = passage_terms(c.title, c.text)
                total += len(terms)
                copy.write_row((c.id, len(terms), tsvector_literal(terms)))
        return total

    def close(self) -> None:
        self.router.close()

    # -- status --------------------------------------------------------------------------------------------
    def status(self) -> dict:
        out: dict = {"database": redact(self.url)}
        try:
            row = self.router.primary_read(
                "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM chunks)", None
            )[0]
            out.update(documents_rows=row[0], chunks_rows=row[1])
        except _psycopg().errors.UndefinedTable:
            out.update(documents_rows=0, chunks_rows=0)
        except _psycopg().OperationalError as exc:
            out["error"] = f"primary unreachable: {str(exc).strip().splitlines()[0]}"
        out["replicas"] = self.router.replica_status()
        return out
