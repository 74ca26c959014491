"""The seeds dir on disk: list files, extract their text (skipping bad ones with a reason), parse them, save uploads."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import InputError
from .extract import SUFFIX_LIST, SUFFIXES, ExtractError, extract
from .extract.text import decode as _decode_text
from .parsing import parse_document
from .types import Document, SkippedFile

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FileBytes:
    """A candidate file: its name relative to the seeds dir and raw content."""

    doc: str
    data: bytes


# ---------------------------------------------------------------- reading (I/O)


def scan_seeds(seeds_dir: Path, max_bytes: int) -> tuple[list[FileBytes], list[SkippedFile]]:
    """List readable files of the supported formats under seeds_dir; everything refused comes back with a reason."""
    if not seeds_dir.is_dir():
        raise InputError(
            f"The seeds dir {seeds_dir} does not exist. Create it and put articles ({SUFFIX_LIST}) in it, "
            "or point RAG_SEEDS_DIR (or --seeds-dir) at the folder that holds them."
        )
    root = seeds_dir.resolve()
    files: list[FileBytes] = []
    skipped: list[SkippedFile] = []
    for path in sorted(seeds_dir.rglob("*")):
        rel = path.relative_to(seeds_dir).as_posix()
        if any(part.startswith(".") for part in Path(rel).parts) or not path.is_file():
            continue
        if path.suffix.lower() not in SUFFIXES:
            skipped.append(SkippedFile(rel, f"not a supported file; only {SUFFIX_LIST} are indexed"))
            continue
        if path.is_symlink() and not path.resolve().is_relative_to(root):
            skipped.append(SkippedFile(rel, "symlink pointing outside the seeds dir; copy the file in instead"))
            continue
        try:
            size = path.stat().st_size
            data = path.read_bytes() if size <= max_bytes else b""
        except OSError as exc:  # no permission, or removed while we read the folder
            skipped.append(SkippedFile(rel, f"cannot be read ({exc.strerror or type(exc).__name__}); check the file"))
            continue
        if size > max_bytes:
            skipped.append(
                SkippedFile(rel, f"too large ({size:,} bytes > {max_bytes:,}); split it or raise RAG_MAX_FILE_BYTES")
            )
            continue
        files.append(FileBytes(rel, data))
    return files, skipped


def decode(data: bytes) -> str:
    """Decode text file bytes the one way offsets are computed against (UTF-8, else cp1252); ValueError if binary."""
    return _decode_text(data)[0]


def file_hash(data: bytes) -> str:
    """The content hash of a file's bytes: a file is read again only when it changes."""
    return hashlib.sha256(data).hexdigest()


