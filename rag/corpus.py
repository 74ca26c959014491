"""Read the seeds dir into Documents: front matter, inferred title/author/date, letters as sections."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError
from .types import Document, Section, SkippedFile

log = logging.getLogger(__name__)

SUFFIXES = (".txt", ".md")

MONTHS = {
    m: i + 1
    for i, m in enumerate(
        "januari februari maart april mei juni juli augustus september oktober november december".split()
    )
}
_MONTH = "|".join(MONTHS)
_WEEKDAY = r"(?:maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag),?\s+"
# "dinsdag, 4 november 2025", "4 maart 2025"
DATE_RE = re.compile(rf"(?:{_WEEKDAY})?\b(\d{{1,2}})\s+({_MONTH})\s+(\d{{4}})\b", re.IGNORECASE)
# A letter opens with a place/date line ("Zeist, september 2025") followed by a salutation.
PLACE_DATE_RE = re.compile(
    rf"^(?P<place>[A-Z][\w'\-]+(?:[ \-][A-Z][\w'\-]+)*),\s+(?:(?P<day>\d{{1,2}})\s+)?"
    rf"(?P<month>{_MONTH})\s+(?P<year>\d{{4}})\s*$",
    re.IGNORECASE | re.MULTILINE,
)
SALUTATION_RE = re.compile(r"^(?:Beste|Lieve|Geachte|Hoi|Dag|Dear|Hi)\b.*,\s*$", re.IGNORECASE)
_SIGNOFF = (
    r"(?:Groet|Groeten|Groetjes|Hartelijke groet(?:en)?|Met vriendelijke groet(?:en)?|Vriendelijke groet(?:en)?|"
    r"Warme groet(?:en)?|Met hartelijke groet(?:en)?|Best regards|Kind regards|Regards)"
)
_NAME = r"[A-Z][\w'\-]+(?:\s+(?:van|de|der|den|ter|ten|het|'t)?\s*[A-Z][\w'\-]+){0,3}"
SIGNOFF_RE = re.compile(rf"^{_SIGNOFF}\s*,?\s*$", re.IGNORECASE)
# "Groet, Wim" on one line.
SIGNOFF_INLINE_RE = re.compile(rf"^{_SIGNOFF}\s*,\s*(?P<name>{_NAME})\s*$")
NAME_RE = re.compile(rf"^{_NAME}$")
SOURCES = ("Marketingfacts", "Emerce", "Frankwatching", "CCM", "Klantcontact.nl", "CustomerFirst")


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
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if digest in seen:
            skipped.append(SkippedFile(f.doc, f"duplicate of {seen[digest]}; remove one of the two"))
            continue
        seen[digest] = f.doc
        docs.append(parse_document(f.doc, text, digest))
    for s in skipped:  # info, not warning: the caller reports them (the CLI prints each one)
        log.info("skipped %s: %s", s.doc, s.reason)
    return docs, skipped


# ---------------------------------------------------------------- parsing (pure)


def parse_document(doc: str, text: str, sha256: str | None = None) -> Document:
    """Build a Document from raw text: front matter first, otherwise inferred metadata; letters as sections."""
    sha256 = sha256 or hashlib.sha256(text.encode("utf-8")).hexdigest()
    meta, body_start = parse_front_matter(text)
    body = text[body_start:]
    title = meta.get("title") or title_from(body) or Path(doc).stem
    date = meta.get("date") or infer_date(body[:600])
    author = meta.get("author") or infer_author(body)
    source = meta.get("source") or infer_source(body[:600])
    letters = split_letters(text, body_start)
    if letters:
        sections = letters
        author = meta.get("author") or ", ".join(dict.fromkeys(s.author for s in letters if s.author)) or None
        date = date or letters[-1].date
    else:
        sections = (Section(0, "body", body_start, len(text), author=author, date=date),)
    return Document(doc, text, sha256, title, author, date, source, meta.get("url"), sections)


def parse_front_matter(text: str) -> tuple[dict[str, str], int]:
    """`---\\nkey: value\\n---` at the top; returns the fields and where the body starts."""
    m = re.match(r"---[ \t]*\n(.*?)\n---[ \t]*(?:\n|$)", text, re.DOTALL)
    if not m:
        return {}, 0
    meta = {}
    for line in m.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            meta[key.strip().lower()] = value.strip().strip("'\"")
    return meta, m.end()


def first_line(text: str) -> str:
    """The first non-empty line, without markdown heading marks."""
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line[:200]
    return ""


def title_from(body: str, limit: int = 100) -> str:
    """The first line when it reads as a title; for a text that opens with a paragraph, its first sentence,
    cut at a word boundary near `limit` characters."""
    line = first_line(body)
    if len(line) <= limit:
        return line
    sentence = re.split(r"(?<=[.!?])\s", line, maxsplit=1)[0]
    if len(sentence) <= limit:
        return sentence
    return sentence[: sentence.rfind(" ", 0, limit - 1)].rstrip(",;:") + "…"


def infer_date(text: str) -> str | None:
    """The first Dutch date in the text as ISO YYYY-MM-DD."""
    m = DATE_RE.search(text)
    if not m:
        return None
    day, month, year = int(m.group(1)), MONTHS[m.group(2).lower()], int(m.group(3))
    return f"{year:04d}-{month:02d}-{day:02d}"


def infer_source(text: str) -> str | None:
    """A known publication named near the top ("... (07:01) - Marketingfacts")."""
    for name in SOURCES:
        if re.search(rf"\b{re.escape(name)}\b", text):
            return name
    return None


def infer_author(body: str) -> str | None:
    """A name on the line right after the date line near the top, or a name alone on the last lines."""
    lines = [ln.strip().lstrip("•*-").strip() for ln in body.splitlines()]
    head = lines[:15]
    for i, line in enumerate(head):
        if DATE_RE.fullmatch(line) and i + 1 < len(head) and _is_name(head[i + 1]):
            return head[i + 1]
    tail = [ln for ln in lines if ln][-3:]
    for line in reversed(tail):
        if _is_name(line):
            return line
    return None


def _is_name(line: str) -> bool:
    words = line.split()
    return 2 <= len(words) <= 4 and bool(NAME_RE.match(line)) and not DATE_RE.search(line)


def split_letters(text: str, body_start: int = 0) -> tuple[Section, ...]:
    """Split a correspondence into intro + letters by shape: place/date line, salutation, sign-off + name."""
    starts = []
    for m in PLACE_DATE_RE.finditer(text, body_start):
        rest = text[m.end() :].lstrip("\n")
        if SALUTATION_RE.match(rest.split("\n", 1)[0]):
            starts.append(m)
    if len(starts) < 2:
        return ()
    sections: list[Section] = []
    if text[body_start : starts[0].start()].strip():
        sections.append(Section(0, "intro", body_start, _rstrip_end(text, body_start, starts[0].start())))
    intro = text[body_start : starts[0].start()]
    for i, m in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
        end = _rstrip_end(text, m.start(), end)
        signer = _signature(text[m.start() : end])
        month = MONTHS[m.group("month").lower()]
        date = f"{int(m.group('year')):04d}-{month:02d}" + (f"-{int(m.group('day')):02d}" if m.group("day") else "")
        author = full_name(signer, intro + text[m.start() : end]) if signer else None
        sections.append(Section(len(sections), "letter", m.start(), end, author, m.group("place"), date))
    return tuple(sections)


def _rstrip_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def _signature(letter: str) -> str | None:
    """The name after the sign-off ("Groet,\\nJan-Hein")."""
    lines = [ln.strip() for ln in letter.splitlines() if ln.strip()]
    for i in range(len(lines) - 1, -1, -1):
        if i > 0 and SIGNOFF_RE.match(lines[i - 1]) and NAME_RE.match(lines[i]):
            return lines[i]
        if m := SIGNOFF_INLINE_RE.match(lines[i]):
            return m.group("name")
    return None


def full_name(first: str, context: str) -> str:
    """Expand a signed first name to the full name the introduction gives ("Jan-Hein" -> "Jan-Hein Pierik")."""
    if len(first.split()) > 1:
        return first
    m = re.search(rf"\b{re.escape(first)}\s+((?:(?:van|de|der|den|ter|ten)\s+)*[A-Z][\w'\-]+)(?=[\s,.;:)]|$)", context)
    if m and m.group(1).split()[-1].lower() not in {"en", "and", "je", "ik"}:
        return f"{first} {m.group(1)}"
    return first


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
