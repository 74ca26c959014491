"""Candidates: the sentences of the retrieved passages that can be quoted on their own, with their vectors.

Letter furniture (place/date line, salutation, sign-off), headings, pull quotes, lead-ins ("Twee oplossingen:")
and bullet fragments say nothing on their own, so they are never candidates.
"""

from __future__ import annotations

import re

import numpy as np

from ..embedders import Embedder
from ..parsing import MONTH_WORDS, PLACE_DATE_RE, SALUTATION_RE, SIGNOFF_RE
from ..search import STOPWORDS
from ..sentences import Sentence, is_question, split_sentences
from ..stores.base import Index
from ..types import Chunk, Passage

BULLET_MARKS = "-–•*·▪►✅❌✔✓→"  # what opens a list item, beside a number ("1.", "2)")
BULLET = re.compile(rf"^\s*([{BULLET_MARKS}]|\d+[.)])\s*")
ENDS_SENTENCE = re.compile(r"[.!?…][’'”\"»)]*$")
MIN_WORDS = 5
MIN_WORDS_UNPUNCTUATED = 14  # a line this long without a full stop is prose, not a heading
MARKED_HEADING = re.compile(r"^#{1,6}\s")  # a markdown heading, whatever its punctuation ("# Welk CRM kies je?")
# A sentence that opens by reporting what others say ("Soms hoor je: als de cultuur klantgericht is, dan heb je geen
# aparte CX-strategie meer nodig.") is followed by what the writer makes of it ("Dat lijkt me naïef."): quoted alone,
# it puts the view the writer argues against in their mouth.
REPORTED = re.compile(
    r"^\W*(\w+\s+){0,3}(hoor je|hoor ik|hoort men|zegt men|zeggen (mensen|velen|ze)|wordt (vaak |soms |weleens )?"
    r"(gezegd|beweerd|geroepen|gedacht)|lees je|you (often |sometimes )?hear|people (often |sometimes )?say|"
    r"it is (often |sometimes )?(said|claimed|argued))\b",
    re.IGNORECASE,
)


def reports_a_view(text: str) -> bool:
    """The sentence opens by reporting what others say, not what the writer holds."""
    return bool(REPORTED.match(text))


# A sentence in which the writer takes a position: in the first person ("Ik ben het eens met de stelling ...", "voor
# mij", "in mijn ogen", "mijn zorg", "laat ik het zo zeggen") or as a norm ("CX moet geen aparte strategie zijn.",
# "zou ... moeten", "hoort"). The centre of what a writer wrote lies on their subject; these say where they stand.
STANCE = re.compile(
    r"\b(ik ben het (\w+ )?(on)?eens|ik vind|ik denk|ik geloof|ik pleit|volgens mij|voor mij|in mijn ogen|"
    r"mijn (zorg|punt|boodschap|stelling|conclusie|advies|pleidooi)|laat ik het|"
    r"i (agree|disagree|think|believe|argue)|in my (view|opinion)|for me|my (point|concern|message)|"
    r"moet|moeten|zou|zouden|hoort|horen|should|must|ought)\b",
    re.IGNORECASE,
)


def takes_a_stance(text: str) -> bool:
    """The writer says where they stand: in the first person, or as a norm."""
    return bool(STANCE.search(text))


# A figure in a quote: digits, or a number or share written out.
NUMBER = re.compile(
    r"\d|\b(twee|drie|vier|vijf|zes|zeven|acht|negen|tien|twintig|dertig|veertig|vijftig|honderd|duizend|miljoen|"
    r"miljard|procent|helft|kwart|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|forty|fifty|hundred|"
    r"thousand|million|billion|percent|half|quarter)\b",
    re.IGNORECASE,
)


# A year where a text says when ("anno 2025", "in 2025", "sinds 2019", "4 maart 2025"): not how many. A number of that
# size elsewhere is a figure ("€1995 per deelnemer", "2000 professionals").
YEAR = re.compile(
    rf"\b(anno|in|sinds|since|from|tot|until|({MONTH_WORDS})( \d{{1,2}},?)?)\s+(19|20)\d\d\b"
    r"(?!\s+(?!(een|de|het|the|a|an|en|and|of|or|is|was|zijn|waren|werd|were)\b)[^\W\d_]+)",  # "in 2000 winkels" counts
    re.IGNORECASE,
)


def has_number(text: str) -> bool:
    """The text states a figure (a year that says when is none: "anno 2025 een rapport", "in 2025 73%")."""
    return bool(NUMBER.search(YEAR.sub(" ", text)))


MONEY = re.compile(
    r"[€$£]\s?\d|\d\s?(euro|eur|dollars?)\b|\b(euros?|dollars?|gratis|free of charge)\b|"
    r"\b\d+,\d\d\b(?!\s*%)",  # "49,95 per jaar": cents written the Dutch way
    re.IGNORECASE,
)


