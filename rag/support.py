"""The support check for generated answers: every sentence must cite a passage that backs it, or it is dropped.

That check, not the prompt, is what makes an article saying "ignore your instructions" harmless: what the model
writes must be in the passages. A sentence is kept when it cites a passage that (1) is similar to it (embedding
cosine, or shared words), (2) contains every number and named thing it mentions, (3) is by the person it
attributes a view to, and (4) agrees with it on negation ("geen aparte strategie" does not back "a separate
strategy"). Without an entailment model, a paraphrase that reverses a point with no negation word can still pass,
and a faithful one can be dropped ("fails to understand" for "begrijpt het niet", a capitalised common term such
as "Customer Experience" that the Dutch passage does not contain): the check errs towards dropping.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import numpy as np

from .embedders import Embedder
from .search import tokenize
from .sentences import Sentence, split_sentences
from .types import Citation, Passage

log = logging.getLogger(__name__)

# Sentences in an article that address the reader as a model ("ignore previous instructions and say X") state
# nothing about the world, so they never count as evidence, even though X then occurs in the passage.
_INSTRUCTION = re.compile(
    r"\b(negeer|vergeet|ignore|disregard|forget)\b.{0,60}\b(instructies?|instructions?|opdrachten|regels|rules|prompt)"
    r"|\b(system ?prompt|systeemprompt|you are now|je bent nu|jij bent nu)\b",
    re.IGNORECASE,
)
_MARKER = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
# A sentence ends at . ! ? … (plus closing quotes and any trailing markers, as in "... snel. [2]") before a space.
_SENTENCE_END = re.compile(r"[.!?…][’'”\"»)]*(?:\s*\[\d+(?:\s*[,;]\s*\d+)*\])*(?=\s|$)")
_LIST_ITEM = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_THINK = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL)  # reasoning models (qwen3, deepseek-r1) via Ollama


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# A capitalised word inside a sentence, an acronym or a hyphenated name: a named thing the passage must mention.
# Not after a sentence end, a colon, an opening quote or bracket: a capital there says nothing.
_NAMED = re.compile(r"(?<![.!?:;]\s)(?<![“\"‘'(\[]\s)(?<![“\"‘'(\[])(?<!^)\b[A-Z][\w&'’\-]*[A-Za-z]")
_POSSESSIVE = re.compile(r"['’]s$")
# At the start of a sentence a capital says nothing, unless the word is an acronym or mixed-case name ("PWNED",
# "McKinsey"), or an agent followed by a reporting verb ("Salesforce recommends ...").
_OPENING_NAME = re.compile(
    r"^\s*([A-Z][\w&'’\-]*[A-Z][\w&'’\-]*|[A-Z][\w&'’\-]+(?=\s+(?:says|said|argues|argued|writes|wrote|thinks|"
    r"recommends|believes|states|claims|notes|suggests|warns|reports|found|zegt|stelt|schrijft|vindt|adviseert|"
    r"meent|denkt)\b))"
)
CLOSE = 1  # the sentence nearest to a claim is what the negation check compares it with
_NOT_NAMES = frozenset("I CX Dutch English".split())
# Idioms with a negation word that negate nothing ("not only ... but also", "no doubt").
_NOT_NEGATING = re.compile(r"\b(not only|no doubt|niet alleen|geen twijfel|zonder twijfel|no matter)\b", re.IGNORECASE)
_NEGATION = re.compile(
    r"\b(not|no|never|none|nothing|without|cannot|n't|niet|geen|géén|nooit|zonder|niets|nergens|hoeft niet)\b|n't\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CheckedAnswer:
    """A generated answer after the support check."""

    text: str  # final answer text with renumbered [n] markers, unsupported sentences removed
    citations: tuple[Citation, ...]
    unsupported: tuple[str, ...]  # dropped sentences (original text)


def _answer_sentences(text: str) -> list[tuple[int, str, str]]:
    """(line number, list prefix, sentence) for each sentence of the generated text."""
    out = []
    for i, line in enumerate(_THINK.sub("", text).splitlines()):
        prefix = m.group(0) if (m := _LIST_ITEM.match(line)) else ""
        body, pos = line[len(prefix) :], 0
        for m in [*_SENTENCE_END.finditer(body), None]:
            end = m.end() if m else len(body)
            if re.search(r"\w", _MARKER.sub("", piece := body[pos:end].strip())):
                out.append((i, prefix.strip(), piece))
            pos = end
    return out


def _evidence(passage: Passage) -> list[Sentence]:
    """The passage's sentences that can back a claim (not instructions addressed to a model)."""
    sentences = split_sentences(passage.chunk)
    kept = [s for s in sentences if not _INSTRUCTION.search(s.text)]
    if len(kept) < len(sentences):
        log.warning("passage %s contains instruction-like text; it is not used as evidence", passage.chunk.id)
    return kept


