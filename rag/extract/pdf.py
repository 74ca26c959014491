"""PDF via pypdf: the text layer page by page, the page offsets, and title/author/date from the document info.

Lines a paragraph was wrapped into are joined again (`reflow`); pages are joined by a blank line, and
`Page(n, start, end)` records where page n's text sits in the joined text, so every chunk and citation can say
which page(s) it comes from. Nothing is rendered and nothing is OCR'd.
"""

from __future__ import annotations

import io
import logging
import re

from ..types import Page
from .base import Extracted, ExtractError, clean_field, iso_date, tidy

log = logging.getLogger(__name__)

PAGE_SEPARATOR = "\n\n"
# Titles that name the file or the program rather than the document ("Microsoft Word - verslag.docx").
_PLACEHOLDER_TITLE = re.compile(r"^(?:untitled|microsoft \w+ - .*|.*\.(?:docx?|pdf|odt|rtf|txt|pptx?))$", re.I)


def extract_pdf(data: bytes) -> Extracted:
    """Text layer and document info of a PDF; ExtractError when encrypted, damaged or without a text layer."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not _opens_without_password(reader):
            raise ExtractError("encrypted PDF (it needs a password); save or export a copy without a password")
        texts = [page.extract_text() or "" for page in reader.pages]
        info = _info(reader)
    except ExtractError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError, RecursionError) as exc:
        raise ExtractError(f"damaged PDF ({_short(exc)}); re-export or re-save it") from None
    text, pages = _join_pages(texts)
    if not text.strip():
        raise ExtractError("no text layer; OCR is not supported (a scanned PDF holds only images of its pages)")
    return Extracted(text, "pdf", pages=pages, **info)


def _opens_without_password(reader) -> bool:
    """A PDF encrypted only to restrict printing or copying opens with the empty password, like in any viewer."""
    from pypdf import PasswordType

    try:
        return reader.decrypt("") != PasswordType.NOT_DECRYPTED
    except Exception as exc:  # noqa: BLE001 - e.g. AES without the optional crypto dependency
        log.info("cannot decrypt with the empty password: %s", exc)
        return False


def _join_pages(texts: list[str]) -> tuple[str, tuple[Page, ...]]:
    """One text with every page's tidied text, and where each page starts and ends in it."""
    parts: list[str] = []
    pages: list[Page] = []
    pos = 0
    for number, raw in enumerate(texts, start=1):
        body = reflow(tidy(raw))
        if parts and body:
            parts.append(PAGE_SEPARATOR)
            pos += len(PAGE_SEPARATOR)
        pages.append(Page(number, pos, pos + len(body)))
        parts.append(body)
        pos += len(body)
    return "".join(parts), tuple(pages)


_ENDS_SENTENCE = tuple(".!?:;…)\"'’”")


def reflow(page: str) -> str:
    """Join the lines of a paragraph that the PDF broke at the page width, so sentences (and quotes) stay whole.

    A line is joined to the next when it does not end a sentence and either the next line starts in lower case or
    the line is nearly as wide as the widest on the page (a wrapped line). Short lines (titles, headings, a
    letter's place/date line, salutation and sign-off) and lines that end a sentence keep their line break."""
    lines = page.split("\n")
    wide = 0.8 * max((len(line) for line in lines), default=0)
    out = [lines[0]] if lines else []
    for line in lines[1:]:
        prev = out[-1]
        wrapped = prev and line and not prev.endswith(_ENDS_SENTENCE)
        if wrapped and (line[0].islower() or line[0].isdigit() or len(prev) >= wide):
            out[-1] = prev + ("" if prev.endswith("-") else " ") + line
        else:
            out.append(line)
    return "\n".join(out)


def _info(reader) -> dict[str, str | None]:
    """Title, author and creation date from the document info dictionary (absent or malformed fields: None)."""
    meta = reader.metadata
    if meta is None:
        return {"title": None, "author": None, "date": None}
    title = clean_field(_safe(lambda: meta.title))
    try:
        created = meta.creation_date
    except (ValueError, TypeError):  # a malformed date string
        created = None
    return {
        "title": None if title and _PLACEHOLDER_TITLE.match(title) else title,
        "author": clean_field(_safe(lambda: meta.author)),
        "date": iso_date(created),
    }


def _safe(get):
    try:
        return get()
    except Exception:  # noqa: BLE001 - a broken info entry only loses that field
        return None


def _short(exc: Exception) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:100]
