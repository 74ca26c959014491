import pytest

from rag.errors import IndexMismatchError
from rag.indexer import update_index
from rag.search import bm25_weight, diversified, rescored, rrf, search, tokenize, with_keyword_best
from rag.service import Assistant
from rag.store import load_index
from rag.types import Chunk, Passage
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


def _scored(rank, dense, bm25, doc="d"):
    return Passage(rank, Chunk(f"c{rank}", doc, 0, 0, 1, "x", "t"), 1.0 / rank, dense, bm25)


def test_the_top_of_the_fused_list_is_ordered_by_score_and_the_rest_keeps_its_ranks():
    # Fusion ranked c1 first on ranks alone; c2 matches far more strongly on both scores, c3 only by keywords.
    fused = [_scored(1, 0.30, 2.0), _scored(2, 0.45, 6.0), _scored(3, 0.20, 7.0), _scored(4, 0.50, None)]
    out = rescored(fused, bm25_weight=1.0, top=3, over=4)
    assert [p.chunk.id for p in out] == ["c2", "c3", "c1", "c4"]  # c4 ranks below the top: it stays 4th
    assert [p.rank for p in out] == [1, 2, 3, 4]
    assert out[0].score == fused[1].score  # the fused score is kept: `rag search --json` still shows it
    # Across languages BM25 counts less (its weight in fusion): the dense score decides between c2 and c3.
    assert [p.chunk.id for p in rescored(fused, bm25_weight=0.3, top=3, over=4)] == ["c2", "c1", "c3", "c4"]
    # Without BM25 (weight 0) the cosines alone order the top.
    assert [p.chunk.id for p in rescored(fused, bm25_weight=0.0, top=3, over=4)] == ["c2", "c1", "c3", "c4"]
    # The scale is the window's: a strong third passage shrinks c1's small lead in cosine below c2's in keywords.
    # So `search` always scales over the same window (the default number of passages), whatever k is asked.
    close = [_scored(1, 0.30, 2.0), _scored(2, 0.29, 3.0), _scored(3, 0.90, 10.0)]
    assert [p.chunk.id for p in rescored(close, bm25_weight=0.5, top=2, over=2)] == ["c1", "c2", "c3"]
    assert [p.chunk.id for p in rescored(close, bm25_weight=0.5, top=2, over=3)] == ["c2", "c1", "c3"]
    assert rescored(fused, bm25_weight=1.0, top=0, over=4) is fused  # RAG_RESCORE_TOP=0: fusion's order
    # A list already in order comes back as it is; so does one passage.
    dense_only = [_scored(1, 0.5, None), _scored(2, 0.4, None), _scored(3, 0.3, None)]
    assert rescored(dense_only, bm25_weight=1.0, top=3, over=8) is dense_only
    assert rescored(dense_only[:1], bm25_weight=1.0, top=3, over=8) == dense_only[:1]


def test_a_lone_keyword_match_counts_and_equal_scores_keep_fusions_order():
    # Only c2 has a BM25 score: that it matched at all is what the keyword retriever says, so it counts in full.
    lone = [_scored(1, 0.50, None), _scored(2, 0.49, 9.0), _scored(3, 0.30, None)]
    assert [p.chunk.id for p in rescored(lone, bm25_weight=1.0, top=3, over=8)] == ["c2", "c1", "c3"]
    # Equal strengths: fusion's order stands.
    tied = [_scored(1, 0.4, 3.0), _scored(2, 0.4, 3.0), _scored(3, 0.4, 3.0)]
    assert rescored(tied, bm25_weight=1.0, top=3, over=8) is tied


class _FusedList:
    """An index whose fused list is fixed: `search` returns its first `request.k` passages, and remembers the
    request."""

    def __init__(self, passages):
        self.passages, self.requests = passages, []

    def search(self, request):
        self.requests.append(request)
        return self.passages[: request.k]


