"""Reliability through the real `rag` CLI: bad questions and files, damaged or half-written indexes, a changed
embedder, `kill -9` during `rag index`, and questions answered while another process reindexes.

Everything runs in tmp_path with the hash embedder (the embedder-mismatch test also loads the real default model,
which takes about a second). CLI subprocesses get this checkout on PYTHONPATH and no RAG_* settings from outside.
"""

from __future__ import annotations

import json
import os
import random
import select
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from rag.cli import main
from rag.embedders import HashEmbedder
from rag.errors import IndexMismatchError, InputError
from rag.indexer import update_index
from rag.service import Assistant
from rag.settings import Settings
from rag.store import Index, current_version, load_index
from tests.helpers import make_settings

ROOT = Path(__file__).resolve().parent.parent
Key = tuple[str, str, str]  # (doc, chunk id, chunk text): equal keys mean the same passage


# ---------------------------------------------------------------- helpers


@pytest.fixture(autouse=True)
def _no_outside_settings(monkeypatch, tmp_path):
    """In-process CLI calls read os.environ too: keep a developer's RAG_* variables and rag.toml out."""
    for name in [n for n in os.environ if n.startswith("RAG_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("RAG_CONFIG", str(empty_config(tmp_path)))


def empty_config(folder: Path) -> Path:
    """An empty settings file (a named config file must exist), so the project's rag.toml stays out."""
    path = folder / "no-config.toml"
    path.touch()
    return path


def cli_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.update(
        PYTHONPATH=str(ROOT), RAG_CONFIG=str(empty_config(tmp_path)), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1"
    )
    return {**env, **extra}


def cli(*argv: str) -> list[str]:
    return [sys.executable, "-m", "rag.cli", *argv]


def rag(tmp_path: Path, *argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run `rag ARGV...` in a subprocess from tmp_path (never from the repo)."""
    return subprocess.run(
        cli(*argv), cwd=tmp_path, env=env or cli_env(tmp_path), capture_output=True, text=True, timeout=180
    )


def rag_parallel(
    tmp_path: Path, *argvs: list[str], env: dict[str, str] | None = None
) -> list[subprocess.CompletedProcess]:
    """Run several `rag` commands at once (they only read); results in the order given."""
    procs = [
        subprocess.Popen(
            cli(*argv),
            cwd=tmp_path,
            env=env or cli_env(tmp_path),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for argv in argvs
    ]
    done = []
    for argv, proc in zip(argvs, procs):
        out, err = proc.communicate(timeout=180)
        done.append(subprocess.CompletedProcess(argv, proc.returncode, out, err))
    return done


def flags(s: Settings, embedder: str | None = "hash") -> list[str]:
    return ["--seeds-dir", str(s.seeds_dir), "--index-dir", str(s.index_dir)] + (
        ["--embedder", embedder] if embedder else []
    )


def assert_user_error(done: subprocess.CompletedProcess, *needles: str) -> str:
    """Exit 2, one `error: ...` line on stderr that contains every needle, nothing on stdout, no traceback."""
    assert done.returncode == 2, (done.returncode, done.stdout[-500:], done.stderr[-2000:])
    assert "Traceback" not in done.stderr + done.stdout
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def assert_ok(done: subprocess.CompletedProcess) -> None:
    assert done.returncode == 0, (done.returncode, done.stdout[-500:], done.stderr[-2000:])
    assert "Traceback" not in done.stderr + done.stdout


def keys(index: Index) -> list[Key]:
    return [(c.doc, c.id, c.text) for c in index.chunks]


# ---------------------------------------------------------------- bad questions


def test_search_refuses_empty_blank_and_100_kb_questions_with_one_line_and_exit_2(tmp_path):
    s = make_settings(tmp_path)
    update_index(s)
    empty, blank, huge = rag_parallel(
        tmp_path,
        ["search", "", *flags(s)],
        ["search", " \n\t ", *flags(s)],
        ["search", "x" * 100_000, "--json", *flags(s)],
    )
    assert_user_error(empty, "The question is empty")
    assert_user_error(blank, "The question is empty")
    assert_user_error(huge, "too long (100,000 characters; the limit is 2,000)")


def test_a_200_kb_search_is_refused_in_process_and_by_the_library(tmp_path, capsys):
    # 200 kB cannot travel as one argv item (Linux caps an argument at 128 kB), so this one runs in-process.
    s = make_settings(tmp_path)
    assert main(["search", "y" * 200_000, "--json", *flags(s)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "too long (200,000 characters; the limit is 2,000)" in captured.err
    with pytest.raises(InputError, match="too long"):
        Assistant(s).search("y " * 100_000)


# ---------------------------------------------------------------- bad files

CP1252_TEXT = (
    "Financiële ruimte voor klantbeleving\n\n"
    "De eigenaar van café ‘De Klant’ zegt: “Zonder budget – geen service.” Een investering van € 5.000 loont.\r\n"
    "Zo’n café leeft van vaste gasten.\n"
)


def test_bad_files_are_skipped_with_their_reason_and_good_files_stay_indexed(tmp_path):
    s = make_settings(tmp_path)
    seeds = s.seeds_dir
    (seeds / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (seeds / "kapot.txt").write_bytes(b"Tekst \x81\x8d\x8f\x90\x9d die geen cp1252 is")  # undefined in cp1252
    (seeds / "oud.txt").write_bytes(CP1252_TEXT.encode("cp1252"))  # valid cp1252, invalid UTF-8: indexed
    (seeds / "leeg.md").write_bytes(b"")
    (seeds / "kopie.txt").write_bytes((seeds / "a_zorg.txt").read_bytes())
    (seeds / "groot.txt").write_text("klantcontact " * 2500, encoding="utf-8")  # 32,500 bytes > RAG_MAX_FILE_BYTES
    (seeds / "foto.png").write_bytes(b"\x89PNG")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "geheim.txt").write_text("Geheim wachtwoord van de buren\n", encoding="utf-8")
    (seeds / "link.txt").symlink_to(outside / "geheim.txt")
    (seeds / "extern").symlink_to(outside, target_is_directory=True)
    env = cli_env(tmp_path, RAG_MAX_FILE_BYTES="20000")

    done = rag(tmp_path, "index", *flags(s), env=env)
    assert_ok(done)
    assert "4 added, 0 changed, 0 removed, 0 unchanged" in done.stdout and "; 7 skipped" in done.stdout
    expected = {
        "binary.txt": "binary file",
        "kapot.txt": "not UTF-8 or cp1252 text",
        "leeg.md": "empty file",
        "kopie.txt": "duplicate of a_zorg.txt",
        "groot.txt": "too large (32,500 bytes > 20,000)",
        "foto.png": "not a supported file",
        "link.txt": "symlink pointing outside the seeds dir",
    }
    lines = done.stderr.splitlines()
    for name, reason in expected.items():
        reported = [line for line in lines if line.startswith(f"skipped {name}: ")]
        assert len(reported) == 1 and reason in reported[0], (name, done.stderr)  # once, with its reason
    assert sum("oud.txt: decoded as cp1252" in line for line in lines) == 1  # named, not silently re-encoded

    status, found, secret = rag_parallel(
        tmp_path,
        ["status", "--json", *flags(s)],
        ["search", "café budget investering", "--json", *flags(s)],
        ["search", "geheim wachtwoord buren", "--json", *flags(s)],
        env=env,
    )
    for done in (status, found, secret):
        assert_ok(done)
    assert json.loads(status.stdout)["articles"] == 4
    index = load_index(s.index_dir)
    assert set(index.manifest.files) == {"a_zorg.txt", "b_data.md", "c_brieven.txt", "oud.txt"}
    passages = json.loads(found.stdout)
    assert passages[0]["doc"] == "oud.txt"
    text = CP1252_TEXT.replace("\r\n", "\n")
    for p in passages:
        if p["doc"] == "oud.txt":  # offsets point into the cp1252-decoded text
            assert text[p["start"] : p["end"]] == p["text"] and "‘De Klant’" in p["text"] and "€ 5.000" in p["text"]
    assert all("Geheim" not in p["text"] for p in json.loads(secret.stdout))  # nothing from outside the seeds dir


def test_a_20_mb_file_is_refused_by_its_size_without_being_read(tmp_path):
    s = make_settings(tmp_path)
    t0 = time.perf_counter()
    assert_ok(rag(tmp_path, "index", *flags(s)))
    baseline = time.perf_counter() - t0
    (s.seeds_dir / "enorm.txt").write_bytes((b"klantcontact wachttijd " * 900_000)[:20_000_000])
    t0 = time.perf_counter()
    done = rag(tmp_path, "index", "--full", *flags(s))  # default limit: 5 MB
    elapsed = time.perf_counter() - t0
    assert_ok(done)
    assert "skipped enorm.txt: too large (20,000,000 bytes > 5,000,000)" in done.stderr
    assert "3 added" in done.stdout and load_index(s.index_dir).manifest.files.keys() == {
        "a_zorg.txt",
        "b_data.md",
        "c_brieven.txt",
    }
    # Chunking and embedding 20 MB would take many seconds; refusing it by its size costs nothing.
    assert elapsed < 2 * baseline + 2, f"{elapsed:.1f} s with the 20 MB file vs {baseline:.1f} s without"


def test_indexed_files_replaced_by_garbage_keep_their_passages(tmp_path):
    s = make_settings(tmp_path)
    assert_ok(rag(tmp_path, "index", *flags(s)))
    before = keys(load_index(s.index_dir))
    (s.seeds_dir / "a_zorg.txt").write_bytes(bytes(random.Random(0).randrange(256) for _ in range(5000)) + b"\x00")
    (s.seeds_dir / "b_data.md").write_bytes(b"\x81\x8d\x8f\x90\x9d" * 200)
    (s.seeds_dir / "d_nieuw.txt").write_text(
        "Nieuw artikel\n\nGeduld in de wachtrij van de winkel.\n", encoding="utf-8"
    )
    done = rag(tmp_path, "index", *flags(s))  # a new file forces a rewrite: the stale passages must be carried over
    assert_ok(done)
    assert "1 added, 0 changed, 0 removed, 3 unchanged" in done.stdout  # 2 of them kept stale
    assert "skipped a_zorg.txt: binary file" in done.stderr and "skipped b_data.md: not UTF-8" in done.stderr
    after = keys(load_index(s.index_dir))
    assert [k for k in after if k[0] != "d_nieuw.txt"] == before  # nothing indexed is lost
    found = rag(tmp_path, "search", "terugbelsystemen ziekenhuizen", "--json", *flags(s))
    assert_ok(found)
    assert json.loads(found.stdout)[0]["doc"] == "a_zorg.txt"


def test_a_file_that_cannot_be_read_is_reported_and_keeps_its_passages(tmp_path, monkeypatch, capsys):
    s = make_settings(tmp_path)
    update_index(s)
    before = keys(load_index(s.index_dir))
    real = Path.read_bytes

    def denied(path: Path) -> bytes:  # tests run as root here, where chmod 000 does not stop a read
        if path.name == "b_data.md":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(Path, "read_bytes", denied)
    (s.seeds_dir / "d_nieuw.txt").write_text("Nieuw artikel\n\nGeduld in de wachtrij.\n", encoding="utf-8")
    assert main(["index", *flags(s)]) == 0
    err = capsys.readouterr().err
    assert "skipped b_data.md: cannot be read (Permission denied)" in err and "Traceback" not in err
    assert [k for k in keys(load_index(s.index_dir)) if k[0] != "d_nieuw.txt"] == before


def test_a_copy_that_sorts_before_an_indexed_file_is_not_indexed_twice(tmp_path, capsys):
    s = make_settings(tmp_path)
    update_index(s)
    before = keys(load_index(s.index_dir))
    (s.seeds_dir / "0_kopie.txt").write_bytes((s.seeds_dir / "a_zorg.txt").read_bytes())
    assert main(["index", *flags(s)]) == 0
    out, err = capsys.readouterr()
    # the indexed file stays, under its own name, and nothing is embedded again (the copy replaced it: a review)
    assert "skipped 0_kopie.txt: duplicate of a_zorg.txt" in err and "0 added, 0 changed, 0 removed" in out
    assert keys(load_index(s.index_dir)) == before
    texts = [c.text for c in load_index(s.index_dir).chunks]
    assert len(texts) == len(set(texts)), "the same passage is indexed twice"
    # ... and on a full rebuild too (`--full`, a new chunker version), which reads every file again
    assert main(["index", "--full", *flags(s)]) == 0
    assert "skipped 0_kopie.txt: duplicate of a_zorg.txt" in capsys.readouterr().err
    assert {k[0] for k in keys(load_index(s.index_dir))} == {k[0] for k in before}


# ---------------------------------------------------------------- damaged or half-written index


def _cut(path: Path, size: int) -> None:
    data = path.read_bytes()
    path.write_bytes(data[:size] if size >= 0 else data[: len(data) + size])


def _flip(path: Path) -> None:
    """Other bytes in the middle of the file, its length unchanged: FAISS reads it, and its vectors are wrong."""
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(b ^ 0xFF for b in data[middle : middle + 64])
    path.write_bytes(bytes(data))


DAMAGE = {
    "faiss-cut-to-10-bytes": lambda v, d: _cut(v / "vectors.faiss", 10),
    "faiss-missing-last-byte": lambda v, d: _cut(v / "vectors.faiss", -1),
    "faiss-bytes-changed-same-length": lambda v, d: _flip(v / "vectors.faiss"),
    "chunks-garbage": lambda v, d: (v / "chunks.jsonl").write_bytes(b"\x00\xffgarbage\n{not json\n"),
    "chunks-cut-mid-line": lambda v, d: _cut(v / "chunks.jsonl", (v / "chunks.jsonl").stat().st_size // 2),
    "manifest-missing": lambda v, d: (v / "manifest.json").unlink(),
    "manifest-cut": lambda v, d: _cut(v / "manifest.json", 40),
    "current-points-nowhere": lambda v, d: (d / "CURRENT").write_text("v-0-0", encoding="utf-8"),
    "current-empty": lambda v, d: (d / "CURRENT").write_bytes(b""),
    "current-garbage": lambda v, d: (d / "CURRENT").write_bytes(b"\xff\xfe\x00garbage"),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_index_says_run_rag_index_full_and_that_recovers_it(tmp_path, damage, capsys):
    s = make_settings(tmp_path)
    update_index(s)
    DAMAGE[damage](s.index_dir / current_version(s.index_dir), s.index_dir)
    search, ask = rag_parallel(
        tmp_path,
        ["search", "chatbots", *flags(s)],
        ["ask", "Wat is het belangrijkste ontwerpprincipe bij chatbots?", *flags(s)],
    )
    assert_user_error(search, "rag index --full")
    assert_user_error(ask, "rag index --full")
    assert main(["index", *flags(s)]) == 2  # an incremental update cannot start from it either
    assert "rag index --full" in capsys.readouterr().err
    assert main(["index", "--full", *flags(s)]) == 0
    assert "3 added" in capsys.readouterr().out
    assert main(["search", "chatbots", "--json", *flags(s)]) == 0
    assert json.loads(capsys.readouterr().out)[0]["doc"] == "c_brieven.txt"


def test_a_leftover_tmp_dir_from_an_interrupted_write_does_not_break_loading(tmp_path, capsys):
    s = make_settings(tmp_path)
    update_index(s)
    leftover = s.index_dir / ".tmp-v-1-1"
    leftover.mkdir()
    (leftover / "chunks.jsonl").write_text('{"id": "half', encoding="utf-8")
    (leftover / "vectors.faiss").write_bytes(b"IxFI")
    (s.index_dir / ".CURRENT-v-1-1").write_text("v-1-1", encoding="utf-8")
    done = rag(tmp_path, "search", "chatbots", "--json", *flags(s))
    assert_ok(done)
    assert json.loads(done.stdout)[0]["doc"] == "c_brieven.txt"
    (s.seeds_dir / "d_nieuw.txt").write_text("Nieuw\n\nEen nieuw artikel over geduld.\n", encoding="utf-8")
    assert main(["index", *flags(s)]) == 0  # the next write cleans the leftovers up
    assert not leftover.exists() and not (s.index_dir / ".CURRENT-v-1-1").exists()


def test_an_orphan_version_from_a_killed_write_does_not_evict_the_version_readers_use(tmp_path):
    s = make_settings(tmp_path)
    update_index(s)
    used = current_version(s.index_dir)
    # A write killed between renaming its folder and swapping CURRENT leaves a complete, newer, unused version.
    orphan = s.index_dir / f"v-{time.time_ns()}-999999"
    shutil.copytree(s.index_dir / used, orphan)
    (s.seeds_dir / "d_nieuw.txt").write_text("Nieuw\n\nEen nieuw artikel over geduld.\n", encoding="utf-8")
    update_index(s)
    assert current_version(s.index_dir) not in (used, orphan.name)
    assert (s.index_dir / used / "manifest.json").is_file()  # a reader that resolved CURRENT just before can open it
    assert not orphan.exists()


# ---------------------------------------------------------------- another embedder


def test_an_index_built_with_another_embedder_names_both_and_rag_index_rebuilds_it(tmp_path, capsys):
    s = make_settings(tmp_path)
    assert main(["index", *flags(s)]) == 0  # built with hash-256
    running = Assistant(s)  # e.g. the app, answering from the hash index
    assert running.search("chatbots")[0].chunk.doc == "c_brieven.txt"
    use_env = cli_env(tmp_path, RAG_EMBEDDER="use-multilingual")
    status = rag(tmp_path, "status", "--json", *flags(s, embedder="use-multilingual"))
    assert_ok(status)  # still shows what is indexed, with the mismatch as a warning
    shown = json.loads(status.stdout)
    assert (
        shown["embedder"] == "hash-256"
        and "use-multilingual-v3" in shown["warning"]
        and "rag index" in shown["warning"]
    )
    search = rag(tmp_path, "search", "chatbots", "--json", *flags(s, embedder="use-multilingual"))
    # A read command refuses (it never rewrites an index others may share) and names both embedders.
    assert_user_error(search, "hash-256", "use-multilingual-v3", "Run `rag index`")

    assert main(["index", "--full", *flags(s)]) == 0  # back to hash for the rebuild step below
    capsys.readouterr()
    done = rag(tmp_path, "index", *flags(s, embedder=None), env=use_env)
    assert_ok(done)
    notice = "Embedder changed (hash-256 -> use-multilingual-v3); rebuilding the whole index."
    assert done.stderr.strip().splitlines() == [notice]  # said once, no log noise
    assert "full rebuild: 0 added, 0 changed, 0 removed, 3 unchanged" in done.stdout
    with pytest.raises(IndexMismatchError, match=r"use-multilingual-v3 -> hash-256.*Run `rag index`"):
        running.search("chatbots")  # a process still set to hash gets the message, not wrong vectors
    status, found = rag_parallel(
        tmp_path,
        ["status", "--json", *flags(s, embedder=None)],
        ["search", "chatbots", "--json", *flags(s, embedder=None)],
        env=use_env,
    )
    assert_ok(status)
    assert_ok(found)
    assert json.loads(status.stdout)["embedder"] == "use-multilingual-v3"
    assert json.loads(found.stdout)[0]["doc"] == "c_brieven.txt"


# ---------------------------------------------------------------- kill -9 and reindexing under load

WORDS = (
    "klant service wachttijd telefoon chatbot medewerker strategie beleving cultuur data dashboard bereikbaarheid "
    "oplostijd webwinkel zorg ziekenhuis verzekeraar energie bank retour levering vertrouwen loyaliteit empathie "
    "kanaal app e-mail callcenter feedback enquête proces leiderschap budget"
).split()
N_FILES, N_CHANGED, N_REMOVED, N_ADDED = 300, 100, 30, 30
MARK_OLD, MARK_NEW = "verouderd", "vernieuwd"  # only in the changed files: tells the two versions apart


def synthetic_article(seed: str, marker: str = "") -> str:
    rnd = random.Random(seed)
    paragraphs = [" ".join([marker] * bool(marker) + [rnd.choice(WORDS) for _ in range(80)]) + "." for _ in range(8)]
    return f"Artikel {seed}\n\n" + "\n\n".join(paragraphs) + "\n"


@dataclass(frozen=True)
class BigCorpus:
    """300 articles indexed (old) and a new state of the seeds dir: 100 changed, 30 removed, 30 added."""

    old_seeds: Path
    new_seeds: Path
    old_index: Path
    old: list[Key]
    new: list[Key]


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> BigCorpus:
    root = tmp_path_factory.mktemp("big")
    old_seeds, new_seeds = root / "old_seeds", root / "new_seeds"
    old_seeds.mkdir()
    for i in range(N_FILES):
        marker = MARK_OLD if i < N_CHANGED else ""
        (old_seeds / f"art_{i:03d}.txt").write_text(synthetic_article(f"art_{i:03d}", marker), encoding="utf-8")
    shutil.copytree(old_seeds, new_seeds)
    for i in range(N_CHANGED):
        (new_seeds / f"art_{i:03d}.txt").write_text(synthetic_article(f"art_{i:03d}-v2", MARK_NEW), encoding="utf-8")
    for i in range(N_FILES - N_REMOVED, N_FILES):
        (new_seeds / f"art_{i:03d}.txt").unlink()
    for i in range(N_FILES, N_FILES + N_ADDED):
        (new_seeds / f"art_{i:03d}.txt").write_text(synthetic_article(f"art_{i:03d}"), encoding="utf-8")
    old_index, ref_index = root / "old_index", root / "ref_index"
    update_index(Settings(seeds_dir=old_seeds, index_dir=old_index, embedder="hash"))
    shutil.copytree(old_index, ref_index)
    update_index(Settings(seeds_dir=new_seeds, index_dir=ref_index, embedder="hash"))
    corpus = BigCorpus(old_seeds, new_seeds, old_index, keys(load_index(old_index)), keys(load_index(ref_index)))
    assert len(corpus.old) > 1000 and corpus.old != corpus.new  # several embedding batches
    return corpus


def whole_version(index_dir: Path, big: BigCorpus) -> str:
    """Load the index (must not fail) and say whether it is exactly the old or exactly the new version."""
    index = load_index(index_dir)
    assert index.manifest.count == len(index.chunks) == index.faiss_index.ntotal
    found = keys(index)
    assert found in (big.old, big.new), "the index mixes the old and the new version"
    assert set(index.manifest.files) == {c.doc for c in index.chunks}
    rows = np.linspace(0, len(found) - 1, 50).astype(int)  # vectors belong to their chunks
    expected = HashEmbedder().encode_documents([index.chunks[i].text for i in rows])
    np.testing.assert_allclose(index.vectors()[rows], expected, atol=1e-6)
    return "old" if found == big.old else "new"


def fresh_copy(big: BigCorpus, tmp_path: Path) -> Settings:
    """The old index in tmp_path, with the seeds dir already in its new state."""
    index_dir = tmp_path / "index"
    shutil.copytree(big.old_index, index_dir)
    return Settings(seeds_dir=big.new_seeds, index_dir=index_dir, embedder="hash")


def finish_and_check(s: Settings, big: BigCorpus, capsys) -> None:
    """The next `rag index` completes, ends at the new version and leaves no leftovers behind."""
    in_use = current_version(s.index_dir)
    assert main(["index", *flags(s)]) == 0, capsys.readouterr().err
    assert whole_version(s.index_dir, big) == "new"
    assert not list(s.index_dir.glob(".tmp-*")) and not list(s.index_dir.glob(".CURRENT-*"))
    versions = {p.name for p in s.index_dir.glob("v-*")}
    assert in_use in versions and len(versions) <= 2  # the version readers used survives; orphans do not


HOOKED_CLI = r"""
import os, sys, time
import rag.indexer as indexer
import rag.stores.faiss as store
from rag.cli import main

point, argv = sys.argv[1], sys.argv[2:]

def reached(name):
    if name == point:
        os.write(1, f"at {name}\n".encode())
        time.sleep(120)  # the test kills us here

def then(fn, name):
    def wrapper(*args, **kwargs):
        result = fn(*args, **kwargs)
        reached(name)
        return result
    return wrapper

real_embed, real_write = indexer.embed_chunks, store._fsync_write

def embed_chunks(embedder, chunks, progress=None):
    def tick(done, total):
        if progress:
            progress(done, total)
        if done < total:
            reached("embedding")
    return real_embed(embedder, chunks, tick)

def fsync_write(path, data):
    real_write(path, data)
    reached("wrote " + ("pointer" if path.name.startswith(".CURRENT-") else path.name))

indexer.read_corpus = then(indexer.read_corpus, "scanned")
indexer.embed_chunks = embed_chunks
store._fsync_write = fsync_write
os.rename = then(os.rename, "renamed")
os.replace = then(os.replace, "swapped")
sys.exit(main(argv))
"""


def wait_for_output(proc: subprocess.Popen, marker: bytes, timeout: float = 120) -> None:
    seen, deadline = b"", time.monotonic() + timeout
    while marker not in seen:
        assert time.monotonic() < deadline, f"no {marker!r} within {timeout} s"
        ready, _, _ = select.select([proc.stdout], [], [], 0.2)
        if ready:
            chunk = os.read(proc.stdout.fileno(), 4096)
            assert chunk, f"rag index exited ({proc.wait()}) before {marker!r}"
            seen += chunk


@pytest.mark.parametrize(
    ("point", "expected"),
    [
        ("scanned", "old"),  # seeds read, nothing embedded yet
        ("embedding", "old"),  # between two embedding batches
        ("wrote vectors.faiss", "old"),  # new version half written in .tmp-*
        ("renamed", "old"),  # new version complete, CURRENT not yet swapped
        ("swapped", "new"),  # CURRENT swapped, old versions not yet pruned
    ],
)
def test_kill_9_at_each_step_of_rag_index_leaves_exactly_the_old_or_the_new_index(
    big, tmp_path, point, expected, capsys
):
    s = fresh_copy(big, tmp_path)
    with open(tmp_path / "stderr.txt", "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-c", HOOKED_CLI, point, "index", *flags(s)],
            cwd=tmp_path,
            env=cli_env(tmp_path),
            stdout=subprocess.PIPE,
            stderr=err,
        )
        try:
            wait_for_output(proc, f"at {point}\n".encode())
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            proc.stdout.close()
    assert whole_version(s.index_dir, big) == expected
    finish_and_check(s, big, capsys)


def test_kill_9_at_any_moment_of_rag_index_leaves_exactly_the_old_or_the_new_index(big, tmp_path, capsys):
    """The plain CLI, killed at fractions of the time an uninterrupted run of the same job takes here."""
    calibration = fresh_copy(big, tmp_path / "calibration")
    t0 = time.perf_counter()
    assert_ok(rag(tmp_path, "index", *flags(calibration)))
    duration = time.perf_counter() - t0
    outcomes = {}
    for fraction in (0.2, 0.4, 0.6, 0.75, 0.9, 0.97):
        s = fresh_copy(big, tmp_path / f"kill-{fraction}")
        proc = subprocess.Popen(
            cli("index", *flags(s)),
            cwd=tmp_path,
            env=cli_env(tmp_path),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(fraction * duration)  # a kill schedule, not a wait for something
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        outcomes[fraction] = whole_version(s.index_dir, big)
        finish_and_check(s, big, capsys)
    print(f"run takes {duration:.2f} s; state after kill -9 at each fraction of it: {outcomes}")


def test_questions_during_a_reindex_are_answered_from_the_old_index_until_the_swap(big, tmp_path):
    s = fresh_copy(big, tmp_path)
    old_version = current_version(s.index_dir)
    old_keys, new_keys = set(big.old), set(big.new)
    old_only, new_only = old_keys - new_keys, new_keys - old_keys
    assistant = Assistant(s)
    question = f"{MARK_OLD} {MARK_NEW} klant wachttijd"

    def answered_from() -> str:
        found = {(p.chunk.doc, p.chunk.id, p.chunk.text) for p in assistant.search(question, k=8)}
        assert found and (found <= old_keys or found <= new_keys), "passages from two versions in one answer"
        return "old" if found & old_only else "new" if found & new_only else "either"

    assert answered_from() == "old"  # loads the index and BM25 before the writer starts
    writer = subprocess.Popen(
        cli("index", "--full", *flags(s)),
        cwd=tmp_path,
        env=cli_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: list[tuple[str | None, str, str | None, bool]] = []  # (CURRENT before, answered from, CURRENT after, writing)
    try:
        deadline, after_exit = time.monotonic() + 120, 0
        while after_exit < 3 and len(seen) < 20_000:
            assert time.monotonic() < deadline, "the reindex did not finish in time"
            writing = writer.poll() is None
            before = current_version(s.index_dir)
            source = answered_from()
            seen.append((before, source, current_version(s.index_dir), writing))
            after_exit += not writing
    finally:
        out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0 and "Traceback" not in err, err
    assert current_version(s.index_dir) != old_version
    sources = [source for _, source, _, _ in seen if source != "either"]
    assert sum(src == "old" and writing for _, src, _, writing in seen) >= 3  # answered while the writer worked
    assert sources[-1] == "new" and "old" not in sources[sources.index("new") :]  # old until the swap, then new
    for before, source, after, _ in seen:
        if before == after == old_version:
            assert source != "new"
        elif before == after:
            assert source != "old"


def test_a_second_writer_says_it_waits_for_the_first(tmp_path, caplog):
    # It waited without a word (minutes at scale); the PostgreSQL backend said so already (a review found it).
    import logging
    import threading

    from rag.stores.faiss import write_lock

    entered, release = threading.Event(), threading.Event()

    def first():
        with write_lock(tmp_path):
            entered.set()
            release.wait(10)

    holder = threading.Thread(target=first)
    holder.start()
    assert entered.wait(10)
    threading.Timer(0.3, release.set).start()
    with caplog.at_level(logging.WARNING, logger="rag.stores.faiss"), write_lock(tmp_path):
        assert release.is_set()  # it got the lock only once the first let go
    holder.join()
    assert f"another `rag index` is writing to {tmp_path}; waiting for it to finish" in caplog.text
