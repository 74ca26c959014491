"""BM25 of the files backend: scored from saved arrays exactly as bm25s scores, saved once per version, never stale."""

import json

import bm25s
import numpy as np
import pytest

from rag.indexer import update_index
from rag.search import tokenize
from rag.store import load_index
from rag.stores import bm25
from rag.stores.faiss_search import bm25_index, bm25_search
from tests.helpers import make_settings

QUERIES = [
    "klantreis data chatbots",
    "Waarom investeren ziekenhuizen in terugbelsystemen?",
    "chatbot chatbot ontwerp",  # a repeated term counts twice, as in bm25s
    "onbekendwoord klant",
    "What do they say about the customer journey?",
]


def _corpus(index) -> list[list[str]]:
    return [tokenize(f"{c.title}\n{c.text}") or ["_"] for c in index.chunks]


def test_scores_from_saved_arrays_equal_bm25s_scores_exactly(tmp_path):
    s = make_settings(tmp_path)
    update_index(s)
    index = load_index(s.index_dir)
    reference = bm25s.BM25()
    reference.index(_corpus(index), show_progress=False)
    model = bm25.build(_corpus(index))
    for query in QUERIES:
        terms = [t for t in tokenize(query) if t in reference.vocab_dict]
        expected = reference.get_scores(terms) if terms else np.zeros(len(index.chunks), dtype=np.float32)
        assert np.array_equal(model.scores(terms), expected), query


def test_the_first_search_saves_bm25_in_the_version_folder_and_a_new_process_reuses_it(tmp_path, monkeypatch):
    s = make_settings(tmp_path)
    update_index(s)
    index = load_index(s.index_dir)
    first = bm25_search(index, "klantreis data chatbots", 5)
    saved = index.path / bm25.FILE
    assert saved.is_file()
    stamp = saved.stat().st_mtime_ns

    def no_build(corpus):
        raise AssertionError("rebuilt although a matching bm25.npz is saved")

    monkeypatch.setattr(bm25, "build", no_build)
    again = load_index(s.index_dir)  # a fresh load, as in a new process
    assert first and bm25_search(again, "klantreis data chatbots", 5) == first
    assert saved.stat().st_mtime_ns == stamp


def _rewrite_meta(path, **changes):
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    meta = json.loads(str(arrays["meta"]))
    arrays["meta"] = np.array(json.dumps({**meta, **changes}))
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


@pytest.mark.parametrize("change", [{"chunks_sha256": "0" * 64}, {"tokenizer": "another"}, {"format": 0}])
def test_a_saved_bm25_of_other_chunks_or_another_tokenizer_is_never_used(tmp_path, change):
    s = make_settings(tmp_path)
    update_index(s)
    index = load_index(s.index_dir)
    bm25_index(index)
    _rewrite_meta(index.path / bm25.FILE, **change)
    assert bm25.load(index.path, index.manifest.chunks_sha256) is None
    rebuilt = bm25_index(load_index(s.index_dir))  # and it is rebuilt (and saved again) instead
    assert rebuilt.num_docs == len(index.chunks)
    assert bm25.load(index.path, index.manifest.chunks_sha256) is not None


def test_a_damaged_bm25_file_is_rebuilt_not_used(tmp_path):
    s = make_settings(tmp_path)
    update_index(s)
    index = load_index(s.index_dir)
    expected = bm25_search(index, "klantreis data chatbots", 5)
    (index.path / bm25.FILE).write_bytes(b"not a zip file")
    assert bm25_search(load_index(s.index_dir), "klantreis data chatbots", 5) == expected


def test_an_index_folder_that_cannot_be_written_still_searches(tmp_path, monkeypatch):
    s = make_settings(tmp_path)
    update_index(s)
    index = load_index(s.index_dir)

    def read_only(src, dst):
        raise PermissionError(13, "Permission denied", str(dst))

    monkeypatch.setattr(bm25.os, "replace", read_only)
    assert bm25_search(index, "klantreis data chatbots", 5)
    assert sorted(p.name for p in index.path.iterdir()) == [
        "chunks.jsonl",
        "documents.jsonl",
        "manifest.json",
        "vectors.faiss",
    ]


def test_a_new_index_version_gets_its_own_bm25(tmp_path):
    s = make_settings(tmp_path)
    update_index(s)
    old = load_index(s.index_dir)
    bm25_index(old)
    (s.seeds_dir / "z_nieuw.txt").write_text("Een nieuw artikel over wachtrijen en terugbelverzoeken.\n", "utf-8")
    update_index(s)
    new = load_index(s.index_dir)
    assert new.path != old.path and not (new.path / bm25.FILE).exists()
    assert bm25_search(new, "wachtrijen", 3)[0][0] == next(
        i for i, c in enumerate(new.chunks) if c.doc == "z_nieuw.txt"
    )


def test_our_stop_words_are_bm25s_lists():
    from bm25s.stopwords import STOPWORDS_DUTCH, STOPWORDS_EN

    from rag import stopwords

    assert stopwords.STOPWORDS_DUTCH == tuple(STOPWORDS_DUTCH) and stopwords.STOPWORDS_EN == tuple(STOPWORDS_EN)
