"""What every extractor returns, the one error it raises, and the text tidying they share."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from ..types import Page


@dataclass(frozen=True)
class Extracted:
    """A file's text as indexed (offsets point into it) and the metadata the file itself states."""

    text: str
    format: str  # "txt" | "md" | "html" | "pdf" | "docx"
    title: str | None = None
    author: str | None = None
    date: str | None = None  # YYYY-MM-DD
    pages: tuple[Page, ...] = ()  # PDFs only
    encoding: str | None = None  # text files only: "utf-8" or "cp1252"

    def metadata(self) -> dict[str, str]:
        """The stated title/author/date that are present (they win over the ones inferred from the text)."""
        return {k: v for k, v in (("title", self.title), ("author", self.author), ("date", self.date)) if v}


class ExtractError(ValueError):
    """The file cannot be indexed; the message is the reason shown to the user (lower case, no full stop)."""


_SPACES_AT_LINE_END = re.compile(r"[ \t\u00a0]+\n")
_BLANK_LINES = re.compile(r"\n{3,}")


def tidy(text: str) -> str:
    """Normalise extracted text: \\n line ends, no NULs, no trailing spaces, at most one blank line in a row."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = _SPACES_AT_LINE_END.sub("\n", text + "\n")
    return _BLANK_LINES.sub("\n\n", text).strip()


def clean_field(value: object, limit: int = 300) -> str | None:
    """A metadata value as one line of text, or None when it is empty."""
    if value is None:
        return None
    text = " ".join(str(value).split())[:limit]
    return text or None


def iso_date(value: date | datetime | str | None) -> str | None:
    """YYYY-MM-DD from a date, a datetime or a string that starts with one."""
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, str) and (m := re.match(r"\s*(\d{4})-(\d{2})-(\d{2})", value)):
        return "-".join(m.groups())
    return None
