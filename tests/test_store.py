import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rag.errors import IndexDamagedError, IndexMissingError
from rag.indexer import update_index
from rag.store import build_faiss, load_index
from tests.helpers import make_settings


def test_first_run_adds_everything_and_second_run_touches_nothing(tmp_path):
    s = make_settings(tmp_path)
    first = update_index(s)
    assert sorted(first.added) == ["a_zorg.txt", "b_data.md", "c_brieven.txt"] and first.full
    version = (s.index_dir / "CURRENT").read_text()
    second = update_index(s)
    assert second.chunks_embedded == 0 and len(second.unchanged) == 3
    assert (s.index_dir / "CURRENT").read_text() == version  # nothing rewritten


def test_incremental_add_change_delete_embeds_only_what_changed(tmp_path):
    s = make_settings(tmp_path)
    update_index(s)
    before = load_index(s.index_dir)
    kept_rows = {c.id: i for i, c in enumerate(before.chunks) if c.doc == "b_data.md"}
    kept_vectors = before.vectors()[list(kept_rows.values())]
    (s.seeds_dir / "d_nieuw.txt").write_text(
        "Nieuw artikel\n\nOver wachtrijen in de winkel en geduld.\n", encoding="utf-8"
    )
    (s.seeds_dir / "a_zorg.txt").write_text(
        "Klantreis\n\nEen compleet andere tekst over apotheken.\n", encoding="utf-8"
    )
    (s.seeds_dir / "c_brieven.txt").unlink()
    report = update_index(s)
    assert report.added == ("d_nieuw.txt",)
    assert report.changed == ("a_zorg.txt",)
    assert report.removed == ("c_brieven.txt",)
    assert report.unchanged == ("b_data.md",)
    after = load_index(s.index_dir)
    assert report.chunks_embedded == sum(c.doc in ("d_nieuw.txt", "a_zorg.txt") for c in after.chunks)
    assert not any(c.doc == "c_brieven.txt" for c in after.chunks)
    rows = [i for i, c in enumerate(after.chunks) if c.doc == "b_data.md"]
    np.testing.assert_array_equal(after.vectors()[rows], kept_vectors)  # unchanged vectors carried over
    assert set(after.manifest.files) == {"a_zorg.txt", "b_data.md", "d_nieuw.txt"}


def test_changed_chunker_setting_forces_a_full_rebuild_with_a_reason(tmp_path):
    s = make_settings(tmp_path)
    update_index(s)
    report = update_index(s.with_overrides(chunk_size=200))
    assert report.full and "chunker settings changed" in report.reason
    assert report.chunks_embedded == report.total_chunks


def test_switching_embedder_rebuilds_and_records_the_new_one(tmp_path, monkeypatch):
    s = make_settings(tmp_path)
    update_index(s)
    from rag import embedders

    class Other(embedders.HashEmbedder):
        id = "other-64"
        dim = 64

    monkeypatch.setattr(
        embedders, "get_embedder", lambda name: Other() if name == "other" else embedders.HashEmbedder()
    )
    monkeypatch.setattr("rag.indexer.get_embedder", embedders.get_embedder)
    report = update_index(s.with_overrides(embedder="other"))
    assert report.full and "embedder changed (hash-256 -> other-64)" in report.reason
    index = load_index(s.index_dir)
    assert index.manifest.embedder == "other-64" and index.faiss_index.d == 64


def test_full_rebuild_recovers_a_damaged_index(tmp_path):
    s = make_settings(tmp_path)
    update_index(s)
    version = s.index_dir / (s.index_dir / "CURRENT").read_text()
    (version / "chunks.jsonl").write_text("garbage", encoding="utf-8")
    with pytest.raises(IndexDamagedError, match="rag index --full"):
        load_index(s.index_dir)
    with pytest.raises(IndexDamagedError, match="rag index --full"):
        update_index(s)
    report = update_index(s, full=True)
    assert report.full and load_index(s.index_dir).manifest.count == report.total_chunks


