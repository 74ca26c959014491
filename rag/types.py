"""Frozen dataclasses that travel between modules: files -> documents -> chunks -> passages -> answers."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Section:
    """A part of a document: the whole body, an introduction or one letter of a correspondence."""

    index: int
    kind: str  # "body" | "intro" | "letter"
    start: int
    end: int
    author: str | None = None
    place: str | None = None
    date: str | None = None


@dataclass(frozen=True)
class Page:
    """One page of a PDF: `document.text[start:end]` is its text (pages are joined by a blank line)."""

    page: int  # 1-based
    start: int
    end: int


def pages_of(pages: tuple[Page, ...], start: int, end: int) -> tuple[int, ...]:
    """The numbers of the pages that the span [start, end) touches; () for a document without pages."""
    hit = tuple(p.page for p in pages if p.start < max(end, start + 1) and p.end > start)
    if hit or not pages:
        return hit
    # A span inside the blank line between two pages belongs to the next page.
    return (next((p.page for p in pages if p.start >= start), pages[-1].page),)


@dataclass(frozen=True)
class Document:
    """One file of the seeds dir with its metadata; `text` is exactly what offsets point into."""

    doc: str  # file name relative to the seeds dir, with forward slashes
    text: str
    sha256: str  # of the file's bytes: the file is extracted again only when they change
    title: str
    author: str | None = None
    date: str | None = None
    source: str | None = None
    url: str | None = None
    sections: tuple[Section, ...] = ()
    format: str = "txt"  # "txt" | "md" | "html" | "pdf" | "docx"
    pages: tuple[Page, ...] = ()  # PDFs only

    def to_show_json(self) -> dict:
        """The `rag show --json` shape; `pages` only for documents that have pages (PDFs)."""
        data = {
            "doc": self.doc,
            "title": self.title,
            "author": self.author,
            "date": self.date,
            "format": self.format,
            "text": self.text,
        }
        if self.pages:
            data["pages"] = [asdict(p) for p in self.pages]
        return data


@dataclass(frozen=True)
class Chunk:
    """A span of a document: `document.text[start:end] == text`."""

    id: str
    doc: str
    section: int
    start: int
    end: int
    text: str
    title: str
    author: str | None = None
    date: str | None = None
    place: str | None = None
    pages: tuple[int, ...] = ()  # the PDF pages the chunk spans; () for other formats


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its rank and scores."""

    rank: int
    chunk: Chunk
    score: float  # fused score (higher is better)
    dense: float | None = None  # cosine similarity to the query, when dense retrieval ran
    bm25: float | None = None

    def to_json(self) -> dict:
        """The `rag search --json` shape."""
        c = self.chunk
        return {
            "rank": self.rank,
            "doc": c.doc,
            "start": c.start,
            "end": c.end,
            "text": c.text,
            "score": round(self.score, 6),
            "title": c.title,
            "author": c.author,
            "date": c.date,
            "section": c.section,
            "place": c.place,
            "dense": None if self.dense is None else round(self.dense, 6),
            "bm25": None if self.bm25 is None else round(self.bm25, 6),
            "page": c.pages[0] if c.pages else None,
            "pages": list(c.pages),
        }


@dataclass(frozen=True)
class Citation:
    """A verbatim quote: the file's text at [start:end] equals `quote`."""

    n: int
    doc: str
    title: str
    author: str | None
    date: str | None
    quote: str
    start: int
    end: int
    page: int | None = None  # the PDF page the quote starts on; None for other formats
    pages: tuple[int, ...] = ()  # every page the quote touches

    def to_json(self) -> dict:
        """A citation in `rag ask --json`."""
        return {**asdict(self), "pages": list(self.pages)}


@dataclass(frozen=True)
class Answer:
    """An answer with numbered citations; `passages` are the retrieved ones in rank order."""

    question: str
    answer: str
    abstained: bool
    citations: tuple[Citation, ...]
    passages: tuple[Passage, ...]
    latency_ms: float
    lang: str = "en"
    mode: str = "extractive"  # "extractive" | "generative"
    notice: str | None = None  # e.g. why the generator fell back
    unsupported: tuple[str, ...] = field(default_factory=tuple)
    load_ms: float = 0.0  # one-off loading (model, index) before answering; not part of latency_ms
    # who wrote what: the writers named (or an unsigned file's title) and the subject, which a second question in the
    # same message follows ("Who wrote the last letter and what does it conclude?": Rien Brus's)
    about: str = ""

    def to_json(self) -> dict:
        """The `rag ask --json` shape."""
        return {
            "question": self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "citations": [c.to_json() for c in self.citations],
            "passages": [p.to_json() for p in self.passages],
            "latency_ms": round(self.latency_ms, 2),
            "load_ms": round(self.load_ms, 2),
            "lang": self.lang,
            "mode": self.mode,
            "notice": self.notice,
            "unsupported": list(self.unsupported),
        }


@dataclass(frozen=True)
class SkippedFile:
    """A file in the seeds dir that was not indexed, and why."""

    doc: str
    reason: str


@dataclass(frozen=True)
class IndexReport:
    """What `rag index` did."""

    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: tuple[str, ...]
    skipped: tuple[SkippedFile, ...]
    chunks_embedded: int
    total_chunks: int
    seconds: float
    full: bool
    reason: str | None = None  # why a full rebuild happened

    def summary(self) -> str:
        """One line for the terminal."""
        passages = "passage" if self.chunks_embedded == 1 else "passages"
        line = (
            f"{len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed, "
            f"{len(self.unchanged)} unchanged; {self.chunks_embedded} {passages} embedded, "
            f"{self.total_chunks} in index; {self.seconds:.2f} s"
        )
        if self.full:
            line = f"full rebuild: {line}"
        if self.skipped:
            line += f"; {len(self.skipped)} skipped"
        return line
