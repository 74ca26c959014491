"""The app's one public API endpoint, /ask, called the way a script would: `python app.py` in a subprocess
(hash embedder, tiny corpus, a free port) and Gradio's own client."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers import write_corpus

ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 90


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, free_port_module) -> Iterator[tuple[str, Path]]:
    """`python app.py` over the tiny corpus with the hash embedder; yields (URL, seeds dir)."""
    work = tmp_path_factory.mktemp("api")
    seeds = write_corpus(work / "seeds")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    (work / "none.toml").touch()  # an empty settings file keeps the project's rag.toml out (a named one must exist)
    env.update(
        RAG_SEEDS_DIR=str(seeds),
        RAG_INDEX_DIR=str(work / "index"),
        RAG_FEEDBACK_LOG=str(work / "feedback.jsonl"),
        RAG_EMBEDDER="hash",
        RAG_ABSTAIN_THRESHOLD="0",
        RAG_HOST="127.0.0.1",
        RAG_PORT=str(free_port_module),
        RAG_CONFIG=str(work / "none.toml"),
        GRADIO_ANALYTICS_ENABLED="False",
    )
    log = work / "app.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=work, env=env, stdout=out, stderr=out)
    url = f"http://127.0.0.1:{free_port_module}/"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if proc.poll() is not None:
                pytest.fail(f"app.py exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"app.py did not answer within {STARTUP_SECONDS} s:\n{log.read_text(errors='replace')}")
            time.sleep(0.25)
        yield url, seeds
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


@pytest.fixture(scope="module")
def free_port_module() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def client(app_url):
    from gradio_client import Client

    return Client(app_url[0], verbose=False)


def test_scripts_see_one_endpoint_ask(client):
    endpoints = client.view_api(print_info=False, return_format="dict")
    assert list(endpoints["named_endpoints"]) == ["/ask"] and not endpoints["unnamed_endpoints"]


def test_ask_returns_the_rag_ask_json_with_quotes_at_their_file_offsets(client, app_url):
    result = client.predict("Wat is het belangrijkste ontwerpprincipe bij chatbots?", api_name="/ask")
    assert not result["abstained"] and result["citations"] and result["mode"] == "extractive"
    assert {"question", "answer", "citations", "passages", "latency_ms", "lang", "notice"} <= set(result)
    for c in result["citations"]:
        text = (app_url[1] / c["doc"]).read_text(encoding="utf-8")
        assert text[c["start"] : c["end"]] == c["quote"]
        assert f"[{c['n']}]" in result["answer"]


def test_ask_takes_the_conversations_earlier_questions(client):
    result = client.predict(
        "En wat vindt Marie?", ["Moet je klantcontact automatiseren met chatbots?"], api_name="/ask"
    )
    assert result["citations"] and all(c["doc"] == "c_brieven.txt" for c in result["citations"])
    assert "Marie Bakker" in result["answer"]


def test_a_bad_question_comes_back_as_an_error_with_its_message(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="question is empty"):
        client.predict("   ", api_name="/ask")


def test_the_app_says_where_it_serves_without_gradios_share_advice(app_url):
    # Gradio's own start lines end in "set `share=True` in `launch()`", which a user of `rag serve` cannot do.
    url, seeds = app_url
    log = (seeds.parent / "app.log").read_text(errors="replace")
    assert f"Serving on {url.rstrip('/')} (Ctrl-C stops it)." in log
    assert "share=True" not in log