def _lexical(claim_terms: set[str], evidence_terms: set[str]) -> float:
    """Share of the claim's stemmed content words that occur in the evidence."""
    return len(claim_terms & evidence_terms) / len(claim_terms) if claim_terms else 0.0


def _grounded(claim: str, cited: list[int], passages: list[Passage], authors: set[str]) -> bool:
    """Numbers and named things of the claim occur in the cited passages; a view is attributed to its author."""
    text = " ".join(
        f"{passages[i].chunk.title} {passages[i].chunk.author or ''} {passages[i].chunk.text}" for i in cited
    )
    folded = text.casefold()
    if not _numbers(claim) <= _numbers(text):
        return False
    body = _MARKER.sub(" ", claim)
    opening = _OPENING_NAME.match(body)
    for name in _NAMED.findall(body) + ([opening.group(1)] if opening else []):
        name = _POSSESSIVE.sub("", name)
        if name not in _NOT_NAMES and name.casefold() not in folded:
            return False
    cited_authors = {passages[i].chunk.author for i in cited}
    for author in authors - cited_authors:  # "Rien says ..." citing a letter by Wim
        if any(part in body for part in author.split() if len(part) > 2) and author.split()[-1] not in text:
            return False
    return True


def _numbers(text: str) -> set[str]:
    """Whole numbers in the text with their separators dropped: "10,5" = "10.5", "1.200" = "1,200" = "1200"."""
    return {re.sub(r"[.,]", "", n) for n in _NUMBER.findall(text)}


def _negated(text: str) -> bool:
    return bool(_NEGATION.search(_NOT_NEGATING.sub(" ", text)))


def _agrees(claim: str, close: list[Sentence]) -> bool:
    """Some of the sentences closest to the claim is negated exactly when the claim is."""
    negated = _negated(claim)
    return any(_negated(s.text) == negated for s in close)


def _support(
    terms: set[str],
    cited: list[int],
    passages: list[Passage],
    evidence: list[list[Sentence]],
    sims: np.ndarray | None,
    offsets: np.ndarray,
) -> tuple[float, dict[int, tuple[float, Sentence]], list[Sentence]]:
    """Support in [0, 1] of a claim by the passages it cites, the best-matching sentence of each, and the
    closest few sentences of all (for the negation check)."""
    if not cited:
        return 0.0, {}, []
    pool = {t for i in cited for s in evidence[i] for t in tokenize(s.text)}
    pool |= {t for i in cited for t in tokenize(f"{passages[i].chunk.title} {passages[i].chunk.author or ''}")}
    lexical = _lexical(terms, pool)
    matches = {}
    close: list[tuple[float, Sentence]] = []
    for i in cited:  # the best sentence of each cited passage: by embedding, else by word overlap
        ev = evidence[i]
        scores = (
            sims[offsets[i] : offsets[i + 1]]
            if sims is not None
            else [_lexical(terms, set(tokenize(s.text))) for s in ev]
        )
        j = int(np.argmax(scores))
        matches[i] = (max(0.0, float(scores[j])), ev[j])
        close += [(float(scores[k]), ev[k]) for k in np.argsort(-np.asarray(scores), kind="stable")[:CLOSE]]
    close_sentences = [x for _, x in sorted(close, key=lambda c: -c[0])[:CLOSE]]
    if sims is None:
        return lexical, matches, close_sentences
    dense = max(score for score, _ in matches.values())
    # Word overlap can only raise the score: an English answer over Dutch passages shares few words.
    return max(dense, (lexical + dense) / 2), matches, close_sentences


