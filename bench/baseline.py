"""The usual tutorial pipeline, as the benchmark's baseline: MiniLM embeddings in a flat FAISS index.

Chunks with our chunker (so both systems see the same passages), embeds every passage with
all-MiniLM-L6-v2, puts them in an `IndexFlatIP` and searches it. There is no incremental update:
any change re-embeds and rebuilds everything, as in most tutorials.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import faiss
import numpy as np

from rag.chunking import chunk_document
from rag.corpus import load_documents
from rag.embedders import Embedder, get_embedder
from rag.types import Chunk

EMBED_BATCH = 256


class TutorialPipeline:
    """Embed all, index flat, search top-k; `rebuild` is the only way to take in a change."""

    def __init__(self, embedder: str = "minilm", chunk_size: int = 900, chunk_overlap: int = 150) -> None:
        self.embedder: Embedder = get_embedder(embedder)
        self.chunk_size = chunk_size
        self.chunk_overlap = chunk_overlap
        self.chunks: list[Chunk] = []
        self.index = faiss.IndexFlatIP(self.embedder.dim)

    def load_chunks(self, seeds_dir: Path) -> list[Chunk]:
        """Read and chunk every file of the seeds dir."""
        docs, _ = load_documents(seeds_dir, max_bytes=5_000_000)
        return [c for d in docs for c in chunk_document(d, self.chunk_size, self.chunk_overlap)]

    def embed(self, texts: list[str]) -> np.ndarray:
        """Document vectors, L2-normalised float32."""
        parts = [self.embedder.encode_documents(texts[i : i + EMBED_BATCH]) for i in range(0, len(texts), EMBED_BATCH)]
        return np.vstack(parts) if parts else np.zeros((0, self.embedder.dim), dtype=np.float32)

    def rebuild(self, seeds_dir: Path, save_dir: Path | None = None) -> int:
        """Chunk, embed and index the whole seeds dir from scratch; returns the passage count."""
        self.chunks = self.load_chunks(seeds_dir)
        self.set_vectors(self.embed([c.text for c in self.chunks]))
        if save_dir is not None:
            self.save(save_dir)
        return len(self.chunks)

    def set_vectors(self, vectors: np.ndarray) -> None:
        """Replace the index with a new flat index over `vectors`."""
        self.index = faiss.IndexFlatIP(self.embedder.dim)
        self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    def save(self, save_dir: Path) -> None:
        """The tutorial's persistence: `faiss.write_index` plus the chunk table as JSONL."""
        save_dir.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self.index, str(save_dir / "index.faiss"))
        with open(save_dir / "chunks.jsonl", "w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(asdict(c), ensure_ascii=False) + "\n" for c in self.chunks)

    def search(self, query: str, k: int = 10) -> list[Chunk]:
        """Top-k chunks by cosine similarity to the query."""
        if self.index.ntotal == 0:
            return []
        vector = self.embedder.encode_queries([query])
        _, rows = self.index.search(vector, min(k, self.index.ntotal))
        return [self.chunks[int(r)] for r in rows[0] if r >= 0 and r < len(self.chunks)]