@pytest.mark.parametrize("damage", ["truncate_faiss", "missing_manifest", "bad_current", "bad_manifest_json"])
def test_every_kind_of_damage_names_the_fix(tmp_path, damage):
    s = make_settings(tmp_path)
    update_index(s)
    version = s.index_dir / (s.index_dir / "CURRENT").read_text()
    if damage == "truncate_faiss":
        data = (version / "vectors.faiss").read_bytes()
        (version / "vectors.faiss").write_bytes(data[: len(data) // 2])
    elif damage == "missing_manifest":
        (version / "manifest.json").unlink()
    elif damage == "bad_current":
        (s.index_dir / "CURRENT").write_text("../../etc")
    else:
        (version / "manifest.json").write_text("{not json")
    with pytest.raises(IndexDamagedError, match="rag index --full"):
        load_index(s.index_dir)


def test_missing_index_says_run_rag_index(tmp_path):
    with pytest.raises(IndexMissingError, match="rag index"):
        load_index(tmp_path / "nothing")


def test_flat_index_matches_numpy_brute_force_top_k():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(500, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    queries = vectors[:20] + 0.1 * rng.normal(size=(20, 32)).astype(np.float32)
    index, kind = build_faiss(vectors, 32, hnsw_threshold=10_000)
    assert kind == "flat-ip"
    _, got = index.search(queries, 10)
    expected = np.argsort(-(queries @ vectors.T), axis=1, kind="stable")[:, :10]
    np.testing.assert_array_equal(got, expected)


def test_hnsw_above_threshold_recalls_the_exact_neighbours():
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(2000, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index, kind = build_faiss(vectors, 32, hnsw_threshold=1000)
    assert kind == "hnsw32"
    _, got = index.search(vectors[:50], 5)
    exact = np.argsort(-(vectors[:50] @ vectors.T), axis=1)[:, :5]
    recall = np.mean([len(set(g) & set(e)) / 5 for g, e in zip(got, exact, strict=True)])
    assert recall > 0.95


ROOT = Path(__file__).resolve().parent.parent
WRITER = """
import sys, time
from pathlib import Path
import rag.stores.faiss as store
from rag.settings import Settings
from rag.indexer import update_index
real = store._fsync_write
step = 0
def paused(path, data):
    global step
    real(path, data)
    step += 1
    print(f"wrote {step} {path.name}", flush=True)
    if step == int(sys.argv[3]):
        time.sleep(30)  # the test kills us here
store._fsync_write = paused
update_index(Settings(seeds_dir=Path(sys.argv[1]), index_dir=Path(sys.argv[2]), embedder="hash"), full=True)
"""


@pytest.mark.parametrize("kill_after", [1, 2, 3, 4])  # chunks.jsonl, vectors.faiss, manifest.json, CURRENT pointer
def test_kill_9_during_a_write_leaves_the_previous_index_loadable(tmp_path, kill_after):
    s = make_settings(tmp_path)
    update_index(s)
    before = load_index(s.index_dir)
    (s.seeds_dir / "d_nieuw.txt").write_text("Nieuw\n\nEen nieuw artikel over geduld.\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(s.seeds_dir), str(s.index_dir), str(kill_after)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    for _ in range(kill_after):
        assert proc.stdout.readline().startswith("wrote")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    after = load_index(s.index_dir)  # never raises: the old version, never a mix
    assert [c.id for c in after.chunks] == [c.id for c in before.chunks]
    assert after.manifest.count == len(after.chunks) == after.faiss_index.ntotal
    report = update_index(s)  # the next run finishes the job and cleans the leftovers
    assert report.added == ("d_nieuw.txt",)
    assert "d_nieuw.txt" in {c.doc for c in load_index(s.index_dir).chunks}
    assert not list(s.index_dir.glob(".tmp-*"))


def test_an_emptied_seeds_dir_does_not_silently_empty_the_index(tiny_settings):
    from rag.errors import InputError

    update_index(tiny_settings)
    for path in tiny_settings.seeds_dir.iterdir():
        path.unlink()
    with pytest.raises(InputError, match="rag index --full"):
        update_index(tiny_settings)
    assert load_index(tiny_settings.index_dir).manifest.count > 0  # nothing indexed was lost
    assert update_index(tiny_settings, full=True).total_chunks == 0  # on purpose, it can be emptied


def test_no_update_empties_the_index_when_only_unindexable_files_are_left_or_settings_changed(tiny_settings):
    from rag.errors import InputError

    update_index(tiny_settings)
    for path in tiny_settings.seeds_dir.iterdir():
        path.unlink()
    (tiny_settings.seeds_dir / "notes.pdf").write_bytes(b"%PDF-1.4")  # skipped, so still no article
    with pytest.raises(InputError, match="rag index --full"):
        update_index(tiny_settings)
    with pytest.raises(InputError, match="left as it was"):  # a settings change would rebuild it empty
        update_index(tiny_settings.with_overrides(chunk_size=400))
    assert load_index(tiny_settings.index_dir).manifest.count > 0


def test_a_rebuild_for_new_settings_reembeds_every_file_and_reports_against_the_old_index(tiny_settings):
    update_index(tiny_settings)
    (tiny_settings.seeds_dir / "a_zorg.txt").unlink()
    report = update_index(tiny_settings.with_overrides(chunk_size=400, chunk_overlap=50))
    assert report.full and report.reason and report.removed == ("a_zorg.txt",)
    assert report.chunks_embedded == report.total_chunks > 0
    assert {c.doc for c in load_index(tiny_settings.index_dir).chunks} == {"b_data.md", "c_brieven.txt"}


def test_a_faiss_read_error_is_told_without_faiss_source_location():
    # An index written before the vectors checksum existed is read by FAISS itself, whose errors open with a C++
    # function and source line.
    from rag.stores.faiss import _reason

    exc = RuntimeError(
        "Error in std::unique_ptr<faiss::Index> faiss::read_index_up(IOReader*, int) at "
        "/project/faiss/impl/index_read.cpp:3251: Index type 0x6b6f7262 ('brok') not recognized"
    )
    assert _reason(exc) == "not a readable FAISS file: Index type 0x6b6f7262 ('brok') not recognized"
    assert _reason(ValueError("vectors.faiss does not match its checksum")).endswith("does not match its checksum")