def content_digest(text: str) -> str:
    """The hash of a document's extracted text: two files with the same text are one article (line ends aside)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class Corpus:
    """The seeds dir as read: documents extracted now, files unchanged since `known` (not read again), refusals."""

    documents: list[Document] = field(default_factory=list)
    unchanged: dict[str, str] = field(default_factory=dict)  # name -> file hash
    skipped: list[SkippedFile] = field(default_factory=list)


def read_document(doc: str, data: bytes, max_bytes: int) -> Document:
    """Extract one file and parse its text into a Document; ExtractError says why it cannot be indexed."""
    extracted = extract(doc, data, max_bytes)
    if extracted.encoding not in (None, "utf-8"):  # warned here, once per file with its name
        log.warning("%s: decoded as %s (not UTF-8); consider re-saving it as UTF-8", doc, extracted.encoding)
    if not extracted.text.strip():
        raise ExtractError("empty file; add text or remove it")
    parsed = parse_document(doc, extracted.text, file_hash(data), stated=extracted.metadata())
    return replace(parsed, format=extracted.format, pages=extracted.pages)


def read_corpus(
    seeds_dir: Path,
    max_bytes: int,
    known: Mapping[str, str] | None = None,
    known_texts: Mapping[str, str] | None = None,
    indexed: Mapping[str, str] | None = None,
) -> Corpus:
    """Read every acceptable file; one whose bytes hash to `known[name]` is not extracted again.

    Duplicates are skipped with a reason: the same bytes, or the same extracted text (`known_texts[name]` is the
    text hash of a file that is not read again), under another name; of the same bytes, the file whose name and bytes
    were indexed before (`indexed`, else `known`) stays. So are files that cannot be read."""
    files, skipped = scan_seeds(seeds_dir, max_bytes)
    corpus = Corpus(skipped=skipped)
    seen: dict[str, str] = {}
    hashed = [(f, file_hash(f.data)) for f in files]
    # Of files with the same bytes, the one indexed under its name stays, whatever the other's name: a copy named to
    # sort first ("0-copy-x.txt") replaced the indexed original, re-embedded, and its citations pointed at the copy.
    before = indexed if indexed is not None else (known or {})
    hashed.sort(key=lambda fd: before.get(fd[0].doc) != fd[1])
    for f, digest in hashed:
        if digest in seen:
            corpus.skipped.append(SkippedFile(f.doc, f"duplicate of {seen[digest]}; remove one of the two"))
            continue
        seen[digest] = f.doc
        if known is not None and known.get(f.doc) == digest:
            corpus.unchanged[f.doc] = digest
            continue
        try:
            corpus.documents.append(read_document(f.doc, f.data, max_bytes))
        except ExtractError as exc:
            corpus.skipped.append(SkippedFile(f.doc, str(exc)))
    texts = {(known_texts or {}).get(n): n for n in sorted(corpus.unchanged, reverse=True)}
    texts.pop(None, None)
    texts.pop("", None)
    documents = corpus.documents
    corpus.documents = []
    for d in documents:  # the same text under another name (other line ends, another encoding) is one article
        text_hash = content_digest(d.text)
        if text_hash in texts:
            corpus.skipped.append(SkippedFile(d.doc, f"duplicate of {texts[text_hash]}; remove one of the two"))
            continue
        texts[text_hash] = d.doc
        corpus.documents.append(d)
    for s in corpus.skipped:  # info, not warning: the caller reports them (the CLI prints each one)
        log.info("skipped %s: %s", s.doc, s.reason)
    return corpus


def load_documents(seeds_dir: Path, max_bytes: int) -> tuple[list[Document], list[SkippedFile]]:
    """Read and parse every acceptable file; duplicates and unreadable files are skipped with a reason."""
    corpus = read_corpus(seeds_dir, max_bytes)
    return corpus.documents, corpus.skipped


def read_document_text(index_dir: Path, doc: str) -> str:
    """The indexed text of one document (what offsets point into), for any format; InputError if not indexed."""
    from .store import read_indexed_document

    return read_indexed_document(index_dir, doc).text


# ---------------------------------------------------------------- uploads (I/O)

_UNSAFE_NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


def upload_name(filename: str) -> str:
    """A safe file name for an upload: the basename only, ASCII letters/digits/._- , a supported suffix."""
    import unicodedata

    base = re.split(r"[\\/]", filename or "")[-1]  # both separators: names may come from Windows
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    stem, dot, suffix = base.rpartition(".")
    suffix = f".{suffix.lower()}" if dot else ""
    if suffix not in SUFFIXES:
        shown = base or filename
        raise InputError(f"'{shown}' is not a supported file. Upload an article as {SUFFIX_LIST}.")
    stem = _UNSAFE_NAME_CHARS.sub("_", stem).strip("._-")[:100] or "upload"
    return stem + suffix


def save_upload(seeds_dir: Path, filename: str, data: bytes, max_bytes: int) -> str:
    """Check an uploaded article and save it in seeds_dir under a safe name; returns the saved relative name.

    The upload is read the way `rag index` reads files (its type checked by its content, not only its name), so
    it is refused for the same reasons. An identical file already saved under that name is reused; a different
    file is never overwritten: the upload gets the next free name ("name-2.md").
    """
    import os
    import threading

    name = upload_name(filename)
    if len(data) > max_bytes:
        raise InputError(
            f"'{name}' is too large ({len(data):,} bytes; the limit is {max_bytes:,}). "
            "Split the article or raise RAG_MAX_UPLOAD_BYTES."
        )
    try:
        read_document(name, data, max_bytes)
    except ExtractError as exc:
        raise InputError(f"'{name}' cannot be added: {exc}.") from None
    seeds_dir.mkdir(parents=True, exist_ok=True)
    stem, suffix = name.rsplit(".", 1)
    tmp = seeds_dir / f".upload-{os.getpid()}-{threading.get_ident()}.tmp"  # hidden: never indexed
    tmp.write_bytes(data)
    try:
        for i in range(1, 1000):
            candidate = name if i == 1 else f"{stem}-{i}.{suffix}"
            path = seeds_dir / candidate
            if path.is_file() and path.read_bytes() == data:
                return candidate
            try:
                os.link(tmp, path)  # atomic and never replaces an existing file
            except FileExistsError:
                continue
            log.info("saved upload %r as %s", filename, candidate)
            return candidate
    finally:
        tmp.unlink(missing_ok=True)
    raise InputError(f"Too many files named like '{name}' in {seeds_dir}; rename the file and upload it again.")
