"""End-to-end on the PostgreSQL backend with the real default embedder and the bundled corpus (marked e2e):
the eval figures beside the FAISS backend's, and 20 users across two app processes, one reading from the primary
and one from the replica."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from rag.evaluate import load_set, run_eval, summarize
from rag.indexer import update_index
from rag.service import Assistant
from rag.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SETS = [ROOT / "eval" / "sets" / "dev.jsonl", ROOT / "eval" / "sets" / "test.jsonl"]
# Retrieval and answer quality (rates); quotes_per_answer is a count, compared in README but not bounded here.
METRICS = (
    "hit@1", "hit@5", "mrr@10", "ndcg@10", "answer_cites_relevant", "citation_precision", "answers_on_topic",
    "citation_validity", "false_abstention", "unanswerable_abstention",
)  # fmt: skip
pytestmark = pytest.mark.e2e


@pytest.fixture
def corpus(tmp_path, pg_database):
    """The bundled seeds in tmp, indexed with FAISS first and then into PostgreSQL (reusing the vectors)."""
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    faiss = Settings(seeds_dir=tmp_path / "seeds", index_dir=tmp_path / "index", feedback_log=tmp_path / "fb.jsonl")
    update_index(faiss)
    postgres = faiss.with_overrides(backend="postgres", database_url=pg_database[0])
    assert update_index(postgres).chunks_embedded == 0
    return faiss, postgres


def test_eval_on_postgres_is_within_003_of_faiss_on_every_retrieval_and_answer_metric(corpus):
    faiss, postgres = corpus
    questions = [q for path in SETS for q in load_set(path)]
    results = {}
    for settings in (faiss, postgres):
        judged = run_eval(Assistant(settings), questions)
        results[settings.backend] = {
            name: summarize([j for j in judged if name == "overall" or j.q.set == name])
            for name in ("overall", "dev", "test")
        }
    gaps = [
        f"{group} {m}: faiss {results['faiss'][group][m]:.3f}, postgres {results['postgres'][group][m]:.3f}"
        for group in ("overall", "dev", "test")
        for m in METRICS
        if abs(results["faiss"][group][m] - results["postgres"][group][m]) > 0.03
    ]
    assert not gaps, gaps


def test_twenty_users_across_an_app_on_the_primary_and_one_on_the_replica_get_cited_answers(
    corpus, pg_database, pg_servers, tmp_path
):
    from scripts.pg import wait_replayed
    from tests.test_load import QUESTIONS, _free_port, _wait_until_up, ask

    _, postgres = corpus
    wait_replayed(*pg_servers)
    apps, procs = [], []
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")  # no settings file of the developer's
    try:
        for name, reads in (("primary", ""), ("replica", pg_database[1])):
            port = _free_port()
            env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
            env.update(
                PYTHONPATH=str(ROOT), RAG_SEEDS_DIR=str(postgres.seeds_dir), RAG_INDEX_DIR=str(tmp_path / "unused"),
                RAG_BACKEND="postgres", RAG_DATABASE_URL=pg_database[0], RAG_DATABASE_READ_URLS=reads,
                RAG_PORT=str(port), RAG_HOST="127.0.0.1", RAG_CONFIG=str(tmp_path / "empty.toml"),
                RAG_FEEDBACK_LOG=str(tmp_path / f"fb-{name}.jsonl"), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
                GRADIO_ANALYTICS_ENABLED="False",
            )  # fmt: skip
            log = tmp_path / f"app-{name}.log"
            with open(log, "wb") as out:
                procs.append(
                    subprocess.Popen(
                        [sys.executable, str(ROOT / "app.py")],
                        cwd=tmp_path,
                        env=env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                    )
                )
            apps.append((f"http://127.0.0.1:{port}", log))
        for (url, log), proc in zip(apps, procs):
            _wait_until_up(url + "/", proc, log)
        samples, failures = [], []
        lock = threading.Lock()
        go = threading.Barrier(20)

        def user(u: int) -> None:
            url = apps[u % 2][0]
            with httpx.Client(base_url=url, timeout=90) as http:
                go.wait(timeout=60)
                for r in range(3):
                    try:
                        sample = ask(http, QUESTIONS[(u + r) % len(QUESTIONS)], u, r)  # the app's /ask endpoint
                    except Exception as exc:  # noqa: BLE001 - every failure is reported below
                        with lock:
                            failures.append(f"user {u} on {url}: {type(exc).__name__}: {exc}")
                        return
                    with lock:
                        samples.append(sample)

        threads = [threading.Thread(target=user, args=(u,), daemon=True) for u in range(20)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=240)
        assert not failures, failures[:3]
        assert len(samples) == 60, f"{len(samples)} answers in {time.monotonic() - t0:.0f} s"
        bad = [s for s in samples if s.event != "complete" or not s.answer["citations"]]
        assert not bad, bad[:3]
        for _, log in apps:
            assert "Traceback" not in log.read_text(errors="replace")
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=20)
