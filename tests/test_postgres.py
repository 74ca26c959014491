"""What only the PostgreSQL backend has: moving a FAISS index in, schema versions, the advisory lock, kill -9 in
the middle of a transaction, and reads spread over replicas with the fall-back to the primary."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from rag.cli import main
from rag.embedders import HashEmbedder
from rag.errors import IndexMismatchError
from rag.indexer import update_index
from rag.search import search
from rag.service import Assistant
from rag.stores import close_stores, open_store
from rag.stores.postgres import PostgresStore
from tests.helpers import make_settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def pg_settings(tmp_path, pg_database):
    return make_settings(tmp_path, backend="postgres", database_url=pg_database[0])


def _sql(url: str, sql: str, params=None):
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.execute(sql, params)
        return cur.fetchall() if cur.description else None


def test_indexing_into_postgres_next_to_a_faiss_index_reuses_its_vectors(pg_settings, monkeypatch):
    faiss_settings = make_settings(Path(pg_settings.index_dir).parent)
    update_index(faiss_settings)
    calls: list[int] = []
    real = HashEmbedder.encode_documents
    monkeypatch.setattr(
        HashEmbedder, "encode_documents", lambda self, texts: calls.append(len(texts)) or real(self, texts)
    )
    report = update_index(pg_settings)
    assert report.full and report.total_chunks > 0
    assert report.chunks_embedded == 0 and calls == []  # not one passage embedded again
    pg_chunks, pg_vectors = open_store(pg_settings).load().passages_of(["a_zorg.txt", "b_data.md", "c_brieven.txt"])
    faiss_chunks, faiss_vectors = (
        open_store(faiss_settings).load().passages_of(["a_zorg.txt", "b_data.md", "c_brieven.txt"])
    )
    assert pg_chunks == faiss_chunks and np.allclose(pg_vectors, faiss_vectors, atol=1e-6)


def test_the_documents_table_keeps_each_files_hash_metadata_and_indexed_text(pg_settings):
    update_index(pg_settings)
    rows = _sql(pg_settings.database_url, "SELECT doc, sha256, title, author, chunks, text FROM documents ORDER BY doc")
    doc, sha, title, author, chunks, text = rows[1]
    assert doc == "b_data.md" and len(sha) == 64 and title == "Data en meetbaarheid" and author == "Anna de Vries"
    assert chunks > 0 and "Zonder betrouwbare data" in text
    for c in open_store(pg_settings).load().iter_chunks():
        full = next(r[5] for r in rows if r[0] == c.doc)
        assert full[c.start : c.end] == c.text  # offsets point into the stored text


@pytest.mark.parametrize(("version", "message"), [(99, "Upgrade rag"), (1, "Run `rag index` to rebuild it")])
def test_a_database_in_another_schema_version_is_refused_with_what_to_do(pg_settings, version, message):
    update_index(pg_settings)
    _sql(pg_settings.database_url, "UPDATE manifest SET schema_version = %s", (version,))
    if version == 1:  # schema 1 had no text_sha256, sections or pages: the version is checked before them
        _sql(pg_settings.database_url, "ALTER TABLE documents DROP COLUMN text_sha256, DROP COLUMN pages")
    with pytest.raises(IndexMismatchError, match=message):
        Assistant(pg_settings).index()
    if version == 1:  # an older database is rebuilt by a plain `rag index`, as an older index folder is
        report = update_index(pg_settings)
        assert report.full and "another version" in report.reason
        assert Assistant(pg_settings).index().manifest.schema_version == PostgresStore.schema_version == 3


def _cli(settings, *command: str) -> list[str]:
    return [*command, "--backend", "postgres", "--database-url", settings.database_url, "--embedder", "hash",
            "--seeds-dir", str(settings.seeds_dir), "--index-dir", str(settings.index_dir)]  # fmt: skip


@pytest.mark.parametrize(("version", "what_to_do"), [(99, "Upgrade rag"), (1, "Run `rag index` to rebuild it")])
def test_rag_status_on_another_schema_version_shows_the_backend_and_one_error_line(
    pg_settings, version, what_to_do, capsys
):
    update_index(pg_settings)
    _sql(pg_settings.database_url, "UPDATE manifest SET schema_version = %s", (version,))
    if version == 1:
        _sql(pg_settings.database_url, "ALTER TABLE documents DROP COLUMN text_sha256, DROP COLUMN pages")
    assert main(_cli(pg_settings, "status")) == 2
    out, err = capsys.readouterr()
    assert "backend       postgres" in out and "chunks_rows" in out and "None" not in out
    assert err.count("\n") == 1 and err.startswith("error: ") and what_to_do in err
    assert "Traceback" not in out + err
    assert main(_cli(pg_settings, "status", "--json")) == 2
    status = json.loads(capsys.readouterr().out)
    assert status["backend"] == "postgres" and status["documents_rows"] == 3 and what_to_do in status["error"]


@pytest.mark.parametrize("command", [["search", "klantreis"], ["ask", "Wat is een klantreis?"], ["show", "a_zorg.txt"]])
def test_every_command_on_a_newer_schema_prints_one_error_line_and_exits_2(pg_settings, command, capsys):
    update_index(pg_settings)
    _sql(pg_settings.database_url, "UPDATE manifest SET schema_version = 99")
    _sql(pg_settings.database_url, "ALTER TABLE manifest RENAME COLUMN chunker TO chunking")  # a layout we cannot read
    assert main(_cli(pg_settings, *command)) == 2
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and err.startswith("error: ") and "Upgrade rag" in err and out == ""


def test_a_manifest_table_that_rag_did_not_write_is_named_instead_of_a_traceback(pg_settings, capsys):
    _sql(pg_settings.database_url, "CREATE TABLE manifest (id int)")
    assert main(_cli(pg_settings, "search", "klantreis")) == 2
    assert "did not write (no schema_version)" in capsys.readouterr().err


def test_rag_status_shows_when_the_index_was_written_not_the_time_of_asking(pg_settings):
    update_index(pg_settings)
    written = Assistant(pg_settings).status()["last_indexed"]
    time.sleep(1.1)
    assert Assistant(pg_settings).status()["last_indexed"] == written


# Words whose forms PostgreSQL's `dutch` stemmer (Porter) and the files backend's (Snowball 3) group differently:
# "aankoop"/"aankopen", "aangevuld"/"aanvullen", "afgelopen"/"aflopen".
EXTRA = {
    "d_aankoop.txt": "Aankopen\n\nDe aankoop van software werd aangevuld met training. De aankopen liepen af.\n",
    "e_afloop.txt": "Afloop\n\nHet project is afgelopen. Contracten aflopen laten is een keuze. Werk werken werkt.\n",
    "f_lang.txt": "Lange tekst\n\n" + "Klantcontact vraagt aandacht en geduld van iedereen in de organisatie. " * 6,
}


def test_keyword_ranking_is_the_files_backends_bm25_passage_for_passage(tmp_path, pg_database):
    faiss_settings = make_settings(tmp_path / "f", use_dense=False)
    pg_settings = make_settings(tmp_path / "p", use_dense=False, backend="postgres", database_url=pg_database[0])
    for settings in (faiss_settings, pg_settings):
        for name, text in EXTRA.items():
            (settings.seeds_dir / name).write_text(text, encoding="utf-8")
        update_index(settings)
    faiss_index, pg_index = open_store(faiss_settings).load(), open_store(pg_settings).load()
    for query in ("aankopen aanvullen", "afloop aflopen", "werk werken werk", "klantcontact klanten", "terugbellen"):
        expected = search(faiss_index, None, query, faiss_settings, k=10)
        found = search(pg_index, None, query, pg_settings, k=10)
        assert [p.chunk.id for p in found] == [p.chunk.id for p in expected], query
        assert [p.bm25 for p in found] == pytest.approx([p.bm25 for p in expected], rel=1e-5), query


def test_document_frequencies_and_lengths_follow_every_add_change_and_removal(pg_settings):
    update_index(pg_settings)
    seeds = pg_settings.seeds_dir
    (seeds / "d_aankoop.txt").write_text(EXTRA["d_aankoop.txt"], encoding="utf-8")
    update_index(pg_settings)
    (seeds / "a_zorg.txt").write_text("Zorg\n\nWachttijden in de zorg dalen door terugbelsystemen.\n", "utf-8")
    (seeds / "c_brieven.txt").unlink()
    report = update_index(pg_settings)
    assert not report.full and report.removed == ("c_brieven.txt",) and report.changed == ("a_zorg.txt",)
    url = pg_settings.database_url
    kept = _sql(url, "SELECT lexeme, df, docs FROM terms ORDER BY lexeme")
    recount = _sql(
        url,
        "SELECT lexeme, count(*), count(DISTINCT c.doc) FROM keywords k JOIN chunks c ON c.id = k.id, unnest(k.tsv) "
        "GROUP BY lexeme ORDER BY lexeme",
    )
    assert kept == recount and not [r for r in kept if r[0] == "automatiser"]  # the removed letters' words are gone
    assert _sql(url, "SELECT terms_total, passages FROM manifest") == _sql(
        url, "SELECT sum(dl), count(*) FROM keywords"
    )


def test_a_second_rag_index_waits_for_the_first_and_says_so(pg_settings, caplog):
    update_index(pg_settings)
    (pg_settings.seeds_dir / "d_nieuw.txt").write_text("Nieuw\n\nEen artikel over wachtrijen.\n", "utf-8")
    holder = PostgresStore(pg_settings.database_url)  # another writer, as another process would be
    done = threading.Event()
    with caplog.at_level(logging.WARNING, logger="rag.stores.postgres"), holder.lock():
        worker = threading.Thread(target=lambda: (update_index(pg_settings), done.set()))
        worker.start()
        time.sleep(1.5)
        assert not done.is_set()  # blocked on the advisory lock
        assert "another `rag index` is writing to this database; waiting" in caplog.text
    worker.join(30)
    holder.close()
    assert done.is_set() and "d_nieuw.txt" in open_store(pg_settings).load().manifest.files


KILLED_INDEX = r"""
import os, sys, time
import rag.stores.postgres as pg
from rag.cli import main

