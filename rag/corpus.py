"""The seeds dir on disk: list and decode files (skipping bad ones with a reason), parse them, save uploads."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError
from .parsing import parse_document
from .types import Document, SkippedFile

log = logging.getLogger(__name__)

SUFFIXES = (".txt", ".md")


@dataclass(frozen=True)
class FileBytes:
    """A candidate file: its name relative to the seeds dir and raw content."""

    doc: str
    data: bytes


# ---------------------------------------------------------------- reading (I/O)


def scan_seeds(seeds_dir: Path, max_bytes: int) -> tuple[list[FileBytes], list[SkippedFile]]:
    """List readable .txt/.md files under seeds_dir; everything refused comes back with a reason."""
    if not seeds_dir.is_dir():
        raise InputError(
            f"The seeds dir {seeds_dir} does not exist. Create it and put .txt/.md articles in it, "
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
            skipped.append(SkippedFile(rel, f"not a .txt or .md file; only {', '.join(SUFFIXES)} are indexed"))
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
    """Decode file bytes the one way offsets are computed against (UTF-8, else cp1252); raise ValueError if binary."""
    return _decode(data)[0]


def _decode(data: bytes) -> tuple[str, str]:
    """(text, encoding used)."""
    if b"\x00" in data[:8192]:
        raise ValueError("binary file (contains NUL bytes); save the article as UTF-8 text")
    try:
        text, encoding = data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        try:
            text, encoding = data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            raise ValueError("not UTF-8 or cp1252 text; re-save the file as UTF-8") from None
    # Normalise line endings so offsets are stable across platforms.
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding


def content_digest(text: str) -> str:
    """The hash a file's content is known by in the index (of its decoded text, so line endings do not count)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_document_text(seeds_dir: Path, doc: str) -> str:
    """The current text of one file, decoded exactly as at index time (for showing a passage in context)."""
    root = seeds_dir.resolve()
    path = (seeds_dir / doc).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise InputError(f"'{doc}' is not a file in the seeds dir {seeds_dir}.")
    return decode(path.read_bytes())


def load_documents(seeds_dir: Path, max_bytes: int) -> tuple[list[Document], list[SkippedFile]]:
    """Read and parse every acceptable file; duplicates and unreadable files are skipped with a reason."""
    files, skipped = scan_seeds(seeds_dir, max_bytes)
    docs: list[Document] = []
    seen: dict[str, str] = {}
    for f in files:
        try:
            text, encoding = _decode(f.data)
        except ValueError as exc:
            skipped.append(SkippedFile(f.doc, str(exc)))
            continue
        if encoding != "utf-8":  # warned here, once per file with its name, not on every read
            log.warning("%s: decoded as %s (not UTF-8); consider re-saving it as UTF-8", f.doc, encoding)
        if not text.strip():
            skipped.append(SkippedFile(f.doc, "empty file; add text or remove it"))
            continue
        digest = content_digest(text)
        if digest in seen:
            skipped.append(SkippedFile(f.doc, f"duplicate of {seen[digest]}; remove one of the two"))
            continue
        seen[digest] = f.doc
        docs.append(parse_document(f.doc, text, digest))
    for s in skipped:  # info, not warning: the caller reports them (the CLI prints each one)
        log.info("skipped %s: %s", s.doc, s.reason)
    return docs, skipped


# ---------------------------------------------------------------- uploads (I/O)

_UNSAFE_NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


def upload_name(filename: str) -> str:
    """A safe file name for an upload: the basename only, ASCII letters/digits/._- , a .txt or .md suffix."""
    import unicodedata

    base = re.split(r"[\\/]", filename or "")[-1]  # both separators: names may come from Windows
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    stem, dot, suffix = base.rpartition(".")
    suffix = f".{suffix.lower()}" if dot else ""
    if suffix not in SUFFIXES:
        shown = base or filename
        raise InputError(
            f"'{shown}' is not a .txt or .md file. Save the article as plain text (.txt) or Markdown (.md)."
        )
    stem = _UNSAFE_NAME_CHARS.sub("_", stem).strip("._-")[:100] or "upload"
    return stem + suffix


def _looks_binary(text: str) -> bool:
    """Control characters other than tab/newline/form feed in more than 1% of the text: not an article."""
    controls = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\t\n\f") or 0x7F <= ord(ch) < 0xA0)
    return controls > max(2, len(text) // 100)


def save_upload(seeds_dir: Path, filename: str, data: bytes, max_bytes: int) -> str:
    """Check an uploaded article and save it in seeds_dir under a safe name; returns the saved relative name.

    An identical file already saved under that name is reused; a different file is never overwritten:
    the upload gets the next free name ("name-2.md").
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
        text = decode(data)
    except ValueError as exc:
        raise InputError(f"'{name}' cannot be added: {exc}.") from None
    if "\x00" in text or _looks_binary(text):
        raise InputError(
            f"'{name}' cannot be added: it looks like a binary file, not text. Save the article as UTF-8 text."
        )
    if not text.strip():
        raise InputError(f"'{name}' is empty. Upload a file with the article's text.")
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
