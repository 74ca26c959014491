"""Kept so older imports (`from rag.store import Index, load_index`) still work; the stores live in rag/stores/."""

from .stores.base import FIX, FileEntry, Index, Manifest
from .stores.faiss import (
    SCHEMA_VERSION,
    FaissIndex,
    build_faiss,
    current_version,
    document_from_json,
    document_to_json,
    load_documents_table,
    load_index,
    read_indexed_document,
    read_manifest,
    save_index,
    write_lock,
)

__all__ = [
    "FIX",
    "SCHEMA_VERSION",
    "FaissIndex",
    "FileEntry",
    "Index",
    "Manifest",
    "build_faiss",
    "current_version",
    "document_from_json",
    "document_to_json",
    "load_documents_table",
    "load_index",
    "read_indexed_document",
    "read_manifest",
    "save_index",
    "write_lock",
]
