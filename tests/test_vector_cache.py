"""Answer sentences' vectors kept between processes (index/sentence-vectors/): reused by content, never stale."""

import numpy as np

from rag.answer.candidates import candidates
from rag.embedders import HashEmbedder
from rag.indexer import update_index
from rag.store import load_index
from rag.stores.faiss import FaissIndex
from rag.stores.vector_cache import FOLDER, VectorCache
from rag.types import Passage
from tests.helpers import make_settings


class Counting(HashEmbedder):
    """The hash embedder, counting the texts it embeds; `id` can be changed to stand for another model."""

    def __init__(self, id: str = HashEmbedder.id) -> None:
        self.id, self.texts = id, 0

    def encode_documents(self, texts):
        self.texts += len(texts)
        return super().encode_documents(texts)


def _passages(index) -> list[Passage]:
    return [Passage(rank, c, 0.0, None, None) for rank, c in enumerate(index.chunks, start=1)]


def _indexed(tmp_path):
    s = make_settings(tmp_path)
    update_index(s)
    return s, load_index(s.index_dir)


def test_a_new_process_reads_the_sentence_vectors_an_earlier_one_embedded(tmp_path):
    s, index = _indexed(tmp_path)
    first = Counting()
    before = candidates(index, first, _passages(index))
    assert first.texts > 0 and any((s.index_dir / FOLDER).rglob("*.npy"))
    later = Counting()
    after = candidates(load_index(s.index_dir), later, _passages(index))  # a fresh load: nothing in memory
    assert later.texts == 0
    for chunk_id, (sentences, vectors) in before.items():
        assert [x.text for x in after[chunk_id][0]] == [x.text for x in sentences]
        assert np.array_equal(after[chunk_id][1], vectors)


def test_another_embedder_never_reads_the_vectors_of_the_first(tmp_path):
    s, index = _indexed(tmp_path)
    candidates(index, Counting(), _passages(index))
    other = Counting(id="st:another-model")
    candidates(load_index(s.index_dir), other, _passages(index))
    assert other.texts > 0


def test_changed_text_is_embedded_again_and_unchanged_passages_are_read(tmp_path):
    s, index = _indexed(tmp_path)
    candidates(index, Counting(), _passages(index))
    path = s.seeds_dir / "a_zorg.txt"
    path.write_text(path.read_text("utf-8").replace("grootste ergernis", "grootste bron van ergernis"), "utf-8")
    update_index(s)
    changed = load_index(s.index_dir)
    counting = Counting()
    got = candidates(changed, counting, _passages(changed))
    fresh = [c for c in changed.chunks if c.doc == "a_zorg.txt"]
    assert counting.texts == sum(len(got[c.id][0]) for c in fresh)  # only the changed file's sentences


def test_a_full_rebuild_empties_the_cache(tmp_path):
    s, index = _indexed(tmp_path)
    candidates(index, Counting(), _passages(index))
    update_index(s, full=True)  # what a change of embedder forces
    assert not any((s.index_dir / FOLDER).rglob("*.npy"))


def test_a_damaged_or_misshapen_file_is_not_used(tmp_path):
    cache = VectorCache(tmp_path, "hash-256", 256)
    texts = ["Een zin die iets zegt over de klantreis.", "En nog een zin over wachttijden aan de telefoon."]
    vectors = HashEmbedder().encode_documents(texts)
    cache.put(texts, vectors)
    assert np.array_equal(cache.get(texts), vectors)
    assert cache.get(texts[:1]) is None and VectorCache(tmp_path, "hash-256", 128).get(texts) is None
    cache._path(texts).write_bytes(b"\x93NUMPY broken")
    assert cache.get(texts) is None
    np.save(cache._path(texts), vectors[:1])  # a file of the wrong shape under the right name
    assert cache.get(texts) is None


def test_an_index_without_a_folder_embeds_on_demand(tmp_path):
    _, index = _indexed(tmp_path)
    in_memory = FaissIndex(index.manifest, index.chunks, index.faiss_index)  # no path (like PostgreSQL: no cache)
    assert in_memory.vector_cache("hash-256", 256) is None
    counting = Counting()
    got = candidates(in_memory, counting, _passages(index))
    assert counting.texts == sum(len(s) for s, _ in got.values()) > 0


def test_threads_saving_and_reading_the_same_group_at_once_never_see_a_cut_file(tmp_path):
    # The app answers several users at once: threads of one process saved the same passage's sentences through the
    # same temporary file, and a reader found it cut short (EOFError; seen in the ten-users app test).
    from concurrent.futures import ThreadPoolExecutor

    cache = VectorCache(tmp_path, "hash-256", 256)
    texts = [f"Zin nummer {i} over klantbeleving en wachttijden." for i in range(200)]
    vectors = HashEmbedder().encode_documents(texts)

    def save_and_read(_):
        cache.put(texts, vectors)
        got = cache.get(texts)  # a file renamed into place whole after this thread's own put: never a miss
        return got is not None and np.array_equal(got, vectors)

    with ThreadPoolExecutor(8) as pool:
        assert all(pool.map(save_and_read, range(200)))
    assert np.array_equal(cache.get(texts), vectors)
    cache._path(texts).write_bytes(b"")  # an empty file (cut before its header): a miss, not an error
    assert cache.get(texts) is None