def test_search_orders_the_head_over_a_fixed_window_whatever_k_is_asked(tmp_path):
    s = make_settings(tmp_path)  # no embedder is passed: the fake index needs no vector
    # c1 and c2 are close in both scores; c3 is a strong passage of another document; c4, c5 fill the window.
    fused = [
        _scored(1, 0.30, 2.0, "a"),
        _scored(2, 0.29, 3.0, "b"),
        _scored(3, 0.90, 10.0, "c"),
        _scored(4, 0.10, None, "a"),
        _scored(5, 0.05, None, "a"),
    ]
    index = _FusedList(fused)
    default = search(index, None, "klantbeleving", s.with_overrides(top_k=5, rescore_top=3))
    assert [p.chunk.id for p in default] == ["c3", "c2", "c1", "c4", "c5"]
    for k in (1, 2, 3):  # fewer passages asked for: the head of the same list, not a list ordered on its own
        fewer = search(index, None, "klantbeleving", s.with_overrides(top_k=5, rescore_top=3), k=k)
        assert [(p.chunk.id, p.rank) for p in fewer] == [(p.chunk.id, p.rank) for p in default[:k]]
    assert all(r.k == 5 for r in index.requests)  # the backend is always asked for the whole window
    # RAG_RESCORE_TOP=0: fusion's order (here already spread over three documents).
    plain = search(index, None, "klantbeleving", s.with_overrides(top_k=5, rescore_top=0))
    assert [p.chunk.id for p in plain] == ["c1", "c2", "c3", "c4", "c5"]
    # Without BM25 its scores count for nothing, even when the backend returned them.
    no_bm25 = search(index, None, "klantbeleving", s.with_overrides(top_k=5, rescore_top=3, use_bm25=False))
    assert [p.chunk.id for p in no_bm25][:3] == ["c3", "c1", "c2"]


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


def test_the_keyword_retrievers_best_passages_are_always_read():
    # Fusion ranks c9 (only the keyword retriever found it, by a rare word) and c7 below the window of 6.
    fused = [_scored(i, 0.3, 0.1 if i < 7 else None) for i in range(1, 7)]
    fused += [_scored(7, 0.2, 1.5), _scored(8, 0.2, None), _scored(9, None, 2.0)]
    out = with_keyword_best(fused, window=6)
    # The two best keyword passages take the last two places, in keyword order; the head is fusion's.
    assert [p.chunk.id for p in out] == ["c1", "c2", "c3", "c4", "c9", "c7"]
    assert [p.rank for p in out] == list(range(1, 7))
    # Already in the window: the window as it was; one best only: one place.
    assert [p.chunk.id for p in with_keyword_best(fused, window=6, best=1)] == ["c1", "c2", "c3", "c4", "c5", "c9"]
    assert [p.chunk.id for p in with_keyword_best(fused[:6], window=6)] == [f"c{i}" for i in range(1, 7)]
    assert [p.chunk.id for p in with_keyword_best(fused, window=6, best=0)] == [f"c{i}" for i in range(1, 7)]
    # A keyword-best passage already in the last place stays; the other one takes the place of the last other passage
    # (a review found the best one dropped for the second best).
    late = [_scored(i, 0.3, None) for i in range(1, 6)] + [_scored(6, 0.2, 3.0), _scored(7, None, 2.0)]
    assert [p.chunk.id for p in with_keyword_best(late, window=6)] == ["c1", "c2", "c3", "c4", "c6", "c7"]


def test_the_keyword_retrievers_best_are_read_only_for_a_question_in_the_corpus_language(tmp_path):
    # For an English question BM25 reads translations: its best passages are not forced in.
    settings = make_settings(tmp_path)
    update_index(settings)
    index = Assistant(settings).index()
    calls = []

    class Spy:
        def __getattr__(self, name):
            return getattr(index, name)

        def search(self, request):
            calls.append(request.k)
            return index.search(request)

    search(Spy(), Assistant(settings).embedder, "Waarom heeft klantbeleving financiële ruimte nodig?", settings, k=3)
    search(Spy(), Assistant(settings).embedder, "Why does customer experience need money?", settings, k=3)
    assert calls == [settings.retrieve_k, settings.top_k]  # the whole pool in Dutch, the window in English
    off = settings.with_overrides(use_bm25=False)
    search(Spy(), Assistant(off).embedder, "Waarom heeft klantbeleving financiële ruimte nodig?", off, k=3)
    assert calls[-1] == off.top_k
