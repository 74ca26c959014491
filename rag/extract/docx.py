"""Word documents via python-docx: paragraphs, headings and table rows in document order, one per line;
title, author and creation date from the core properties.

The zip's declared sizes were checked before this runs (detect.check_zip_size), and python-docx parses the
XML without resolving entities, so neither a zip bomb nor an entity bomb unpacks here.
"""

from __future__ import annotations

import io
from datetime import datetime

from .base import Extracted, ExtractError, clean_field, iso_date, tidy

# python-docx's own template states these; a document it made without setting them would otherwise claim them.
_TEMPLATE_AUTHOR = "python-docx"
_TEMPLATE_CREATED = datetime(2013, 12, 23, 23, 15)


def extract_docx(data: bytes) -> Extracted:
    """Text and core properties of a .docx; ExtractError when it is damaged or holds no text."""
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
        lines = [line for block in document.iter_inner_content() for line in _block_lines(block)]
        props = document.core_properties
        title, author, created = props.title, props.author, props.created
    except Exception as exc:  # noqa: BLE001 - zip, XML or package errors all mean a damaged file to the user
        detail = " ".join(str(exc).split())[:100] or type(exc).__name__
        raise ExtractError(f"damaged Word document ({detail}); open and re-save it in Word") from None
    text = tidy("\n".join(lines))
    if not text:
        raise ExtractError("the Word document holds no text; add text or remove it")
    if author == _TEMPLATE_AUTHOR:
        author = None
    if created is not None and created.replace(tzinfo=None) == _TEMPLATE_CREATED:
        created = None
    return Extracted(text, "docx", title=clean_field(title), author=clean_field(author), date=iso_date(created))


def _block_lines(block) -> list[str]:
    """A paragraph (a heading is one too) as its line; a table as one line per row, cells separated by ' | '."""
    from docx.table import Table

    if isinstance(block, Table):
        rows = []
        for row in block.rows:
            cells = list(dict.fromkeys(" ".join(c.text.split()) for c in row.cells))  # merged cells repeat
            rows.append(" | ".join(c for c in cells if c))
        return [r for r in rows if r]
    text = block.text.strip()
    return [text] if text else []