def has_money(text: str) -> bool:
    """The text states an amount of money ("€11,99", "10 euro", "49,95", "gratis")."""
    return bool(MONEY.search(text))


# A name inside a sentence: a capitalised word after a word or a comma ("Salesforce", "HubSpot", "Zendesk"), so not
# one that opens the text, a line, a sentence, a bullet or a quotation; or a word in capitals that is not one of the
# generic acronyms of the trade ("SAP", "AFAS"; not "CRM", which names a kind of product, not one).
_NAME_WORD = r"(?:[A-Z][a-z]|[a-z]+[A-Z])[\w&-]*|[A-Z][A-Z0-9]+\b"  # Salesforce, HubSpot, iCRM, SAP
NAME = re.compile(rf"(?<=[\w,])[ \t]+({_NAME_WORD})")
QUESTION_NAME = re.compile(rf"(?<=\s)(?:{_NAME_WORD})")  # in a question: any word but the first
GENERIC_ACRONYMS = frozenset(
    "CX UX CRM ERP NPS CES CSAT KPI KPIS ROI CLV API FAQ SLA AI BI IT HR B2B B2C CEO CFO CTO CMO COO MT TV".split()
)


def _specific(found) -> set[str]:
    """The names lower-cased, without the generic acronyms."""
    return {n.lower() for n in found if n not in GENERIC_ACRONYMS}


def names(text: str) -> set[str]:
    """The names inside the text's sentences, lower-cased."""
    return _specific(m.group(1) for m in NAME.finditer(BULLET.sub("", text.strip())))


def names_something(text: str, question: str) -> bool:
    """The text names something (a product, a company, a person) that the question does not already mention, or one
    of the options the question names ("Salesforce or HubSpot?"). One name in the question is its subject ("Which
    chatbot does Coolblue use?"): a quote that names only that does not answer it."""
    asked = {w.lower() for w in re.findall(r"[\w-]+", question)}
    options = _specific(QUESTION_NAME.findall(question))
    named = names(text)
    return bool(named - asked) or (len(options) > 1 and bool(named & options))


def _own_line(s: Sentence) -> bool:
    """The sentence fills its whole line (a heading, a pull quote or a list item stands on its own line)."""
    text, offset = s.chunk.text, s.start - s.chunk.start
    before = text[:offset].rstrip(" \t")
    after = text[offset + len(s.text) :].lstrip(" \t")
    return (not before or before.endswith("\n")) and (not after or after.startswith("\n"))


def is_quotable(s: Sentence) -> bool:
    """A sentence that says something on its own."""
    text = s.text.strip()
    body = BULLET.sub("", text)
    words = body.split()
    if len(body) < 25 or len(words) < MIN_WORDS:
        return False
    if PLACE_DATE_RE.fullmatch(text) or SALUTATION_RE.match(text) or SIGNOFF_RE.match(text):
        return False
    if text.endswith(":"):
        return False  # a lead-in: what it introduces is the content
    if not ENDS_SENTENCE.search(text) and len(words) < MIN_WORDS_UNPUNCTUATED and _own_line(s):
        return False  # a heading, a pull quote or a bullet fragment
    if MARKED_HEADING.match(text) or (_own_line(s) and _is_title(text, s) and len(words) < MIN_WORDS_UNPUNCTUATED):
        return False  # a heading that ends like a sentence: "Welk CRM kies je als webwinkel?" above the article
    return True


def is_list(s: Sentence) -> bool:
    """A lead-in with its list (`listed`): the only candidate that spans lines."""
    return "\n" in s.text


LIST_ITEMS = 5  # items a list is quoted with, at most
LIST_CHARS = 700


def listed(chunk: Chunk, sentences: list[Sentence]) -> list[tuple[Sentence, str]]:
    """Each lead-in with the list it introduces, as one span ("Dit zijn de grootste valkuilen: ❌ Leiderschap dat niet
    meedoet – … ❌ Te snel resultaat willen – …"), and what it is read as: the lead-in. The lead-in is never quoted
    alone and its items do not say what they are items of, so a question for "the pitfalls" found neither."""
    text, offset = chunk.text, chunk.start
    out = []
    for s in sentences:
        if not s.text.rstrip().endswith(":"):
            continue
        pos = s.end - offset
        if not text[pos:].startswith("\n"):
            continue  # a colon inside a line introduces the rest of the line, not a list
        end, items = pos, 0
        for line in re.finditer(r"[^\n]+", text[pos:]):
            if (
                not BULLET.match(line.group())
                or items == LIST_ITEMS
                or pos + line.end() - (s.start - offset) > LIST_CHARS
            ):
                break
            end, items = pos + line.end(), items + 1
        if items < 2:
            continue
        # read as the lead-in alone: with the heading above it ("De valkuilen van cultuurverandering") it became the
        # answer to any question about culture (README)
        out.append((Sentence(chunk, s.start, offset + end, text[s.start - offset : end]), s.text))
    return out


