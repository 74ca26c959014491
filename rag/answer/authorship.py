"""Who wrote what. A question about the writing itself ("Who wrote the article about financial room?", "Who are the
letter writers?", "Wie heeft het stuk over cultuur geschreven?", "Who is Anders Jansen?") is answered from what the
index knows of each file (its title, its writers, where it appeared) and cites the passage that names them: the
introduction of a correspondence, an article's byline, the line that names its publisher.

Scoring sentences against such a question finds what the writers say, not who they are: before, "Who are the letter
writers?" abstained and "Who wrote the piece on company culture?" quoted the piece."""

from __future__ import annotations

import re
from collections import Counter
from typing import NamedTuple

from ..render import quoted_title
from ..search import tokenize
from ..sentences import Sentence, split_sentences
from ..stores.base import Index
from ..types import Chunk, Citation, Passage

# Nouns for a piece of writing ("the article", "dit stuk", "the letters").
WRITING = (
    r"(articles?|pieces?|letters?|texts?|posts?|blogs?|columns?|essays?|stories|story|correspondence|documents?|"
    r"artikel(en|s)?|stuk(ken)?|brie(f|ven)|tekst(en)?|column(s)?|correspondentie|verhaal|verhalen|documenten?)"
)
WRITER = r"(authors?|writers?|auteurs?|schrijvers?|schrijfsters?)"
WHO_BE = r"who(\s+(is|are|was|were)|\s*['’]s|\s*['’]re)"  # "who is", "who's", "who are", "who’re"
# The question asks who wrote something, not who holds a view: "Who wrote the article about ...?", "Who's behind this
# piece?", "Who are the authors?", "Do we know who the author of ... is?", "Which pieces have no author?", "Is it
# signed?", "Wie heeft dit stuk geschreven?", "Van wie is het artikel over ...?", "Is bekend wie het artikel heeft
# geschreven?", "Welke stukken zijn anoniem?". Not "Who writes that CX is never the strategy?" (whose claim: a views
# question), "Who should own CX?" nor "Does the writer of the column think ...?".
AUTHORSHIP = re.compile(
    "|".join(
        [
            r"\bwho(\s+(has|had|have))?\s+(wrote|writes|written|authored|penned)\b(?!\s+that\s+(?!" + WRITING + r")\w)",
            WHO_BE + r"\s+(the\s+)?(authors?|writers?|letter[- ]?writers?|correspondents|people\s+(writing|who\s+wrote|"
            r"behind)|persons?\s+behind|(wo)?m[ae]n\s+behind)\b",
            WHO_BE + r"\s+behind\s+(the|this|that|these|those|it)\b",
            r"\bwho\s+the\s+(authors?|writers?)\b",  # "Do we know who the author of ... is?"
            r"\bby\s+whom\b",
            r"\b(which|what)\s+(authors|writers)\s+(are\s+(there|in|included|involved)|were\s+(involved|included)|wrote|"
            r"have\s+written|contributed|took\s+part|take\s+part|participated)\b",
            r"\b(which|what)\s+" + WRITING + r"\s+(were|are|was|is)\s+(written|authored)\s+by\b",
            r"\b(the\s+)?(authors|writers)\s+of\s+(all|each|every|these|those|the\s+" + WRITING + r")\b",
            r"^\s*(the\s+)?(author|writer)s?\s+of\s+(the|this|that|these|those|each|every|all)\b",
            r"\b(no|any|a\s+named|named|an)\s+(author|writer|byline)s?\b",  # "Which pieces have no author?"
            r"\b(anonymous(ly)?|unsigned|signed|credited|bylines?)\b",
            r"\b(whom|who)\b[^?.!]{0,40}\bcredit\b|\bgets?\s+(the\s+)?credit\b|\bcredit\s+for\b",
            r"\b(which|what)\s+((source|author)\s+and\s+)?(author|source|writer)\s+(should|do|must|can)\s+(i|we)\s+"
            r"(cite|credit|reference|name|mention)\b",
            r"\bwritten\s+by\s+(anyone|someone|anybody|somebody|whom|a\s+person|one\s+person)\b",
            r"\b(identify|name|know|find|give\s+me|tell\s+me)\s+the\s+(author|writer)s?\b",
            # "which piece he contributed", "which letter is theirs", "Which of these pieces did Anders Jansen write?"
            r"\b(which|what)\s+(of\s+(these|the)\s+)?" + WRITING + r"\b[^?.!]{0,40}\b(contribut\w*|wrote|write|written|"
            r"authored|(is|are)\s+(his|hers|theirs))\b",
            r"\b(did|does|has|have)\b[^?.!]{0,40}\b(write|written|author|authored|contribute|contributed)\s+(any|other|"
            r"more|another|anything)\b",
            r"\b(which|what)\s+(writer|author)\s+(is|was|comes)\s+from\b",
            r"\bname\s+(its|the|an|their|a)\s+(authors?|writers?)\b",  # "Does the article name its author?"
            r"\bwho\s+are\s+the\s+((two|three|four)\s+)?people\s+(that|who)\s+(wrote|exchanged|write|exchange)\b",
            r"\b(which|what)\s+(author|writer)\s+is\s+responsible\s+for\s+(the|this|that)\s+" + WRITING,
            r"\bwie\s+(schreef|schrijft|schrijven|schreven)\b(?!\s+dat\s+(?!" + WRITING + r")\w)",
            r"\bwie\s+(heeft|hebben|had|hadden)\b[^?.!]{0,80}?\bgeschreven\b",  # "Wie heeft de column ... geschreven?"
            r"\bwie\b[^?.!]{0,80}?\b((heeft|hebben)\s+geschreven|geschreven\s+(heeft|hebben))\b",  # "Is bekend wie ..."
            r"\b(door|van)\s+wie\b",  # "Door wie is het geschreven?", "Van wie is dit stuk?"
            r"\bwie\s+(is|zijn|was|waren)\s+(de\s+)?(auteurs?|schrijvers?|schrijfsters?|briefschrijvers?|"
            r"correspondenten|(mensen|personen|persoon)\s+achter)\b",
            r"\bwie\s+(de|het)\s+(auteurs?|schrijvers?|schrijfsters?)\s+(is|zijn|was|waren)\b",
            r"\bwie\s+(zit|zitten|zat|zaten)\s+achter\b",
            r"\bwelke\s+(auteurs|schrijvers)\s+(zijn\s+er|staan|hebben\s+(geschreven|meegeschreven)|schreven|"
            r"deden\s+mee|doen\s+mee)\b",
            r"\bwelke\s+" + WRITING + r"\s+(zijn|werden|is|werd)\s+(geschreven\s+)?door\b",
            r"^\s*(de\s+)?(auteur|schrijver)s?\s+van\s+(het|dit|dat|de|deze|die|elk|ieder|alle)\b",
            r"\b(geen|een|zonder)\s+(auteur|schrijver|naam)\b",  # "Welk stuk heeft geen auteur?"
            r"\b(anoniem|ondertekend|naamloos)\b",
            r"\bwiens\b|\bop\s+(zijn|haar|hun)\s+naam\b|\bnaam\s+onder\b",  # "Van wiens hand is ...?"
            r"\b(auteurs|schrijvers)naam\b|\b(welk|welke)\s+" + WRITING + r"\s+(is|zijn)\s+van\b",
            r"\bwelke\s+" + WRITING + r"\s+(heeft|hebben)\b[^?.!]{0,40}\bgeschreven\b",
            r"\bals\s+(auteur|schrijver|bron)\s+(vermelden|noemen|citeren|opgeven)\b",
            r"\bbijdrage\b[^?.!]{0,60}\b(geleverd|geschreven)\b",
            r"\b(maker|makers|bedenker)\s+van\s+(het|de|dit|dat|deze)\s+" + WRITING,
            r"\b(welk|welke)\s+" + WRITING + r"\b[^?.!]{0,30}\b(is|zijn)\s+van\s+(hem|haar|hen)\b",
        ]
    ),
    re.IGNORECASE,
)
# "Who is Anders Jansen?", "Wie is Wim?": who a writer the index knows is (the names are read by the conversation).
WHO_IS = re.compile(r"^\s*(who|wie)\s*(is|was|are|zijn|'s|’s)\b", re.IGNORECASE)
# What an authorship question says beyond asking who wrote: its subject ("financial room"), if it has one.
AROUND = re.compile(
    r"\b(who|whom|wrote|writes|written|authored|penned|authors?|writers?|letter[- ]?writers?|correspondents?|"
    r"people|persons?|behind|which|what|all|each|every|these|those|this|that|the|in|of|on|about|by|is|are|was|were|"
    r"has|have|had|there|here|included|contributed|collection|corpus|set|wie|schreef|schrijft|schrijven|schreven|"
    r"geschreven|heeft|hebben|door|van|is|zijn|was|waren|auteurs?|schrijvers?|schrijfsters?|briefschrijvers?|"
    r"correspondenten|mensen|personen|persoon|achter|welke|er|hier|staan|alle|elk|ieder|deze|die|dit|dat|het|de|een|"
    r"over|in|a|an|he|she|they|them|him|her|hij|zij|ze|hem|haar|hen|it|het|and|so|but|en|dus|maar|actually|exactly|"
    r"again|really|eigenlijk|precies|nou|dan|eens|no|any|named|geen|anonymous|anonymously|unsigned|signed|credited|"
    r"bylines?|anoniem|ondertekend|naamloos|do|does|did|we|you|know|for|voor|is|zit|zitten|zat|zaten|weet|weten|bekend|"
    r"list|name|noem|one|ones|welk|welke|pieces?|listed|have|has|heeft|hebben|s|re|published|appeared|gepubliceerd|"
    r"verschenen|two|three|four|five|six|twee|drie|vier|vijf|zes|can|could|tell|me|us|kun|kunt|je|jij|u|credit|"
    r"whom|wiens|hand|naam|onder|maker|makers|bedenker|bijdrage|geleverd|opgesteld|contributed|contribute|identify|"
    r"find|give|his|hers|theirs|from|uit|source|bron|cite|reference|mention|should|must|i|ik|moet|vermelden|noemen|"
    r"citeren|opgeven|als|anyone|someone|anybody|somebody|particular|person|other|another|more|anything|any|besides|"
    r"nog|meer|andere|ander|naast|behalve|with|met|to|for|voor|its|their|people|exchanged|exchange|responsible|"
    r"auteursnaam|schrijversnaam|vermeld)\b|" + WRITING,
    re.IGNORECASE,
)
# The letters of a correspondence, asked about as such ("Who are the letter writers?", "de briefschrijvers").
LETTERS = re.compile(
    r"\b(letters?|letter[- ]?writers?|correspondents?|correspondence|brie(f|ven)|briefschrijvers?|correspondenten|"
    r"correspondentie)\b",
    re.IGNORECASE,
)
# A person pointed back at ("Who is he?" after "What does Wim say?"): the writers the conversation named.
PERSON_BACK = re.compile(r"\b(he|she|him|her|they|them|hij|zij|ze|hem|haar|hen)\b", re.IGNORECASE)
# What an answer just showed, pointed back at ("Who wrote that?", "Wie heeft dit geschreven?").
THING_BACK = re.compile(r"\b(that|this|it|those|these|dat|dit|het|deze|die)\b", re.IGNORECASE)
BYLINE_LINES = (
    2  # a byline is quoted with at most this many lines above it ("cX-Factor • 4 maart 2025 • Anders Jansen")
)