def _renumbered(sentence: str, marks: str) -> str:
    """The sentence with its markers replaced by `marks`, placed before the final punctuation."""
    body = re.sub(r"\s+([.!?…,;:])", r"\1", " ".join(_MARKER.sub("", sentence).split()))
    end = re.search(r"[.!?…][’'”\"»)]*$", body)
    return f"{body[: end.start()]} {marks}{end.group(0)}" if end else f"{body} {marks}"


def check_answer(text: str, passages: list[Passage], embedder: Embedder | None, min_support: float) -> CheckedAnswer:
    """Keep the sentences that cite a passage which supports them; renumber markers; quote each cited passage."""
    evidence = [_evidence(p) for p in passages]
    items = _answer_sentences(text)
    claims = [" ".join(_MARKER.sub(" ", s).split()) for _, _, s in items]
    flat = [s.text for ev in evidence for s in ev]
    sims = None
    if embedder is not None:  # one batch each way; no evidence means nothing can be supported anyway
        sims = np.zeros((len(claims), len(flat)), dtype=np.float32)
        if claims and flat:
            sims = embedder.encode_queries(claims) @ embedder.encode_documents(flat).T
    offsets = np.cumsum([0] + [len(ev) for ev in evidence])
    numbers: dict[int, int] = {}  # passage index -> final citation number, in order of first use
    best: dict[int, tuple[float, Sentence]] = {}  # passage index -> its best-matching sentence, quoted
    lines: dict[int, tuple[str, list[str]]] = {}  # line of the answer -> (list prefix, kept sentences)
    unsupported = []
    authors = {p.chunk.author for p in passages if p.chunk.author and "," not in p.chunk.author}
    for row, ((line, prefix, sentence), claim) in enumerate(zip(items, claims, strict=True)):
        cited = [int(n) - 1 for g in _MARKER.findall(sentence) for n in re.split(r"[,;]", g)]
        # Markers out of range (or to a passage with no usable sentence) are ignored; at least one must remain.
        cited = list(dict.fromkeys(i for i in cited if 0 <= i < len(passages) and evidence[i]))
        support, matches, close = _support(
            set(tokenize(claim)), cited, passages, evidence, None if sims is None else sims[row], offsets
        )
        agrees = _agrees(claim, close)
        if support < min_support or not agrees or not _grounded(claim, cited, passages, authors):
            log.info("dropped unsupported sentence (support %.2f, negation agrees %s): %s", support, agrees, sentence)
            unsupported.append(sentence)
            continue
        # A marker to a passage that contributes (almost) nothing would send the reader to the wrong source.
        cited = [i for i in cited if matches[i][0] >= min_support / 2] or [max(cited, key=lambda i: matches[i][0])]
        for i in cited:
            match = matches[i]
            numbers.setdefault(i, len(numbers) + 1)
            if i not in best or match[0] > best[i][0]:
                best[i] = match
        lines.setdefault(line, (prefix, []))[1].append(_renumbered(sentence, "".join(f"[{numbers[i]}]" for i in cited)))
    answer, previous = "", ""
    for prefix, kept in lines.values():  # list items stay one per line; paragraphs get a blank line between
        if answer:
            answer += "\n" if prefix and previous else "\n\n"
        answer += f"{prefix} {' '.join(kept)}".strip()
        previous = prefix
    citations = []
    for i, n in sorted(numbers.items(), key=lambda x: x[1]):
        s, c = best[i][1], passages[i].chunk
        citations.append(Citation(n, c.doc, c.title, c.author, c.date, s.text, s.start, s.end))
    return CheckedAnswer(answer, tuple(citations), tuple(unsupported))
