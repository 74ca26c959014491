"""Where a read goes: round-robin over the replicas, the primary when a replica is down or lags too far.

A replica's lag is `now() - pg_last_xact_replay_timestamp()` while it has WAL left to replay (0 when it has
replayed all it received), checked at most once a second. A replica that fails a query or a connection is
skipped for `DOWN_S` seconds; the query that failed runs again on the primary, so a caller never sees it.
"""

from __future__ import annotations

import itertools
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

log = logging.getLogger(__name__)
LAG_CHECK_S = 1.0  # how old a replica's measured lag may be before it is measured again
DOWN_S = 5.0  # how long a replica that failed is left alone
CONNECT_TIMEOUT_S = 2
LAG_SQL = """SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
    ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) END"""

Read = Callable[..., list[tuple]]
T = TypeVar("T")


def redact(url: str) -> str:
    """The URL without its password, for status output and logs."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


@dataclass
class Replica:
    url: str
    pool: object
    lag_s: float | None = None
    checked: float = 0.0
    down_until: float = 0.0
    error: str | None = None


def _pool(url: str, setup: str, max_size: int = 20):
    from psycopg_pool import ConnectionPool

    def configure(conn) -> None:
        conn.execute(setup)

    return ConnectionPool(
        url,
        min_size=1,
        max_size=max_size,
        kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT_S},
        configure=configure,
        check=ConnectionPool.check_connection,  # a server restarted since: reconnect instead of failing a query
        timeout=CONNECT_TIMEOUT_S * 2,
        open=True,
        name=redact(url),
    )


class Router:
    """Connection pools for the primary and each replica, and the choice of one per query."""

    def __init__(self, primary: str, replicas: tuple[str, ...], max_lag_s: float, setup: str = "SELECT 1") -> None:
        self.max_lag_s = max_lag_s
        self._setup = setup
        self._primary = None
        self._primary_url = primary
        self.replicas = [Replica(u, None) for u in replicas]
        self._turn = itertools.count()
        self._lock = threading.Lock()

    @property
    def primary(self):
        with self._lock:
            if self._primary is None:
                self._primary = _pool(self._primary_url, self._setup)
            return self._primary

    def _replica_pool(self, r: Replica):
        with self._lock:
            if r.pool is None:
                r.pool = _pool(r.url, self._setup)
            return r.pool

    def _usable(self, r: Replica) -> bool:
        now = time.monotonic()
        if now < r.down_until:
            return False
        if now - r.checked > LAG_CHECK_S:
            try:
                with self._replica_pool(r).connection(timeout=CONNECT_TIMEOUT_S) as conn:
                    r.lag_s = float(conn.execute(LAG_SQL).fetchone()[0])
                r.error = None
            except Exception as exc:  # noqa: BLE001 - any failure means: use the primary for now
                self._down(r, exc)
                return False
            r.checked = now
            if r.lag_s > self.max_lag_s:
                log.warning(
                    "replica %s lags %.1f s (limit %.1f s); reading from the primary",
                    redact(r.url),
                    r.lag_s,
                    self.max_lag_s,
                )
        return r.lag_s is not None and r.lag_s <= self.max_lag_s

    def _down(self, r: Replica, exc: Exception) -> None:
        r.down_until = time.monotonic() + DOWN_S
        r.error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
        log.warning("replica %s unavailable (%s); reading from the primary", redact(r.url), r.error)

    def _pick(self) -> Replica | None:
        n = len(self.replicas)
        start = next(self._turn)
        for i in range(n):
            r = self.replicas[(start + i) % n]
            if self._usable(r):
                return r
        return None

    def read(self, sql: str, params=None) -> list[tuple]:
        """Run one query on a usable replica, else (or when it fails there) on the primary."""
        r = self._pick() if self.replicas else None
        if r is not None:
            try:
                with self._replica_pool(r).connection(timeout=CONNECT_TIMEOUT_S) as conn:
                    return conn.execute(sql, params).fetchall()
            except Exception as exc:  # noqa: BLE001
                if not _is_connection_error(exc):
                    raise
                self._down(r, exc)
        return self.primary_read(sql, params)

    def primary_read(self, sql: str, params=None) -> list[tuple]:
        with self.primary.connection() as conn:
            return conn.execute(sql, params).fetchall()

    def on_one_server(self, fn: Callable[[Read], T]) -> T:
        """`fn(read)` with all its queries on one connection in one transaction (a consistent view); on a
        usable replica, or again on the primary when that replica fails."""

        def run(pool) -> T:
            with pool.connection(timeout=CONNECT_TIMEOUT_S * 2) as conn, conn.transaction():
                return fn(lambda sql, params=None: conn.execute(sql, params).fetchall())

        r = self._pick() if self.replicas else None
        if r is not None:
            try:
                return run(self._replica_pool(r))
            except Exception as exc:  # noqa: BLE001
                if not _is_connection_error(exc):
                    raise
                self._down(r, exc)
        return run(self.primary)

    def close(self) -> None:
        """Close every pool (their connections and worker threads)."""
        with self._lock:
            for pool in [self._primary] + [r.pool for r in self.replicas]:
                if pool is not None:
                    pool.close()
            self._primary = None
            for r in self.replicas:
                r.pool = None

    def replica_status(self) -> list[dict]:
        """Each replica: its URL (no password), whether reads go to it, and its lag in seconds."""
        out = []
        for r in self.replicas:
            r.checked = 0.0  # measure now
            r.down_until = 0.0
            usable = self._usable(r)
            out.append(
                {
                    "url": redact(r.url),
                    "state": "ok" if usable else ("lagging" if r.error is None else "down"),
                    "lag_s": None if r.lag_s is None or r.error else round(r.lag_s, 3),
                    "error": r.error,
                }
            )
        return out


def _is_connection_error(exc: Exception) -> bool:
    import psycopg
    from psycopg_pool import PoolTimeout

    return isinstance(exc, (psycopg.OperationalError, PoolTimeout)) and not isinstance(
        exc, psycopg.errors.QueryCanceled
    )
