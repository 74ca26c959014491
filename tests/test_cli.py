import json
import os
import subprocess
import sys
from pathlib import Path

from rag.cli import main
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
    assert {"question", "answer", "abstained", "citations", "passages", "latency_ms"} <= set(data)
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
    (version / "vectors.faiss").write_bytes(b"broken")
    done = subprocess.run(
        [*base, "search", "chatbots", *_args(s)], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2 and "rag index --full" in done.stderr and "Traceback" not in done.stderr
    done = subprocess.run([*base, "index", "--full", *_args(s)], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "3 added" in done.stdout


def test_a_200_kb_question_is_refused_with_the_limit(tmp_path, capsys):
    s = make_settings(tmp_path)
    assert main(["ask", "x" * 200_000, *_args(s)]) == 2
    err = capsys.readouterr().err
    assert "too long (200,000 characters; the limit is 2,000)" in err
