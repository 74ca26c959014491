"""The store backends behind one contract (base.py): `faiss` (files, the default) and `postgres`."""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

from ..errors import InputError
from ..settings import Settings
from .base import Index, Store

BACKENDS = ("faiss", "postgres")


def open_store(settings: Settings) -> Store:
    """The store the settings point at; one per process and location, so connection pools are shared."""
    if settings.backend == "faiss":
        return _faiss_store(settings.index_dir, settings.hnsw_threshold)
    if settings.backend == "postgres":
        if not settings.database_url:
            raise InputError(
                "RAG_BACKEND=postgres needs RAG_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5433/rag; "
                "`make pg-up` starts a local one)."
            )
        reads = tuple(u.strip() for u in settings.database_read_urls.split(",") if u.strip())
        return _postgres_store(settings.database_url, reads, settings.max_replica_lag_s)
    raise InputError(f"Unknown backend {settings.backend!r}; use one of: {', '.join(BACKENDS)} (RAG_BACKEND).")


@lru_cache(maxsize=8)
def _faiss_store(index_dir: Path, hnsw_threshold: int) -> Store:
    from .faiss import FaissStore

    return FaissStore(index_dir, hnsw_threshold)


_OPEN: dict[tuple, Store] = {}
_OPEN_LOCK = threading.Lock()


def _postgres_store(url: str, read_urls: tuple[str, ...], max_lag_s: float) -> Store:
    from .postgres import PostgresStore

    key = (url, read_urls, max_lag_s)
    with _OPEN_LOCK:
        if key not in _OPEN:
            _OPEN[key] = PostgresStore(url, read_urls, max_lag_s)
        return _OPEN[key]


def close_stores() -> None:
    """Close every open store's connections (tests, and processes that switch databases)."""
    with _OPEN_LOCK:
        for store in _OPEN.values():
            store.close()
        _OPEN.clear()
    _faiss_store.cache_clear()


__all__ = ["BACKENDS", "Index", "Store", "close_stores", "open_store"]
