"""Translations the dictionary lacks: an English word's nearest Dutch words in the embedder's space."""

import os

import numpy as np

from rag import neighbours as nb
from tests.helpers import write_dictd

# Words as points: a word and its translation share a direction, unrelated words do not.
POINTS = {
    "company": [1.0, 0.0, 0.0],
    "bedrijf": [0.95, 0.31, 0.0],  # cosine 0.95
    "firma": [0.8, 0.6, 0.0],  # cosine 0.80
    "weer": [0.0, 0.0, 1.0],
    "weather": [0.1, 0.0, 0.99],
    "staff": [0.0, 1.0, 0.0],
    "staf": [0.0, 1.0, 0.05],
}


class Points:
    """An embedder that knows a few words as fixed vectors, and counts what it is asked to embed."""

    id = "points"
    dim = 3

    def __init__(self) -> None:
        self.asked: list[str] = []

    def encode_queries(self, texts):
        self.asked += list(texts)
        return np.array([POINTS.get(t, [0.3, 0.3, 0.3]) for t in texts], dtype=np.float32)


def _unit(words):
    v = np.array([POINTS[w] for w in words], dtype=np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_an_english_word_gets_the_dutch_words_within_the_calibrated_cosine_nearest_first():
    emb = Points()
    words = ["bedrijf", "firma", "weer"]
    near = nb.Neighbours(emb, words, _unit(words), min_cosine=0.75)
    assert near.nearest(["company", "weather", "staff"]) == {
        "company": ("bedrijf", "firma"),
        "weather": ("weer",),
        "staff": (),  # nothing close enough: no translation rather than a wrong one
    }
    strict = nb.Neighbours(emb, words, _unit(words), min_cosine=0.9)
    assert strict.nearest(["company"]) == {"company": ("bedrijf",)}
    asked = len(emb.asked)
    near.nearest(["company"])
    assert len(emb.asked) == asked  # a word is embedded once per process
    assert near.within([False, True, True]).nearest(["company"]) == {"company": ("firma",)}


def test_the_dutch_word_vectors_are_built_once_per_embedder_and_then_read_from_the_cache(tmp_path, monkeypatch):
    from rag import lexicon

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(nb, "MIN_COSINE", {"points": 0.75})
    write_dictd(tmp_path / "freedict-eng-nld", {"company": "company\nfirma\n", "weather": "weather\nweer\n"})
    write_dictd(tmp_path / "freedict-nld-eng", {"bedrijf": "bedrijf\nbusiness\n", "staf": "staf\nstaff\n"})
    lexicon.english_to_dutch.cache_clear()
    nb.neighbours.cache_clear()
    try:
        emb = Points()
        near = nb.neighbours(emb, tmp_path)
        assert near is not None and near.words == ["bedrijf", "firma", "staf", "weer"]
        assert sorted(emb.asked) == near.words
        assert list((tmp_path / "cache" / "rag-cx").glob("dutch-words-*.npz"))
        nb.neighbours.cache_clear()
        again = Points()
        loaded = nb.neighbours(again, tmp_path)
        assert again.asked == [] and loaded.nearest(["company"]) == near.nearest(["company"])
        # A damaged file (a crash mid-write on another system, a full disk) is built anew, not an error.
        (cache_file,) = (tmp_path / "cache" / "rag-cx").glob("dutch-words-points-*.npz")
        cache_file.write_bytes(b"PK\x03\x04 truncated")
        nb.neighbours.cache_clear()
        rebuilt = Points()
        assert nb.neighbours(rebuilt, tmp_path).words == near.words and sorted(rebuilt.asked) == near.words
        # New dictionaries: a new file, and the embedder's old one goes.
        write_dictd(tmp_path / "freedict-eng-nld", {"company": "company\nfirma\n"})
        os.utime(tmp_path / "freedict-eng-nld.dict.dz", (1, 1))
        lexicon.english_to_dutch.cache_clear()
        nb.neighbours.cache_clear()
        newer = nb.neighbours(Points(), tmp_path)
        assert newer.words == ["bedrijf", "firma", "staf"]
        (only,) = (tmp_path / "cache" / "rag-cx").glob("dutch-words-points-*.npz")
        assert only != cache_file
        # A cosine means something else in every model's space: an embedder nobody calibrated gets none.
        monkeypatch.setattr(nb, "MIN_COSINE", {})
        nb.neighbours.cache_clear()
        assert nb.neighbours(Points(), tmp_path) is None
    finally:
        lexicon.english_to_dutch.cache_clear()
        nb.neighbours.cache_clear()


def test_without_the_dictionaries_there_are_no_neighbours(tmp_path, monkeypatch):
    from rag import lexicon

    monkeypatch.setattr(nb, "MIN_COSINE", {"points": 0.75})
    lexicon.english_to_dutch.cache_clear()
    nb.neighbours.cache_clear()
    try:
        assert nb.neighbours(Points(), tmp_path / "missing") is None
    finally:
        lexicon.english_to_dutch.cache_clear()
        nb.neighbours.cache_clear()


class _Index:
    """An index stub: the stemmed terms its corpus uses, and the cache a loaded index keeps."""

    def __init__(self, used: set[str]) -> None:
        self.used = used
        self.cache: dict = {}
        self.asked = 0

    def document_share(self, terms):
        self.asked += 1
        return {t: 0.5 if t in self.used else 0.0 for t in terms}


def test_a_loaded_index_keeps_only_the_dutch_words_its_corpus_uses(monkeypatch):
    from rag.search import tokenize

    words = ["bedrijf", "firma", "weer"]
    emb = Points()
    monkeypatch.setattr(nb, "neighbours", lambda embedder: nb.Neighbours(embedder, words, _unit(words), 0.75))
    index = _Index(set(tokenize("firma weer")))
    near = nb.for_corpus(index, emb)
    assert near.words == ["firma", "weer"] and near.nearest(["company"]) == {"company": ("firma",)}
    assert nb.for_corpus(index, emb) is near and index.asked == 1  # once per loaded index


def test_an_english_question_also_reads_the_nearest_corpus_word_the_dictionary_lacks(monkeypatch):
    from rag.answer import query

    table = {"company": ("firma",), "customers": ("klant",)}
    monkeypatch.setattr("rag.lexicon.english_to_dutch", lambda: table)
    known = {"company": ("bedrijf", "firma"), "customers": ("klanten",), "anders": ("andersom",), "weather": ()}
    near = type("Near", (), {"nearest": lambda self, words: {w: known.get(w, ()) for w in words}})()
    monkeypatch.setattr("rag.neighbours.for_corpus", lambda index, embedder: near)
    found = query.nearest_translations(
        "What does Anders Jansen say about customers of a company?", "en", "nl", None, None, ("Anders Jansen",)
    )
    # "bedrijf" is new; "klanten" is a form of the dictionary's "klant"; "Anders" is a name, not a word.
    assert found == {"company": ("bedrijf",)}
    concepts, keywords = query.concepts_of("Which company?", "en", "nl", found)
    assert keywords.split() == ["firma", "bedrijf", "company"]
    assert query.nearest_translations("Welk bedrijf?", "nl", "nl", None, None) == {}  # Dutch needs none


def test_an_unwritable_cache_still_gives_the_words_and_says_how_to_fix_it(tmp_path, monkeypatch, caplog):
    from rag import lexicon

    monkeypatch.setenv("XDG_CACHE_HOME", "/proc/no-such-dir")
    monkeypatch.setattr(nb, "MIN_COSINE", {"points": 0.75})
    write_dictd(tmp_path / "freedict-eng-nld", {"company": "company\nfirma\n"})
    write_dictd(tmp_path / "freedict-nld-eng", {"bedrijf": "bedrijf\nbusiness\n"})
    lexicon.english_to_dutch.cache_clear()
    nb.neighbours.cache_clear()
    try:
        near = nb.neighbours(Points(), tmp_path)
        assert near.nearest(["company"]) == {"company": ("bedrijf", "firma")}
        assert "XDG_CACHE_HOME" in caplog.text
    finally:
        lexicon.english_to_dutch.cache_clear()
        nb.neighbours.cache_clear()


def test_a_corpus_that_uses_none_of_the_words_gives_no_translations(monkeypatch):
    words = ["bedrijf", "firma"]
    monkeypatch.setattr(nb, "neighbours", lambda embedder: nb.Neighbours(embedder, words, _unit(words), 0.75))
    near = nb.for_corpus(_Index(set()), Points())
    assert near.words == [] and near.nearest(["company"]) == {"company": ()}


def test_the_nearest_word_also_decides_which_words_a_question_shares_with_every_article():
    from rag.answer.query import focus_of
    from rag.search import tokenize
    from tests.test_answer_steps import _Corpus

    corpus = _Corpus(5, {t: 1.0 for t in tokenize("bedrijf")} | {t: 0.2 for t in tokenize("cultuur")})
    # "company" means what every article is about once it reads as "bedrijf": the question's focus is the culture.
    assert focus_of("company culture", "en", "nl", corpus, {"company": ("bedrijf",)}) == "culture"
    assert focus_of("company culture", "en", "nl", corpus) == "company culture"