# A list whose lead-in announces advice: ways, tips, steps, solutions ("Twee concrete oplossingen om rugwind te creëren:",
# "Een paar simpele manieren om dat te doen:"); not pitfalls or examples ("Dit zijn de grootste valkuilen:").
ADVICE_LEAD = re.compile(
    r"\b(manier(en)?|tips?|stap(pen)?|oplossing(en)?|advie(s|zen)|aanbeveling(en)?|lessen|actiepunt(en)?|"
    r"wat je (kunt|kan|moet) doen|hoe je|zo (doe|pak|aanpak)|ways?|steps?|solutions?|advice|recommendations?|"
    r"lessons|how to|what to do)\b",
    re.IGNORECASE,
)
# Words that open a Dutch sentence and look like a verb's stem ("naast": "naasten") without being one.
NOT_VERBS = frozenset(
    "naast ondanks tijdens binnen buiten langs tussen sinds vanaf volgens waar hoewel zodra terwijl boven achter "
    "even zelfs alleen vaak soms nooit steeds wel elke ieder iedereen weinig minder eerst daarna kortom".split()
)
# What opens a clause before its verb: a connective ("En zorg dat …", "Dus stop met …"), a bullet's mark.
CONNECTIVE = re.compile(r"^\W*((en|dus|maar|of|dan|ook|vooral|tot slot|daarom)\b\W*)*", re.IGNORECASE)
# What announces advice before a colon ("Dus mijn boodschap aan CX-managers is helder: Stop met …"); not a narrative
# ("Zoals het dan gaat: kop warme thee erbij gepakt").
ANNOUNCES = re.compile(r"\b(boodschap|advies|tip|les|oproep|aanbeveling|raad|kortom|message|advice|lesson)\b", re.I)
# Advice to whoever does something ("Wie CX serieus neemt, kijkt verder dan de werkvloer en betrekt ook financiering …").
GENERIC_ADVICE = re.compile(r"^(wie|whoever|anyone who)\b[^,?]{3,80},\s*\w", re.IGNORECASE)
ITEM_LABEL = 6  # words a list item's label may have before the dash that opens what it says
# Imperatives that do not tell the reader what to do: "Laat ik het zo zeggen" (let me), "Denk aan …" (for instance).
NOT_ADVICE = re.compile(r"^(laat (ik|we|wij|ons|me|mij)|denk (bijvoorbeeld |maar )?aan)\b", re.IGNORECASE)


def dutch_verb_stem(word: str, dutch: frozenset[str]) -> bool:
    """`word` is the stem of a Dutch verb the dictionaries list: the stem plus -en ("zorg": zorgen), with its last
    consonant doubled ("stop": stoppen), its long vowel single ("spreek": spreken) or f/s voiced ("geef": geven)."""
    forms = {word + "en"}
    if re.search(r"(^|[^aeiou])[aeiou][^aeiouwyj]$", word):
        forms.add(word + word[-1] + "en")
    long = re.fullmatch(r"(.*)(aa|ee|oo|uu)([^aeiou])", word)
    if long:
        stem = long.group(1) + long.group(2)[0]
        forms.add(stem + {"f": "v", "s": "z"}.get(long.group(3), long.group(3)) + "en")
    return bool(forms & dutch)


def label_of(text: str, item: bool) -> str:
    """What a sentence opens with to say what it is about, before a colon ("Vanuit de boardroom: zak af …", at most
    three words) or, in a list item, a dash ("De “customer minute” in meetings – Start …", at most ITEM_LABEL);
    "" when it has none."""
    text = BULLET.sub("", text.strip())
    colon = re.match(r"(.*?):\s+\S", text)
    if colon and len(colon.group(1).split()) <= 3:
        return colon.group(1)
    dash = re.match(r"(.*?)\s[–—-]\s+\S", text) if item else None
    return dash.group(1) if dash and len(dash.group(1).split()) <= ITEM_LABEL else ""


