"""Who wrote what. A question about the writing itself ("Who wrote the article about financial room?", "Who are the
letter writers?", "Wie heeft het stuk over cultuur geschreven?", "Who is Anders Jansen?") is answered from what the
index knows of each file (its title, its writers, where it appeared) and cites the passage that names them: the
introduction of a correspondence, an article's byline, the line that names its publisher.

Scoring sentences against such a question finds what the writers say, not who they are: before, "Who are the letter
writers?" abstained and "Who wrote the piece on company culture?" quoted the piece."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import NamedTuple

from ..conversation import PIECE_INTRO, asks_piece_intro, mentioned_authors, without_request
from ..errors import InputError
from ..lexicon import in_dictionary
from ..render import quoted_title
from ..search import tokenize
from ..sentences import Sentence, split_sentences
from ..stores.base import Index
from ..types import Chunk, Citation, Passage

# Nouns for a piece of writing ("the article", "dit stuk", "the letters").
WRITING = (
    r"(articles?|pieces?|letters?|texts?|posts?|blogs?|columns?|essays?|correspondence|exchange|documents?|"
    r"artikel(en|s)?|stuk(ken)?|brie(f|ven)|tekst(en)?|column(s)?|correspondentie|briefwisseling|documenten?|"
    r"introductions?|intro|prefaces?|forewords?|paragraphs?|opening|inleiding(en)?|voorwoord(en)?|alinea(s|['’]s)?)"  # parts
)
_WRITING = re.compile(WRITING, re.IGNORECASE)
THE_WRITING = (
    r"((all|al)\s+)?(the|this|that|these|those|a|an|each|every|het|de|dit|dat|deze|die|een|elk|ieder|alle)\s+"
    r"([\w'’-]+\s+){0,3}?" + WRITING
)
# The end of the question, after a filler ("Who wrote that, actually?").
END = r"(\s*,?\s*(actually|exactly|again|then|eigenlijk|precies|dan|nou|nog\s+eens))?\s*[?.!]*\s*$"
# Past forms ask who wrote a piece; present ones ("Who writes the CX strategy document?") mostly ask whose job it is,
# so they count only with "about" or nothing after them ("Who writes about culture?").
WRITE_EN = r"(wrote|written|authored|penned|signed)"
WRITE_NL = r"(schreef|schreven)"
WHO_BE = r"who(\s+(is|are|was|were)|\s*['’]s|\s*['’]re)"  # "who is", "who's", "who are", "who’re"
WRITER_NOUNS = (
    r"(authors?|writers?|letter[- ]?writers?|correspondents|people\s+(writing|who\s+wrote|behind)|persons?\s+behind|"
    r"(wo)?m[ae]n\s+behind)"
)
BACK = r"(it|that|this|them|these|those)"
# What follows "who are the authors/writers/people writing": a piece of writing, "of" one, or nothing.
AFTER_WRITER = (
    r"(\s+(of|behind)\s+("
    + THE_WRITING
    + "|"
    + BACK
    + END
    + r")|\s+(writing|who\s+wrote)\b|\s+((in|for|on|from)\s+)?"
    + THE_WRITING
    + "|"
    + END
    + ")"
)
# When or where a piece or letter was written ("When was the cX-Factor column published?", "Where did Rien write
# from?", "Wanneer verscheen het stuk?", "Vanuit welke plaats schreef Wim?"): a fact about the writing, as who wrote
# it is, answered by `dated` (a question about a piece, a writer or what was just shown: `asks_when_written`).
_WHEN_EN = r"\b(when|(what|which)\s+(date|day|month|year)|in\s+(what|which)\s+(month|year))\b"
_WHEN_NL = r"\b(wanneer|welke\s+datum|op\s+welke\s+(datum|dag)|in\s+welke?\s+(jaar|maand))\b"
# "Where does Wim write about culture?" asks where in his text, "When did Rien write that CX ...?" about a claim; not
# "When did Rien write that?" nor "... published on Marketingfacts?"
_NOT_ABOUT = r"(?!\s+(about|over)\b|\s+(that|dat)\s+\w)"
_PUBLISHED_EN = r"(written|wrote|write|published|publish|appeared|appear|posted|dated|came\s+out|come\s+out|sent|send)"
_PUBLISHED_NL = (
    r"(geschreven|schreef|schreven|verscheen|verschenen|verschijnt|gepubliceerd|publiceerde|publiceerden|publiceert|"
    r"gedateerd|uitgekomen|kwam\s+uit|geplaatst|plaatste|verstuurd|verstuurde)"
)
WHEN_WRITTEN = re.compile(
    _WHEN_EN
    + r"[^?.!]{0,80}?\b"
    + _PUBLISHED_EN
    + r"\b"
    + _NOT_ABOUT
    + r"|\b(where|from\s+where|(which|what)\s+(city|town|place))\b[^?.!]{0,60}?\b(written|wrote|write|writing|"
    r"sent|send)\b"
    + _NOT_ABOUT
    + r"|\bdates?\s+(of|on)\s+"
    + THE_WRITING
    + "|"
    + _WHEN_NL
    + r"[^?.!]{0,80}?\b"
    + _PUBLISHED_NL
    + r"\b"
    + _NOT_ABOUT
    + r"|\b(waar|(vanuit|uit|in)\s+welke\s+(plaats|stad|woonplaats))\b[^?.!]{0,60}?\b(geschreven|"
    r"schreef|schreven|verstuurd)\b"
    + _NOT_ABOUT
    + r"|\bdatum\s+van\s+"
    + THE_WRITING
    # "Van wanneer is het stuk?", "Uit welk jaar stamt de column?"
    + r"|\b(van\s+wanneer|uit\s+welk\s+jaar)\s+(is|zijn|was|waren|dateert|dateren|stamt|stammen)\b",
    re.IGNORECASE,
)
# What was written, pointed at by a pronoun: "When was it published?", "Wanneer is het geschreven?", "Wanneer
# verscheen dit?" (not "het boek" in "Wanneer verscheen het boek van Pine & Gilmore?", nor "is it best to ...").
_WRITTEN_BACK = re.compile(
    r"\b(was|is|were|are|did|does)\s+(it|that|this|he|she|they)\b(?=\s*[?.!,]|\s*$|\s+"
    + _PUBLISHED_EN
    + r"\b)|\b(is|was|werd|zijn|waren|schreef|schreven|verscheen|verschenen)\s+(het|dit|dat|hij|zij|ze)\b"
    r"(?=\s*[?.!,]|\s*$|\s+(eigenlijk\s+)?" + _PUBLISHED_NL + r"\b)",
    re.IGNORECASE,
)


def asks_when_written(question: str, names: tuple[str, ...] = ()) -> bool:
    """The question asks when or where a piece, a letter or a writer's text was written (`WHEN_WRITTEN`): the writing
    named by the question near its verb ("When was the cX-Factor column published?", "When did Anders write his
    column?"), a writer it names ("Where did Rien write from?") or a pronoun for what was written ("When was it
    published?"). Not when something should be ("When should a company write its CX strategy?"), nor a question that
    only mentions an article elsewhere ("When you write to customers, what tone does the article recommend?")."""
    found = WHEN_WRITTEN.search(question)
    if not found or MODAL.search(question[: found.end()]):
        return False
    near = question[found.start() : found.end() + 40]
    return bool(names or _WRITING.search(near) or _WRITTEN_BACK.search(question))


# What the collection holds, as the list of its pieces and their writers answers it ("What articles do you have?",
# "List the articles", "Welke teksten zitten er eigenlijk in je database?"; helpers' unseen questions abstained): the
# asking, then nothing but words for where or when (`_COLLECTION_TAIL`), not which of them speak of something ("What
# articles do you have about KPIs?", "Which articles are there that discuss culture?").
COLLECTION = re.compile(
    "|".join(
        [
            r"\b(what|which)\s+(articles|pieces|texts|documents|sources|columns)\s+(do\s+you\s+have|have\s+you\s+got|"
            r"are\s+there|are\s+(in|included|indexed|available)|can\s+(i|you)\s+(search|ask|read|use))\b",
            r"^\W*(please\s+)?(list|show|name)\s+(me\s+)?(all\s+)?(the\s+|your\s+)?(articles|pieces|sources|documents)\b",
            r"\bwhat['’]?s\s+in\s+(the|your|this)\s+(corpus|collection|library|index|database)\b",
            r"\b(list|overview)\s+of\s+(the\s+|all\s+|your\s+)?(articles|sources|pieces|documents|texts)\b",
            r"\b(lijst(je)?|overzicht)\s+(van|met)\s+(de\s+|alle\s+|je\s+|jouw\s+)?(artikelen|bronnen|stukken|teksten|"
            r"documenten)\b",
            r"\bwhat\s+can\s+i\s+read\b",
            r"\bwelke\s+(artikelen|stukken|teksten|bronnen|documenten)\s+(zitten|heb|hebt|hebben|ken|staan|zijn\s+er)\b",
        ]
    ),
    re.IGNORECASE,
)
_COLLECTION_TAIL = frozenset(
    "here there now currently please in it the your this corpus collection library index database system tool you "
    "have got all er erin eigenlijk je jouw de het hier nu allemaal graag zitten staan momenteel op dit moment "
    "databank collectie verzameling".split()
)


def asks_collection(question: str) -> bool:
    """The question asks what the collection holds (`COLLECTION`, with nothing after it but `_COLLECTION_TAIL`)."""
    m = COLLECTION.search(question)
    return m is not None and all(w in _COLLECTION_TAIL for w in re.findall(r"\w+", question[m.end() :].lower()))


# The question asks who wrote something: "Who wrote the article about ...?", "Who wrote that?", "Who's behind this
# piece?", "Who is the column by?", "Whose article is this?", "Who are the authors?", "Do we know who the author of
# ... is?", "Which pieces have no author?", "Is the culture piece signed?", "Wie heeft dit stuk geschreven?", "Van wie
# is het artikel over ...?", "Welke stukken zijn anoniem?". Each form needs a piece of writing, writing about
# something, or nothing after it (or a title: `title_named`); a duty ("By whom should the strategy be written?"), a
# claim ("Who writes that CX is never the strategy?") or a view ("Who is the author arguing against ...?") is no such
# question (two reviews found 40 that an earlier version misread; they are in the tests).
AUTHORSHIP = re.compile(
    "|".join(
        [
            # "Who wrote the cX-Factor column?", "Who wrote about Porter?", "Who wrote that?", "who has written it"
            r"\bwho(\s+(has|had|have))?\s+" + WRITE_EN + r"\s+(" + THE_WRITING + r"|about\b|" + BACK + "?" + END + ")",
            r"\bwho\s+writes\s+(about\b|" + BACK + "?" + END + ")",
            r"\bwho\s+(wrote|said|penned)\s+(that|this)\s+(quote|sentence|passage|line)\b",  # "Who wrote that quote?"
            WHO_BE + r"\s+the\s+(author|writer|source)\s+of\s+(this|that)\s+(quote|sentence|passage|line)\b",
            r"\bvan\s+wie\s+(is|komt|kwam)\s+(dit|dat|deze|die)\s+(citaat|zin|passage|uitspraak)\b",
            WHO_BE + r"\s+(the\s+)?" + WRITER_NOUNS + AFTER_WRITER,
            WHO_BE + r"\s+behind\s+(" + THE_WRITING + "|" + BACK + END + ")",
            r"\bwho\s+(is|was|are|were)\s+(" + THE_WRITING + "|" + BACK + r")\s+(written\s+)?by" + END,  # "... by?"
            r"\bwhose\s+" + WRITING + r"\b",
            r"\bwho\s+the\s+(authors?|writers?)\s+of\s+" + THE_WRITING,  # "Do we know who the author of ... is?"
            r"\bby\s+whom\s+(is|was|are|were)\s+" + THE_WRITING + r"\b[^?.!]{0,60}\b(written|authored|penned|signed)\b",
            r"\b(which|what)\s+(authors|writers)\s+((are|were)\s+(there|included|involved)" + END + r"|(are|were)\s+"
            r"(in|included\s+in|part\s+of)\s+(the|this|these)\s+(corpus|collection|set|" + WRITING[1:] + r"|wrote|"
            r"have\s+written|contributed|took\s+part|take\s+part|participated)\b",
            r"\b(the\s+)?(author|writer|columnist)['’]s\s+name\b|\bname\s+of\s+the\s+(author|writer|columnist)\b",
            WHO_BE + r"\s+the\s+columnist\b",
            r"\b(was|is|were|are)\s+" + THE_WRITING + r"\b[^?.!]{0,40}\b(written|authored)\s+by\b",
            r"\b(which|what)\s+(writer|author)\s+(wrote|penned|authored)\s+" + THE_WRITING,
            r"\b(which|what)\s+" + WRITING + r"\s+(were|are|was|is)\s+(written|authored)\s+by\b",
            r"\b(identify|name|list|know|find|give\s+me|tell\s+me)\s+the\s+(author|writer)s?\s+of\b",
            r"^\s*(the\s+)?(author|writer)s?\s+of\s+" + THE_WRITING + END,  # "The author of the culture piece?"
            # "Which pieces have no author?", "Does the article name its author?", "a named writer", "a byline"
            r"\b" + WRITING + r"\b[^?.!]{0,80}\b(no|a\s+named|named|an?)\s+(author|writer|byline)s?\b",
            r"\b(no|named)\s+(author|writer)s?\s+(for|on|of)\s+" + THE_WRITING,
            r"\b(is\s+there|there\s+is)\s+(a\s+|no\s+)?byline\b|\bbyline\s+(on|of|for)\b",
            r"\b" + WRITING + r"\b[^?.!]{0,60}\b(name|names|list|lists)\s+(an?\s+|its\s+|their\s+)?(author|writer)s?\b",
            r"\b(is|was|are|were)\s+" + THE_WRITING + r"\b[^?.!]{0,50}\b(anonymous|unsigned|signed|credited)\b",
            r"\b(which|what)\s+" + WRITING + r"\b[^?.!]{0,30}\b(anonymous|unsigned)\b",
            r"\b(anonymous|unsigned)\s+" + WRITING + r"\b",
            r"\b(whom|who)\s+(should|do|must|can)\s+(i|we)\s+credit\b",
            r"\bgets?\s+(the\s+)?credit\s+for\s+" + THE_WRITING,
            r"\b(which|what)\s+((source|author)\s+and\s+)?(author|source|writer)\s+(should|do|must|can)\s+(i|we)\s+"
            r"(cite|credit|reference|name|mention)\b",
            r"\b" + WRITING + r"\s+(written|authored)\s+by\s+(anyone|someone|anybody|somebody|a\s+person)\b|"
            r"\bwritten\s+by\s+(anyone|someone|anybody|somebody)\s+in\s+particular\b",
            r"\b(which|what)\s+(of\s+(these|the)\s+)?" + WRITING + r"\b[^?.!]{0,30}\b((is|are)\s+(his|hers|theirs)|"
            r"(did|does)\s+(he|she|they)\s+(write|contribute)|(he|she|they)\s+(wrote|contributed))\b",
            r"\b(which|what)\s+(writer|author)\s+(is|was|comes)\s+from\b",
            r"\bwho\s+are\s+the\s+((two|three|four)\s+)?people\s+(that|who)\s+(wrote|exchanged|write|exchange)\b",
            r"\b(which|what)\s+(author|writer)\s+is\s+responsible\s+for\s+" + THE_WRITING,
            # Dutch
            r"\bwie\s+" + WRITE_NL + r"\s+(" + THE_WRITING + r"|over\b|(dat|dit|het)?" + END + ")",
            r"\bwie\s+(schrijft|schrijven)\s+(over\b|(dat|dit|het)?" + END + ")",
            r"\bhoe\s+heet\s+de\s+(auteur|schrijver|schrijfster|columnist)\b",
            r"\bwie\s+(schreef|zei)\s+(dat|dit|die|deze)\s+(citaat|zin|passage)\b",
            r"\bwie\s+(heeft|hebben|had|hadden)\s+(" + THE_WRITING + r"\b[^?.!]{0,60}?|(dat|dit|het|er)\s+|over\s+"
            r"[^?.!]{0,60}?)?(geschreven|ondertekend)\b(?!\s+dat\s+\w)",  # not "Wie heeft geschreven dat ...?"
            r"\bwie\s+" + THE_WRITING + r"\b[^?.!]{0,60}?\b((heeft|hebben)\s+geschreven|geschreven\s+(heeft|hebben))\b",
            r"\bdoor\s+wie\s+(is|zijn|was|waren|werd|werden)\s+" + THE_WRITING,
            r"\bdoor\s+wie\s+(is|zijn|was|waren|werd|werden)\s+(dit|dat|het)\s+(geschreven|ondertekend)\b",
            r"\bvan\s+wie\s+(is|zijn|was|waren|komt|komen|kwam|kwamen)\s+("
            + THE_WRITING
            + r"|(dit|dat|het)"
            + END
            + ")",
            r"\bwie\s+(is|zijn|was|waren)\s+(de\s+)?(auteurs?|schrijvers?|schrijfsters?|briefschrijvers?|"
            r"correspondenten|(mensen|personen|persoon)\s+achter)(\s+(van|achter)\s+("
            + THE_WRITING
            + r"|(dit|dat|het)"
            + END
            + ")|"
            + END
            + ")",
            r"\bwie\s+(de|het)\s+(auteurs?|schrijvers?|schrijfsters?)\s+(is|zijn|was|waren|van)\b",
            r"\bwie\s+(zit|zitten|zat|zaten)\s+(er\s+)?achter\s+(" + THE_WRITING + r"|(dit|dat|het)" + END + ")",
            r"\bwelke\s+(auteurs|schrijvers)\s+(zijn\s+er(\s+(in|bij|hier))?" + END + r"|hebben\s+"
            r"(geschreven|meegeschreven)|schreven|deden\s+mee|doen\s+mee)",
            r"\bwelke\s+(auteur|schrijver)\s+(schreef|heeft)\s+" + THE_WRITING,
            r"\bwelke\s+" + WRITING + r"\s+(zijn|werden|is|werd)\s+(geschreven\s+)?door\b",
            r"\bwelke\s+" + WRITING + r"\s+(heeft|hebben)\b[^?.!]{0,40}\bgeschreven\b",
            r"^\s*(de\s+)?(auteur|schrijver)s?\s+van\s+" + THE_WRITING + END,
            WRITING
            + r"\b[^?.!]{0,40}\b(geen|een)\s+(auteur|schrijver|auteursnaam)\b",  # "Welk stuk heeft geen auteur?"
            r"\b(staat|stond)\s+(er\s+)?(een|geen)\s+(naam|auteur|auteursnaam)\s+(onder|bij|boven)\b",
            r"\b(is|was|zijn|waren)\s+" + THE_WRITING + r"\b[^?.!]{0,50}\b(anoniem|ondertekend|naamloos)\b",
            r"\bwelke\s+" + WRITING + r"\b[^?.!]{0,30}\b(anoniem|naamloos)\b",
            r"\bvan\s+wiens\s+hand\b|\bwiens\s+" + WRITING + r"\b|\bop\s+(zijn|haar|hun)\s+naam\b",
            r"\b(auteurs|schrijvers)naam\b",
            r"\bals\s+(auteur|schrijver|bron)\s+(vermelden|noemen|citeren|opgeven)\b",
            r"\bwie\s+(heeft|hebben)\s+de\s+bijdrage\b",
            r"\b(maker|makers|bedenker)\s+van\s+" + THE_WRITING,
            r"\b(welk|welke)\s+" + WRITING + r"\b[^?.!]{0,30}\b(is|zijn)\s+van\s+(hem|haar|hen)\b",
        ]
    ),
    re.IGNORECASE,
)
# A question naming a writer by name, about their writing: "Which of these pieces did Anders Jansen write?", "Did
# Jan-Hein Pierik author any other articles?", "Welke stukken heeft Jan-Hein Pierik geschreven?", "Welke brief is van
# Rien Brus?". Read only when the question names a writer (`names`): "What letters did customers write?" names none.
BY_NAME = re.compile(
    r"\b(which|what)\s+(of\s+(these|the)\s+)?" + WRITING + r"\b[^?.!]{0,40}\b((did|does|has|have)\b[^?.!]{1,40}\b"
    r"(write|contribute|author)|contributed|wrote|written|authored)\b"
    r"|\b(write|wrote|written|author|authored|contribute|contributed)\s+(anything\s+(else|besides|other\s+than|"
    r"apart\s+from|beyond)|any\s+(of\s+the\s+)?other\s+"
    + WRITING
    + r"|other\s+"
    + WRITING
    + r"|another\s+"
    + WRITING
    + r"|more\s+"
    + WRITING
    + ")"
    r"|\bwelke\s+" + WRITING + r"\s+(heeft|hebben|schreef|schreven)\b"
    r"|\b(nog\s+)?(andere|meer)\s+" + WRITING + r"\b[^?.!]{0,30}\bgeschreven\b"
    r"|\b(who|wie)\s+(replied|responded|answered|reageerde|antwoordde)\b"
    r"|\b(welk|welke)\s+" + WRITING + r"\s+(is|zijn)\s+van\b",
    re.IGNORECASE,
)
# A duty or a wish, not a fact about the articles: "By whom should the strategy be written?", "Door wie moet het plan
# ondertekend worden?", "Should CX teams write more documents?". Crediting and citing a source are the exceptions.
MODAL = re.compile(
    r"\b(should|must|ought|shall|needs?\s+to|has\s+to|have\s+to|moet|moeten|moest|moesten|mag|mogen|hoort|horen|"
    r"dient|dienen)\b",
    re.IGNORECASE,
)
CREDIT = re.compile(
    r"\b(credit|cite|reference|vermelden|citeren|opgeven|noemen)\b",
    re.IGNORECASE,
)
# The answer asks for the unsigned pieces only ("Which pieces have no author?", "Welke stukken zijn anoniem?").
UNSIGNED = re.compile(
    r"\b(no|without)\s+(an?\s+)?(author|writer|byline|name)|\b(anonymous(ly)?|unsigned)\b|\bgeen\s+(auteur|schrijver|"
    r"naam)|\bzonder\s+(auteur|naam)|\b(anoniem|naamloos|niet\s+ondertekend)\b",
    re.IGNORECASE,
)
# Whether a piece is signed at all ("... and is it signed?"): who wrote it, which the answer says.
SIGNED = re.compile(r"\b(signed|unsigned|anonymous|ondertekend|anoniem)\b", re.IGNORECASE)
# "Who is Anders Jansen?", "Wie is Wim?": who a writer the index knows is (the names are read by the conversation).
WHO_IS = re.compile(r"^\s*(who|wie)\s*(is|was|are|zijn|'s|’s)\b", re.IGNORECASE)
# "Who wrote cX-Factor?", "Wie schreef ‘De Klant moet ook …’?": a title after the verb (`title_named`).
WROTE_WHAT = re.compile(
    r"\b(who\s+(wrote|penned|authored|is\s+the\s+(author|writer)\s+of|(is|['’]s)\s+behind)|"
    r"wie\s+(schreef|heeft|is\s+de\s+(auteur|schrijver)\s+van)|van\s+wie\s+is)\s+(?P<what>.+)$",
    re.IGNORECASE,
)
# Letters to someone are letters of the trade, not the articles: "Wie schrijft de brieven aan klanten?".
LETTERS_TO = re.compile(r"\b" + WRITING + r"\s+(aan|to|naar)\b", re.IGNORECASE)
# A quoted claim ("Wie schreef: CX is nooit dé strategie?", "Who wrote 'CX is never the strategy'?"): whose words,
# a views question (unless what is quoted is a title).
QUOTED_CLAIM = re.compile(r"\b(wrote|writes|said|says|schreef|schrijft|zei|zegt)\s*[:‘“'\"]")
# What an authorship question says beyond asking who wrote: its subject ("financial room"), if it has one. These words,
# and the words for a piece of writing, ask who wrote; the others are what about.
AROUND = frozenset(
    "who whom wrote writes written authored penned author authors writer writers letterwriter "
    "letterwriters correspondent correspondents people person persons behind which what all each every these "
    "those this that the in of on about by is are was were has have had there here included contributed "
    "collection corpus set wie schreef schrijft schrijven schreven geschreven heeft hebben door van zijn waren "
    "auteur auteurs schrijver schrijvers schrijfster schrijfsters briefschrijver briefschrijvers correspondenten "
    "mensen personen persoon achter welke er hier staan alle elk ieder deze die dit dat het de een over a an he "
    "she they them him her hij zij ze hem haar hen it and so but en dus maar actually exactly again really "
    "eigenlijk precies nou dan eens no any named geen anonymous anonymously unsigned signed credited byline "
    "bylines anoniem ondertekend naamloos do does did we you know for voor zit zitten zat zaten weet weten bekend "
    "list name noem one ones welk piece pieces listed s re published appeared gepubliceerd verschenen two three "
    "four five six twee drie vier vijf zes can could tell me us kun kunt je jij u credit wiens hand naam onder "
    "maker makers bedenker bijdrage geleverd opgesteld contribute identify find give his hers theirs from uit "
    "source bron cite reference mention should must i ik moet vermelden noemen citeren opgeven als anyone someone "
    "anybody somebody particular other another more anything besides nog meer andere ander naast behalve with met "
    "to its their exchanged exchange responsible auteursnaam schrijversnaam vermeld first second third fourth "
    "last final opening eerste tweede derde vierde laatste quote sentence passage line citaat zin whose way 1st "
    "2nd 3rd 4th best beste worst slechtste shortest kortste longest langste favourite favorite columnist al hoe "
    "heet replied responded answered reageerde antwoordde op ok okay oké above below boven before write when date dates dated day month year published publish appeared appear posted came "
    "come out released sent send where city town place wanneer datum dag jaar maand verscheen verschenen "
    "gepubliceerd gedateerd uitgekomen geplaatst verstuurd waar vandaan vanuit uit plaats stad series reeks serie "
    "correspondentiereeks editie edition start starts begin begins begint dateert".split()
)
# The letters of a correspondence, asked about as such ("Who are the letter writers?", "de briefschrijvers").
LETTERS = re.compile(
    r"\b(letters?|letter[- ]?writers?|correspondents?|correspondence|brie(f|ven)|briefschrijvers?|correspondenten|"
    r"correspondentie)\b",
    re.IGNORECASE,
)
# Writers as a group ("the letter writers", "de briefschrijvers", "the authors"), or a correspondence as a whole:
# not what an answer just showed, and every writer of it.
GROUP = re.compile(
    r"\b(letter[- ]?writers|correspondents|briefschrijvers|correspondenten|authors|writers|auteurs|schrijvers|all|"
    r"every|each|alle|elk|ieder|correspondence|exchange|correspondentie|briefwisseling)\b",
    re.IGNORECASE,
)
# A person pointed back at ("Who is he?" after "What does Wim say?"): the writers the conversation named.
# ("haar" and "ze" are as often "her"/"their" as "her"/"they": "de klant en haar reis" points back at nobody.)
PERSON_BACK = re.compile(r"\b(he|she|him|her|they|them|hij|zij|hem|hen)\b", re.IGNORECASE)
# What an answer just showed, pointed back at ("Who wrote that?", "Wie heeft dit geschreven?", "Who wrote the
# article?" after a question about it).
# ("het", "de", "die", "deze" are also Dutch articles: "Wie schreef het beste artikel?" points back at nothing.)
THING_BACK = re.compile(
    r"\b(that|this|it|those|these)\b|\b(the|het|de)\s+(article|piece|letter|column|text|post|blog|artikel|stuk|brief|"
    r"tekst|author|writer|columnist|auteur|schrijver|schrijfster|introduction|intro|inleiding|voorwoord)\b|\b(dat|dit|het)\s+(geschreven|ondertekend|gezegd)\b|"
    r"\b(dat|dit|het|deze|die)\s*[?.!]*\s*$|\b(is|was)\s+(dat|dit)\b|\b(dit|dat|deze|die)\s+(stuk|artikel|brief|tekst|"
    r"citaat|column)\b",
    re.IGNORECASE,
)
# "Was the culture article written by Wim Rampen?": the piece decides, not the writer named.
IS_IT_BY = re.compile(
    r"\b(was|is|were|are|werd|wordt)\s+" + THE_WRITING + r"\b[^?.!]{0,40}\b(written|authored|geschreven)\s+(by|door)\b"
    r"|(?-i:\b(Is|is|Was|was)\s+)" + THE_WRITING + r"\b[^?.!]{0,40}\bvan\s+(?-i:[A-Z])",  # "Is het stuk ... van Wim?"
    re.IGNORECASE,
)
# ... and, of a writer the question names, "Did Jan-Hein Pierik write the introduction?", "Heeft Wim het
# cultuurartikel geschreven?" (a piece pointed at: not "Did Wim write a letter about culture?", which asks what he wrote)
_THE_PIECE = r"(the|this|that|het|dit|dat|de|die)\s+([\w'’-]+\s+){0,3}?[\w-]*?" + WRITING + r"\b"
DID_WRITE = re.compile(
    r"\b(did|does|has|had)\b[^?.!]{1,60}?\b(write|author|pen|written|authored|penned)\s+"
    + _THE_PIECE
    + r"|\b(heeft|had)\b[^?.!]{1,60}?"
    + _THE_PIECE
    + r"[^?.!]{0,40}\bgeschreven\b",
    re.IGNORECASE,
)


def asks_is_it_by(question: str, names: tuple[str, ...]) -> bool:
    """The question asks whether a piece is by a writer (`IS_IT_BY`, or `DID_WRITE` of a writer it `names`): the
    piece decides, and its writers answer."""
    return bool(IS_IT_BY.search(question) or (names and DID_WRITE.search(question)))


# A letter named by its place in a correspondence ("the first letter", "de laatste brief"): its writer, in the order
# they wrote.
ORDINAL = re.compile(
    r"\b(?P<n>first|second|third|fourth|last|final|opening|1st|2nd|3rd|4th|eerste|tweede|derde|vierde|laatste)\s+"
    r"(letter|brief|reply|"
    r"response|antwoord)\b",
    re.IGNORECASE,
)
ORDINALS = {
    "first": 0,
    "opening": 0,
    "eerste": 0,
    "second": 1,
    "tweede": 1,
    "third": 2,
    "derde": 2,
    "fourth": 3,
    "1st": 0,
    "2nd": 1,
    "3rd": 2,
    "4th": 3,
    "vierde": 3,
    "last": -1,
    "final": -1,
    "laatste": -1,
}
PEOPLE = re.compile(r"\b(people|persons|letters|brieven|mensen|personen)\b", re.IGNORECASE)
BYLINE_LINES = (
    2  # a byline is quoted with at most this many lines above it ("cX-Factor • 4 maart 2025 • Anders Jansen")
)

TEXTS = {
    "en": {
        "by": "{title} is written by {names}:",
        "one_of": "{names} is one of the writers of {title}, with {others}:",
        "signed": "{names} wrote this letter of {title}:",
        "some_of": "{names} are among the writers of {title}, with {others}:",
        "unsigned": "{title} names no author",
        "intro": "The introduction of {title} names no writer; it introduces the letters of {names}:",
        "appeared": "{title} names no author; it appeared on {source}:",
        "and": "and",
        "several": "{n} pieces and their writers:",
        "several_unsigned": "{n} pieces name no author:",
        "more": "… and {n} more pieces.",
    },
    "nl": {
        "by": "{title} is geschreven door {names}:",
        "one_of": "{names} is een van de schrijvers van {title}, met {others}:",
        "signed": "{names} schreef deze brief van {title}:",
        "some_of": "{names} zijn schrijvers van {title}, met {others}:",
        "unsigned": "{title} noemt geen auteur",
        "intro": "De inleiding van {title} noemt geen schrijver; ze leidt de brieven in van {names}:",
        "appeared": "{title} noemt geen auteur; het verscheen bij {source}:",
        "and": "en",
        "several": "{n} stukken en hun schrijvers:",
        "several_unsigned": "{n} stukken noemen geen auteur:",
        "more": "… en nog {n} stukken.",
    },
}
# A file found by searching for the subject of "Who wrote the article about ...?" is named only on evidence this far
# above the embedder's threshold: naming a writer is a claim of fact (chosen on 14 questions written for it, 7 about
# the articles' subjects and 7 about others: NPS targets, CRM software, chatbots, lifetime value, ...).
MARGIN = 0.05
TITLE_CHARS = 80
MAX_LISTED = 10  # files listed for "Who are the authors?"; a larger collection is named in part, with how many more


def spelled_out(about: str, quoted: list[str]) -> bool:
    """A quote holds every word of the subject ("Who wrote about Porter?": “De beroemde Michael Porter zei het al
    …”): evidence as sure as a strong score, whatever a one-word subject's vector says."""
    words = set(tokenize(about))
    return bool(words) and any(words <= set(tokenize(q)) for q in quoted)


def _plain(text: str) -> str:
    """Lower case, words only: titles and questions compared as typed ("'De Klant' moet ook …" = "de klant moet ook")."""
    return " ".join(re.findall(r"\w+", text.lower()))


def title_named(question: str, index: Index) -> list[str]:
    """ "Who wrote cX-Factor?", "Wie schreef ‘De Klant moet ook in De Ivoren Toren …’?": the files whose title (or its
    first three words) follows "who wrote"."""
    m = WROTE_WHAT.search(question)
    if not m:
        return []
    if "plain_titles" not in index.cache:
        index.cache["plain_titles"] = [(doc, t) for doc, e in index.manifest.files.items() if (t := _plain(e.title))]
    asked = f" {_plain(m.group('what'))} "
    return [
        doc
        for doc, t in index.cache["plain_titles"]
        if f" {t} " in asked or (len(t.split()) > 3 and f" {' '.join(t.split()[:3])} " in asked)
    ]


def writers_of_named(question: str, index: Index, most: int = 3) -> tuple[str, ...]:
    """The writers of the files a who-wrote question names by title, or of the letters it names by order, for the
    question after it ("Who wrote the cX-Factor column?", then "What is his main point?": Anders Jansen's; "Who wrote
    the first letter?", then "Why?": Jan-Hein Pierik's)."""
    docs = title_named(question, index) or titled(question, index)
    if not docs and ORDINAL.search(question):
        return writers_by_order(question, index)
    return tuple(dict.fromkeys(w for doc in docs[:most] for w in writers(index, doc)))


def writers_by_order(question: str, index: Index) -> tuple[str, ...]:
    """The writer of each correspondence's letter the question names by its order ("the last letter"; see ORDINAL)."""
    n = ORDINALS[ORDINAL.search(question).group("n").lower()]
    letters = [w for d in sorted(index.manifest.files) if len(w := writers(index, d)) > 1]
    return tuple(w[n] for w in letters if -len(w) <= n < len(w))


def asks_who_wrote(question: str, names: tuple[str, ...], index: Index | None = None) -> bool:
    """The question asks who wrote something (`AUTHORSHIP`, a title named after "who wrote", a piece of a writer it
    names), or who a writer it names is; not a duty ("should", "moet"), a quoted claim, nor letters to someone."""
    if index is not None and title_named(question, index):
        return True
    if QUOTED_CLAIM.search(question) or (LETTERS_TO.search(question) and not asks_piece_intro(question)):
        return False
    if asks_when_written(question, names) or asks_collection(question):
        return True
    found = (
        AUTHORSHIP.search(question)
        or IS_IT_BY.search(question)
        or (BY_NAME.search(question) or DID_WRITE.search(question) if names else None)
    )
    if found:  # a duty before what it asks ("By whom should it be written?"); not "... saying X needs to ..."
        return not (MODAL.search(question[: found.end()]) and not CREDIT.search(question))
    return bool(names and WHO_IS.match(question) and not subject(question, names))


# A second question after one about who wrote something or who someone is: "Who wrote the cX-Factor column and what
# is his main point?", "Wie is Rien Brus en wat vindt hij?", "Who wrote about culture? Why does it matter?", "Who is
# Wim Rampen, what does he do?". It asks as a main clause does: a question word, a verb and its subject ("what is his
# main point", "why does it matter", "wat vindt hij", "what's the gist"), a verb and its subject ("does he agree",
# "can you summarize it", "vindt hij dat ook"), or, as a sentence of its own, a request ("Summarize his main point.",
# "Leg uit wat hij vindt."). A clause that only says what a piece is about asks nothing: "... about how it is formed",
# "... and why it matters", "... and what is done", "over cultuur en wat je daaraan kunt doen". (The subject is a
# pronoun, an article or a name: "what is culture, really?" is not read as a question.)
_AUX_EN = r"(is|are|was|were|does|do|did|can|could|should|would|will|has|have)"
_PRONOUN_EN = r"(he|she|they|it|we|you|i|his|her|their|its|this|that|these|those|the|a|an|there)"
_SUBJECT_EN = r"(" + _PRONOUN_EN + r"|(?-i:[A-Z])[\w-]+)"
# Dutch verbs a question about a writer asks with, finite (a word ending in -t is as often a noun: "welk resultaat die
# opleveren", "waarom krediet de operatie helpt")
_FINITE_NL = (
    r"(vindt?|denkt?|zegt?|zeg|bedoelt?|stelt?|ziet?|zie|doet?|gaat?|komt?|kijkt?|schrijft?|schrijf|heeft|heb|wilt?|"
    r"kunt?|kan|moet|zal|zult|zou|maakt?|beschrijft?|beschrijf|adviseert?|adviseer|raadt?|verandert?|verander|begint?|"
    r"weet|noemt?|pleit|concludeert?|concludeer|verklaart?|verklaar|legt?|werkt?|helpt?|meet|zit|staat?|onderbouwt?|"
    r"onderbouw|drijft|beweert?|verdedigt?|benadrukt?|verwacht|gelooft?|geloof|vond|vonden|dacht|dachten|zei|zeiden|"
    r"schreef|schreven|is|zijn|was|waren|kunnen|willen|moeten|zouden|vinden|denken|zeggen|doen|zien|hebben|gaan|"
    r"komen|maken|veranderen|bedoelen|stellen|adviseren|raden|schrijven|beweren|concluderen)"
)
_SUBJECT_NL = r"(hij|zij|ze|die|het|hem|haar|hun|zijn|u|je|jij|de|dit|dat|deze|(?-i:[A-Z])[\w-]+)"
_WORD_EN = r"(\s++(?!" + _PRONOUN_EN + r"\b)[\w'’-]+)?"  # "which KPIs does", not "what it is" (indirect)
_VERB_SUBJECT_EN = _AUX_EN + r"\s++" + _SUBJECT_EN + r"\b"
_ASKS = "|".join(
    [
        r"(what|why|how|which|where|when)" + _WORD_EN + r"\s++" + _VERB_SUBJECT_EN,  # "what is his main point"
        r"(what|how|where)['’]s\s++" + _SUBJECT_EN + r"\b",  # "what's the gist"
        _VERB_SUBJECT_EN,  # "does he agree", "can you summarize it"
        r"(wat|waarom|hoe|welke?|waar|wanneer)\s++" + _FINITE_NL + r"\s++" + _SUBJECT_NL + r"\b",  # "wat vindt hij"
        _FINITE_NL + r"\s++(hij|zij|ze|die|u|je|jij)\b",  # "vindt hij dat ook" (not "budget Management")
    ]
)
_REQUEST = r"(summari[sz]e|explain|describe|tell me|give me|leg|vat|geef|vertel|beschrijf)\b"
# A second question who wrote something else ("... and who wrote the culture piece?"), answered on its own.
_WHO_ELSE = r"(who\s+(wrote|is|was|are|penned)|who['’]s|wie\s+(schreef|is|was|zijn|heeft))\b"
# Between the two: "and", "en", "&" (after a comma or not; "and also"), a comma or semicolon, or the end of a sentence.
# (Possessive quantifiers: a run of spaces is no place to backtrack through.)
THEN_ASKS = re.compile(
    r"(?<![\s,;])((\s*+[,;])?\s++(and|en|&)(\s++(also|ook|then|dan))?\s++|\s*+[,;]\s*+)(?=("
    + _ASKS
    + "|"
    + _WHO_ELSE
    + r"))|((?<=[?.!])\s++|(?<![^\S\n])[^\S\n]*+\n\s*+)(?=("
    + _ASKS
    + "|"
    + _REQUEST
    + "|"
    + _WHO_ELSE
    + "))",
    re.IGNORECASE,
)


def two_parts(question: str, index: Index) -> tuple[str, str] | None:
    """A question who wrote something (or who a writer is), then another question ("... and what is his main point?",
    "... and who wrote the culture piece?"): the two questions, each answered on its own, the second as a follow-up to
    the first unless it asks who wrote something else. None otherwise: when the first says too little on its own ("Who
    wrote the column and is Anders a consultant?" is about Anders's column), and when the second asks only whether it
    is signed ("... and is it signed?": the first answer says so)."""
    for m in THEN_ASKS.finditer(question):
        first, then = question[: m.start()].rstrip(" ,;?.!") + "?", question[m.end() :].strip()
        names = mentioned_authors(first, index)
        if not asks_who_wrote(without_request(first), names, index) or not stands_alone(first, names, index):
            return None  # answered whole
        if SIGNED.search(then):
            return None
        if asks_who_else(then, index):
            return (first, then) if stands_alone(then, mentioned_authors(then, index), index) else None
        return first, then
    return None


def stands_alone(question: str, names: tuple[str, ...], index: Index) -> bool:
    """A who-wrote question that says what it asks about without the rest of its message: a writer, a subject, a
    title, a letter by its order, the writers as a group, the unsigned pieces, or what was just shown ("that")."""
    return bool(
        names
        or subject(question, names)
        or title_named(question, index)
        or titled(question, index)
        or ORDINAL.search(question)
        or GROUP.search(question)
        or LETTERS.search(question)
        or UNSIGNED.search(question)
        or re.search(r"\b(that|this|it|dat|dit)\b", question, re.IGNORECASE)
    )


def asks_who_else(question: str, index: Index) -> bool:
    """The second part of a question in two parts asks who wrote something of its own: answered on its own."""
    return asks_who_wrote(without_request(question), mentioned_authors(question, index), index)


def subject(question: str, names: tuple[str, ...] = ()) -> str:
    """What the question is about beyond who wrote: "financial room" in "Who wrote the article about financial
    room?"; nothing in "Who are the authors?" nor in "Who wrote the introduction?" (a part of the piece)."""
    text = PIECE_INTRO.sub(" ", question) if asks_piece_intro(question) else question
    for name in names:
        for part in name.split():
            text = re.sub(rf"\b{re.escape(part)}(['’]s)?\b", " ", text, flags=re.IGNORECASE)
    return " ".join(
        w for w in re.findall(r"[^\W\d_]{2,}", text) if w.lower() not in AROUND and not _WRITING.fullmatch(w)
    )


def points_at_answer(question: str) -> bool:
    """ "Who wrote that?", "Van wie is dit?", "Who wrote the article?", "Who wrote the introduction?": about what the
    answer before quoted; not "Who are the letter writers?", "Who wrote all the articles?" nor "Who wrote the
    introduction to the letters?" (the letters named: a browser check found it answered from the question before)."""
    if asks_piece_intro(question) and LETTERS.search(question):
        return False
    return bool(THING_BACK.search(question)) and not GROUP.search(question) and not UNSIGNED.search(question)


def writers(index: Index, doc: str) -> list[str]:
    """The writers of a file, in the order they write (each letter of a correspondence has its own)."""
    entry = index.manifest.files.get(doc)
    return [a.strip() for a in (entry.author or "").split(",") if a.strip()] if entry else []


class Target(NamedTuple):
    """What an authorship question asks about."""

    docs: list[str]  # the files whose writers to give
    writers: tuple[str, ...]  # the writers asked about among them (they lead); () for all of them
    searched: bool  # the files were found by searching for a subject: the answer stands or falls with its evidence
    quotes: tuple[Sentence, ...] = ()  # what answers "Who wrote about Porter?": cited for their writers
    signed: bool = False  # the quotes are the lines that sign the letters asked about ("Groet, Jan-Hein")


def _words(text: str) -> set[str]:
    return {w for w in tokenize(text) if len(w) >= 4}


def _title_words(index: Index) -> dict[str, set[str]]:
    """Each file's title words that no other title has, once per loaded index."""
    if "title_words" not in index.cache:
        titles = {doc: _words(entry.title) for doc, entry in index.manifest.files.items() if entry.title}
        counts = Counter(w for words in titles.values() for w in words)
        index.cache["title_words"] = {doc: {w for w in words if counts[w] == 1} for doc, words in titles.items()}
    return index.cache["title_words"]


def _named_by_title(text: str, index: Index, rare: Callable[[float], bool]) -> list[str]:
    """The files with the most title words of `text` (words no other title has) whose share of the articles that use
    them passes `rare`."""
    titles = _title_words(index)
    asked = _words(text) & {w for words in titles.values() for w in words}
    if not asked:
        return []
    own = {w for w, share in index.document_share(asked).items() if rare(share)}
    hits = {doc: len(words & own) for doc, words in titles.items()}
    best = max(hits.values(), default=0)
    return sorted(doc for doc, n in hits.items() if n and n == best)


def titled(question: str, index: Index) -> list[str]:
    """Files the question names by a word of their title that no other file uses at all ("the cX-Factor column", "het
    artikel over de ivoren toren"); a word only one title has but other articles use ("klant", "cultuur") is a
    subject, searched like any other."""
    files = max(len(index.manifest.files), 1)
    return _named_by_title(question, index, lambda share: share * files <= 1.0 + 1e-9)


_WORD = r"[\w'’‘“”&-]+"
# A piece named by what it is ("the culture article", "the cX-Factor column", "het artikel over de Ivoren Toren", "the
# piece on culture", "het stuk cX-Factor"): words of its title, with a noun for one piece of writing. Several ("the
# articles about strategy") name no one piece; letters are named by their writers or their order, not here.
PIECE_NOUNS = r"(article|column|piece|post|blog|blogpost|essay|artikel|stuk|stukje|rubriek|opiniestuk)"
# ... and the stemmed forms of those nouns, which name the piece and are not what a question asks about it
PIECE_FORMS = frozenset(
    tokenize("article articles artikel artikelen column columns piece pieces stuk stukje rubriek post blog essay")
)
_DET = r"(the|this|that|het|dit|dat|de|die)"
_SUBJECT_ENDS = (
    r"(about|on|over|say|says|said|zegt|zeggen|zei|think|thinks|vindt|argue|argues|claim|claims|conclude|concludes|"
    r"recommend|recommends|mean|means|suggest|suggests|use|uses|give|gives|describe|describes|write|writes|mention|"
    r"mentions|propose|proposes|schrijft|stelt|noemt|beschrijft|geeft|is|was|are|staat|staan|and|en|or|of|ge\w+|"
    # ... or a clause of the question's own after it ("… dat stuk over cultuur als je de cultuur wil veranderen"), not
    # a phrase of the subject ("het artikel over CX als chefsache")
    r"(als|wanneer|when|if)\s+(je|jij|we|wij|ik|u|men|jullie|ze|zij|you|i|they|one|it|het|er|there)|omdat|because|"
    r"terwijl|while|zodat)"
)
_PIECE = re.compile(
    rf"\b{_DET}\s+(?P<before>(?:(?!{_DET}\b){_WORD}\s+){{0,3}}?){PIECE_NOUNS}\b"
    rf"(?P<after>\s+(?:about|on|over)\s+(?P<subject>(?:(?!{_SUBJECT_ENDS}\b){_WORD}\s*){{1,4}}?)"
    rf"(?=\s+{_SUBJECT_ENDS}\b|\s*[?.!,;:]|\s*$))?",
    re.IGNORECASE,
)
_TITLE_ENDS = r"(over|about|on|in|van|of|voor|for|met|with|bij|at|zegt|says|en|and)"
_PIECE_TITLE = re.compile(  # "volgens het stuk cX-Factor?", "de rubriek cX-Factor over prijs": a title after the noun
    rf"\b{PIECE_NOUNS}\s+(?P<title>(?=[‘“'\"]|[\w&-]*(?-i:[A-Z])){_WORD}(?:\s+(?!{_TITLE_ENDS}\b){_WORD}){{0,3}}?)"
    rf"(?=\s+{_TITLE_ENDS}\b|\s*[?.!,;:]|\s*$)",
    re.IGNORECASE,
)
_NOT_SUBJECT = re.compile(  # "the first article", "the new piece": which one, not what it is about
    r"\b(first|second|third|last|latest|new|newest|other|same|whole|entire|eerste|tweede|derde|laatste|nieuwe|nieuwste|"
    r"andere|hele|gehele)\b",
    re.IGNORECASE,
)
# A question that sets a piece beside others asks about more than that piece ("How does the culture article differ
# from the letters?"); "differently", "different departments", "verschillende" (various) say how or which, not beside
# what
_BESIDE = re.compile(
    rf"\b(letters?|brie(f|ven)|correspondenti?e|differ(?!ently|ent\s+(?!from|than))\w*|compare\w*|comparison|"
    rf"versus|vs|than|verschil(?!lend)\w*|vergele\w*|vergelijk\w*|{PIECE_NOUNS}s|artikelen|stukken|columns|"
    rf"rubrieken)\b",
    re.IGNORECASE,
)


# A follow-up that looks beyond the piece the conversation is about ("And what do other articles say?", "Does anyone
# else agree?", "En in de brieven?")
BEYOND_PIECE = re.compile(
    rf"{_BESIDE.pattern}|\b(else|others|anyone|anybody|everyone|elsewhere|in general|generally|iemand|iedereen|"
    rf"anderen|elders|in het algemeen|(other|andere) ({PIECE_NOUNS}|writer|author|source|people|schrijver|auteur|"
    rf"bron|mensen)\w*)\b",
    re.IGNORECASE,
)


# A question that speaks of the piece just named without naming it again: as the subject of a verb of saying ("What
# does it say about KPIs?", "Does it mention Netflix?", "Wat zegt het over KPI's?"), as where something stands ("in
# it", "Staat er iets in over …?", "Wat staat erin?"), as its author or its point ("Who wrote this?", "its main point"),
# as "this article" / "dit stuk" / "het stuk" (Dutch puts what is asked about after it: "Wat zegt het stuk over
# KPI's?"), or as "the article" with nothing after it that says which ("the post on hybrid work" names another). Not
# any "it" or "het": "Is it worth it?", "Does it give us an edge?" (CX), "What's in it for me?", "Wat vindt het
# management?", "Geloof je erin?".
_VERBS_EN = (
    "say mention talk write recommend suggest discuss cover claim argue conclude describe propose advise list name "
    "tell explain warn"
).split()
_SAYING_EN = f"({'|'.join(_VERBS_EN)})"
_SAYS_EN = f"({'|'.join(v + ('es' if v.endswith('ss') else 's') for v in _VERBS_EN)})"  # "it discusses"
_NOUN_EN = r"(article|piece|column|post|blog|text)"
_WHICH = r"(?!\s+(on|about|by|from|over|of|van|door|in|op|met|for|voor)\b)"
PIECE_BACK = re.compile(
    rf"\b((does|did|doesn['’]t|didn['’]t|will|would) it (also |really |actually )?{_SAYING_EN}\b|it {_SAYS_EN}\b|"
    r"according to it|(?<!invest )(?<!believe )(?<!believes )in it\b(?! for\b)|"
    r"(wrote|writes|write|written) (it|this)\b|what is it about|what['’]s it about|"
    r"its (main |key |central )?(point|message|argument|conclusion|author)s?\b|(the|its) author\b|"
    rf"the {_NOUN_EN}\b{_WHICH}|(this|that) {_NOUN_EN}\b|"
    r"(zegt|zei|schrijft|schreef|noemt|vindt|beschrijft|stelt|geeft|bespreekt|adviseert|raadt) (het|dit|dat)"
    r"(?=\s*[?.!,]|\s*$|\s+(ook|iets|nog|er|over|wel|niet|eigenlijk|dan|verder|precies|daar|daarover|nu|aan|"
    r"in plaats)\b)|"
    r"staat er\b(?![^?.!]*\bop het spel\b)|(sta\w*|stond\w*|zit|zat|lees|leest|las) (er )?[^?.!]{0,25}\berin\b|"
    r"(het|dit) geschreven|(de|het) (auteur|schrijver)\b|"
    rf"(het|dit|dat) (artikel|stuk|stukje|blog)\b|de (column|rubriek)\b{_WHICH})",
    re.IGNORECASE,
)


# ... or as Dutch writes it, in one word: "het cultuurartikel", "het financieringsstuk" (a subject of four letters or
# more, a linking s or e, the noun); not "het hoofdartikel" (the lead article: which one, not what it is about)
_DETERMINER = r"\b(het|dit|dat|de|die)\s+"
_PIECE_NL = r"(artikel|stuk|stukje|column|blog)\b"
_PIECE_COMPOUND = re.compile(
    _DETERMINER + r"(?P<subject>(?!hoofd|voor|slot|opinie)[a-zà-ÿ]{4,}?)(?P<link>s|e)?" + _PIECE_NL, re.IGNORECASE
)
# ... or joined by a hyphen ("het Ivoren Toren-artikel", "het cX-Factor-stuk"): up to four words, none of them an
# article or a preposition ("de klantreis in het cultuur-artikel" names the culture article, not "klantreis in het")
_NAME_WORD = r"(?!(?:het|de|een|van|in|uit|over|op|aan|met|voor|bij)\b)[\w&-]+"
_PIECE_HYPHEN = re.compile(
    _DETERMINER + rf"(?P<subject>(?:{_NAME_WORD}\s+){{0,3}}{_NAME_WORD}?)(?P<link>-)" + _PIECE_NL, re.IGNORECASE
)


class Piece(NamedTuple):
    """A piece of writing a question names: the words that name it, and the question without them."""

    words: str  # "culture", "cX-Factor", "de Ivoren Toren"
    rest: str  # "What does the article say about strategy?"
    # named by words before the noun, a title or a compound ("the finance article", "het cultuurartikel"), not by
    # what it is about after it ("het stuk over Netflix", which is as often "what does it say about Netflix?")
    modified: bool = False


def piece_named(question: str) -> Piece | None:
    """The piece the question names by words of its title ("What does the cX-Factor column say about Netflix?" names
    "cX-Factor", and asks "What does the column say about Netflix?"); None when it names none, only which one ("the
    first article"), several, or one beside others."""
    if _BESIDE.search(question):
        return None
    m = _PIECE.search(question)
    if m and (m.group("before").strip() or m.group("subject")):
        words = " ".join(w for w in (m.group("before"), m.group("subject")) if w)
        modified = not m.group("subject")
        cut = [(m.start("before"), m.end("before"))] + (
            [(m.start("after"), m.end("after"))] if m.group("after") else []
        )
    elif (t := _PIECE_TITLE.search(question)) is not None:
        words, cut, modified = t.group("title"), [(t.start("title") - 1, t.end("title"))], True
    elif (c := _PIECE_HYPHEN.search(question) or _PIECE_COMPOUND.search(question)) is not None:
        # "het cultuurartikel": the culture article; "het Ivoren Toren-artikel": the Ivory Tower article
        words, cut = c.group("subject"), [(c.start("subject"), max(c.end("subject"), c.end("link")))]
        modified = True
    else:
        return None
    words = " ".join(_NOT_SUBJECT.sub(" ", words).split())
    if not words:
        return None
    rest = question
    for start, end in sorted(cut, reverse=True):
        rest = rest[:start] + rest[end:]
    return Piece(words, " ".join(rest.split()).replace(" ?", "?"), modified)


def title_words_named(words: str, index: Index, common: float) -> list[str]:
    """The file whose title has a word of `words` that no other title has and that fewer than `common` of the
    articles use ("culture": the article titled "… als de cultuur er niet klaar voor is …"; not "customer", klant,
    which every article uses and one title has). [] when no one file has the most such words."""
    docs = _named_by_title(words, index, lambda share: share < common)
    return docs if len(docs) == 1 else []


def _source(index: Index, doc: str) -> str | None:
    """Where the file appeared, as its metadata says ("Marketingfacts"); None when unknown or no longer indexed."""
    try:
        return index.document(doc).source
    except InputError:
        return None


def sourced(question: str, passages: list[Passage], index: Index) -> list[str]:
    """Files among those retrieved that the question names by where they appeared ("the Marketingfacts piece")."""
    docs = dict.fromkeys(p.chunk.doc for p in passages)
    return [d for d in docs if (where := _source(index, d)) and re.search(rf"\b{re.escape(where)}\b", question, re.I)]


def _names_place(place: str, question: str) -> bool:
    """The question names the place: as written, or in any case when it is no word of the dictionaries ("helmond";
    not "the best letter" for a letter from Best)."""
    flags = 0 if in_dictionary(place.lower()) else re.IGNORECASE
    return bool(re.search(rf"\b{re.escape(place)}\b", question, flags))


def placed(question: str, passages: list[Passage]) -> tuple[list[str], tuple[str, ...]]:
    """The letters among those retrieved that the question names by where they were written ("the letter from
    Helmond"): their files and writers."""
    found = {
        (p.chunk.doc, p.chunk.author)
        for p in passages
        if p.chunk.place and p.chunk.author and _names_place(p.chunk.place, question)
    }
    return sorted({doc for doc, _ in found}), tuple(dict.fromkeys(a for _, a in sorted(found)))


def target(
    question: str,
    text: str,
    named: tuple[str, ...],
    passages: list[Passage],
    index: Index,
    shown: Callable[[], list[tuple[str, str | None]] | None],
    evidence: list[Sentence],
    about: str | None,
    piece: str = "",
) -> Target:
    """The files and writers an authorship question asks about:
    - for "Who wrote that?" after an answer, the files and writers it cited (`shown()`: None without an answer
      before; nothing when it cited none, or when "that" points at nothing);
    - the writers it names (or points back at) and their files; letters named by their place;
    - with no subject of its own: the letters by their order ("the last letter"), the correspondences for "the
      letter writers", the unsigned files for "Which pieces have no author?", else every file;
    - a file named by its title (also as `piece`, the words naming it read in the corpus's language: "the piece about
      the ivory tower") or where it appeared;
    - else the file `about` the subject (`text`, as retrieval read it: the one with the most evidence), when the
      `evidence` (the quotes the answerer chose, best first, when they clear the threshold by `MARGIN`) holds any;
      in a correspondence, with the writers of the quotes from it ("Who wrote about Porter?": Rien Brus, citing his
      sentence; also for a correspondence named by its title)."""
    mentioned = named or mentioned_authors(question, index)
    own_subject = subject(question, mentioned)
    if asks_is_it_by(question, mentioned):
        named = ()  # the piece is what is asked about: its writers answer whether the one named wrote it
    if not own_subject and not named and points_at_answer(question):
        before = shown()
        if before is not None:
            return Target(
                list(dict.fromkeys(d for d, _ in before)), tuple(dict.fromkeys(a for _, a in before if a)), False
            )
        if not re.search(WRITING, question, re.IGNORECASE):
            return Target([], (), False)  # "Who wrote that?" with nothing before it
    everything = sorted(index.manifest.files)
    if named:
        return Target([d for d in everything if set(writers(index, d)) & set(named)], named, False)
    if asks_collection(question):  # "hi, what can I read here?": every piece, whatever it says before
        return Target(everything, (), False)
    docs, from_there = placed(question, passages)
    if docs:
        return _letters_signed(Target(docs, from_there, False), index)
    if not own_subject:
        letters = [d for d in everything if len(writers(index, d)) > 1]
        if ORDINAL.search(question) and letters:
            return _letters_signed(Target(letters, writers_by_order(question, index), False), index)
        if UNSIGNED.search(question):
            return Target([d for d in everything if not writers(index, d)], (), False)
        if asks_piece_intro(question):  # "Who wrote the introduction?": that of a correspondence (of the writer named)
            introduced = [
                d
                for d in everything
                if (not mentioned or set(writers(index, d)) & set(mentioned)) and unsigned_opening(index, d)
            ]
            if introduced:
                return Target(introduced, (), False)
        return Target(letters if letters and LETTERS.search(question) else everything, (), False)
    by_title = titled(question, index) or (titled(piece, index) if piece else []) or sourced(question, passages, index)
    if by_title:
        found = _by_order(Target(by_title, (), False), question, index)
        return _theirs(found, question, index, evidence) if len(by_title) == 1 else found
    if not evidence or not about or not subject(text):
        return Target([], (), True)
    return _theirs(_by_order(Target([about], (), True), question, index), question, index, evidence)


def _theirs(found: Target, question: str, index: Index, evidence: list[Sentence]) -> Target:
    """In a correspondence, the writers of the quotes that answer, each with their best one ("Who wrote about
    Porter?": Rien Brus); not when a letter was named by its order or the question asks for the writers as a group."""
    doc = found.docs[0]
    if found.writers or len(writers(index, doc)) < 2 or GROUP.search(question) or PEOPLE.search(question):
        return found
    best: dict[str, Sentence] = {}  # each writer's best quote (the evidence comes best first)
    for q in evidence:
        if q.chunk.doc == doc and q.chunk.author:
            best.setdefault(q.chunk.author, q)
    theirs = tuple(best.values())
    return found._replace(writers=tuple(best), quotes=theirs) if theirs else found


def _by_order(found: Target, question: str, index: Index) -> Target:
    """ "Who wrote the first letter of the correspondence?": its writers in the order they wrote."""
    ordinal = ORDINAL.search(question)
    letters = writers(index, found.docs[0]) if ordinal and len(found.docs) == 1 else []
    if len(letters) < 2:
        return found
    n = ORDINALS[ordinal.group("n").lower()]
    return _letters_signed(found._replace(writers=(letters[n],)), index) if -len(letters) <= n < len(letters) else found


CLOSING_CHARS = 40  # a closing line above a signature ("Met vriendelijke groet,") is at most this long


def signed(index: Index, doc: str, writer: str) -> Sentence | None:
    """The line in the writer's own letter that signs it with their name ("Groet,\nJan-Hein"), with the closing above:
    what says a letter is theirs, better than the introduction that names every writer. None where there is none."""
    forms = {writer, writer.split()[0], writer.split()[-1]}
    own = [s for s in _sentences(index, doc) if s.chunk.author == writer and s.text.strip(" \t\n.,;:-–—") in forms]
    if not own:
        return None
    s = own[-1]
    text, base = s.chunk.text, s.chunk.start
    line_end = text.rfind("\n", 0, s.start - base)
    line_start = text.rfind("\n", 0, line_end) + 1 if line_end > 0 else -1
    closing = text[line_start:line_end].strip() if line_end > 0 else ""
    if 0 < len(closing) <= CLOSING_CHARS and closing.endswith(","):  # "Groet,", "Met vriendelijke groet,"
        return Sentence(s.chunk, base + line_start, s.end, text[line_start : s.end - base])
    return s


def _letters_signed(found: Target, index: Index) -> Target:
    """A letter asked about by its order or place ("Who wrote the first letter?"), cited by the line that signs it."""
    signs = tuple(s for d in found.docs for w in found.writers if w in writers(index, d) and (s := signed(index, d, w)))
    return found._replace(quotes=signs, signed=True) if signs and not found.quotes else found


def _sentences(index: Index, doc: str) -> list[Sentence]:
    """The file's sentences in reading order, each once (chunks overlap)."""
    chunks = index.chunks_of(doc)
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


def unsigned_opening(index: Index, doc: str) -> Chunk | None:
    """The passage that holds the introduction of a correspondence: the text before its first letter, which none of
    its writers signed (`parsing.split_letters` makes it a section of its own). None for a file of one writer or none
    (its opening is theirs, or names no one), and for letters that follow their title directly."""
    if len(writers(index, doc)) < 2:
        return None
    try:
        document = index.document(doc)
    except InputError:
        return None
    intro = next((s for s in document.sections if s.kind == "intro"), None)
    said = document.text[intro.start : intro.end].strip() if intro else ""
    if said.startswith(document.title):  # the title alone introduces nothing ("Brieven over loyaliteit")
        said = said[len(document.title) :].strip()
    if not said:
        return None
    return next((c for c in sorted(index.chunks_of(doc), key=lambda c: c.start) if c.end > intro.start), None)


def naming(
    index: Index, doc: str, names: list[str], also: str | None = None, within: Chunk | None = None
) -> Sentence | None:
    """The first sentence of the file (or of its passage `within`) that names the most of its writers (by full name,
    else by last name), or, for a file without writers, the line that names where it appeared (`also`), else its
    first sentence (its title)."""
    sentences = [s for s in _sentences(index, doc) if within is None or within.start <= s.start < within.end]
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
    index: Index,
    docs: list[str],
    lang: str,
    asked: tuple[str, ...] = (),
    quotes: tuple[Sentence, ...] = (),
    signed: bool = False,
    intro: bool = False,
) -> tuple[str, tuple[Citation, ...], list[Chunk]]:
    """One line per file: its title, who wrote it, and the passage that says so (the chunks cited, in order). Writers
    `asked` about ("Who is Wim Rampen?", "Who wrote that?" after a quote of his) lead, with the others beside them.
    `quotes` of the writers asked about ("Who wrote about Porter?") are cited instead of the passage naming them:
    they are theirs, and they show what they wrote. With `intro`, a file that opens with an introduction none of its
    writers signed says so, citing the line there that names them ("Who wrote the introduction to the letters?": not
    its letter writers)."""
    t = TEXTS[lang]
    citations: list[Citation] = []
    cited: list[Chunk] = []
    unsigned = not any(writers(index, d) for d in docs)
    lines = [t["several_unsigned" if unsigned else "several"].format(n=len(docs))] if len(docs) > 1 else []
    for doc in docs[:MAX_LISTED]:
        entry = index.manifest.files.get(doc)
        names = writers(index, doc)
        source = None if names else _source(index, doc)
        own = sorted((q for q in quotes if q.chunk.doc == doc), key=lambda q: q.start)
        span = own[0] if own else naming(index, doc, [n for n in names if n in asked] or names, also=source)
        title = quoted_title(entry.title if entry and entry.title else doc, TITLE_CHARS)
        these = [n for n in names if n in asked]
        others = [n for n in names if n not in these]
        if intro and (opening := unsigned_opening(index, doc)) is not None:
            lead, own = t["intro"].format(title=title, names=_joined(names, t["and"])), []
            span = naming(index, doc, names, within=opening)
        elif these and signed and own:  # "Groet, Jan-Hein" says whose letter it is, not who else wrote
            lead = t["signed"].format(names=_joined(these, t["and"]), title=title)
        elif these and others:
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
        shown = []
        for q in own or [span]:
            n = len(citations) + 1
            c = q.chunk
            citations.append(q.citation(n))
            cited.append(c)
            shown.append(f"“{' '.join(q.text.split())}” [{n}]")
        if lead.endswith(":"):
            lines.append(f"{lead} {' '.join(shown)}")
        else:
            lines.append(f"{lead} [{len(citations)}].")  # the title itself: the citation opens the article
    if len(docs) > MAX_LISTED:
        lines.append(t["more"].format(n=len(docs) - MAX_LISTED))
    return "\n\n".join(lines), tuple(citations), cited


