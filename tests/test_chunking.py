from pathlib import Path

import pytest

from rag.chunking import chunk_document
from rag.corpus import load_documents
from rag.parsing import parse_document
from tests.helpers import LETTERS

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.mark.parametrize("size,overlap", [(600, 100), (300, 50), (1200, 0)])
def test_every_chunk_of_the_bundled_corpus_is_its_file_text_at_its_offsets(size, overlap):
    docs, skipped = load_documents(SEEDS, 5_000_000)
    assert len(docs) == 5 and not skipped
    for doc in docs:
        chunks = chunk_document(doc, size, overlap)
        assert chunks
        for c in chunks:
            assert doc.text[c.start : c.end] == c.text
            assert len(c.text) <= size
            assert c.title == doc.title


def test_chunks_never_cross_a_letter_boundary_and_carry_the_letter_author():
    doc = parse_document("c.txt", LETTERS)
    for c in chunk_document(doc, 120, 30):
        section = doc.sections[c.section]
        assert section.start <= c.start and c.end <= section.end
        if section.kind == "letter":
            assert c.author == section.author and c.place == section.place


def test_chunk_ids_are_deterministic():
    doc = parse_document("c.txt", LETTERS)
    assert [c.id for c in chunk_document(doc, 200, 40)] == [c.id for c in chunk_document(doc, 200, 40)]