real = pg.PostgresStore._insert

def insert(conn, update):
    real(conn, update)  # rows written inside the open transaction
    os.write(1, b"inserted\n")
    time.sleep(120)  # the test kills us here

pg.PostgresStore._insert = staticmethod(insert)
sys.exit(main(sys.argv[1:]))
"""


def test_kill_9_in_the_middle_of_a_postgres_reindex_loses_nothing(pg_settings, tmp_path):
    update_index(pg_settings)
    before = open_store(pg_settings).load()
    before_chunks = list(before.iter_chunks())
    (pg_settings.seeds_dir / "a_zorg.txt").write_text("Zorg\n\nHeel andere tekst over wachttijden.\n", "utf-8")
    (pg_settings.seeds_dir / "d_nieuw.txt").write_text("Nieuw\n\nEen nieuw artikel over klantreizen.\n", "utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")  # no settings file of the developer's
    env.update(PYTHONPATH=str(ROOT), RAG_CONFIG=str(tmp_path / "empty.toml"))
    args = ["index", "--backend", "postgres", "--database-url", pg_settings.database_url, "--embedder", "hash"]
    args += ["--seeds-dir", str(pg_settings.seeds_dir), "--index-dir", str(pg_settings.index_dir)]
    proc = subprocess.Popen([sys.executable, "-c", KILLED_INDEX, *args], env=env, stdout=subprocess.PIPE)
    try:
        assert proc.stdout.readline() == b"inserted\n"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
    close_stores()
    after = open_store(pg_settings).load()  # the old index, whole: same version, same passages
    assert after.version == before.version and list(after.iter_chunks()) == before_chunks
    assert (
        after.manifest.count
        == len(before_chunks)
        == _sql(pg_settings.database_url, "SELECT count(*) FROM chunks")[0][0]
    )
    report = update_index(pg_settings)  # the lock died with the process: the next run goes through
    assert report.added == ("d_nieuw.txt",) and report.changed == ("a_zorg.txt",)
    assert (
        search(open_store(pg_settings).load(), HashEmbedder(), "wachttijden", pg_settings, k=1)[0].chunk.doc
        == "a_zorg.txt"
    )


def test_reads_go_to_the_replica_and_to_the_primary_when_it_lags_too_far(pg_settings, pg_database, pg_servers):
    from scripts.pg import wait_replayed

    update_index(pg_settings)
    wait_replayed(*pg_servers)
    on_replica = pg_settings.with_overrides(database_read_urls=pg_database[1])
    store = open_store(on_replica)
    assert store.read("SELECT pg_is_in_recovery()") == [(True,)]
    assert store.status()["replicas"][0]["state"] == "ok"
    assert Assistant(on_replica).search("terugbelsystemen ziekenhuizen")[0].chunk.doc == "a_zorg.txt"
    strict = PostgresStore(pg_database[0], (pg_database[1],), max_lag_s=-1.0)  # any lag, even none, is too much
    assert strict.read("SELECT pg_is_in_recovery()") == [(False,)]
    assert strict.status()["replicas"][0]["state"] == "lagging"
    strict.close()


def test_rag_status_shows_the_backend_row_counts_and_each_replicas_lag(pg_settings, pg_database, pg_servers, capsys):
    from scripts.pg import wait_replayed

    update_index(pg_settings)
    wait_replayed(*pg_servers)
    args = ["status", "--json", "--backend", "postgres", "--database-url", pg_database[0]]
    args += ["--database-read-urls", pg_database[1], "--embedder", "hash", "--seeds-dir", str(pg_settings.seeds_dir)]
    assert main(args) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["backend"] == "postgres" and status["articles"] == 3
    assert status["chunks_rows"] == status["passages"] > 0 and status["documents_rows"] == 3
    (replica,) = status["replicas"]
    assert replica["state"] == "ok" and 0 <= replica["lag_s"] < 5


def test_queries_go_on_against_the_primary_when_a_replica_stops_mid_load(pg_settings, pg_database, pg_servers):
    from scripts import pg

    primary, _ = pg_servers
    update_index(pg_settings)
    port = _free_port()
    replica = pg.Server(primary.data.parent / f"replica-{port}", port)  # its own, so stopping it harms no other test
    pg.start_replica(primary, replica)
    try:
        pg.wait_replayed(primary, replica)
        url = replica.url.rsplit("/", 1)[0] + "/" + pg_database[0].rsplit("/", 1)[1]
        assistant = Assistant(pg_settings.with_overrides(database_read_urls=url))
        assert assistant.store.read("SELECT pg_is_in_recovery()") == [(True,)]
        errors: list[str] = []
        answered = [0]
        stop = threading.Event()

        def user() -> None:
            while not stop.is_set():
                try:
                    assert assistant.search("terugbelsystemen ziekenhuizen")[0].chunk.doc == "a_zorg.txt"
                    answered[0] += 1
                except Exception as exc:  # noqa: BLE001 - every failure is reported
                    errors.append(f"{type(exc).__name__}: {exc}")

        users = [threading.Thread(target=user) for _ in range(4)]
        for u in users:
            u.start()
        time.sleep(1.0)
        before = answered[0]
        pg.stop(replica, mode="immediate")
        time.sleep(3.0)
        stop.set()
        for u in users:
            u.join(30)
        assert not errors, errors[:3]
        assert before > 0 and answered[0] > before + 4  # kept answering after the replica went away
        assert assistant.store.read("SELECT pg_is_in_recovery()") == [(False,)]
        assert assistant.status()["replicas"][0]["state"] == "down"
    finally:
        pg.stop(replica, mode="immediate")


def _free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_search_statement_can_use_the_hnsw_and_gin_indexes(pg_settings):
    """The planner prefers a sequential scan on a table this small, so it is switched off: what is checked is that
    the statement's ORDER BY and @@ match the indexes (an operator of another opclass would fall back to a scan)."""
    import psycopg

    from rag.stores.postgres_sql import search_sql

    update_index(pg_settings)
    params = {
        "vec": "[" + ",".join(["0.0625"] * 256) + "]", "terms": ["terugbelsystem", "ziekenhuiz"], "qtf": [1, 1],
        "pool": 20, "k": 8, "rrf_k": 60, "w": 1.0, "n": 10, "avgdl": 10.0, "budget": 2000, "k1": 1.5, "b": 0.75,
        "authors": [],
    }  # fmt: skip
    with psycopg.connect(pg_settings.database_url, autocommit=True) as conn:
        conn.execute("SET enable_seqscan = off")
        plan = "\n".join(r[0] for r in conn.execute("EXPLAIN " + search_sql(True, True, False), params).fetchall())
        conn.execute("SET enable_indexscan = off")  # else a 5-row table is read in key order and filtered
        keyword_plan = "\n".join(r[0] for r in conn.execute("EXPLAIN " + search_sql(False, True, False), params))
    assert "Index Scan using chunks_embedding" in plan
    assert "Bitmap Index Scan on keywords_tsv" in keyword_plan


def test_document_share_comes_from_the_terms_table_without_reading_the_chunks(pg_settings, monkeypatch):
    from rag.stores.postgres import PostgresIndex

    update_index(pg_settings)
    index = open_store(pg_settings).load()
    monkeypatch.setattr(PostgresIndex, "iter_chunks", lambda self: pytest.fail("read every chunk"))
    assert index.document_share(["zorg", "zzgeenwoord"]) == {"zorg": 1 / 3, "zzgeenwoord": 0.0}
