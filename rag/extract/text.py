"""Plain text and Markdown: decoded as UTF-8 (a leading BOM dropped), else cp1252; line endings normalised.

For a UTF-8 file with \\n line endings the text is the file byte for byte, so offsets hold in the file too.
"""

from __future__ import annotations

from .base import Extracted, ExtractError


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding used); raise ExtractError for binary or undecodable content."""
    if b"\x00" in data[:8192]:
        raise ExtractError("binary file (contains NUL bytes); save the article as UTF-8 text")
    try:
        text, encoding = data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        try:
            text, encoding = data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            raise ExtractError("not UTF-8 or cp1252 text; re-save the file as UTF-8") from None
    # Normalise line endings so offsets are stable across platforms.
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding


def looks_binary(text: str) -> bool:
    """Control characters other than tab/newline/form feed in more than 1% of the text: not an article."""
    controls = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\t\n\f") or 0x7F <= ord(ch) < 0xA0)
    return controls > max(2, len(text) // 100)


def extract_text(data: bytes, fmt: str) -> Extracted:
    """A .txt or .md file as it is; metadata comes later from its front matter or is inferred."""
    text, encoding = decode(data)
    if looks_binary(text):
        raise ExtractError("looks like a binary file, not text; save the article as UTF-8 text")
    return Extracted(text, fmt, encoding=encoding)
