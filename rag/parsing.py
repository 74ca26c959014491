"""Pure parsing of an article's text: front matter, inferred title/date/author/source, letters as sections."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path

from .types import Document, Section

MONTHS = {
    m: i + 1
    for i, m in enumerate(
        "januari februari maart april mei juni juli augustus september oktober november december".split()
    )
}
MONTHS_EN = "January February March April May June July August September October November December".split()
# Month names in Dutch and English as one alternation for a pattern ("may" left out: as often "might").
MONTH_WORDS = "|".join(dict.fromkeys([*MONTHS, *(m.lower() for m in MONTHS_EN if m != "May")]))
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
SIGNOFF_INLINE_RE = re.compile(rf"^(?i:{_SIGNOFF})\s*,\s*(?P<name>{_NAME})\s*$")
NAME_RE = re.compile(rf"^{_NAME}$")
# A byline: "Door Marieke de Vries", "By Jane Doe", "Tekst: Piet Jansen".
NOT_A_FIRST_NAME = frozenset("de het een the a an".split())
BYLINE_RE = re.compile(
    r"^(?:door|by|tekst|auteur|author|geschreven door|written by)\s*:?\s+(?P<name>.+)$", re.IGNORECASE
)
SOURCES = ("Marketingfacts", "Emerce", "Frankwatching", "CCM", "Klantcontact.nl", "CustomerFirst")


def parse_document(doc: str, text: str, sha256: str | None = None, stated: Mapping[str, str] | None = None) -> Document:
    """Build a Document from extracted text: front matter first, then the metadata the file states (`stated`:
    a PDF's document info, a page's meta tags, ...), otherwise inferred from the text; letters as sections."""
    sha256 = sha256 or hashlib.sha256(text.encode("utf-8")).hexdigest()
    front, body_start = parse_front_matter(text)
    meta = {**(stated or {}), **front}
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


def title_from(body: str, limit: int = 120) -> str:
    """The first line when it reads as a title; for a text that opens with a paragraph, its first sentence.

    A sentence longer than `limit` is cut after its last whole phrase (at a comma, semicolon or dash) that fits,
    else after its last whole word, and ends in an ellipsis: never "… gaat…" in the middle of a clause.
    """
    line = first_line(body)
    if len(line) <= limit:
        return line
    sentence = re.split(r"(?<=[.!?])\s", line, maxsplit=1)[0]
    if len(sentence) <= limit:
        return sentence
    phrases = [m.start() for m in re.finditer(r"[,;:]\s|\s[–—-]\s", sentence[:limit]) if m.start() > limit // 2]
    cut = phrases[-1] if phrases else sentence.rfind(" ", 0, limit - 1)
    return sentence[: cut if cut > limit // 2 else limit - 1].rstrip(",;:–—- ") + "…"


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
    """A byline near the top ("Door Marieke de Vries", "By Jane Doe, CX consultant"; not the title line), a name on
    the line right after the date line near the top, or a name alone (or in a byline) on the last lines."""
    lines = [ln.strip().lstrip("•*-_").rstrip("_*").strip() for ln in body.splitlines()]
    filled = [ln for ln in lines if ln]
    for line in filled[1:15]:
        name = _byline_name(line)
        if name != line and _is_name(name):
            return name
    head = lines[:15]
    for i, line in enumerate(head):
        if DATE_RE.fullmatch(line) and i + 1 < len(head) and _is_name(head[i + 1]) and _has_a_name(head[i + 1]):
            return head[i + 1]
    for line in reversed([_byline_name(ln) for ln in filled[-3:]]):
        if _is_name(line) and _has_a_name(line):
            return line
    return None


PARTICLES = frozenset("de van der den ter ten te von le la du da di del 't".split())  # "Mark de Jong", "Hans van Dam"


def _has_a_name(line: str) -> bool:
    """A line alone that reads as a writer's name ("Anders Jansen", "Mark de Jong"), not as a heading or a link left at
    the end in title case ("Tot Slot", "Lees Verder", "Customer Experience", "Deel Dit Artikel", "Share On LinkedIn"),
    which became the article's author, so that questions with those words asked about a writer (a review found it).
    After the first name no function word but a particle ("de", "van"); with a particle it is a name; without one,
    not only common words. A name of common words only ("Hans Klein", "Jack White") is lost to it: no author rather
    than a wrong one. A byline ("Door …") says it is a name, and is not asked."""
    from .search import STOPWORDS
    from .wordlists import is_common

    rest = [w.lower() for w in line.split()[1:]]
    if any(w in STOPWORDS and w not in PARTICLES for w in rest):
        return False
    if any(w in PARTICLES for w in rest):
        return True
    return not all(is_common(part) for word in line.split() for part in word.split("-") if part)


def _byline_name(line: str) -> str:
    """The name of a byline ("Door Marieke de Vries, CX-consultant" -> "Marieke de Vries"); any other line as it is.
    A "name" that opens with an article ("Door Het Oog") is a title, not a person: no name ("")."""
    m = BYLINE_RE.match(line)
    if not m:
        return line
    name = re.split(r"\s*[,|(–—]\s*|\s+-\s+", m.group("name").strip())[0]
    return "" if name.split()[0].lower() in NOT_A_FIRST_NAME else name


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
