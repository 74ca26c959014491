"""Text and metadata out of every supported file format, one small module per format.

`extract(name, data, max_bytes)` picks the extractor by the name's extension, after checking that the content
is what the extension says (a renamed file is refused with a reason). Every refusal is an ExtractError whose
message is the reason shown in the `rag index` summary and in the app's upload.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from .base import Extracted, ExtractError
from .detect import KIND_NAMES, check_zip_size, looks_like_html_markup, sniff

# Extension -> format. Extraction libraries: trafilatura (HTML), pypdf (PDF), python-docx (DOCX).
FORMATS = {".txt": "txt", ".md": "md", ".html": "html", ".htm": "html", ".pdf": "pdf", ".docx": "docx"}
SUFFIXES = tuple(FORMATS)
SUFFIX_LIST = ", ".join(SUFFIXES)

__all__ = ["FORMATS", "SUFFIXES", "SUFFIX_LIST", "Extracted", "ExtractError", "extract", "format_of"]


def format_of(name: str) -> str | None:
    """The format a file name's extension stands for, or None when it is not supported."""
    return FORMATS.get(PurePosixPath(name).suffix.lower())


def extract(name: str, data: bytes, max_bytes: int) -> Extracted:
    """The indexed text and stated metadata of a file; raise ExtractError with the reason it cannot be read."""
    fmt = format_of(name)
    if fmt is None:
        raise ExtractError(f"not a supported file; only {SUFFIX_LIST} are indexed")
    if len(data) > max_bytes:
        raise ExtractError(f"too large ({len(data):,} bytes > {max_bytes:,})")
    _check_content(name, fmt, data)
    if fmt == "pdf":
        from .pdf import extract_pdf

        return extract_pdf(data)
    if fmt == "docx":
        check_zip_size(data, max_bytes)
        from .docx import extract_docx

        return extract_docx(data)
    if fmt == "html":
        from .html import extract_html

        return extract_html(data)
    from .text import extract_text

    return extract_text(data, fmt)


def _check_content(name: str, fmt: str, data: bytes) -> None:
    """Refuse a file whose content is not what its extension says."""
    kind = sniff(data)
    if fmt == "docx" and kind == "damaged-zip":
        raise ExtractError("damaged Word document (its zip directory cannot be read); open and re-save it in Word")
    fits = {
        "pdf": kind == "pdf",
        "docx": kind == "docx",
        "html": kind == "html" or (kind == "text" and looks_like_html_markup(data)),
        # NUL bytes in a .txt get the text extractor's own "binary file" reason.
        "txt": kind in ("text", "binary"),
        "md": kind in ("text", "binary"),
    }[fmt]
    if not fits:
        what, right = KIND_NAMES[kind]
        suffix = PurePosixPath(name).suffix.lower()
        fix = f"; rename it to {right}" if right else "; only " + SUFFIX_LIST + " files are indexed"
        raise ExtractError(f"the extension says {suffix} but the content is {what}{fix}")
