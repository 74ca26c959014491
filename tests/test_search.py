import pytest

from rag.errors import IndexMismatchError
from rag.indexer import update_index
from rag.search import bm25_weight, diversified, rescored, rrf, search, tokenize
from rag.service import Assistant
from rag.store import load_index
from tests.helpers import make_settings


def test_tokenize_lowercases_drops_dutch_stop_words_and_stems():
    tokens = tokenize("De klantbelevingen van een organisatie en het CX-team")
    assert "de" not in tokens and "van" not in tokens and "een" not in tokens
    assert "cx" in tokens and "team" in tokens
    assert tokenize("klantbeleving") == tokenize("Klantbelevingen")


def test_rrf_sums_weighted_reciprocal_ranks():
    fused = rrf([[(1, 0.9), (2, 0.8)], [(2, 5.0), (3, 4.0)]], [1.0, 0.5], k=60)
    assert fused[1] == 1 / 61
    assert fused[2] == 1 / 62 + 0.5 / 61
    assert fused[3] == 0.5 / 62


def test_the_top_passages_come_from_different_documents_and_the_rest_keep_their_order():
    from rag.types import Chunk, Passage

    def passage(rank, doc):
        chunk = Chunk(f"{doc}-{rank}", doc, 0, 0, 1, "x", "t")
        return Passage(rank, chunk, 1.0 / rank)

    docs = ["long", "long", "long", "long", "other", "third", "long", "other"]
    out = diversified([passage(i, d) for i, d in enumerate(docs, start=1)], top=3)
    # A long document's passages no longer fill the top: the best of two other documents move up to 2 and 3.
    assert [p.chunk.id for p in out] == [
        "long-1",
        "other-5",
        "third-6",
        "long-2",
        "long-3",
        "long-4",
        "long-7",
        "other-8",
    ]
    assert [p.rank for p in out] == list(range(1, 9))
    one_document = [passage(i, "only") for i in range(1, 5)]
    assert diversified(one_document, top=3) == one_document  # nothing to diversify: the same list


def test_the_top_of_the_fused_list_is_ordered_by_score_and_the_rest_keeps_its_ranks():
    from rag.types import Chunk, Passage

    def passage(rank, dense, bm25):
        chunk = Chunk(f"c{rank}", "d", 0, 0, 1, "x", "t")
        return Passage(rank, chunk, 1.0 / rank, dense, bm25)

    # Fusion ranked c1 first on ranks alone; c2 matches far more strongly on both scores, c3 only by keywords.
    fused = [passage(1, 0.30, 2.0), passage(2, 0.45, 6.0), passage(3, 0.20, 7.0), passage(4, 0.50, None)]
    out = rescored(fused, bm25_weight=1.0, top=3)
    assert [p.chunk.id for p in out] == ["c2", "c3", "c1", "c4"]  # c4 ranks below the top: it stays 4th
    assert [p.rank for p in out] == [1, 2, 3, 4]
    assert out[0].score == fused[1].score  # the fused score is kept: `rag search --json` still shows it
    # Across languages BM25 counts less (its weight in fusion): the dense score decides between c2 and c3.
    assert [p.chunk.id for p in rescored(fused, bm25_weight=0.3, top=3)] == ["c2", "c1", "c3", "c4"]
    # Without keyword scores the dense cosines order the top; a list already in order comes back as it is.
    dense_only = [passage(1, 0.5, None), passage(2, 0.4, None), passage(3, 0.3, None)]
    assert rescored(dense_only, bm25_weight=1.0, top=3) is dense_only
    assert rescored(fused, bm25_weight=1.0, top=0) is fused  # RAG_RESCORE_TOP=0: fusion's order


def test_bm25_counts_only_for_questions_in_the_corpus_language(tmp_path):
    s = make_settings(tmp_path)
    assert bm25_weight("Wat zeggen ze over de klantreis?", s) == s.bm25_weight
    assert bm25_weight("What do they say about the customer journey?", s) == s.bm25_weight_cross


def test_search_finds_the_passage_by_its_words_and_returns_exact_offsets(tmp_path):
    s = make_settings(tmp_path)
    update_index(s)
    index = load_index(s.index_dir)
    passages = Assistant(s).search("Waarom investeren ziekenhuizen in terugbelsystemen?", k=3)
    assert passages[0].chunk.doc == "a_zorg.txt"
    assert [p.rank for p in passages] == [1, 2, 3]
    text = (s.seeds_dir / "a_zorg.txt").read_text(encoding="utf-8")
    top = passages[0].chunk
    assert text[top.start : top.end] == top.text
    assert (
        passages
        == search(
            index, None, "Waarom investeren ziekenhuizen in terugbelsystemen?", s.with_overrides(use_dense=False), k=3
        )
        or s.use_dense
    )


def test_author_filter_keeps_only_that_writer(tmp_path):
    s = make_settings(tmp_path)
    update_index(s)
    passages = Assistant(s).search("automatisering chatbots", k=5, authors=("Marie Bakker",))
    assert passages and {p.chunk.author for p in passages} == {"Marie Bakker"}


def test_search_json_has_the_contract_fields(tmp_path):
    s = make_settings(tmp_path)
    update_index(s)
    row = Assistant(s).search("chatbots", k=1)[0].to_json()
    assert {"rank", "doc", "start", "end", "text", "score", "title", "author", "date"} <= set(row)


def test_an_index_built_with_other_chunk_settings_is_refused_and_rebuilt_only_at_app_start(tmp_path):
    s = make_settings(tmp_path)
    update_index(s)
    stale = Assistant(s.with_overrides(chunk_size=200, chunk_overlap=20))
    with pytest.raises(IndexMismatchError, match="chunker settings changed.*Run `rag index`"):
        stale.search("chatbots")
    with pytest.raises(IndexMismatchError):
        stale.ensure_index()  # read paths never rewrite an index built with other settings
    assert stale.status()["warning"] and stale.status()["passages"] > 0
    report = stale.ensure_index(rebuild_stale=True)  # the app's start-up does
    assert report is not None and report.full and "chunker settings changed" in report.reason
    assert stale.search("chatbots")
