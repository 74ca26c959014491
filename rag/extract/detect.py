"""What a file's bytes are, whatever its name says: PDF, Word document, HTML page, plain text or other binary.

Checked before any parser sees the bytes, so a file whose extension lies is refused with a reason, and a zip
that would unpack to far more than the size limit (a "zip bomb" named .docx) is refused before it is unpacked.
"""

from __future__ import annotations

import io
import re
import zipfile

from .base import ExtractError

# What each kind is called in a reason, and the name to give such a file.
KIND_NAMES = {
    "pdf": ("a PDF", ".pdf"),
    "docx": ("a Word document", ".docx"),
    "zip": ("a zip archive", None),
    "damaged-zip": ("a damaged zip archive", None),
    "html": ("an HTML page", ".html"),
    "text": ("plain text", ".txt"),
    "binary": ("binary data", None),
}
# A Word document unpacks to a few times its size (XML compresses well; python-docx's near-empty template 22x);
# a zip bomb to a thousand times its size and more.
MAX_UNPACKED_FACTOR = 30  # total unpacked size may be at most this many times the size limit
MAX_RATIO = 200  # and no member larger than 1 MB may unpack to more than this many times its packed size
MAX_MEMBERS = 10_000

_HTML_START = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.I | re.S)
_HTML_TAG = re.compile(rb"<(?:html|head|body|article|main|div|p|title|meta|h[1-6])\b", re.I)


def sniff(data: bytes) -> str:
    """'pdf' | 'docx' | 'zip' | 'damaged-zip' | 'html' | 'text' | 'binary', from the content alone."""
    at = data[:1024].find(b"%PDF-")
    # The header may follow a little junk (readers accept it there), but then the file ends like a PDF too: a text that
    # mentions "%PDF-" near its top is a text (it was refused as "the content is a PDF; rename it to .pdf").
    if at == 0 or (at > 0 and b"%%EOF" in data[-2048:]):
        return "pdf"
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _zip_kind(data)
    if b"\x00" in data[:8192]:
        return "binary"
    sample = data[:4096].lstrip(b"\xef\xbb\xbf")
    if _HTML_START.match(sample):
        return "html"
    return "text"


def looks_like_html_markup(data: bytes) -> bool:
    """Some HTML tags in the first few kilobytes (a page saved without a doctype still has them)."""
    return bool(_HTML_TAG.search(data[:8192]))


def _zip_kind(data: bytes) -> str:
    """'docx' for a zip holding a Word document's parts, 'damaged-zip' when its directory cannot be read."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return "damaged-zip"
    return "docx" if "word/document.xml" in names and "[Content_Types].xml" in names else "zip"


def check_zip_size(data: bytes, max_bytes: int) -> None:
    """Refuse a zip whose members would unpack to too much, from the sizes its directory declares.

    Only the central directory is read; no member is decompressed. python-docx never reads more than a member
    declares, so the declared sizes bound what parsing the document can unpack."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ExtractError(f"damaged Word document ({exc}); open and re-save it in Word") from None
    if len(members) > MAX_MEMBERS:
        raise ExtractError(f"refused: the archive holds {len(members):,} files, more than a Word document has")
    total = sum(m.file_size for m in members)
    limit = MAX_UNPACKED_FACTOR * max_bytes
    if total > limit:
        raise ExtractError(
            f"refused before unpacking: it would unpack to {total:,} bytes (more than {limit:,}, "
            f"{MAX_UNPACKED_FACTOR}x the size limit); this is not an ordinary Word document"
        )
    for m in members:
        if m.file_size > 1_000_000 and m.file_size > MAX_RATIO * max(m.compress_size, 1):
            raise ExtractError(
                f"refused before unpacking: {m.filename} would unpack {m.file_size // max(m.compress_size, 1):,} "
                "times its size; this is not an ordinary Word document"
            )
