"""When and where a piece was written ("When was the cX-Factor column published?", "Where did Rien write from?",
"Wanneer verscheen het artikel over de Ivoren Toren?"): answered from what the index knows of each file, its date and,
for a letter, the place it was written, citing the line that says so ("Zeist, september 2025", "• 4 maart 2025").

Which files and letters: as for who wrote what (`authorship.target`). Before, such questions were scored against the
sentences, which never state a date in so many words: they abstained, or quoted what the writer said."""

from __future__ import annotations

import re

from ..parsing import MONTHS as DUTCH_MONTHS
from ..parsing import MONTHS_EN
from ..render import quoted_title
from ..sentences import Sentence
from ..stores.base import Index
from ..types import Chunk, Citation, Section
from .authorship import MAX_LISTED, TITLE_CHARS, Target, naming, writers

MONTHS = {"en": MONTHS_EN, "nl": list(DUTCH_MONTHS)}
# How a text may write a month besides its full name ("4 mrt. 2025", "Sept 2025").
SHORT = {
    1: "jan",
    2: "feb",
    3: "mrt|mar",
    4: "apr",
    6: "jun",
    7: "jul",
    8: "aug",
    9: "sept?",
    10: "okt|oct",
    11: "nov",
    12: "dec",
}
TEXTS = {
    "en": {
        "letter": "{name} wrote from {place} {when}:",
        "letter_when": "{name} wrote {when}:",
        "letter_where": "{name} wrote from {place}:",
        "dated": "{title} is dated {when}:",
        "dated_only": "{title} is dated {when}",
        "undated": "{title} gives no date",
        "letters": "The letters of {title}:",
        "several": "{n} pieces and when they were written:",
        "more": "… and {n} more pieces.",
    },
    "nl": {
        "letter": "{name} schreef vanuit {place} {when}:",
        "letter_when": "{name} schreef {when}:",
        "letter_where": "{name} schreef vanuit {place}:",
        "dated": "{title} is gedateerd {when}:",
        "dated_only": "{title} is gedateerd {when}",
        "undated": "{title} noemt geen datum",
        "letters": "De brieven van {title}:",
        "several": "{n} stukken en wanneer ze geschreven zijn:",
        "more": "… en nog {n} stukken.",
    },
}


def spoken(date: str, lang: str) -> str:
    """An ISO date as a reader says it: "2025-09" -> "September 2025", "2025-03-04" -> "4 March 2025"."""
    parts = date.split("-")
    if len(parts) >= 2 and parts[1].isdigit() and 1 <= int(parts[1]) <= 12:
        month = MONTHS[lang][int(parts[1]) - 1]
        day = f"{int(parts[2])} " if len(parts) > 2 and parts[2].isdigit() else ""
        return f"{day}{month} {parts[0]}"
    return parts[0]


def at(date: str, lang: str) -> str:
    """When, as a phrase after a verb: "in September 2025", "on 4 March 2025" ("in september 2025", "op 4 maart")."""
    said = spoken(date, lang)
    if said[:1].isdigit() and " " in said:  # a day
        return f"{'on' if lang == 'en' else 'op'} {said}"
    return f"in {said}"


def _span(index: Index, doc: str, start: int, end: int) -> Sentence | None:
    """The text from `start` to `end` as a quote of the passage that holds it; None when no passage does."""
    chunk = next((c for c in index.chunks_of(doc) if c.start <= start and end <= c.end), None)
    if chunk is None:
        return None
    return Sentence(chunk, start, end, chunk.text[start - chunk.start : end - chunk.start])


def _line(text: str, at: int) -> tuple[int, int]:
    """The line of `text` around offset `at`, without its indentation and bullet ("  • 4 maart 2025")."""
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    end = len(text) if end < 0 else end
    line = text[start:end]
    stripped = line.lstrip(" \t•-*·")
    start += len(line) - len(stripped)
    return start, start + len(stripped.rstrip())


def _month_words(month: int) -> str:
    """The ways a text writes the month (Dutch or English, in full or short)."""
    forms = [MONTHS["nl"][month - 1], MONTHS["en"][month - 1].lower()] + SHORT.get(month, "").split("|")
    return "|".join(f for f in dict.fromkeys(forms) if f)


def date_line(index: Index, doc: str, date: str, text: str) -> Sentence | None:
    """The line near the top of the file that states its date: its year with its month ("• 4 maart 2025", "dinsdag,
    4 november 2025 (07:01) - Marketingfacts"); None when the text does not say it (a date from front matter)."""
    year, month, *_ = date.split("-") + [""]
    says_month = (
        re.compile(rf"\b({_month_words(int(month))})\b\.?", re.IGNORECASE)
        if month.isdigit() and 1 <= int(month) <= 12
        else None
    )
    for m in re.finditer(rf"\b{re.escape(year)}\b", text[:1000]):
        start, end = _line(text, m.start())
        if says_month is None or says_month.search(text[start:end]):
            quote = _span(index, doc, start, end)
            if quote is not None:
                return quote
    return None


def _letters(index: Index, doc: str, asked: tuple[str, ...]) -> tuple[list[Section], str]:
    """The letters of a file (its sections with a writer), those of the writers `asked` about when there are any,
    and the file's text."""
    document = index.document(doc)
    letters = [s for s in document.sections if s.kind == "letter" and s.author and (s.place or s.date)]
    return [s for s in letters if not asked or s.author in asked], document.text


def compose(index: Index, found: Target, lang: str) -> tuple[str, tuple[Citation, ...], list[Chunk]]:
    """One line per file, or per letter of a correspondence: when (and where) it was written, citing the line that
    says so; a file that gives no date says that, citing its title."""
    t = TEXTS[lang]
    citations: list[Citation] = []
    cited: list[Chunk] = []
    lines = [t["several"].format(n=len(found.docs))] if len(found.docs) > 1 else []

    def cite(lead: str, quote: Sentence) -> None:
        n = len(citations) + 1
        c = quote.chunk
        citations.append(quote.citation(n))
        cited.append(c)
        lines.append(f"{lead} “{' '.join(quote.text.split())}” [{n}]")

    for doc in found.docs[:MAX_LISTED]:
        entry = index.manifest.files.get(doc)
        title = quoted_title(entry.title if entry and entry.title else doc, TITLE_CHARS)
        letters, text = _letters(index, doc, tuple(w for w in found.writers if w in writers(index, doc)))
        if letters and len(writers(index, doc)) > 1:
            if not found.writers and len(letters) > 1:
                lines.append(t["letters"].format(title=title))
            for s in letters:
                when = at(s.date, lang) if s.date else ""
                key = "letter" if s.place and when else "letter_when" if when else "letter_where"
                quote = _span(index, doc, *_line(text, s.start))
                if quote is not None:
                    cite(t[key].format(name=s.author, place=s.place, when=when), quote)
            continue
        date = entry.date if entry else None
        quote = date_line(index, doc, date, text) if date else None
        if quote is not None:
            cite(t["dated"].format(title=title, when=spoken(date, lang)), quote)
            continue
        head = naming(index, doc, [])  # the piece's first sentence: the citation opens it
        if head is None:
            continue
        n = len(citations) + 1
        c = head.chunk
        citations.append(head.citation(n))
        cited.append(c)
        lead = (
            t["dated_only"].format(title=title, when=spoken(date, lang)) if date else t["undated"].format(title=title)
        )
        lines.append(f"{lead} [{n}].")
    if len(found.docs) > MAX_LISTED:
        lines.append(t["more"].format(n=len(found.docs) - MAX_LISTED))
    return "\n\n".join(lines), tuple(citations), cited
