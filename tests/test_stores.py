"""The store contract, run against both backends (files + FAISS, PostgreSQL + pgvector) on the tiny corpus."""

from __future__ import annotations

import numpy as np
import pytest

from rag.embedders import HashEmbedder
from rag.errors import IndexMissingError, InputError
from rag.indexer import update_index
from rag.search import search
from rag.service import Assistant
from rag.stores import open_store
from rag.stores.base import SearchRequest
from tests.filemakers import pdf_bytes


def test_an_empty_store_has_no_version_and_says_what_to_run(store_settings):
    store = open_store(store_settings)
    assert store.version() is None and store.manifest() is None
    with pytest.raises(IndexMissingError, match="rag index"):
        store.load()


def test_indexing_records_every_file_and_passage_in_the_manifest(store_settings):
    report = update_index(store_settings)
    store = open_store(store_settings)
    index = store.load()
    m = index.manifest
    assert report.full and set(m.files) == {"a_zorg.txt", "b_data.md", "c_brieven.txt"}
    assert m.count == report.total_chunks == sum(e.chunks for e in m.files.values())
    assert m.embedder == "hash-256" and m.dim == 256
    chunks = list(index.iter_chunks())
    assert len(chunks) == m.count and {c.doc for c in chunks} == set(m.files)
    assert index.chunk(chunks[0].id) == chunks[0] and index.chunk("no-such-id") is None


def test_every_indexed_document_keeps_its_text_sections_and_pages_across_updates(store_settings):
    seeds = store_settings.seeds_dir
    (seeds / "verslag.pdf").write_bytes(pdf_bytes(["Pagina een over wachttijden.", "Pagina twee over terugbellen."]))
    update_index(store_settings)
    letters = open_store(store_settings).load().document("c_brieven.txt")
    (seeds / "d_nieuw.txt").write_text("Nieuw\n\nEen nieuw artikel over klantreizen.\n", "utf-8")
    update_index(store_settings)  # the other documents are kept, not read again
    index = open_store(store_settings).load()
    assert index.document("c_brieven.txt") == letters and len(letters.sections) > 1
    assert index.document("d_nieuw.txt").text.startswith("Nieuw")
    pdf = index.document("verslag.pdf")
    assert pdf.format == "pdf" and [p.page for p in pdf.pages] == [1, 2]
    assert "terugbellen" in pdf.text[pdf.pages[1].start : pdf.pages[1].end]
    pdf_chunks = [c for c in index.iter_chunks() if c.doc == "verslag.pdf"]
    assert pdf_chunks and all(c.pages for c in pdf_chunks) and pdf_chunks[-1].pages[-1] == 2
    assert index.manifest.files["verslag.pdf"].text_sha256  # the duplicate check by extracted text needs it
    with pytest.raises(InputError, match="'nope.txt' is not in the index.*a_zorg.txt"):
        index.document("nope.txt")


def test_an_update_embeds_only_added_and_changed_files_and_drops_removed_ones(store_settings, monkeypatch):
    update_index(store_settings)
    store = open_store(store_settings)
    before = store.load()
    kept_before = [c for c in before.iter_chunks() if c.doc == "b_data.md"]
    seeds = store_settings.seeds_dir
    (seeds / "a_zorg.txt").write_text("Zorg\n\nPatiënten bellen liever niet. Terugbellen werkt beter.\n", "utf-8")
    (seeds / "c_brieven.txt").unlink()
    (seeds / "d_nieuw.txt").write_text("Nieuw\n\nEen nieuw artikel over klantreizen in de energiesector.\n", "utf-8")
    embedded: list[str] = []
    real = HashEmbedder.encode_documents
    monkeypatch.setattr(
        HashEmbedder, "encode_documents", lambda self, texts: embedded.extend(texts) or real(self, texts)
    )
    report = update_index(store_settings)
    after = store.load()
    assert (report.added, report.changed, report.removed) == (("d_nieuw.txt",), ("a_zorg.txt",), ("c_brieven.txt",))
    chunks = list(after.iter_chunks())
    assert sorted(embedded) == sorted(c.text for c in chunks if c.doc in ("a_zorg.txt", "d_nieuw.txt"))
    assert [c for c in chunks if c.doc == "b_data.md"] == kept_before
    assert not any(c.doc == "c_brieven.txt" for c in chunks)
    assert after.version != before.version and store.version() == after.version
    assert update_index(store_settings).chunks_embedded == 0  # nothing changed: nothing embedded or written
    assert store.version() == after.version


def test_stored_vectors_are_the_embedders_vectors_of_the_chunk_texts(store_settings):
    update_index(store_settings)
    index = open_store(store_settings).load()
    chunks, vectors = index.passages_of(["c_brieven.txt", "a_zorg.txt"])
    assert [c.doc for c in chunks] == sorted(c.doc for c in chunks) and len(chunks) == len(vectors) > 2
    assert np.allclose(vectors, HashEmbedder().encode_documents([c.text for c in chunks]), atol=1e-5)


