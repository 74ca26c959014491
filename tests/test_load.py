"""Load: 20 users ask the running app (`python app.py`, default model, a copy of the bundled corpus) at once
through Gradio's HTTP API. No errors, every answer cited, questions answered side by side rather than one after
another; p50/p95 latency printed and written to test-artifacts/load.json.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
USERS = 20
QUESTIONS_EACH = 5
TIME_LIMIT = 90.0  # seconds for the whole run; every request also has its own timeout
QUESTIONS = [
    "Should we have a separate CX strategy?",
    "Wat zegt Rien Brus over een aparte CX-strategie?",
    "Why does CX need financial room?",
    "Hoe vorm je een klantgerichte cultuur?",
    "Wat is klantbeleving?",
    "Who wrote about customer experience strategy?",
    "Waarom is een CX-strategie nodig?",
    "What do the letters say about culture?",
    "What is the role of leadership in CX?",
    "Hoe zorg je dat CX op de agenda van de directie komt?",
]

pytestmark = pytest.mark.e2e  # the real default model on the real corpus


@dataclass(frozen=True)
class App:
    url: str
    log: Path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(url: str, proc: subprocess.Popen, log: Path, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"app.py exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    pytest.fail(f"app.py did not answer on {url} within {timeout:.0f} s:\n{log.read_text(errors='replace')[-3000:]}")


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> Iterator[App]:
    """`python app.py` on a copy of seeds/ with its index in tmp, on a free port of 127.0.0.1."""
    tmp = tmp_path_factory.mktemp("load")
    seeds = shutil.copytree(ROOT / "seeds", tmp / "seeds")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    (tmp / "no-config.toml").touch()  # an empty settings file keeps the project's rag.toml out
    env.update(
        PYTHONPATH=str(ROOT),
        RAG_SEEDS_DIR=str(seeds),
        RAG_INDEX_DIR=str(tmp / "index"),
        RAG_PORT=str(port),
        RAG_HOST="127.0.0.1",
        RAG_CONFIG=str(tmp / "no-config.toml"),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        GRADIO_ANALYTICS_ENABLED="False",
    )
    log = tmp / "app.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py")], cwd=tmp, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url + "/", proc, log)
        yield App(url, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)


API = "/ask"  # the app's public endpoint; it shares the chat's concurrency limit


@dataclass(frozen=True)
class Sample:
    """One question as one user saw it; times in perf_counter seconds."""

    user: int
    round: int
    question: str
    sent: float
    started: float | None  # when the server started answering (the reply's latency_ms before it finished)
    finished: float
    event: str  # "complete" or "error"
    answer: dict | None  # the `rag ask --json` object
    detail: str  # the error, if any

    @property
    def latency(self) -> float:
        return self.finished - self.sent


def ask(http: httpx.Client, question: str, user: int, round_: int) -> Sample:
    """POST the question to Gradio's /call API for /ask, then read its event stream to the end."""
    sent = time.perf_counter()
    reply = http.post(f"/gradio_api/call{API}", json={"data": [question, []]})
    reply.raise_for_status()
    event, data = "", None
    with http.stream("GET", f"/gradio_api/call{API}/{reply.json()['event_id']}") as stream:
        stream.raise_for_status()
        for line in stream.iter_lines():
            if line.startswith("event:"):
                event = line.removeprefix("event:").strip()
            elif line.startswith("data:") and event in ("complete", "error"):
                data = line.removeprefix("data:").strip()
                break
    finished = time.perf_counter()
    answer = json.loads(data)[0] if event == "complete" else None
    # The server's own answering time, so waiting in the queue does not count as being answered.
    started = finished - answer["latency_ms"] / 1000 if answer else None
    return Sample(user, round_, question, sent, started, finished, event or "no events", answer, str(data))


def most_at_once(intervals: list[tuple[float, float]]) -> int:
    """The largest number of intervals that overlap at one moment."""
    edges = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    now = best = 0
    for _, step in edges:
        now += step
        best = max(best, now)
    return best


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def test_twenty_users_asking_at_once_get_cited_answers_without_errors(app, artifacts_dir, capsys):
    samples: list[Sample] = []
    failures: list[str] = []
    lock = threading.Lock()
    go = threading.Barrier(USERS)
    deadline = time.monotonic() + TIME_LIMIT

    def user(u: int) -> None:
        with httpx.Client(base_url=app.url, timeout=60) as http:
            go.wait(timeout=60)  # everyone sends the first question at the same moment
            for r in range(QUESTIONS_EACH):
                if time.monotonic() > deadline:
                    return
                try:
                    sample = ask(http, QUESTIONS[(u + r) % len(QUESTIONS)], u, r)
                except Exception as exc:  # noqa: BLE001 - every failure is reported below
                    with lock:
                        failures.append(f"user {u} question {r}: {type(exc).__name__}: {exc}")
                    return
                with lock:
                    samples.append(sample)

    threads = [threading.Thread(target=user, args=(u,), daemon=True) for u in range(USERS)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(1.0, deadline - time.monotonic() + 60))
    wall = time.perf_counter() - t0

    latencies = [s.latency for s in samples]
    first_round = [s for s in samples if s.round == 0 and s.started is not None]
    report = {
        "users": USERS,
        "questions_each": QUESTIONS_EACH,
        "requests": len(samples),
        "errors": len(failures) + sum(s.event != "complete" for s in samples),
        "wall_s": round(wall, 2),
        "throughput_rps": round(len(samples) / wall, 2) if wall else None,
        "p50_ms": round(1000 * percentile(latencies, 50)) if latencies else None,
        "p95_ms": round(1000 * percentile(latencies, 95)) if latencies else None,
        "max_ms": round(1000 * max(latencies)) if latencies else None,
        "mean_ms": round(1000 * statistics.fmean(latencies)) if latencies else None,
        "first_round_answered_at_once": most_at_once([(s.started, s.finished) for s in first_round]),
        "endpoint": API,
        "failures": failures[:10],
    }
    (artifacts_dir / "load.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    with capsys.disabled():
        print(
            f"\nload: {report['requests']} questions from {USERS} users in {wall:.1f} s; p50 {report['p50_ms']} ms, "
            f"p95 {report['p95_ms']} ms, max {report['max_ms']} ms; "
            f"{report['first_round_answered_at_once']} answered at once; errors {report['errors']}"
        )

    assert not failures, failures
    assert len(samples) == USERS * QUESTIONS_EACH, f"only {len(samples)} questions within {TIME_LIMIT:.0f} s"
    bad = [asdict(s) for s in samples if s.event != "complete" or not s.answer["citations"]]
    assert not bad, bad[:3]
    assert "Traceback" not in app.log.read_text(errors="replace")
    # Served one after another, no two first questions would be in progress together; the app lets
    # `concurrency` (16) users be answered at once, so at least 10 of the 20 must overlap.
    assert report["first_round_answered_at_once"] >= 10, report
