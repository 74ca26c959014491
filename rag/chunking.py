"""Sections -> chunks with exact character offsets; a chunk never crosses a section (letter) boundary."""

from __future__ import annotations

import hashlib

from .types import Chunk, Document, pages_of

# Paragraphs first, then lines, then sentences, then words.
SEPARATORS = ["\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ", ""]


def chunker_id(chunk_size: int, chunk_overlap: int) -> str:
    """The chunker settings as recorded in the index manifest; a change forces a rebuild.

    The version counts changes to how files become chunks, parsing included (v2: titles of texts that open with
    a paragraph, one-line sign-offs; v3: PDF, DOCX and HTML extraction, pages, file hashes of the bytes; v4: bylines,
    "Door Marieke de Vries" names Marieke de Vries; v5: a name alone at the end or after the date must read as a name,
    "Tot Slot" is no writer), so an index built by an older version is rebuilt rather than mixed."""
    return f"recursive-v5:size={chunk_size}:overlap={chunk_overlap}"


def chunk_document(doc: Document, chunk_size: int, chunk_overlap: int) -> list[Chunk]:
    """Split every section of `doc` on its own; `doc.text[c.start:c.end] == c.text` for every chunk."""
    # Imported here: langchain takes most of a second to import and only indexing needs it.
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        separators=SEPARATORS,
        chunk_size=chunk_size,
        chunk_overlap=chunk_overlap,
        keep_separator="end",
        strip_whitespace=True,
    )
    chunks: list[Chunk] = []
    for section in doc.sections:
        body = doc.text[section.start : section.end]
        cursor = 0
        for piece in splitter.split_text(body):
            # Pieces are verbatim substrings in order; overlap means the next one starts before `cursor` ends,
            # so search from just after the previous piece's start.
            offset = body.find(piece, cursor)
            if offset < 0:  # should not happen; fall back to a search from the top rather than lose the piece
                offset = body.find(piece)
            start = section.start + offset
            end = start + len(piece)
            cursor = offset + 1
            chunks.append(
                Chunk(
                    id=f"{doc.doc}#{section.index}:{start}-{end}",
                    doc=doc.doc,
                    section=section.index,
                    start=start,
                    end=end,
                    text=piece,
                    title=doc.title,
                    author=section.author or (doc.author if section.kind == "body" else None),
                    date=section.date or doc.date,
                    place=section.place,
                    pages=pages_of(doc.pages, start, end),
                )
            )
    return chunks


def content_hash(text: str) -> str:
    """Short stable hash of a text (file or chunk)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