TEXTS = {
    "en": {
        "by": "{title} is written by {names}:",
        "one_of": "{names} is one of the writers of {title}, with {others}:",
        "some_of": "{names} are among the writers of {title}, with {others}:",
        "unsigned": "{title} names no author",
        "appeared": "{title} names no author; it appeared on {source}:",
        "and": "and",
        "several": "{n} pieces and their writers:",
        "more": "… and {n} more pieces.",
    },
    "nl": {
        "by": "{title} is geschreven door {names}:",
        "one_of": "{names} is een van de schrijvers van {title}, met {others}:",
        "some_of": "{names} zijn schrijvers van {title}, met {others}:",
        "unsigned": "{title} noemt geen auteur",
        "appeared": "{title} noemt geen auteur; het verscheen bij {source}:",
        "and": "en",
        "several": "{n} stukken en hun schrijvers:",
        "more": "… en nog {n} stukken.",
    },
}
TITLE_CHARS = 80
MAX_LISTED = 10  # files listed for "Who are the authors?"; a larger collection is named in part, with how many more


def asks_who_wrote(question: str, names: tuple[str, ...]) -> bool:
    """The question asks who wrote something, or who a writer it names is."""
    return bool(AUTHORSHIP.search(question)) or bool(names and WHO_IS.match(question) and not subject(question, names))


