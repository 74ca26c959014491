"""Turn answers and passages into text for the terminal and into escaped HTML for the app (pure functions)."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from .sentences import OPENING_MARKS
from .types import Answer, Citation, IndexReport, Passage

# Labels that belong to an answer follow the answer's language; the app's own chrome stays English.
LABELS = {
    "en": {
        "sources": "Sources",
        "related": "Related passages",
        "note": "Note",
        "see_sources": "Related passages (open one to read it in the Sources panel):",
        "related_hint": "The passages that came closest to the question:",
        "no_sources": "No sources",
        "open_hint": "Open a source to read the quote in its context.",
        "count": "{q} from {s}",  # "5 quotes from 2 sources": the answer's lead counts sources, the list quotes
        "quote": "quote",
        "quotes": "quotes",
        "source": "source",
        "sources_n": "sources",
        "draft": "Draft: still being checked against the sources…",
        "title": "Title",
        "author": "Author",
        "date": "Date",
        "file": "File",
        "unknown": "unknown",
        "characters": "characters",
        "changed": "This file has changed since it was indexed; showing the quote only.",
        "rank": "rank {n}",  # a related passage's place in the retrieved list, not a citation number
        "rank_hint": "Place {n} among the passages retrieved for the question; not cited in the answer",
    },
    "nl": {
        "sources": "Bronnen",
        "related": "Gerelateerde passages",
        "note": "Let op",
        "see_sources": "Gerelateerde passages (open er een om hem in het bronnenpaneel te lezen):",
        "related_hint": "De passages die het dichtst bij de vraag kwamen:",
        "no_sources": "Geen bronnen",
        "open_hint": "Open een bron om het citaat in zijn context te lezen.",
        "count": "{q} uit {s}",
        "quote": "citaat",
        "quotes": "citaten",
        "source": "bron",
        "sources_n": "bronnen",
        "draft": "Concept: wordt nog tegen de bronnen gecontroleerd…",
        "title": "Titel",
        "author": "Auteur",
        "date": "Datum",
        "file": "Bestand",
        "unknown": "onbekend",
        "characters": "tekens",
        "changed": "Dit bestand is gewijzigd sinds het werd geïndexeerd; alleen het citaat wordt getoond.",
        "rank": "plek {n}",
        "rank_hint": "Plek {n} van de passages die bij de vraag gevonden zijn; niet geciteerd in het antwoord",
    },
}


def labels(lang: str) -> dict[str, str]:
    """The answer-bound labels for `lang` (English when unknown)."""
    return LABELS.get(lang, LABELS["en"])


# A quoted word or phrase inside a title: the quote marks stand at word edges (an inch mark, 12", does not open one).
_INNER_QUOTE = re.compile(r"(?<!\w)[\"“]([^\"“”]+)[\"”](?!\w)")


def quoted_title(title: str, limit: int | None = None) -> str:
    """“Title” in quote marks, cut to `limit` characters; quotes inside it become single ones (“‘De Klant’ moet ook
    …”, not “"De Klant" moet ook …"), before it is cut. For the sources' bylines and the answer's leads alike."""
    inner = _INNER_QUOTE.sub(r"‘\1’", title)
    return f"“{short(inner, limit) if limit else inner}”"


def byline(author: str | None, title: str, date: str | None, limit: int | None = None) -> str:
    """'Author, “Title” (date)' with the missing parts left out, the title as `quoted_title` gives it."""
    parts = [author] if author else []
    parts.append(quoted_title(title, limit))
    text = ", ".join(parts)
    return f"{text} ({date})" if date else text


def passage_to_text(p: Passage) -> str:
    c = p.chunk
    return (
        f"[{p.rank}] {byline(c.author, c.title, c.date)} — {_where(c.doc, c.pages)} {c.start}-{c.end}\n    "
        + " ".join(c.text.split())[:400]
    )


def answer_to_text(answer: Answer) -> str:
    """The answer, then its sources (or, for an abstention, the related passages)."""
    t = labels(answer.lang)
    lines = [answer.answer, ""]
    if answer.notice:
        lines += [f"{t['note']}: {answer.notice}", ""]
    if answer.citations:
        lines.append(f"{t['sources']}:")
        for c in answer.citations:
            lines.append(f"[{c.n}] {byline(c.author, c.title, c.date)} — {_where(c.doc, c.pages)} {c.start}-{c.end}")
            lines.append(f"    “{' '.join(c.quote.split())}”")
    elif answer.passages:
        lines.append(f"{t['related']}:")
        lines += [passage_to_text(p) for p in answer.passages[:3]]
    return "\n".join(lines).rstrip()


# ---------------------------------------------------------------- HTML for the app
# Everything that comes from an article, an upload or a question goes through escape(); the only markup
# is what these functions write themselves.

MARKER = re.compile(r"\[(\d+)\]")  # a citation marker in an answer's text


def escape(text: str) -> str:
    """Text as inert HTML (quotes included, so it is safe inside attributes too)."""
    return html.escape(text, quote=True)


def source_id(key: str, n: int) -> str:
    """DOM id of citation n of the answer identified by `key` (the chat message index)."""
    return f"src-{key}-{n}"


def related_id(key: str, rank: int) -> str:
    """DOM id of the related (retrieved, uncited) passage of that rank."""
    return f"rel-{key}-{rank}"


def _paragraphs(text: str, transform=escape) -> str:
    paras = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "".join(f"<p>{transform(p).replace(chr(10), '<br>')}</p>" for p in paras)


def pending_html(text: str = "", lang: str = "en") -> str:
    """A streaming answer so far (marked as a draft until its citations are checked), or a placeholder."""
    if not text.strip():
        return '<p class="pending">Searching the articles…</p>'
    return f'<div class="draft">{_paragraphs(text)}</div><p class="pending">{escape(labels(lang)["draft"])}</p>'


def question_html(question: str) -> str:
    """The user's question as it appears in the chat."""
    return _paragraphs(question) or "<p></p>"


def answer_html(answer: Answer, key: str) -> str:
    """The answer for the chat: escaped paragraphs whose [n] markers link to the sources panel."""
    known = {c.n for c in answer.citations}

    def link(match: re.Match) -> str:
        n = int(match.group(1))
        if n not in known:
            return match.group(0)
        return f'<a class="cite" href="#{source_id(key, n)}" title="Show source {n} in context">[{n}]</a>'

    t = labels(answer.lang)
    body = _paragraphs(answer.answer, lambda p: MARKER.sub(link, escape(p)))
    # The answerer's own text says that nothing was found; the page only marks it, so it is said once.
    parts = [f'<div class="abstained">{body}</div>' if answer.abstained else body]
    if answer.abstained and answer.passages:
        items = "".join(
            f'<li><a class="cite" href="#{related_id(key, p.rank)}">'
            f"{escape(byline(p.chunk.author, short(p.chunk.title, 80), p.chunk.date))}</a>"
            f"{preview(p.chunk.text, 140)}</li>"
            for p in answer.passages[:3]
        )
        parts.append(f'<p class="related-label">{escape(t["see_sources"])}</p><ul class="related">{items}</ul>')
    if answer.notice:
        parts.append(f'<p class="notice">{escape(answer.notice)}</p>')
    return "".join(parts)


def context_window(text: str, start: int, end: int, radius: int = 450) -> tuple[int, int]:
    """A window of about `radius` characters around [start, end), cut at line breaks or spaces."""
    lo, hi = max(0, start - radius), min(len(text), end + radius)
    if lo > 0:
        cut = text.find("\n", lo, start)
        if cut == -1:
            cut = text.find(" ", lo, start)
        lo = cut + 1 if cut != -1 else start
    if hi < len(text):
        cut = text.rfind("\n", end, hi)
        if cut == -1:
            cut = text.rfind(" ", end, hi)
        hi = cut if cut != -1 else end
    return lo, hi


def passage_html(text: str, start: int, end: int, highlights: Sequence[tuple[int, int]] = ()) -> str:
    """text[start:end] as escaped HTML with the highlight spans (file offsets) in <mark>; … where it is cut."""
    parts, pos = [], start
    for h_start, h_end in sorted(highlights):
        h_start, h_end = max(h_start, pos), min(h_end, end)
        if h_start >= h_end:
            continue
        parts.append(escape(text[pos:h_start]))
        parts.append(f"<mark>{escape(text[h_start:h_end])}</mark>")
        pos = h_end
    parts.append(escape(text[pos:end]))
    before = "… " if start > 0 else ""
    after = " …" if end < len(text) else ""
    return f'<div class="passage">{before}{"".join(parts)}{after}</div>'


def page_label(pages: Sequence[int]) -> str:
    """ "p. 2" for a passage on page 2, "p. 2–3" across two pages, "" for a document without pages."""
    if not pages:
        return ""
    return f"p. {pages[0]}" if len(pages) == 1 else f"p. {pages[0]}–{pages[-1]}"


def _page_html(pages: Sequence[int]) -> str:
    """The page(s) of a PDF passage after its byline in the sources panel ("p. 2"); nothing for other formats."""
    return f' <span class="page">{page_label(pages)}</span>' if pages else ""


def _where(doc: str, pages: Sequence[int]) -> str:
    return f"{doc}, {page_label(pages)}" if pages else doc


def _meta_html(
    title: str,
    author: str | None,
    date: str | None,
    doc: str,
    start: int,
    end: int,
    pages: Sequence[int] = (),
    lang: str = "en",
) -> str:
    t = labels(lang)
    rows = [
        (t["title"], title),
        (t["author"], author or t["unknown"]),
        (t["date"], date or t["unknown"]),
        (t["file"], f"{_where(doc, pages)} ({t['characters']} {start}–{end})"),
    ]
    return '<dl class="meta">' + "".join(f"<dt>{k}</dt><dd>{escape(v)}</dd>" for k, v in rows) + "</dl>"


def preview(text: str, limit: int = 160) -> str:
    """A passage or quote shortened in <q>: the browser adds the quotation marks, unless the text opens with its
    own (a pull quote: ‘“There can only be one strategy.” …), which would stack them (“‘“…)."""
    shown = short(text, limit)
    bare = ' class="bare"' if shown[:1] in OPENING_MARKS else ""
    return f"<q{bare}>{escape(shown)}</q>"


def short(text: str, limit: int = 160) -> str:
    """Text on one line, whole if it fits in `limit` characters, else cut after a whole word with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)  # the space after the last word that fits with the ellipsis
    head = text[:cut] if cut > limit // 2 else text[: limit - 1]  # one very long word: cut inside it
    return head.rstrip(" ,;:–—-") + "…"


def citation_html(c: Citation, text: str | None, key: str, lang: str = "en") -> str:
    """One cited passage: a closed <details> whose body shows the quote highlighted in its surrounding text; its
    labels in the answer's language."""
    if text is not None and text[c.start : c.end] == c.quote:
        lo, hi = context_window(text, c.start, c.end)
        body = passage_html(text, lo, hi, [(c.start, c.end)])
    else:  # the file changed or vanished since indexing: the quote is all we can vouch for
        body = (
            f'<p class="notice">{escape(labels(lang)["changed"])}</p>'
            f'<div class="passage"><mark>{escape(c.quote)}</mark></div>'
        )
    return (
        f'<details class="source" id="{source_id(key, c.n)}"><summary><span class="num">[{c.n}]</span> '
        f'<span class="byline">{escape(byline(c.author, c.title, c.date, 120))}</span>{_page_html(c.pages)}'
        f"{preview(c.quote)}</summary>"
        f"{_meta_html(c.title, c.author, c.date, c.doc, c.start, c.end, c.pages, lang)}{body}</details>"
    )


def related_html(p: Passage, text: str | None, key: str, lang: str = "en") -> str:
    """A retrieved passage that no citation points into, labelled by its rank (not a number like a citation's)."""
    c, t = p.chunk, labels(lang)
    if text is not None and text[c.start : c.end] == c.text:
        body = passage_html(text, c.start, c.end)
    else:
        body = f'<div class="passage">{escape(c.text)}</div>'
    return (
        f'<details class="source related" id="{related_id(key, p.rank)}"><summary>'
        f'<span class="num" title="{escape(t["rank_hint"].format(n=p.rank))}">{escape(t["rank"].format(n=p.rank))}</span> '
        f'<span class="byline">{escape(byline(c.author, c.title, c.date, 120))}</span>{_page_html(c.pages)}'
        f"{preview(c.text)}</summary>"
        f"{_meta_html(c.title, c.author, c.date, c.doc, c.start, c.end, c.pages, lang)}{body}</details>"
    )


def uncited(answer: Answer) -> list[Passage]:
    """Retrieved passages that contain none of the answer's citations."""

    def cited(p: Passage) -> bool:
        return any(c.doc == p.chunk.doc and c.start < p.chunk.end and c.end > p.chunk.start for c in answer.citations)

    return [p for p in answer.passages if not cited(p)]


SOURCES_PLACEHOLDER = '<div class="sources"><p class="hint">Sources of the answer appear here.</p></div>'


def counted(citations: Sequence[Citation], t: dict[str, str]) -> str:
    """ "5 quotes from 2 sources" ("1 quote" when there is one): a source is an author's text, or an unsigned article,
    as the answer's lead counts them ("2 sources speak to this:")."""
    n, sources = len(citations), len({(c.author, c.title) for c in citations})
    quotes = f"{n} {t['quote' if n == 1 else 'quotes']}"
    if n == 1:
        return quotes
    return t["count"].format(q=quotes, s=f"{sources} {t['source' if sources == 1 else 'sources_n']}")


def sources_html(answer: Answer, texts: dict[str, str], key: str) -> str:
    """The sources panel: every citation of the answer, then the related (retrieved, uncited) passages.

    `texts` maps file names to their current text (files that cannot be read are simply absent).
    """
    t = labels(answer.lang)
    parts = [f'<div class="sources" data-label="{t["sources"]}">']  # the phone's sheet bar says it too (app.py)
    if answer.citations:
        parts.append(f'<h3>{t["sources"]} ({counted(answer.citations, t)})</h3><p class="hint">{t["open_hint"]}</p>')
        parts += [citation_html(c, texts.get(c.doc), key, answer.lang) for c in answer.citations]
    else:  # an abstention: the chat already says so; here only what came closest
        parts.append(f'<h3>{t["no_sources"]}</h3><p class="hint">{t["related_hint"]}</p>')
    related = uncited(answer)
    if related:
        parts.append(f"<h4>{t['related']} ({len(related)})</h4>")
        parts += [related_html(p, texts.get(p.chunk.doc), key, answer.lang) for p in related]
    parts.append("</div>")
    return "".join(parts)


def status_html(status: dict) -> str:
    """The index status line (from Assistant.status())."""
    rows = [
        ("Articles", status.get("articles")),
        ("Passages", status.get("passages")),
        ("Embedder", status.get("embedder")),
        ("Last indexed", status.get("last_indexed") or "never"),
    ]
    cells = "".join(f'<span class="stat"><b>{k}</b> {escape(str(v))}</span>' for k, v in rows)
    return f'<div class="status">{cells}</div>'


def duplicate_html(uploaded: str, indexed: str, title: str) -> str:
    """An upload whose text is already indexed: nothing was saved, and this names the file it duplicates."""
    named = f" (“{escape(title)}”)" if title else ""
    return (
        f'<p class="notice">Already indexed: <code>{escape(uploaded)}</code> has the same text as '
        f"<code>{escape(indexed)}</code>{named}. Nothing was added.</p>"
    )


def upload_html(saved: str, report: IndexReport) -> str:
    """What happened to an uploaded article."""
    skipped = next((s for s in report.skipped if s.doc == saved), None)
    if skipped:
        return f'<p class="notice">Saved <code>{escape(saved)}</code> but it was not indexed: {escape(skipped.reason)}.</p>'
    return f'<p class="ok">Added <code>{escape(saved)}</code>; it is searchable now. {escape(report.summary())}</p>'


SHEET_BAR = '<button type="button" id="sheet-toggle" aria-expanded="false" aria-controls="side">Sources</button>'

# Phones (up to 640 px): the chat fills the screen and the side column (status, upload, sources) becomes a sheet
# whose bar sits at the bottom, one tap from the sources; nothing may be wider than the screen.
# Gradio scopes these rules to the app's container, so the sheet's state is a class on #side, not on <body>.
PHONE_CSS = """
#sheet-bar { display: none; }
@media (max-width: 640px) {
  #main { padding-bottom: 56px; }
  #intro h2 { font-size: 1.2em; margin: 0; }
  #intro p { font-size: .85em; margin: .2em 0 0; }
  #chat { height: calc(100dvh - 340px) !important; min-height: 240px; }
  /* the question takes the whole width, the buttons the line below (beside them it was 148 px: 3 words a line) */
  #ask-row { flex-wrap: wrap !important; }
  #ask-row > .form, #question { flex: 1 1 100% !important; min-width: 100% !important; }  /* Gradio wraps it in .form */
  #ask, #clear { flex: 1 1 40% !important; min-width: 60px !important; }
  #side {
    position: fixed !important; left: 0; right: 0; bottom: 0; z-index: 100; margin: 0 !important;
    min-width: 0 !important; width: 100% !important; max-height: 52px; overflow: hidden;
    flex-wrap: nowrap !important;  /* a column that wraps would put the sources beside the sheet, off-screen */
    padding: 0 10px 10px; box-sizing: border-box; gap: 8px;
    background: var(--background-fill-primary); border-top: 1px solid var(--border-color-primary);
    border-radius: 14px 14px 0 0; box-shadow: 0 -4px 16px rgba(0, 0, 0, .15);
  }
  #side:not(.open) { padding-bottom: 0; }  /* closed, the bar is all there is: 52 px, nothing clipped */
  #side.open { max-height: 82dvh; overflow-y: auto; overscroll-behavior: contain; }
  /* Gradio floats the chat's "scroll down" button above everything; under the open sheet it covered the quote */
  #chat .scroll-down-button-container { z-index: 50 !important; }
  #side > * { flex-shrink: 0; }
  #sheet-bar { display: block; position: sticky; top: 0; z-index: 1; background: var(--background-fill-primary); }
  #sheet-toggle {
    width: 100%; height: 52px; border: 0; background: none; font: inherit; font-weight: 600;
    color: var(--body-text-color); cursor: pointer;
  }
  #sheet-toggle::before { content: "▲ "; color: var(--color-accent); }
  #side.open #sheet-toggle::before { content: "▼ "; }
  #sources { max-height: none !important; overflow: visible !important; }
}
"""

CSS = (
    PHONE_CSS
    + """
.sources h3 { margin: 0 0 .25em; }
.sources .hint, .related-label { color: var(--body-text-color-subdued); font-size: .9em; margin: 0 0 .5em; }
.source { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: .4em .6em; margin: .4em 0; }
.source summary { cursor: pointer; }
.source summary q { display: block; color: var(--body-text-color-subdued); font-size: .9em; margin-top: .2em; }
.source .num { font-weight: 700; color: var(--color-accent); }
.source .file { font-family: var(--font-mono); font-size: .8em; color: var(--body-text-color-subdued); }
.source .page { font-size: .85em; color: var(--body-text-color-subdued); white-space: nowrap; }
.source.related .num { color: var(--body-text-color-subdued); }
.source.flash { outline: 3px solid var(--color-accent); }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: 0 .8em; font-size: .85em; margin: .5em 0; }
.meta dt { font-weight: 600; } .meta dd { margin: 0; }
.passage { white-space: pre-wrap; line-height: 1.5; max-height: 22em; overflow-y: auto; font-size: .92em; }
.passage mark { background: #ffe27a; color: #111; padding: 0 .1em; border-radius: 2px; }
a.cite { font-weight: 700; text-decoration: none; cursor: pointer; color: var(--color-accent); }
.abstained { color: #b45309; } .notice { color: #b45309; font-style: italic; }
.pending { color: var(--body-text-color-subdued); font-style: italic; }
.draft { opacity: .75; }
ul.related { margin: .3em 0 0; padding-left: 1.2em; }
ul.related li { overflow-wrap: anywhere; }
ul.related li q { display: block; color: var(--body-text-color-subdued); font-size: .9em; }
q.bare { quotes: none; }
.source summary, .source .passage, .meta dd { overflow-wrap: anywhere; }
.status { display: flex; flex-wrap: wrap; gap: .4em 1.2em; font-size: .9em; }
/* Gradio's own trash icon in the chat's corner: the Clear button beside Ask does the same, and on a phone the icon
   sat on the first question's bubble */
#chat .icon-button-wrapper.top-panel { display: none !important; }
"""
)