def followed_by(index: Index, question: str, target: Target) -> str:
    """What an answer who wrote what is about, for a question that follows it: the writers it named (those asked
    about, else every writer of its files), and, when its file was found by searching for the question's subject,
    that subject ("Who wrote about Porter and what did he say?": Rien Brus on Porter); nothing for unsigned files (the
    question stands for them). A piece named by its title, or a letter by its place or order, stands for its writers
    alone ("Who wrote the cX-Factor column and what is his main point?": Anders Jansen's main position, not his text on
    "cX-Factor"; "the letter from Zeist" is Jan-Hein Pierik's, not his text on Zeist)."""
    names = [
        n
        for doc in target.docs[:MAX_LISTED]
        for n in ([w for w in writers(index, doc) if w in target.writers] or writers(index, doc))
    ]
    if not names:
        return ""
    about = subject(question, target.writers) if target.searched else ""
    return " ".join([*dict.fromkeys(names), about]).strip()


def cited_first(passages: list[Passage], cited: list[Chunk]) -> list[Passage]:
    """The cited chunks first, in the order cited (one the search did not retrieve is added, scored 0), then the
    other retrieved passages; ranks renumbered."""
    order = {c.id: i for i, c in reversed(list(enumerate(cited)))}
    retrieved = {p.chunk.id for p in passages}
    added = [Passage(0, c, 0.0) for c in dict((c.id, c) for c in cited).values() if c.id not in retrieved]
    ranked = sorted(passages + added, key=lambda p: (order.get(p.chunk.id, len(order)), p.rank))
    return [Passage(i, p.chunk, p.score, p.dense, p.bm25) for i, p in enumerate(ranked, 1)]
