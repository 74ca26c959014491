"""Turn answers and passages into text for the terminal."""

from __future__ import annotations

from .types import Answer, Passage


def byline(author: str | None, title: str, date: str | None) -> str:
    """'Author, "Title" (date)' with the missing parts left out."""
    parts = [author] if author else []
    parts.append(f"“{title}”")
    text = ", ".join(parts)
    return f"{text} ({date})" if date else text


def passage_to_text(p: Passage) -> str:
    c = p.chunk
    return f"[{p.rank}] {byline(c.author, c.title, c.date)} — {c.doc} {c.start}-{c.end}\n    " + " ".join(c.text.split())[:400]


def answer_to_text(answer: Answer) -> str:
    """The answer, then its sources (or, for an abstention, the related passages)."""
    lines = [answer.answer, ""]
    if answer.notice:
        lines += [f"Note: {answer.notice}", ""]
    if answer.citations:
        lines.append("Sources:")
        for c in answer.citations:
            lines.append(f"[{c.n}] {byline(c.author, c.title, c.date)} — {c.doc} {c.start}-{c.end}")
            lines.append(f"    “{' '.join(c.quote.split())}”")
    elif answer.passages:
        lines.append("Related passages:")
        lines += [passage_to_text(p) for p in answer.passages[:3]]
    return "\n".join(lines).rstrip()