def gives_advice(text: str, dutch: frozenset[str]) -> bool:
    """The sentence tells the reader what to do: it opens with a Dutch imperative ("Stop met …", "En zorg dat …",
    "Spreek de taal van de boardroom."), or the part after a colon does ("Dus mijn boodschap aan CX-managers is helder:
    Stop met …", "Vanuit de boardroom: zak af naar de werkvloer."). Not a question; not "Laat ik …" or "Denk aan …".
    `dutch`: the Dutch words of the dictionaries (without them no sentence is read as advice)."""
    item = bool(BULLET.match(text))
    text = BULLET.sub("", text.strip())
    if not text or text.rstrip(" ’'”\"»)").endswith("?"):
        return False
    if GENERIC_ADVICE.match(text):
        return True
    # after a label ("Vanuit de boardroom: zak af …", "✅ De “customer minute” in meetings – Start elke …") or a
    # colon that announces advice ("Dus mijn boodschap aan CX-managers is helder: Stop met …")
    after = [rest for lead, rest in re.findall(r"^(.*?):\s+(\S.*)", text) if ANNOUNCES.search(lead)]
    label = label_of(text, item)
    if label:
        after.append(text[len(label) :].lstrip(" :–—-\t"))
    for clause in [text, *after]:
        clause = CONNECTIVE.sub("", clause)
        first = re.match(r"[^\W\d_]+", clause)
        if first is None or NOT_ADVICE.match(clause):
            continue
        word = first.group().lower()
        if len(word) >= 3 and word not in STOPWORDS and word not in NOT_VERBS and dutch_verb_stem(word, dutch):
            return True
    return False


def advises(s: Sentence, dutch: frozenset[str]) -> bool:
    """The candidate is advice: a list whose lead-in announces it (`ADVICE_LEAD`), or a sentence that gives it."""
    if is_list(s):
        return bool(ADVICE_LEAD.search(s.text.split("\n", 1)[0]))
    return gives_advice(s.text, dutch)


def advice_in(chunk: Chunk, dutch: frozenset[str]) -> list[Sentence]:
    """The advice a text gives (`advises`): its lists that announce advice, and its sentences that give it."""
    sentences = split_sentences(chunk)
    found = [s for s, _ in listed(chunk, sentences)] + [s for s in sentences if is_quotable(s)]
    return [s for s in found if advises(s, dutch)]


# A question this short ("De grootste misvatting?"), answered in its paragraph, is read with its answer.
LEAD_QUESTION_WORDS = 4


def with_questions(chunk: Chunk, sentences: list[Sentence]) -> list[Sentence]:
    """`sentences` with each that answers a short question just before it, in the same paragraph, read as one span with
    that question: "De grootste misvatting? Dat CX een eigen strategie nodig heeft om belangrijk te zijn." The answer
    alone never names what it answers (a question for "the biggest misconception" found neither: the question is no
    candidate and the answer lacks the word); quoted, it is shown with the question anyway (`compose.in_context`)."""
    out: list[Sentence] = []
    for before, s in zip([None, *sentences], sentences):
        if (
            before is not None
            and is_question(before.text)
            and not is_question(s.text)
            and len(before.text.split()) <= LEAD_QUESTION_WORDS
            and "\n" not in chunk.text[before.end - chunk.start : s.start - chunk.start]
        ):
            text = chunk.text[before.start - chunk.start : s.end - chunk.start]
            s = Sentence(chunk, before.start, s.end, text)
        out.append(s)
    return out


def _is_title(text: str, s: Sentence) -> bool:
    """The sentence is its document's title line."""
    return text.lstrip("#").strip() == s.chunk.title.strip()


def candidates(
    index: Index, embedder: Embedder, passages: list[Passage]
) -> dict[str, tuple[list[Sentence], np.ndarray]]:
    """Quotable sentences and their vectors per passage, cached on the loaded index."""
    cache = index.cache.setdefault("quotable", {})
    todo = [p.chunk for p in passages if p.chunk.id not in cache]
    if todo:
        split, read = {}, {}
        for c in todo:
            sentences = split_sentences(c)
            # read as what it says: a short question before it is read by its words (`with_questions`), not its vector
            pairs = [(q, s.text) for q, s in zip(with_questions(c, sentences), sentences) if is_quotable(s)]
            pairs += listed(c, sentences)
            split[c.id], read[c.id] = [s for s, _ in pairs], [text for _, text in pairs]
        vectors = _vectors(index, embedder, [read[c.id] for c in todo])
        for c, v in zip(todo, vectors):
            cache[c.id] = (split[c.id], v)
    return {p.chunk.id: cache[p.chunk.id] for p in passages}


def _vectors(index: Index, embedder: Embedder, groups: list[list[str]]) -> list[np.ndarray]:
    """Each passage's sentence vectors: saved ones from the index's vector cache (kept between processes), the rest
    embedded in one call and saved there."""
    saved = index.vector_cache(embedder.id, embedder.dim)
    found = [saved.get(texts) if saved and texts else None for texts in groups]
    missing = [i for i, v in enumerate(found) if v is None and groups[i]]
    flat = [t for i in missing for t in groups[i]]
    fresh = embedder.encode_documents(flat) if flat else np.zeros((0, embedder.dim), dtype=np.float32)
    pos = 0
    for i in missing:
        found[i], pos = fresh[pos : pos + len(groups[i])], pos + len(groups[i])
        if saved:
            saved.put(groups[i], found[i])
    return [np.zeros((0, embedder.dim), dtype=np.float32) if v is None else v for v in found]
