"""The question read once: its language, what it asks of the conversation, its intent and its vector.

Every later step (candidates, scores, gate, selection, composition) takes this object instead of guessing again.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np

from ..conversation import (
    AGREEING_NL,
    ASKING,
    NOT_ASKED,
    TOPIC_WEIGHT,
    Query,
    letter_writers,
    mentioned_authors,
    misspells_a_writer,
    own_terms,
    read_question,
    without_letter_marks,
    without_names,
    without_request,
)
from ..embedders import Embedder
from ..lexicon import dictionary_words
from ..parsing import MONTH_WORDS
from ..search import STOPWORDS, TOKEN_RE, stem_words, tokenize
from ..sentences import guess_language
from ..spelling import spelled
from ..stopwords import STOPWORDS_EN
from ..stores.base import Index
from .authorship import (
    LETTERS,
    ORDINAL,
    PERSON_BACK,
    PIECE_FORMS,
    asks_is_it_by,
    asks_who_wrote,
    subject,
    writers_by_order,
    writers_of_named,
)

# Questions that ask for the writers' positions in so many words: several views are worth quoting side by side.
VIEWS = re.compile(
    r"\b(do (the )?(authors|writers|experts|they) "
    r"(agree|disagree|think|say)|what do (the )?(authors|writers|experts)|"
    # "they", "people" and "others" are the writers when asked what they think, not what they do ("What do they lean
    # on too much?" after a question about boards asks about the boards)
    r"what do (they|people|others) ((each|both|all) )?(think|say|believe|write|argue|suggest|recommend|advise|"
    r"propose|conclude|feel|make of|mean|claim|hope|want|expect|see|consider|prefer|favou?r|reckon|have to say|"
    r"find|stand for)|who (argues|says|thinks|"
    r"is|are|wrote|writes|disagrees|agrees)|agree|disagree|views?|opinions?|positions?|perspectives?|debate|"
    r"wie (vindt|zegt|denkt|schrijft|stelt)|" + AGREEING_NL + r"|standpunt(en)?|mening(en)?|visies?|vinden (de|ze)|"
    r"denken (de|ze)|(zeggen|schrijven) (ze|de (auteurs|schrijvers|briefschrijvers|experts|deskundigen))|"
    # who is for or against it ("Is anyone in those letters in favour of a separate CX strategy?")
    r"in favou?r of|opposed to|voorstanders? van|tegenstanders? van)\b",
    re.IGNORECASE,
)
# Questions whether to do something: "Should we ...?" when it opens a yes/no question ("What should I ...?" and "Hoe
# moet je ...?" ask for advice or facts), and its evaluative forms ("Is X a good idea?", "Are X worth it?", "Does X
# make sense?", "Heeft X zin?", "Is het verstandig ...?", "Loont het ...?"), after a lead-in such as "So," or "Do you
# think". Positions answer them where the writers debate the point; elsewhere the best evidence does (`debated`).
_LEAD = (
    r"(^|[.!?]\s+)((so|and|but|then|okay|ok|well),?\s+)?"
    r"((do|don't|don’t) you think (that )?((we|i|they|you|companies|organi[sz]ations|firms) )?)?"
)
_VERDICT_EN = r"(a good idea|a bad idea|wise|worth it|worthwhile|worth the \w+|sensible|smart|advisable|a waste)"
_VERDICT_NL = r"(verstandig|zinvol|slim|nuttig|raadzaam|een goed idee|een slecht idee|de moeite waard)"
WHETHER = re.compile(
    _LEAD + r"((should|shall)\b|(moeten|zouden) (we|wij|jullie|organisaties|bedrijven)\b|"
    r"(moet|zou) (ik|je|jij|een|mijn|ons|onze)\b|"
    r"(is|are|would|will)\b[^?]{0,60}\b" + _VERDICT_EN + r"\b|(does|do|would)\b[^?]{0,60}\bmake sense\b|"
    r"(is|zijn|zou|lijkt)\b[^?]{0,60}\b" + _VERDICT_NL + r"\b|loont het\b|(heeft|hebben)\b[^?]{0,60}\bzin\b(?! in\b))",
    re.IGNORECASE,
)
# Questions that ask what a writer or a piece advises ("What does it recommend?", "What is Rien's advice?", "Welke tips
# geeft het cultuurartikel?", "Wat raadt Wim aan?", "What should we do, according to the article?"). Asked of one
# source with nothing else to go on, its advice answers them (`selection.advised`), not its main position.
ADVICE = re.compile(
    r"\b(recommend\w*|advi[cs]e[sd]?|advising|suggest\w*|tips?|pointers|propos(e|es|ed|als?)|solutions?|"
    r"remed(y|ies)|what (should|can|could|must) ([\w'’-]+ ){1,3}do|(?!who\b)[\w'’-]+ (should|must|ought to) do|"
    r"aanra(den|dt|adt)|raa?dt?\b[^?]*\baan|raden\b[^?]*\baan|aanbevel\w*|advie(s|zen)|advise(ert|ren|erde)|"
    r"oplossing(en)?|wat (moet|moeten|kan|kunnen|kun|zou|zouden) (?!het\b|er\b|dat\b|dit\b)[\w'’-]+\b[^?]*\bdoen)\b",
    re.IGNORECASE,
)
# ... and the words that ask for it, stemmed as `own_terms` makes them: with them alone a question asks nothing else
ADVICE_TERMS = frozenset(
    tokenize(
        "recommend recommends recommended recommendation recommendations advice advise advises advised suggest "
        "suggests suggested suggestion suggestions tip tips pointers propose proposes proposed proposal proposals "
        "solution solutions remedy remedies do should can could must give gives offer offers we us i you they "
        "aanraden raadt raad aan aanbevelen aanbeveelt aanbeveling aanbevelingen advies adviezen adviseert adviseren "
        "oplossing oplossingen doen moet moeten kan kunnen kun geeft geven biedt "
        # what the advice is called ("What practical steps does it suggest?", "Welke concrete stappen raadt het aan?")
        "practical concrete simple steps ways actions praktisch praktische concreet simpele eenvoudige stappen "
        "manieren acties practice practices habit habits method methods tactic tactics measures approaches ideas "
        "gewoontes methodes maatregelen tactieken ideeën "
        # ... and that it asks for another course ("What does it recommend instead?", "Wat raadt het dan aan?")
        "instead otherwise differently alternative alternatives plaats daarvan anders dan"
    )
)


MIN_STEM = 4  # a shorter form of a word asked about is only itself, and only as the question writes it ("cx")
# ... one shorter than MIN_PART no part of a compound ("cx" is not in "cxo", "leen" (loan) not in "alleen"), nor one
# with fewer than MIN_REST letters beside it: a prefix, not a word ("staat" is not in "bestaat", "ander" not in
# "verander")
MIN_PART = 5
MIN_REST = 4
MAX_ENDING = 2  # ... though an ending of up to two letters after it is an inflection ("hybrid": hybride)


def names_concept(words: Iterable[str], concept: frozenset[str], own: set[str] | None = None) -> bool:
    """One of `words` (stems) is a form of the concept, an inflection of one ("hybride" for "hybrid") or a compound
    that begins or ends with one ("boardroom" for "board", "leiderschap" for "leider", "bedrijfshypotheek" for
    "hypotheek"); a form shorter than `MIN_STEM` only as itself and, given the question's `own` words, only when the
    question writes it ("CX", not a short translation)."""
    return any(
        (f == w and (own is None or len(f) >= MIN_STEM or f in own))
        or (len(f) >= MIN_PART and w.startswith(f) and (len(w) - len(f) >= MIN_REST or len(w) - len(f) <= MAX_ENDING))
        or (len(f) >= MIN_PART and w.endswith(f) and len(w) - len(f) >= MIN_REST)
        for f in concept
        for w in words
    )


def asks_own(text: str, between_writers: bool = False) -> set[str]:
    """What a question asks about (`own_terms`), without the words that ask for advice when it does ("Welke tips
    geeft het cultuurartikel?" asks for the article's advice, nothing else)."""
    terms = own_terms(text, between_writers)
    return terms - ADVICE_TERMS if ADVICE.search(text) else terms


# English words too general to translate: every Dutch verb of getting or making would become a keyword.
LIGHT_WORDS = frozenset(
    "i me my mine we us our you your get gets getting got make makes making made go goes going went take takes "
    "give gives put let lets thing things way ways lot lots really actually kind sort keep keeps come comes one "
    "need needs needed want wants wanted must might may should would could can will shall ought "
    # function words the short stop-word list keeps: "who" would become "dat die hetwelk welke wie"
    "who whom whose which when where while during since until though although whether".split()
)
TRANSLATION_WEIGHT = 0.5  # weight of the translated keywords' vector next to the question's own (tuned on dev)
MAX_TRANSLATIONS = 15  # a word with more senses than this says little about the topic
# The words nearly every article uses name the corpus's subject ("customer experience" in a CX corpus), not what a
# question asks about it; the question is also read without them, so that its own subject leads (tuned on dev).
COMMON_SHARE = 0.8  # a word used by at least this share of the articles is common
MIN_DOCUMENTS = 5  # in fewer articles than this, sharing a word says little
# In the word overlap a concept counts 1 + RARITY_WEIGHT x ln(1 / the share of articles that use it), scaled by how
# rare its word is in the language at large: 0 below PLAIN_COMMON (ln of the word list's total over its count: "welke",
# "nou", "maken"), in full from PLAIN_COMMON + PLAIN_SPAN ("huisvesting", "valkuilen") (`weights_of`; chosen on the dev
# side, README: rare words weigh more)
RARITY_WEIGHT = 0.5
PLAIN_COMMON = 8.0
PLAIN_SPAN = 4.0
FOCUS_WEIGHT = 1.0  # weight of the question without its common words, next to the whole question's vector
# An acronym's plural as English writes it ("KPIs") or Dutch does ("KPI’s", "KPI's"): read as the acronym too, so that
# the one matches the other in BM25 and in the word overlap (the index keeps its terms; only the question is read).
ACRONYM_PLURAL = re.compile(r"\b([A-Z][A-Z0-9]+)(?:['’]s|s)\b")
# An English phrase whose initials spell an acronym the articles write is read as it (`with_acronyms`).
ACRONYM_WORDS = (2, 4)  # a phrase of this many words, none of them a stop word
PHRASE_GAP = re.compile(r" +")  # what lies between a phrase's words: spaces (not a comma, a hyphen or a line break)
WHY = re.compile(
    r"^\s*((ok|okay|oké|oke|so|and|but|right|well|nou|en|maar|dus|ja)\b[\s,!.]*)*(why|how come|waarom|hoezo)\b",
    re.IGNORECASE,
)
# "Tell me more", "Vertel eens meer", "More?": like "why?", more from the sources just quoted, not the same quotes
# ... and one that asks for more of it, or an example of it ("Tell me more", "Give me an example", "Een voorbeeld?")
MORE = re.compile(r"\b(more|meer|examples?|instances?|voorbeelden|voorbeeld)\b", re.IGNORECASE)
# Questions that ask for a figure: "how many", "hoeveel", an average, a percentage, a rate, a price. A corpus can only
# answer them with a number; "How long does culture change take?" can be answered without one, so it is not here.
COST_WORDS = r"(what|how much) (does|do|did|will|would) [\w\s'’-]{1,40}? cost|wat kost\w*"
QUANTITY = re.compile(
    r"\b(how many|hoeveel|what percentage|welk percentage|averages?|gemiddeld\w*|"
    # ... or how to compute one ("What's the formula to calculate customer effort score?", "Hoe bereken je de CLV?");
    # not why something is calculated ("Why calculate a business mortgage beforehand?")
    r"formulas?|formules?|how (do|can|should|would) (i|we|you|one) (calculate|compute|work out)|"
    r"hoe (bereken|reken) (je|ik|we|jij|u)|"
    # ... or the figures themselves ("What are the customer satisfaction figures for …?", "Wat zijn de cijfers over
    # personeelsverloop?"), not which ones to watch ("Which KPIs and numbers should a board look at?")
    r"(what|wat)\s+(are|were|zijn|waren)\s+(the\s+|de\s+)?([\w'’-]+\s+){0,4}?(figures|numbers|statistics|stats|"
    r"cijfers|getallen|statistieken)|(figures|numbers|statistics|cijfers|getallen|statistieken)\s+(on|about|for|over|"
    r"van|voor)|"
    r"(?!(you|we|i|they|to|would|should|do|does)\b)\w+ rate|"  # a rate, not "would you rate"
    # ... or an interest rate asked for ("een normale rente op een lening?"), not one spoken of ("de stijgende rente")
    r"(normale|gemiddelde|redelijke|gangbare|gebruikelijke|welke|hoeveel|hoge|lage)\s+(\w+\s+)?rente|"
    # ... or a ratio ("de ideale verhouding thuiswerken vs kantoor?", "what's a healthy ratio of agents to leads?"),
    # not a relation ("een goede verhouding met je klanten") nor a rationale ("de ratio achter een aparte strategie")
    r"(ideale|gemiddelde|normale|aanbevolen)\s+verhouding|(what|which)\b[^?.!]{0,40}?\bratios?|"
    # ... or by how much something changed ("How much did Netflix churn go up after the price increase?"), not how much
    # something matters when another thing changes ("How much does culture matter when budgets go down?")
    r"how much (has|have|had|did|does|do|will|would)\s+(?:(?!(when|if|as|while|because)\b)[\w'’-]+\s+){0,4}?(go up|"
    r"went up|gone up|go down|went down|rise|rose|risen|increased?|decreased?|grow|grew|grown|drop|dropped|fall|fell|"
    r"fallen|declined?)|"
    # ... or offers figures to choose from ("like 4 or 6 minutes?", "20 tot 30%?"; the unit is looked ahead at, so
    # that "%" needs no word boundary after it)
    r"\d+([.,]\d+)?\s*(or|of|to|tot|-|–)\s*\d+([.,]\d+)?(?=\s*(%|€|procent\b|percent\b|min\b|minutes?\b|"
    r"minuten\b|seconds?\b|seconden\b|sec\b|hours?\b|uur\b|days?\b|dagen\b|weeks?\b|weken\b|months?\b|"
    r"maanden\b|euros?\b))|"
    rf"{COST_WORDS})\b",
    re.IGNORECASE,
)
# ... and which value of a score or grade ("What NPS score should we aim for?", "Wat is een goede CSAT-score?", "Welk
# rapportcijfer ...?", "What is a good score for effort?"): not what a score means or measures ("What does NPS
# measure?" can be answered in words), nor which score to steer on ("Which scores should operations use?": KPIs).
SCORE = re.compile(
    r"\b(what|which|welke?|wat)\b(?![^?.!]*\b(mean|means|meant|measure|measures|measured|stand|stands|betekent|"
    r"betekenen|bedoeld|meet|meten|gemeten)\b)[^?.!]{0,30}?\b(nps|csat|ces|net promoter score|rapportcijfers?|"
    r"(good|high|target|average|typical|realistic|normal|healthy|goede|hoge|gemiddelde|normale|realistische|gezonde)"
    r"\s+[\w-]*scores?)\b",
    re.IGNORECASE,
)
# ... of them, questions what something costs: only an amount of money answers them ("Wat kost de opleiding?" is not
# answered by "koud 5 minuten na de start van mijn college", a figure of time)
PRICE = re.compile(
    r"\b(how much (does|do|did|will|would|is|was|are|were) [\w\s'’-]{1,40}? cost|how much is|how expensive|"
    r"wat kost\w*|hoeveel (kost|kostte|kosten|betaal|betaalt|betaalde|betalen)\b|hoe duur|wat betaal\w*|"
    r"what(’s|'s| is| was| are| were) the (price|prices) of|wat (is|was|zijn|waren) de (prijs|prijzen) van)\b",
    re.IGNORECASE,
)
# The words of a price question that ask for the price, not what is priced ("hoeveel", "kost", "per maand",
# "expensive"), as stemmed forms (`tokenize`, which also stems the English words a question keeps beside their
# translations)
PRICE_FORMS = frozenset(
    tokenize(
        "hoeveel kost kosten kostte prijs prijzen duur dure betalen betaal betaalt per maand maanden jaar jaren week dag "
        "gemiddeld gemiddelde euro much cost costs price prices expensive pay month year average"
    )
)
# ... and a figure question about what something costs, literally or not ("What does a separate strategy cost?")
COST = re.compile(rf"\b({COST_WORDS})\b", re.IGNORECASE)
# Questions that ask which product or vendor to pick ("Which CRM package suits an insurer best?", "Welke
# chatbotleverancier raden jullie aan?"). Only a quote that names one answers them; an article that mentions CRM in
# passing does not. The product nouns are unambiguous ones ("tool" and "solution" also mean a way of working), also at
# the end of a compound ("klantfeedbackplatform"); the choice is a superlative just before the noun, or a word of
# choosing or advising ("pick", "is best", "raden jullie aan") a few words after "which"/"welk" + the noun.
PRODUCT = (
    r"[\w-]*(software|vendors?|suppliers?|providers?|platforms?|systems?|packages?|apps?|crm|chatbots?|leveranciers?|"
    r"aanbieders?|systemen|systeem|pakket(ten)?|applicaties?|platformen)"
)
PRODUCT_CHOICE = re.compile(
    r"\b(best|beste|recommended|aanbevolen)\s+([\w-]+\s+)?" + PRODUCT + r"\b"
    r"|\b(which|what|welke?|wat)\s+([\w-]+\s+){0,3}?" + PRODUCT + r"\b(\s+[\w'’-]+){0,5}?\s+(best|beste|better|beter|"
    r"recommend\w*|advis\w*|adviseer\w*|aanraden|aanbevel\w*|raa?dt?|raden|choose|pick|buy|select|go for|go with|"
    r"kiezen|kopen|meest geschikt)\b",
    re.IGNORECASE,
)


# Questions that ask which companies or clients someone names ("Which company does Wim hold up as an example?",
# "Welke bedrijven noemt Anders als voorbeeld?"): only a quote that names one answers them (`names_something`), not one
# about companies in general. The noun follows the question word (an adjective between: "which other companies"), not
# an auxiliary ("What do customers mention most?" asks what they say). Which ones someone worked with or helped
# (`ENTITY_WORK`) only of a writer the question names ("Welke klanten heeft Rien geholpen?"; not "Welke klanten helpt
# een chatbot het meest?").
_ENTITY = (
    r"\b(which|what|welke?|wat voor)\s+((other|specific|particular|real|dutch|andere|specifieke|concrete|echte|"
    r"nederlandse)\s+)?(companies|company|firms?|brands?|clients?|customers|organi[sz]ations?|bedrijven|bedrijf|merken|"
    r"merk|klanten|opdrachtgevers|organisaties)\b[^?.!]{0,80}?\b"
)
ENTITY = re.compile(
    _ENTITY + r"(hold up|holds up|held up|names?|named|mention(s|ed)?|noemt|noemen|noemde|genoemd|cites?|cited|"
    r"as (an )?examples?|als voorbeeld(en)?)\b",
    re.IGNORECASE,
)
ENTITY_WORK = re.compile(
    _ENTITY + r"(work(s|ed)? (for|with)|werkt|werkte|helped|helps|geholpen|helpt|hielp|advised|advises|adviseert|"
    r"adviseerde)\b",
    re.IGNORECASE,
)


# The words of a product question that ask for a choice, not what is chosen ("which", "best", "aanraden"), stemmed
CHOICE_FORMS = frozenset(
    tokenize(
        "which what welk welke wat best beste better beter recommend recommended recommends advise advises aanraden "
        "aanbevelen aanbevolen raad raadt raden choose pick buy select go for with kiezen kopen meest geschikt"
    )
)


@dataclass(frozen=True, eq=False)
class Ask:
    """A question as the answerer reads it."""

    question: str  # as asked
    lang: str  # "en" | "nl", guessed once
    query: Query  # names, topic and retrieval text from the conversation
    # "views" (several positions), "whether" (should we ...: views or plain, `debated`), "reasons" (why, after a topic
    # or a position), "person" (a name), "authors" (who wrote what: `authorship`), "plain"
    intent: str
    concepts: tuple[frozenset[str], ...]  # per content word of the question, its stemmed Dutch forms
    keywords: str  # what the keyword retriever reads: the question, or an English question's Dutch words
    vector: np.ndarray = field(repr=False)  # the query vector retrieval and scoring use
    quantity: bool = False  # it asks for a figure (QUANTITY): only a quote with a number answers it
    price: bool = False  # ... what something costs (PRICE): only a quote with an amount of money answers it
    cost: bool = False  # a figure question about a cost, literal or not ("What does a separate strategy cost?")
    product: bool = False  # it asks which product or vendor to pick (PRODUCT_CHOICE): only a quote naming one answers
    # per concept, how much matching it counts in the word overlap: the rarer among the articles, the more (`weights_of`)
    weights: tuple[float, ...] = ()
    # per concept, the share of the articles that use it and how rare its word is in its language (`rarity`); empty in
    # a corpus too small to tell
    rarity: tuple[tuple[float, float], ...] = ()
    terms: float = 0.0  # share of an English question's words that are terms the corpus shares with it (`shared_terms`)
    stranger: str | None = None  # a name the question asks about that no article mentions (`unknown_subject`)
    # the files it may quote, when not all: the second part of "Who wrote X and what does it say?" quotes X
    within: frozenset[str] = frozenset()
    advice: bool = False  # it asks what is advised (ADVICE) and nothing else: its source's advice answers it
    entity: bool = False  # it asks which companies or clients someone names (ENTITY): only a quote naming one answers
    reply: str = ""  # the language the asker asked the answer in ("And in Dutch?"), when not the question's own

    @property
    def answer_lang(self) -> str:
        """The language the answer is written in: the one asked for, else the question's."""
        return self.reply or self.lang

    @property
    def writers_at_once(self) -> bool:
        """Several writers named with nothing else to go on ("Do the letter writers agree?"): each one's say."""
        return self.intent == "person" and len(self.query.authors) > 1


def intent_of(question: str, query: Query, who_wrote: bool = False, named: tuple[str, ...] = ()) -> str:
    """What kind of answer the question wants; `who_wrote`: it asks who wrote something (`authorship`); `named`: every
    writer the question names, also those its pronoun does not stand for ("Did Rien agree with Wim, or did he side
    with Jan-Hein?" asks about Rien, and "Wim" and "Jan-Hein" say nothing about content)."""
    writers = tuple(dict.fromkeys(query.authors + named))
    asks_nothing = not asks_own(without_request(without_names(question, writers)), between_writers=len(writers) > 1)
    another_writer = bool(set(query.authors) - set(query.earlier_authors))  # "Why does Marie ...?" after Piet
    asked = without_request(question)  # "Thanks! Why?"
    if who_wrote:
        return "authors"  # "Who wrote the article about ...?", "Who are the letter writers?": who, not what they say
    if (WHY.search(asked) or MORE.search(asked)) and query.follows and not query.shifted and asks_nothing:
        # "Why is that?" after a topic, or after a writer's position (not about another writer): the reasons behind
        # it, not the same quotes again
        if query.topic is not None or not another_writer:
            return "reasons"
    if query.authors and asks_nothing and query.topic is None:
        return "person"  # "What does Wim say?" with nothing to go on: that writer's main position
    if len(query.authors) > 1:
        return "views"  # several people named: each gets their say
    if not query.authors:
        if WHETHER.search(question):
            # "Should we agree on one owner?": positions if the writers debate it, else a plain answer (on the evidence)
            return "whether"
        if VIEWS.search(question):
            return "views"  # positions asked for: each source's best quote
    return "plain"


WHO_WROTE_READ = 10_000  # earlier questions remembered per index version as the conversation reads them


def _who_wrote_read(history: list[str], index: Index) -> list[str]:
    """The conversation as the next question reads it: a question who wrote something stands for what it was about
    and the writers it named ("Who wrote about culture?" is "culture" to a "Why?" after it; "Who are the letter
    writers?", then "What does Rien Brus think?" asks about his position, not about who wrote); one about nothing
    more ("Who wrote that?") is left out. Each earlier question is read once per index version."""
    seen = index.cache.setdefault("who_wrote_read", {})
    if len(seen) > WHO_WROTE_READ:
        seen.clear()
    out = []
    for earlier in history:
        if earlier not in seen:
            asked = without_request(earlier)
            if asks_who_wrote(asked, (), index):
                # a piece named by its title, or a letter by its order, stands for its writers ("Who wrote the
                # cX-Factor column?", then "What is his main point?"); else the writers named and what it asked about
                # ("Wie zijn de briefschrijvers?", then "Do they agree?": "they" are the letter writers)
                names = mentioned_authors(earlier, index)
                by_title = () if names else writers_of_named(asked, index)
                if not names and not by_title and LETTERS.search(earlier):
                    names = tuple(letter_writers(index))
                seen[earlier] = " ".join(by_title) or " ".join([*names, subject(asked, names)]).strip()
            else:
                seen[earlier] = earlier
        if seen[earlier]:
            out.append(seen[earlier])
    return out


def read(
    question: str, history: list[str], index: Index, embedder: Embedder, corpus_lang: str = "nl", translate: bool = True
) -> Ask:
    """Read `question` in its conversation and embed it."""
    query = read_question(question, _who_wrote_read(history, index), index)
    lang = guess_language(question)
    names = frozenset(p.lower() for author in index.authors() for p in author.split())

    def readable(text: str) -> str:
        return as_asked(with_acronyms(spelled(text, index, lang, names), index))

    query = replace(query, text=readable(query.text), topic=readable(query.topic) if query.topic else query.topic)
    who_wrote = asks_who_wrote(without_request(question), query.authors, index)
    by_order = (
        not who_wrote and not query.authors and bool(ORDINAL.search(question)) and writers_by_order(question, index)
    )
    if by_order:
        # "What does the last letter conclude?": that letter's writer, as if named (it quoted whichever letter matched)
        query = replace(query, authors=by_order, text=" ".join(ORDINAL.sub(" ", query.text).split()))
    if who_wrote:
        # "Who wrote the piece about hybrid work?": what it is about is searched, on its own: not with the topic or
        # the writer of the question before ("And who wrote about Porter?" after a question about Wim). The writers
        # asked about are those it names, else those of the conversation it points back at ("Who is he?"); "Wie
        # zijn de briefschrijvers?" after a question about Wim asks about all of them.
        mentioned = mentioned_authors(question, index)
        named = () if asks_is_it_by(question, mentioned) else mentioned
        authors = named or (query.authors if PERSON_BACK.search(question) else ())
        about = subject(without_request(question), mentioned)
        query = replace(query, authors=authors, text=readable(about) if about else query.text)
    target = corpus_lang if translate else lang
    nearby = nearest_translations(query.text, lang, target, index, embedder, query.authors)
    # "wat zegt Wim about ownership?": the English words of the question itself (not of a topic carried over from an
    # English question before it, which was read with its own translations)
    english = english_read(readable(question), lang, target, index, embedder, query.authors)
    concepts, keywords = concepts_of(query.text, lang, target, nearby, english)
    focus = focus_of(query.text, lang, target, index, nearby)
    texts = list(
        dict.fromkeys([query.text, keywords, focus] + ([query.topic] if query.shifted and query.topic else []))
    )
    vectors = dict(zip(texts, embedder.encode_queries(texts)))
    vector = vectors[query.text]
    if reads_as_dutch(lang, target):  # an English question also reads as its Dutch words, nearer the text
        vector = vector + TRANSLATION_WEIGHT * vectors[keywords]
    if query.shifted and query.topic:  # the follow-up's own subject leads; the conversation's topic steers
        vector = unit(vector)
        vector = (1 - TOPIC_WEIGHT) * vector + TOPIC_WEIGHT * vectors[query.topic]
    vector = unit(vector)
    if focus != query.text:  # ... and without the words every article uses: what it asks beyond the corpus's subject
        vector = unit(vector + FOCUS_WEIGHT * vectors[focus])
    quantity = bool(QUANTITY.search(question) or SCORE.search(question))
    price = bool(PRICE.search(question))
    cost = price or bool(COST.search(question))
    product = bool(PRODUCT_CHOICE.search(question))
    stranger = unknown_subject(question, index, quantity) or unknown_year(question, index)
    terms = shared_terms(query.text, lang, target, index, nearby, query.authors)
    rare = rarity(concepts, query.text, lang, index)
    # "Wim replied to Jan-Hein. What did he say?" asks what its last sentence does; read with its typos as the words
    # meant ("so what exatcly bothers him?" asks nothing of its own)
    named = mentioned_authors(question, index)
    # ... without where and when the writers wrote ("his September 2025 letter from Helmond")
    marked = tuple(dict.fromkeys(query.authors + named))
    asked = without_letter_marks(spelled(query.asking or own_question(question), index, lang, names), marked, index)
    intent = intent_of(" ".join(ORDINAL.sub(" ", asked).split()) if by_order else asked, query, who_wrote, named)
    return Ask(
        question,
        lang,
        query,
        intent,
        concepts,
        keywords,
        vector,
        quantity,
        price,
        cost,
        product,
        terms=terms,
        stranger=stranger,
        weights=weights_of(rare),
        rarity=rare,
        advice=bool(ADVICE.search(asked)) and not asks_own(without_request(without_names(asked, named))),
        entity=bool(ENTITY.search(question) or (named and ENTITY_WORK.search(question))),
    )


# A name: a capitalised word ("Coolblue", "HubSpot", "KLM"); "What", "Should" are dictionary words.
NAME = re.compile(r"\b[A-Z][\w&-]*[A-Za-z]")
ALTERNATIVE = re.compile(r"\s+(or|of|vs\.?|versus)\s+$", re.IGNORECASE)
# What a figure about a company is ("Coolblue's NPS", "KLM's customer satisfaction in 2024", "how much does Coolblue
# spend").
FIGURE = re.compile(
    r"\b(nps|score|scores|revenue|turnover|omzet|satisfaction|tevredenheid|churn|budget|spend|spends|spent|costs?|"
    r"kosten|rate|percentage|procent|profit|winst|margin|marge|sales|subscribers|abonnees|\d{2,})\b",
    re.IGNORECASE,
)
# ... or what works best for it ("Which marketing strategy works best on TikTok?", "Welke aanpak werkt het best voor
# Zalando?"): a pick for a name the articles never mention, which no quote makes.
BEST_FOR = re.compile(
    r"\b(works?\s+best|best\s+(way|approach|strategy|practice)|most\s+effective|werkt\s+(het\s+)?best|beste\s+"
    r"(manier|aanpak|strategie)|meest\s+effectieve?)\b",
    re.IGNORECASE,
)


# ... or whose own view, findings or advice it asks for ("What does Gartner say about CX?", "What is Google's view on
# chatbots?", "according to McKinsey", "Wat vindt Gartner van CX?"): no quote is theirs, and a writer's quote read as
# theirs misleads (a helper's unseen question got Rien Brus's words, unhedged)
_SAYING_VERBS = (
    r"say|think|write|recommend|argue|believe|advise|suggest|claim|report|find|predict|mean|see|view|make\s+of"
)
_VIEW_NOUNS = (
    r"view|views|opinion|opinions|position|stance|take|verdict|advice|perspective|research|report|findings|data|"
    r"figures|numbers|study|studies|survey"
)
# the name as the subject of a verb of saying after an auxiliary ("What does Gartner say", "Does Gartner really
# think"), or as the owner of a view ("Google's view"); not "Should a company like Coolblue say sorry?" nor "customers
# of Ziggo report …"
VIEW_AFTER = re.compile(
    rf"^(['’]s?\s+(\w+\s+)?({_VIEW_NOUNS})\b|\s+(really\s+|actually\s+)?({_SAYING_VERBS})\b)", re.IGNORECASE
)
VIEW_AUX = re.compile(r"\b(does|did|do|would|will|can|could)\s+$", re.IGNORECASE)
# ... or after "according to", "volgens", or a Dutch verb of opinion ("Wat vindt Gartner van CX?"; not "Hoe stelt
# Coolblue zijn klanten centraal?")
VIEW_BEFORE = re.compile(
    r"\b(according\s+to|volgens|vindt|vond|denkt|dacht|zegt|zei|adviseert|raadt|beweert)\s+$", re.IGNORECASE
)


@lru_cache(maxsize=1)
def _known_words() -> frozenset[str]:
    """Words that are no names: the dictionaries' words, stop words and the words that ask for a view (built once:
    a union of some 40,000 words is no work for every question)."""
    return dictionary_words() | frozenset(STOPWORDS_EN) | NOT_ASKED


# A year the question asks about as when something happened ("in 2026", "for 2027", "sinds 2019", "January 2026"),
# not one that only names a thing of the asker's ("our 2026 plan": a noun after it).
WHEN = re.compile(
    r"\b(in|for|during|since|after|before|by|until|from|about|anno|tijdens|sinds|na|voor|tot|vanaf|over|"
    rf"({MONTH_WORDS})(\s+\d{{1,2}},?)?)\s+(?P<year>(19|20)\d\d)\b"
    r"(?!\s+(?!(een|de|het|the|a|an|en|and|of|or|is|was|zijn|waren|werd|were|to|om|op|at|in|according|volgens|as|"
    r"than|dan|with|met|by|door|bij|because|omdat|compared|versus|vs|too|also|ook|only|alleen|already|al|still|nog|"
    r"about|over|regarding)\b)"
    r"[^\W\d_]+)",
    re.IGNORECASE,
)


# The asker speaking of their own plans ("Ons budget voor 2026 is krap.", "In 2026 I want to ..."): a year there is
# theirs, not when something the articles might report happened.
ASKER = re.compile(r"\b(i|i['’]m|me|my|we|we['’]re|our|us|ik|mijn|wij|ons|onze)\b", re.IGNORECASE)


def own_question(question: str) -> str:
    """The sentence that asks, after sentences about the asker's own situation ("In 2026 I want to make our culture
    more customer-centric. What practices does the culture article recommend?"): what kind of answer it wants is
    said there (the articles' advice), while the sentences before still steer retrieval. The question itself when it
    is one sentence, or when a sentence before it asks or is not about the asker."""
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", question.strip()) if s]
    *before, last = sentences or [question]
    if before and last.endswith("?") and all(ASKER.search(s) and not s.endswith("?") for s in before):
        return last
    return question


# ... but whether something still holds then, or what to do then, the writers' positions answer ("Is a separate CX
# strategy still needed in 2026?", "Should we have one in 2026?")
STILL = re.compile(
    r"\b(still|anymore|any\s+longer|nowadays|today|these\s+days|nog\s+steeds|nog\s+altijd|nog\s+wel|niet\s+meer|"
    r"tegenwoordig|vandaag)\b",
    re.IGNORECASE,
)


def unknown_year(question: str, index: Index) -> str | None:
    """A year the question asks about (`WHEN`) that no article mentions, in its text or as the date it was written:
    "What were Forrester's results for 2027?", "What did Jan-Hein say at the congress in January 2026?". The articles
    say nothing of that year, so no quote answers it (the first was answered with Forrester's 2025 figures). Not a
    question whether something still holds then, or what to do (`STILL`, `WHETHER`, `ADVICE`), nor a year in a
    sentence about the asker's own plans (`ASKER`) or outside the sentence that asks ("Pine and Gilmore introduced it
    in 1998; what does Anders make of that?")."""
    clauses = [c for c in re.split(r"(?<=[.;!?])\s+", question.strip()) if c]
    asking = [c for c in clauses if c.rstrip().endswith("?")] or clauses  # "... in 1998; what does Anders make of it?"
    years = {m.group("year") for c in asking if not ASKER.search(c) for m in WHEN.finditer(c)}
    if not years or STILL.search(question) or WHETHER.search(question) or ADVICE.search(question):
        return None
    said = index.document_share(years)
    if "dated_years" not in index.cache:  # the years the files are dated, once per loaded index
        index.cache["dated_years"] = frozenset((e.date or "")[:4] for e in index.manifest.files.values())
    return next((y for y in sorted(years) if not said.get(y) and y not in index.cache["dated_years"]), None)


_DATE_WORD = re.compile(rf"\b({MONTH_WORDS}|(19|20)\d\d)\b", re.IGNORECASE)


def _no_word(word: str) -> bool:
    """A capitalised `word` (`NAME`) is no English or Dutch word in any inflection, function word, or short acronym or
    code ("CFO", "B2B"): it may be a name ("Netflix", "Forrester")."""
    from ..lexicon import in_dictionary

    acronym = word.isupper() and len(word) <= 4 or any(c.isdigit() for c in word)
    return not acronym and not in_dictionary(word, _known_words())


def named_terms(question: str) -> set[str]:
    """The stemmed words of the names and dates the question writes: capitalised words that are no word (`_no_word`:
    "Netflix", "Forrester"; not "What", "CFO"), months and years ("december 2025")."""
    names = [m.group() for m in NAME.finditer(question) if _no_word(m.group())]
    return set(tokenize(" ".join(names + [m.group() for m in _DATE_WORD.finditer(question)])))


def unknown_subject(question: str, index: Index, quantity: bool = False) -> str | None:
    """A name the question asks about that no article mentions: its figure ("What was Coolblue's NPS in 2023?", "How
    much does Coolblue spend on service?"), its own view (`VIEW_AFTER`, `VIEW_BEFORE`: "What does Gartner say about
    CX?", "What is Google's view on CX?"), or a choice between such names ("Zendesk or Genesys?"). The articles do
    not treat it, so no quote answers it, however close its words. A name the question only mentions on the way
    ("Should a company like Coolblue have a separate CX strategy?") asks about the subject. A name is a capitalised
    word that is no English or Dutch word (in any inflection, "Companies"), no function word ("Could", "What", even
    without the dictionaries), no job title or other short acronym ("CFO", "B2B") (`_no_word`), no writer's name (nor
    one typed one letter off, "Rampem") and not in the index; the first word of a sentence only when it is offered as
    a choice.
    Read without a request or greeting around the question ("Hi! How much ...")."""
    text = without_request(question)
    writers = {p for author in index.authors() for p in author.split()}

    def a_name(m: re.Match) -> bool:
        word = m.group()
        return _no_word(word) and word not in writers and not misspells_a_writer(word, index)

    def first_of_sentence(m: re.Match) -> bool:
        return not text[: m.start()].strip() or text[: m.start()].rstrip()[-1] in ".!?:"

    found = [m for m in NAME.finditer(text) if a_name(m)]
    if not found:
        return None
    share = index.document_share({t for m in found for t in tokenize(m.group())})
    unknown = {m.start() for m in found if not any(share.get(t, 0.0) > 0 for t in tokenize(m.group()))}
    figure = quantity or bool(FIGURE.search(text)) or bool(BEST_FOR.search(text))
    # a name of several words is read whole ("What does Shep Hyken say about CX?": neither word alone stands before
    # the verb), and is a stranger only when the articles use none of its words
    names = _runs(found, text)
    strangers = [run for run in names if all(m.start() in unknown for m in run)]
    for run in strangers:
        start, end = run[0].start(), run[-1].end()
        chosen = any(
            ALTERNATIVE.search(text[o[-1].end() : start]) or ALTERNATIVE.search(text[end : o[0].start()] + " ")
            for o in strangers
            if o is not run
        )
        after, before = text[end:], text[:start]
        owned = after.startswith(("'", "’"))
        view = bool(VIEW_AFTER.match(after) and (owned or VIEW_AUX.search(before))) or bool(VIEW_BEFORE.search(before))
        if chosen or ((figure or view) and not first_of_sentence(run[0])):
            return " ".join(m.group() for m in run)
    return None


def _runs(names: list[re.Match], text: str) -> list[list[re.Match]]:
    """The names in `text`, those only spaces apart joined as one ("Shep Hyken")."""
    runs: list[list[re.Match]] = []
    for m in names:
        if runs and not text[runs[-1][-1].end() : m.start()].strip(" "):
            runs[-1].append(m)
        else:
            runs.append([m])
    return runs


def with_acronyms(text: str, index: Index) -> str:
    """`text` with each English phrase whose initials spell an acronym the articles use read as that acronym ("a
    separate customer experience strategy" -> "a separate CX strategy"), so that the question matches the articles
    that write the acronym, in its vector, its keywords and the word overlap. The acronym replaces the phrase: beside
    it ("customer experience (CX)") the phrase still draws the vector away (cosine 0.44 to the sentence that answers
    the flagship question, 0.61 with "CX", 0.31 for the phrase alone).

    A phrase is two to four dictionary words, no stop words, with only spaces between them. It is read as the
    acronym when the articles use the acronym (no dictionary word or stop word: not "it") and every word of the phrase
    as well: the articles then write both forms, so the phrase is the long form they abbreviate ("true value" is not
    the articles' "TV", "customer expectations" not their "CX"). One the text already has is not read again. Needs
    the dictionaries, which tell English words ("beleving volgens" would spell "bv", the articles' "bijvoorbeeld")."""
    from ..lexicon import english_to_dutch, translate

    table = english_to_dutch()
    words = list(re.finditer(r"[A-Za-z]+", text))
    spans = []  # (start, end, initials, the phrase's word forms), longest phrases first
    for n in range(ACRONYM_WORDS[1], ACRONYM_WORDS[0] - 1, -1):
        for i in range(len(words) - n + 1):
            span = words[i : i + n]
            english = all(w.group().lower() not in STOPWORDS and translate(w.group(), table) for w in span)
            one_phrase = all(PHRASE_GAP.fullmatch(text[a.end() : b.start()]) for a, b in zip(span, span[1:]))
            if english and one_phrase:
                initials = "".join("x" if w.group().lower().startswith("ex") else w.group()[0].lower() for w in span)
                spans.append(
                    (span[0].start(), span[-1].end(), initials, set(tokenize(" ".join(w.group() for w in span))))
                )
    present = {w.group().lower() for w in words}
    acronyms = {a for _, _, a, _ in spans} - present - dictionary_words()
    if not acronyms:
        return text
    share = index.document_share(acronyms | set().union(*(f for *_, a, f in spans if a in acronyms)))
    taken: list[tuple[int, int, str]] = []
    for start, end, acronym, forms in spans:
        used = acronym in acronyms and share.get(acronym, 0.0) > 0 and all(share.get(f, 0.0) > 0 for f in forms)
        if used and not any(start < e and s < end for s, e, _ in taken):
            taken.append((start, end, acronym))
    for start, end, acronym in sorted(taken, reverse=True):
        text = f"{text[:start]}{acronym.upper()}{text[end:]}"
    return text


def as_asked(text: str) -> str:
    """`text` with a question mark when it ends without a mark ("Is it OK to borrow money for a busy period"): typed
    without one, a question is still a question, and the encoder reads a question with its mark nearer the passages
    that answer it (the dev side's questions without their marks: hit@5 0.954 -> 0.923). And with a capital first
    letter, as a sentence opens: what is left after "Thanks, and what does Wim say?" is read away, or a question
    typed in lower case ("and what does say?" lost Wim's answer to the topic that "And what does say?" finds)."""
    text = text if re.search(r"[?.!…:;)\"'”’]\s*$", text) or not text.strip() else f"{text.rstrip()}?"
    start = len(text) - len(text.lstrip())
    return (
        text[:start] + text[start : start + 1].upper() + text[start + 1 :]
        if text[start : start + 1].islower()
        else text
    )


def unit(vector: np.ndarray) -> np.ndarray:
    """`vector` scaled to length 1, as float32 (the zero vector stays zero)."""
    return (vector / max(float(np.linalg.norm(vector)), 1e-12)).astype(np.float32)


def focus_of(
    text: str, lang: str, corpus_lang: str, index: Index, nearby: dict[str, tuple[str, ...]] | None = None
) -> str:
    """`text` without the words that at least COMMON_SHARE of the indexed articles use (judged by their stemmed
    forms and, for an English question read as Dutch, their translations that occur in the corpus). The text itself
    when the corpus is too small to tell, or when nothing or everything would be left out."""
    if len(index.manifest.files) < MIN_DOCUMENTS:
        return text
    words = re.findall(r"[\w'’-]+", text)
    forms = [set(tokenize(w)) for w in words]
    if reads_as_dutch(lang, corpus_lang):
        from ..lexicon import english_to_dutch

        table = english_to_dutch()
        nearby = nearby or {}
        forms = [
            f | set(tokenize(" ".join(_dutch_words(w.lower(), table) + list(nearby.get(w.lower(), ())))))
            for w, f in zip(words, forms)
        ]
    share = index.document_share(set().union(*forms)) if forms else {}
    kept = []
    for word, own in zip(words, forms):
        used = [share[f] for f in own if share.get(f, 0.0) > 0]
        if not (used and min(used) >= COMMON_SHARE):
            kept.append(word)
    return " ".join(kept) if kept and len(kept) < len(words) else text


def weights_of(rare: tuple[tuple[float, float], ...]) -> tuple[float, ...]:
    """Each concept's weight in the word overlap, from its `rarity` (share of the articles that use it, rarity of its
    word in the language at large): 1 + RARITY_WEIGHT x ln(1 / share) x that rarity ("welke", "nou" are rare among
    articles, not in Dutch); a concept no article uses weighs 1. Uniform when `rare` is empty."""
    return tuple(1.0 + RARITY_WEIGHT * plain * math.log(1.0 / used) if used > 0 else 1.0 for used, plain in rare)


def rarity(concepts: tuple[frozenset[str], ...], text: str, lang: str, index: Index) -> tuple[tuple[float, float], ...]:
    """Per concept: the largest share of the articles that use one of its forms, and how rare its word (as `text`
    writes it, split as `tokenize` splits it) is in the question's language at large, 0 (among the most frequent) to
    1 (`_plain_rarity`). Empty in a corpus too small to tell (MIN_DOCUMENTS)."""
    if len(index.manifest.files) < MIN_DOCUMENTS or not concepts:
        return ()
    from ..wordlists import frequencies

    counts, total = frequencies("en" if lang == "en" else "nl")
    total = max(total, 1)
    words = list(dict.fromkeys(TOKEN_RE.findall(text.lower())))
    stems: dict[str, list[str]] = {}
    for word, stem in zip(words, stem_words(words)):
        if stem:
            stems.setdefault(stem, []).append(word)
    share = index.document_share(set().union(*concepts))
    out = []
    for c in concepts:
        used = max((share.get(f, 0.0) for f in c), default=0.0)
        own = [w for f in c for w in stems.get(f, ())]
        out.append((float(used), max((_plain_rarity(counts.get(w, 0), total) for w in own), default=1.0)))
    return tuple(out)


def _plain_rarity(count: int, total: int) -> float:
    """0 for a word among the most frequent of its language, 1 for a rare one, in between by log frequency."""
    return min(1.0, max(0.0, (math.log(total / max(count, 1)) - PLAIN_COMMON) / PLAIN_SPAN))


def concepts_of(
    text: str,
    lang: str,
    corpus_lang: str,
    nearby: dict[str, tuple[str, ...]] | None = None,
    english: dict[str, list[str]] | None = None,
) -> tuple[tuple[frozenset[str], ...], str]:
    """The question's content words as sets of stemmed corpus-language forms, and the keyword query built from
    them. A question in the corpus language is its own keywords, each English word it mixes in also read as its
    Dutch words (`english`, from `english_read`); an English one is translated word by word (the dictionary's
    translations, and `nearby`: the nearest Dutch word the dictionary lacks; with neither, the word's English base
    forms, which Dutch may share: "silos", silo's)."""
    singulars = acronym_singulars(text)
    if not reads_as_dutch(lang, corpus_lang):
        also = {t: set(tokenize(s)) for p, s in singulars.items() for t in tokenize(p)[:1]}
        for word, dutch in (english or {}).items():
            for t in tokenize(word)[:1]:
                also[t] = also.get(t, set()) | set(tokenize(" ".join(dutch)))
        concepts = tuple(frozenset({t} | also.get(t, set())) for t in dict.fromkeys(tokenize(text)))
        added = [*singulars.values(), *(d for dutch in (english or {}).values() for d in dutch)]
        return concepts, " ".join([text, *added]) if added else text
    from ..lexicon import english_forms, english_to_dutch

    table = english_to_dutch()
    concepts, words = [], []
    for word in content_words(text):
        dutch = _translations(word, table, nearby)
        own = [word, singulars[word]] if word in singulars else [word]
        if not dutch and word.endswith("s"):  # a plural the dictionary lacks may be a noun Dutch shares ("silos":
            own += english_forms(word)[1:]  # silo's); not a verb's forms ("planning" is no "plann")
        forms = frozenset(tokenize(" ".join(dutch + own)))
        if forms:
            concepts.append(forms)
            words += dutch + own
    return tuple(concepts), " ".join(words)


def english_in_dutch(text: str, names: tuple[str, ...] = ()) -> list[str]:
    """The English words a Dutch question mixes in ("wat zegt Wim about ownership?": ownership): words the
    English-Dutch dictionary translates (or derives: leadership) that are no Dutch word it lists, nor such a word
    with an ending, no writer's name and no word for a piece ("die cx column": the piece, not a kolom). A loanword
    Dutch writes too ("management", "workshop") is read as both. Empty without the dictionaries."""
    from ..lexicon import dutch_words, english_to_dutch, translate

    table = english_to_dutch()
    if not table:
        return []
    dutch = dutch_words()
    words = [w for w in _without_names(content_words(text), names) if len(w) >= 3 and w.isalpha()]
    return [
        w
        for w in words
        if not _a_dutch_form(w, dutch) and not set(tokenize(w)) & PIECE_FORMS
        if translate(w, table) or any(w.endswith(en) for en, _, _ in DERIVATIONS)
    ]


# Endings a Dutch word takes ("tips": tip, "klanten": klant, "werkt": werk): a word that is such a form is Dutch.
DUTCH_ENDINGS = ("s", "en", "e", "t", "te", "ten", "de", "den")


def _a_dutch_form(word: str, dutch: frozenset[str]) -> bool:
    """`word` is a Dutch word the dictionaries list, such a word with an ending, or a verb's stem ("Hoe meet je …":
    meten; FreeDict lists the infinitive only)."""
    from .candidates import dutch_verb_stem

    return (
        word in dutch
        or word in STOPWORDS
        or any(word.endswith(e) and word[: -len(e)] in dutch for e in DUTCH_ENDINGS)
        or dutch_verb_stem(word, dutch)
    )


def english_read(
    text: str, lang: str, target: str, index: Index, embedder: Embedder | None = None, names: tuple[str, ...] = ()
) -> dict[str, list[str]]:
    """A Dutch question's English words (`english_in_dutch`) -> their Dutch words, as an English question's are read:
    the dictionary's and, with an `embedder`, the nearest the dictionary lacks; for a word the corpus uses as it is
    ("operations", "management" in a Dutch sentence), which finds its own passages, only one derived alike
    ("leadership": leiderschap, though "product leadership" stands in a list): its other senses would draw other
    sentences ("operatie"). Empty for any other question (an English one is translated whole)."""
    if lang != target or target != "nl":
        return {}
    english = english_in_dutch(text, names)
    if not english:
        return {}
    from ..lexicon import english_to_dutch

    table = english_to_dutch()
    forms = {w: tokenize(w)[:1] for w in english}
    share = index.document_share({f for fs in forms.values() for f in fs})
    used = [w for w in english if any(share.get(f, 0.0) > 0 for f in forms[w])]
    new = [w for w in english if w not in used]
    read = {w: list(ds) for w, ds in derived_translations(used, table, index).items()}
    if new:
        nearby = (
            derived_translations(new, table, index)
            if embedder is None
            else nearest_translations(" ".join(new), "en", target, index, embedder, names)
        )
        read |= {w: _translations(w, table, nearby) for w in new}
    return {w: read[w] for w in english if read.get(w)}


def names_the_kind(ask: Ask, text: str) -> bool:
    """For a question for a product to pick (PRODUCT_CHOICE): `text` speaks of the kind of product asked for, a word
    of it or a translation, on its own or at the end of a compound ("Which AI chatbot vendor is best for customer
    service?": chatbot, leverancier, chatbotleveranciers). A name in a passage about something else is no pick:
    "Treacy & Wiersema" in a sentence on value strategies does not answer which chatbot vendor to choose. True when the
    question names no kind."""
    match = PRODUCT_CHOICE.search(ask.question)
    # the product noun and the word before it ("AI chatbot vendor"), not the words around them ("for customer
    # intimacy" in "Which chatbot vendor for customer intimacy would you recommend?")
    nouns = re.finditer(rf"(\b[\w-]+\s+)?\b{PRODUCT}\b", match.group(), re.IGNORECASE) if match else ()
    words = set(tokenize(" ".join(m.group() for m in nouns))) - CHOICE_FORMS
    kind = {f for c in ask.concepts if c & words for f in c} | words
    return not kind or any(t.endswith(f) for t in tokenize(text) for f in kind)


def names_what_is_priced(ask: Ask, texts: list[str]) -> bool:
    """A price is the price of something: the quotes name what the question asks the price of, one of its words other
    than those that ask for a price ("Hoeveel kost een bedrijfshypotheek voor een servicecentrum per maand?" is not
    answered by the price of a Netflix subscription next to a sentence on the "gemiddelde feedback"). True for a
    question that names nothing but the asking ("How much is it?")."""
    subject = [c for c in ask.concepts if not c & PRICE_FORMS]
    tokens = set(tokenize(" ".join(texts)))
    return not subject or any(c & tokens for c in subject)


def acronym_singulars(text: str) -> dict[str, str]:
    """Each plural acronym in `text`, lower-cased as `content_words` gives it, -> the acronym ("KPIs" -> "kpi")."""
    return {m.group(0).lower(): m.group(1).lower() for m in ACRONYM_PLURAL.finditer(text)}


def shared_terms(
    text: str,
    lang: str,
    corpus_lang: str,
    index: Index,
    nearby: dict[str, tuple[str, ...]] | None = None,
    names: tuple[str, ...] = (),
) -> float:
    """For an English question about a Dutch corpus: the share of its content words that the dictionary does not
    translate (nor `nearby`) and that the articles use, in fewer than COMMON_SHARE of them: a term or a name both
    languages write alike ("chefsache", "KPIs", "Treacy"). Across languages shared words are mostly accidents, so the
    word overlap counts little; a term the dictionary cannot translate is shared on purpose, and the more of the
    question it makes up, the more the overlap counts (scores.py). The writers' `names` are not counted: their
    questions are read from their own text. 0 in the corpus language, or with no such word."""
    if not reads_as_dutch(lang, corpus_lang):
        return 0.0
    from ..lexicon import english_to_dutch

    table = english_to_dutch()
    singulars = acronym_singulars(text)
    few_documents = len(index.manifest.files) < MIN_DOCUMENTS  # too few to tell a common word: any use counts
    counted, untranslated = 0, []
    for word in _without_names(content_words(text), names):
        dutch = _translations(word, table, nearby)
        forms = set(tokenize(" ".join([word, singulars.get(word, "")])))
        if forms or dutch:
            counted += 1
            if not dutch:
                untranslated.append(forms)
    if not untranslated:
        return 0.0
    share = index.document_share(set().union(*untranslated))  # one lookup for all (a query on PostgreSQL)
    used = [max(share.get(f, 0.0) for f in forms) for forms in untranslated]
    return sum(u > 0 and (few_documents or u < COMMON_SHARE) for u in used) / counted


def reads_as_dutch(lang: str, corpus_lang: str) -> bool:
    """A question in another language than a Dutch corpus's is also read as Dutch words (the dictionaries are
    English-Dutch); every other question is read as it is."""
    return lang != corpus_lang and corpus_lang == "nl"


def _without_names(words: list[str], names: tuple[str, ...]) -> list[str]:
    """`words` without those of the writers' `names` ("anders", "jansen's"): names, not words to translate."""
    named = {w.lower() for name in names for w in name.split()}
    return [w for w in words if w.removesuffix("'s").removesuffix("’s") not in named]


def content_words(text: str) -> list[str]:
    """An English text's words that carry its topic, lower-cased, once each (no stop, asking or light words)."""
    return [
        w
        for w in dict.fromkeys(re.findall(r"[\w'’-]+", text.lower()))
        if w not in STOPWORDS_EN and w not in ASKING and w not in LIGHT_WORDS
    ]


def nearest_translations(
    text: str, lang: str, corpus_lang: str, index: Index, embedder: Embedder, names: tuple[str, ...] = ()
) -> dict[str, tuple[str, ...]]:
    """For an English question about a Dutch corpus: each content word -> the Dutch word nearest to it in the
    embedder's space (rag/neighbours.py) that the corpus uses and the dictionary does not already give ("company" ->
    bedrijf, "organisation" -> organisatie). The words of the writers' `names` it mentions are names, not words to
    translate ("Anders"). Empty for a question in the corpus language, without the dictionaries, or for an embedder
    without a calibrated cosine. The word vectors are read (or, once per machine, built) by `Assistant.load` before
    any question, so here it is a lookup."""
    if not reads_as_dutch(lang, corpus_lang):
        return {}
    from ..lexicon import english_to_dutch
    from ..neighbours import for_corpus

    near = for_corpus(index, embedder)
    if near is None:
        return {}
    table = english_to_dutch()
    words = _without_names(content_words(text), names)
    out = derived_translations(words, table, index)
    for word, candidates in near.nearest(words).items():
        if not candidates:
            continue
        # Every sense the dictionary lists counts as given, also for a word with too many to use (MAX_TRANSLATIONS):
        # its nearest word would be one of those senses, picked by closeness alone (dev side: a quote off topic).
        given = set(tokenize(" ".join(_dutch_words(word, table) + [word])))
        new = [d for d in candidates if not set(tokenize(d)) <= given]  # a form the dictionary gives adds nothing
        if new:
            out[word] = (*out.get(word, ()), new[0])
    return out


# English and Dutch derive nouns alike: leader-ship is leider-schap, avail-ability beschik-baarheid.
# (English suffix, what the base ends in instead, Dutch suffix.)
# Only where the Dutch base is certain to be of the right kind: a noun for -schap, a -baar adjective for -heid
# ("fairness" read through "fair" -> markt, a fair, gave "marktheid"; a review found it).
DERIVATIONS = (
    ("ship", "", "schap"),
    ("ability", "able", "heid"),
    ("ibility", "ible", "heid"),
)


def derived_translations(
    words: list[str], table: dict[str, tuple[str, ...]], index: Index
) -> dict[str, tuple[str, ...]]:
    """Each English word derived from another by a suffix that Dutch derives with too ("leadership": leader + ship), the
    Dutch base's derivations the corpus uses and the dictionary does not give ("leiderschap", "eigenaarschap",
    "bereikbaarheid"): FreeDict has nothing for "leadership" and only eigendom for "ownership"."""
    derived: dict[str, list[str]] = {}
    for word in words:
        for en, base_end, nl in DERIVATIONS:
            if word.endswith(en) and len(word) - len(en) >= 3:
                base = word[: -len(en)] + base_end
                given = set(_dutch_words(word, table))
                bases = _dutch_words(base, table)
                if nl == "heid":  # "available": beschikbaar, a -baar adjective; not a noun of another sense
                    bases = [d for d in bases if d.endswith("baar")]
                derived[word] = [d + nl for d in bases if d + nl not in given]
                break
    forms = {f for ds in derived.values() for d in ds for f in tokenize(d)}
    share = index.document_share(forms) if forms else {}
    out = {}
    for word, ds in derived.items():
        stems = {f: d for d in ds for f in tokenize(d) if share.get(f, 0.0) > 0}  # one word per stem the corpus uses
        if stems:
            out[word] = tuple(dict.fromkeys(stems.values()))
    return out


def _translations(word: str, table: dict[str, tuple[str, ...]], nearby: dict[str, tuple[str, ...]] | None) -> list[str]:
    """An English word's Dutch words: the dictionary's (none for a word with more than MAX_TRANSLATIONS senses, which
    says little about the topic) and the nearest word the dictionary lacks (`nearby`)."""
    dutch = _dutch_words(word, table)
    return ([] if len(dutch) > MAX_TRANSLATIONS else dutch) + list((nearby or {}).get(word, ()))


def _dutch_words(word: str, table: dict[str, tuple[str, ...]]) -> list[str]:
    """An English word's one-word Dutch translations (phrases cannot be matched as keywords)."""
    from ..lexicon import translate

    return [w for w in translate(word, table) if " " not in w]