def subject(question: str, names: tuple[str, ...] = ()) -> str:
    """What the question is about beyond who wrote: "financial room" in "Who wrote the article about financial
    room?"; nothing in "Who are the authors?"."""
    text = question
    for name in names:
        for part in name.split():
            text = re.sub(rf"\b{re.escape(part)}(['’]s)?\b", " ", text, flags=re.IGNORECASE)
    return " ".join(re.findall(r"[^\W\d_]{2,}", AROUND.sub(" ", text)))


def writers_asked(question: str, authors: tuple[str, ...], named: tuple[str, ...]) -> tuple[str, ...]:
    """The writers an authorship question asks about: those it `named` itself, else those of the conversation
    (`authors`) when it points back at a person ("Who is he?"); "Wie zijn de briefschrijvers?" after a question
    about Wim asks about all of them."""
    return named or (authors if PERSON_BACK.search(question) else ())


def points_at_answer(question: str) -> bool:
    """ "Who wrote that?", "Van wie is dit?": about what the answer before quoted; not "Who are the letter writers?"."""
    return bool(THING_BACK.search(question)) and not LETTERS.search(question)


def writers(index: Index, doc: str) -> list[str]:
    """The writers of a file, in the order they write (each letter of a correspondence has its own)."""
    entry = index.manifest.files.get(doc)
    return [a.strip() for a in (entry.author or "").split(",") if a.strip()] if entry else []