def test_dense_search_matches_brute_force_cosine_top_k(store_settings):
    update_index(store_settings)
    index = open_store(store_settings).load()
    chunks, vectors = index.passages_of(index.manifest.files)
    query = HashEmbedder().encode_queries(["chatbots en de overdracht van bot naar mens"])[0]
    expected = [chunks[i].id for i in np.argsort(-(vectors @ query), kind="stable")[:3]]
    passages = index.search(SearchRequest("chatbots", query, k=3, pool=20, bm25_weight=0.0, use_bm25=False))
    assert [p.chunk.id for p in passages] == expected
    assert [p.rank for p in passages] == [1, 2, 3]
    assert passages[0].dense == pytest.approx(float(np.max(vectors @ query)), abs=1e-5)


def test_hybrid_search_finds_the_passage_by_keyword_and_fuses_both_lists(store_settings):
    update_index(store_settings)
    index = open_store(store_settings).load()
    passages = search(index, HashEmbedder(), "terugbelsystemen in ziekenhuizen", store_settings, k=3)
    assert passages[0].chunk.doc == "a_zorg.txt"
    assert passages[0].bm25 is not None and passages[0].bm25 > 0 and passages[0].dense is not None
    # The backend's fused list falls in score; `search` then re-orders its head (rescored, diversified).
    vector = HashEmbedder().encode_queries(["terugbelsystemen in ziekenhuizen"])[0]
    fused = index.search(SearchRequest("terugbelsystemen in ziekenhuizen", vector, k=3, pool=20, bm25_weight=1.0))
    assert all(a.score >= b.score for a, b in zip(fused, fused[1:]))
    keyword_only = search(index, None, "terugbelsystemen", store_settings.with_overrides(use_dense=False), k=2)
    assert keyword_only[0].chunk.doc == "a_zorg.txt" and keyword_only[0].dense is None


def test_search_restricted_to_authors_returns_only_their_passages(store_settings):
    update_index(store_settings)
    index = open_store(store_settings).load()
    assert "Anna de Vries" in index.authors()
    passages = search(index, HashEmbedder(), "automatisering klantcontact", store_settings, authors=("Marie",))
    assert passages == []  # "Marie" is not an author's full name
    authors = tuple(a for a in index.authors() if a.startswith("Marie"))
    passages = search(index, HashEmbedder(), "automatisering klantcontact", store_settings, authors=authors)
    assert passages and {p.chunk.author for p in passages} == set(authors)
    assert all(p.dense is not None for p in passages)  # both backends give every passage its cosine


def test_a_writer_whose_passages_rank_below_hundreds_of_others_is_still_found_by_name(store_settings):
    # A review found "What does Marieke de Vries think?" quoting another writer at 1,500 passages: the files backend
    # filtered the first 200 of each ranking by author, and her passages ranked lower.
    for i in range(300):
        (store_settings.seeds_dir / f"z_{i:03d}.txt").write_text(
            f"Automatisering {i}\n\nAutomatisering van klantcontact met chatbots, aflevering {i}: "
            f"chatbots en automatisering in klantcontact, deel {i}.\n",
            encoding="utf-8",
        )
    update_index(store_settings)
    index = open_store(store_settings).load()
    query = "automatisering klantcontact chatbots"
    everyone = search(index, HashEmbedder(), query, store_settings, k=8)
    assert "Anna de Vries" not in {p.chunk.author for p in everyone}
    passages = search(index, HashEmbedder(), query, store_settings, authors=("Anna de Vries",))
    assert passages and {p.chunk.doc for p in passages} == {"b_data.md"}


def test_a_changed_embedder_rebuilds_the_whole_index_and_says_why(store_settings, monkeypatch):
    update_index(store_settings)

    class Other(HashEmbedder):
        id, dim = "other-64", 64

    monkeypatch.setattr("rag.indexer.get_embedder", lambda name: Other())
    report = update_index(store_settings)
    assert report.full and "embedder changed" in report.reason
    m = open_store(store_settings).load().manifest
    assert m.embedder == "other-64" and m.dim == 64 and m.count == report.total_chunks


def test_the_assistant_answers_and_reports_status_the_same_way_on_both_backends(store_settings):
    assistant = Assistant(store_settings)
    assistant.reindex()
    answer = assistant.ask("Waarom investeren ziekenhuizen in terugbelsystemen?")
    assert not answer.abstained and answer.citations[0].doc == "a_zorg.txt"
    status = assistant.status()
    assert status["backend"] == store_settings.backend and status["articles"] == 3
    assert status["passages"] == len(list(assistant.index().iter_chunks()))


def test_document_share_counts_the_documents_that_use_a_term_not_their_passages(store_settings):
    from rag.search import tokenize

    update_index(store_settings)
    index = open_store(store_settings).load()
    chunks = list(index.iter_chunks())
    docs = {c.doc for c in chunks}
    users: dict[str, set[str]] = {}
    for c in chunks:
        for t in tokenize(f"{c.title}\n{c.text}"):
            users.setdefault(t, set()).add(c.doc)
    shared = max(users, key=lambda t: (len(users[t]), t))  # a term several documents use
    single = next(t for t in sorted(users) if len(users[t]) == 1)
    share = index.document_share([shared, single, "zzgeenwoord"])
    assert share == {shared: len(users[shared]) / len(docs), single: 1 / len(docs), "zzgeenwoord": 0.0}
    assert len(users[shared]) > 1
