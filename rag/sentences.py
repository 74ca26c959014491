"""Sentences with exact offsets, language guess and lexical overlap: pure helpers for answering."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .search import tokenize
from .types import Chunk, Citation

# A sentence ends at . ! ? … (optionally followed by closing quotes) before whitespace and a character that can
# start a sentence (not a lowercase letter, dash or comma: "Dan kan het — tijdelijk! — tóch slim zijn"), or at a
# line break.
OPENING_MARKS = "‘“„‚\"'«"  # what opens a quotation in Dutch and English text
CLOSING_MARKS = "’”\"'»"
_BOUNDARY = re.compile(r"(?<=[.!?…])[" + re.escape(CLOSING_MARKS) + r")]*\s+(?=[^a-zà-ÿ—–\-,;:])|\n+")
_DUTCH = set(
    "de het een en van of ik je jij we wij zij niet maar dat die wat hoe waarom wie welke is zijn moet nodig "
    "moeten kan kunnen over voor met bij ook nog wel al naar om te zou zouden heeft hebben wordt "
    "worden volgens denkt vindt zegt deze dit".split()
)
_ENGLISH = set(
    "the a an and of i you we they not but that which what how why who is are should can could "
    "about for with at also to would has have does do think says say according this these it "
    "does did their his her our".split()
)


@dataclass(frozen=True)
class Sentence:
    """A sentence of a chunk with absolute offsets into the file's text."""

    chunk: Chunk
    start: int
    end: int
    text: str

    def citation(self, n: int) -> Citation:
        """The sentence as citation number `n`: its file, title, writer and date, the verbatim text and offsets."""
        c = self.chunk
        return Citation(n, c.doc, c.title, c.author, c.date, self.text, self.start, self.end)


_ASKS = re.compile(r"\?[!?…]*[\s" + re.escape(CLOSING_MARKS) + r")\]]*$")


def is_question(text: str) -> bool:
    """The sentence asks: it ends on a question mark ("Echt?!", "Waarom?…"), closing quotes and brackets aside ("… kwam
    de vraag op tafel: ‘wat is het belang van CX?’", "[Waarom?]")."""
    return _ASKS.search(text) is not None


def split_sentences(chunk: Chunk, min_chars: int = 12) -> list[Sentence]:
    """Split a chunk into sentences; `file_text[s.start:s.end] == s.text` since chunk offsets are exact."""
    out: list[Sentence] = []
    pos = 0
    text = chunk.text
    for m in list(_BOUNDARY.finditer(text)) + [None]:
        end = m.start() + len(m.group(0).rstrip()) if m else len(text)
        if m and m.group(0).startswith(("\n",)):
            end = m.start()
        piece = text[pos:end]
        lead = len(piece) - len(piece.lstrip())
        piece = piece.strip()
        if len(piece) >= min_chars and re.search(r"\w", piece):
            start = chunk.start + pos + lead
            out.append(Sentence(chunk, start, start + len(piece), piece))
        pos = m.end() if m else len(text)
    return out


# Letter patterns that mark a word as Dutch or English, for questions with no telling function word
# ("Is CX belangrijk?", "CX strategie?").
_DUTCH_SHAPE = re.compile(r"ij|oe|aa|uu|ei|sch|cht|ui|eu|lijk|heid|ie$|isch$|^ge\w{3,}|^kl")
_ENGLISH_SHAPE = re.compile(r"th|wh|sh|ck|ph|ly$|tion$|ness$|ment$|ing$|ity$|ies$|ou")


def guess_language(text: str) -> str:
    """'nl' or 'en': by function words, then (on a tie) by letter patterns; remaining ties go to English."""
    words = re.findall(r"[a-zA-Zéëïöü']+", text.lower())
    nl = sum(w in _DUTCH for w in words)
    en = sum(w in _ENGLISH for w in words)
    if nl == en:
        nl = sum(len(_DUTCH_SHAPE.findall(w)) for w in words)
        en = sum(len(_ENGLISH_SHAPE.findall(w)) for w in words)
    return "nl" if nl > en else "en"


def overlap(concepts: tuple[frozenset[str], ...], text: str, weights: tuple[float, ...] = ()) -> float:
    """Share of the question's concepts (each a set of stemmed forms: a word, or its translations) that occur in
    `text`, each counted by its weight (all alike when none are given)."""
    if not concepts:
        return 0.0
    tokens = set(tokenize(text))
    weights = weights or (1.0,) * len(concepts)
    return sum(w for c, w in zip(concepts, weights) if c & tokens) / sum(weights)


def jaccard(a: str, b: str) -> float:
    """Token Jaccard similarity, for near-duplicate removal."""
    ta, tb = set(tokenize(a)), set(tokenize(b))
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / len(ta | tb)


def repeats(a: str, b: str) -> bool:
    """One repeats the other word for word: the shorter, without the quotation marks around it, stands in the longer
    (a pull quote repeating a sentence: "‘There can only be one strategy.’" beside "De beroemde Michael Porter zei
    het al: ‘There can only be one strategy.’")."""
    short, long = sorted((a, b), key=len)
    inner = " ".join(short.strip().strip(OPENING_MARKS + CLOSING_MARKS).split()).lower()
    return bool(inner) and inner in " ".join(long.split()).lower()