class Target(NamedTuple):
    """What an authorship question asks about."""

    docs: list[str]  # the files whose writers to give
    writers: tuple[str, ...]  # the writers asked about among them (they lead); () for all of them
    searched: bool  # the files were found by searching for a subject: the answer stands or falls with its evidence


def _words(text: str) -> set[str]:
    return {w for w in tokenize(text) if len(w) >= 4}


def titled(question: str, index: Index) -> list[str]:
    """Files the question names by a word of their title that no other title has ("the cX-Factor column",
    "het artikel over de ivoren toren")."""
    titles = {doc: _words(entry.title) for doc, entry in index.manifest.files.items() if entry.title}
    counts = Counter(w for words in titles.values() for w in words)
    asked = _words(question)
    hits = {doc: len({w for w in words if counts[w] == 1} & asked) for doc, words in titles.items()}
    best = max(hits.values(), default=0)
    return sorted(doc for doc, n in hits.items() if n and n == best)


def sourced(question: str, passages: list[Passage], index: Index) -> list[str]:
    """Files among those retrieved that the question names by where they appeared ("the Marketingfacts piece")."""
    docs = dict.fromkeys(p.chunk.doc for p in passages)
    return [
        d for d in docs if (where := index.document(d).source) and re.search(rf"\b{re.escape(where)}\b", question, re.I)
    ]


def placed(question: str, index: Index) -> tuple[list[str], tuple[str, ...]]:
    """The letters the question names by where they were written ("the letter from Helmond"): their files and
    writers."""
    letters = [doc for doc in index.manifest.files if len(writers(index, doc)) > 1]
    if not letters:
        return [], ()
    chunks, _ = index.passages_of(letters)
    found = {
        (c.doc, c.author)
        for c in chunks
        if c.place and c.author and re.search(rf"\b{re.escape(c.place)}\b", question, re.IGNORECASE)
    }
    docs = sorted({doc for doc, _ in found})
    return docs, tuple(dict.fromkeys(a for doc in docs for a in writers(index, doc) if (doc, a) in found))


def target(
    question: str,
    text: str,
    named: tuple[str, ...],
    passages: list[Passage],
    index: Index,
    quoted: list[Chunk],
    evidence: str | None,
) -> Target:
    """The files and writers an authorship question asks about: for "Who wrote that?" after an answer, what it
    `quoted`; the writers it names (or points back at) and their files; letters named by their place; the
    correspondences for "the letter writers"; every file when it names no subject ("Who are the authors?"); a file
    named by its title or where it appeared; else the file of the best `evidence` for its subject (`text`, as
    retrieval read it): the file of the best-scored sentence. The best passage is more often a letter of a long
    correspondence, whose passages fill the list."""
    own_subject = subject(question, named)
    if quoted and not own_subject and not named and points_at_answer(question):
        return Target(
            list(dict.fromkeys(c.doc for c in quoted)),
            tuple(dict.fromkeys(c.author for c in quoted if c.author)),
            False,
        )
    everything = sorted(index.manifest.files)
    if named:
        return Target([d for d in everything if set(writers(index, d)) & set(named)], named, False)
    docs, from_there = placed(question, index)
    if docs:
        return Target(docs, from_there, False)
    if not own_subject:
        letters = [d for d in everything if len(writers(index, d)) > 1] if LETTERS.search(question) else []
        return Target(letters or everything, (), False)
    by_title = titled(question, index) or sourced(question, passages, index)
    if by_title:
        return Target(by_title, (), False)
    return Target([evidence] if evidence and subject(text) else [], (), True)


def _sentences(index: Index, doc: str) -> list[Sentence]:
    """The file's sentences in reading order, each once (chunks overlap)."""
    chunks, _ = index.passages_of([doc])
    seen: set[int] = set()
    out = []
    for chunk in sorted(chunks, key=lambda c: c.start):
        for s in split_sentences(chunk, min_chars=1):
            if s.start not in seen:
                seen.add(s.start)
                out.append(s)
    return sorted(out, key=lambda s: s.start)


def _with_lines_above(s: Sentence, names: list[str]) -> Sentence:
    """A byline, a line of only names ("• Anders Jansen"), with the lines above it in the same block ("cX-Factor",
    "• 4 maart 2025"), so that the quote says what it is the byline of. Still one verbatim span of the chunk."""
    rest = s.text
    for name in names:
        rest = rest.replace(name, " ")
    if re.search(r"\w", rest):
        return s
    text, base = s.chunk.text, s.chunk.start
    start = s.start - base
    for _ in range(BYLINE_LINES):
        line_end = text.rfind("\n", 0, start)
        if line_end <= 0:
            break
        line_start = text.rfind("\n", 0, line_end) + 1
        line = text[line_start:line_end]
        if not line.strip():
            break  # a blank line ends the block
        start = line_start + len(line) - len(line.lstrip())
    return Sentence(s.chunk, base + start, s.end, text[start : s.end - base])


def naming(index: Index, doc: str, names: list[str], also: str | None = None) -> Sentence | None:
    """The first sentence of the file that names the most of its writers (by full name, else by last name), or, for
    a file without writers, the line that names where it appeared (`also`), else its first sentence (its title)."""
    sentences = _sentences(index, doc)
    if not sentences:
        return None
    for key in ((lambda n: n), (lambda n: n.split()[-1])) if names else ():

        def count(s: Sentence, key=key) -> int:
            return sum(bool(re.search(rf"\b{re.escape(key(n))}\b", s.text)) for n in names)

        best = max(sentences, key=lambda s: (count(s), -s.start))
        if count(best):
            return _with_lines_above(best, names)
    if also:
        found = next((s for s in sentences if re.search(rf"\b{re.escape(also)}\b", s.text)), None)
        if found:
            return found
    return sentences[0]


def _joined(names: list[str], word: str) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {word} {names[-1]}"


def compose(
    index: Index, docs: list[str], lang: str, asked: tuple[str, ...] = ()
) -> tuple[str, tuple[Citation, ...], list[Chunk]]:
    """One line per file: its title, who wrote it, and the passage that says so (the chunks cited, in order). Writers
    `asked` about ("Who is Wim Rampen?", "Who wrote that?" after a quote of his) lead, with the others beside them."""
    t = TEXTS[lang]
    citations: list[Citation] = []
    cited: list[Chunk] = []
    lines = [t["several"].format(n=len(docs))] if len(docs) > 1 else []
    for doc in docs[:MAX_LISTED]:
        entry = index.manifest.files.get(doc)
        names = writers(index, doc)
        source = None if names else index.document(doc).source
        span = naming(index, doc, [n for n in names if n in asked] or names, also=source)
        title = quoted_title(entry.title if entry and entry.title else doc, TITLE_CHARS)
        these = [n for n in names if n in asked]
        others = [n for n in names if n not in these]
        if these and others:
            key = "one_of" if len(these) == 1 else "some_of"
            lead = t[key].format(names=_joined(these, t["and"]), title=title, others=_joined(others, t["and"]))
        elif names:
            lead = t["by"].format(title=title, names=_joined(names, t["and"]))
        elif source and span is not None and source in span.text:
            lead = t["appeared"].format(title=title, source=source)
        else:
            lead = t["unsigned"].format(title=title)
        if span is None:
            lines.append(f"{lead.rstrip(':')}.")
            continue
        n = len(citations) + 1
        c = span.chunk
        citations.append(Citation(n, c.doc, c.title, c.author, c.date, span.text, span.start, span.end))
        cited.append(c)
        shown = " ".join(span.text.split())
        if lead.endswith(":"):
            lines.append(f"{lead} “{shown}” [{n}]")
        else:
            lines.append(f"{lead} [{n}].")  # the title itself: the citation opens the article
    if len(docs) > MAX_LISTED:
        lines.append(t["more"].format(n=len(docs) - MAX_LISTED))
    return "\n\n".join(lines), tuple(citations), cited


def cited_first(passages: list[Passage], cited: list[Chunk]) -> list[Passage]:
    """The cited chunks first, in the order cited (one the search did not retrieve is added, scored 0), then the
    other retrieved passages; ranks renumbered."""
    order = {c.id: i for i, c in reversed(list(enumerate(cited)))}
    retrieved = {p.chunk.id for p in passages}
    added = [Passage(0, c, 0.0) for c in dict((c.id, c) for c in cited).values() if c.id not in retrieved]
    ranked = sorted(passages + added, key=lambda p: (order.get(p.chunk.id, len(order)), p.rank))
    return [Passage(i, p.chunk, p.score, p.dense, p.bm25) for i, p in enumerate(ranked, 1)]
