"""Fast tests of the app's handlers and the HTML rendering, on a tiny inline corpus with the hash embedder."""

import dataclasses
import json
import re
import socket
import threading
import time

import gradio as gr
import pytest

import app
from rag.corpus import save_upload, upload_name
from rag.errors import InputError
from rag.feedback import append_feedback, feedback_from_answer
from rag.render import (
    answer_html,
    answer_to_text,
    byline,
    context_window,
    passage_html,
    preview,
    short,
    sources_html,
    status_html,
)
from rag.service import Assistant
from rag.types import Answer, Chunk, Citation, Passage

SCRIPT = "<script>window.__pwned=1</script>"
EVIL = f"""Kwibus de wachtrij-robot

De klantenservice van Zonnebloem Energie laat klanten terugbellen door de wachtrij-robot Kwibus.
{SCRIPT}<img src=x onerror="alert(1)">
Kwibus belt klanten binnen tien minuten terug.
"""


def ask(ui: app.ChatUI, question: str, history=None, answers=None) -> list[tuple]:
    """All outputs the chat handler yields for one question."""
    return list(ui.respond(question, history or [], answers or {}))


def stub_answer(text: str = "Zo is het “<b>vet</b>” [1].", abstained: bool = False) -> Answer:
    """A small Answer built inline: one citation into a file 'x.txt' whose text is FILE_TEXT."""
    quote = "Zo is het <b>vet</b>."
    start = FILE_TEXT.index(quote)
    chunk = Chunk("x.txt#0", "x.txt", 0, 0, len(FILE_TEXT), FILE_TEXT, "Titel <i>", "Auteur & Co", "2025-01-02")
    other = Chunk("y.txt#0", "y.txt", 0, 0, 11, "Iets anders", "Ander <stuk>", None, None)
    citations = (
        ()
        if abstained
        else (Citation(1, "x.txt", chunk.title, chunk.author, chunk.date, quote, start, start + len(quote)),)
    )
    return Answer("Vraag <script>?", text, abstained, citations, (Passage(1, chunk, 0.9), Passage(2, other, 0.5)), 5.0)


FILE_TEXT = "Inleiding over klanten.\nZo is het <b>vet</b>. En dan verder.\n"


# ---------------------------------------------------------------- rendering


def test_answer_html_escapes_markup_and_links_only_known_citation_markers():
    html = answer_html(stub_answer("Tekst <script>alert(1)</script> [1] en [7]."), "3")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<a class="cite" href="#src-3-1"' in html
    assert "[7]" in html and "#src-3-7" not in html


def test_abstention_is_marked_and_lists_related_passages_inside_the_bubble_escaped():
    html = answer_html(stub_answer("Geen antwoord.", abstained=True), "1")
    assert '<div class="abstained"><p>Geen antwoord.</p></div>' in html and "Related passages" in html
    assert "Titel &lt;i&gt;" in html and "<i>" not in html


def test_an_abstention_says_so_once(tiny_settings):
    assistant = Assistant(tiny_settings.with_overrides(abstain_threshold=0.99))
    assistant.reindex()
    _, chat, answers, sources = ask(app.ChatUI(assistant), "Wat is een goed recept voor erwtensoep?")[-1]
    assert answers[1].abstained
    said = re.sub(r"<[^>]+>", " ", chat[-1]["content"] + sources).lower()
    assert said.count("geen antwoord") + said.count("could not find") + said.count("beantwoordt") == 1, said
    assert 'ul class="related"' in chat[-1]["content"]


def _summaries(html: str) -> list[str]:
    return re.findall(r"<summary>(.*?)</summary>", html, flags=re.S)


def test_sources_show_title_author_and_date_and_the_file_only_in_the_opened_details():
    out = sources_html(stub_answer(), {"x.txt": FILE_TEXT, "y.txt": "Iets anders"}, "5")
    cited, related = _summaries(out)
    for shown in ("Titel &lt;i&gt;", "Auteur &amp; Co", "2025-01-02"):
        assert shown in cited
    assert "Ander &lt;stuk&gt;" in related
    assert all(".txt" not in s for s in (cited, related))
    # A related passage is labelled by its place in the retrieved list, not "#2" like a second citation numbering.
    rank = re.search(r'<span class="num" title="([^"]*)">([^<]*)</span>', related)
    assert rank and re.fullmatch(r"rank \d+", rank.group(2)) and "not cited" in rank.group(1)
    assert out.count("x.txt (characters") == 1 and "y.txt (characters" in out  # in each details' metadata


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("Een korte titel", 40, "Een korte titel"),
        (
            "Je kunt de beste CX-strategie hebben, maar als de cultuur er niet klaar voor is gaat het mis",
            60,
            "Je kunt de beste CX-strategie hebben, maar als de cultuur…",
        ),
        (
            "Klantbeleving vraagt om financiële ruimte: investeren zonder druk",
            45,
            "Klantbeleving vraagt om financiële ruimte…",
        ),
        ("https://example.com/" + "a" * 80, 40, "https://example.com/" + "a" * 19 + "…"),
    ],
)
def test_titles_are_whole_or_cut_after_a_whole_word_with_an_ellipsis(text, limit, expected):
    assert short(text, limit) == expected and len(expected) <= limit


def test_passage_html_highlights_the_span_and_escapes_everything():
    text = "a <b> quoted & text </b> z"
    out = passage_html(text, 0, len(text), [(2, 24)])
    assert "<mark>&lt;b&gt; quoted &amp; text &lt;/b&gt;</mark>" in out
    assert "<b>" not in out
    cut = passage_html(text, 2, 10)
    assert cut.startswith('<div class="passage">… ') and cut.endswith(" …</div>")


def test_context_window_contains_the_quote_and_cuts_at_whitespace():
    text = ("woord " * 200) + "HIER STAAT HET CITAAT." + (" woord" * 200)
    start = text.index("HIER")
    lo, hi = context_window(text, start, start + 22, radius=100)
    assert lo <= start and hi >= start + 22
    assert text[lo - 1] == " " and text[hi] == " "
    assert context_window("kort", 0, 4) == (0, 4)


def test_sources_html_shows_context_metadata_and_related_passages_escaped():
    out = sources_html(stub_answer(), {"x.txt": FILE_TEXT}, "5")
    assert 'id="src-5-1"' in out
    assert "<mark>Zo is het &lt;b&gt;vet&lt;/b&gt;.</mark>" in out
    for shown in ("Titel &lt;i&gt;", "Auteur &amp; Co", "2025-01-02", "x.txt"):
        assert shown in out
    assert "Related passages (1)" in out and "Ander &lt;stuk&gt;" in out
    assert "<b>" not in out and "<i>" not in out


def test_the_sources_panel_counts_quotes_and_the_sources_they_come_from_as_the_lead_does():
    from rag.render import counted, labels

    one = stub_answer().citations[0]
    assert "Sources (1 quote)" in sources_html(stub_answer(), {"x.txt": FILE_TEXT}, "5")
    same = dataclasses.replace(one, n=2, quote="En dan verder.")
    other = dataclasses.replace(one, n=3, author="Iemand Anders")
    assert counted([one, same], labels("en")) == "2 quotes from 1 source"
    assert counted([one, same, other], labels("en")) == "3 quotes from 2 sources"  # lead: "2 sources speak to this"
    assert counted([one, same, other], labels("nl")) == "3 citaten uit 2 bronnen"


def test_sources_html_falls_back_to_the_quote_when_the_file_changed():
    out = sources_html(stub_answer(), {"x.txt": "helemaal andere tekst"}, "1")
    assert "changed since it was indexed" in out and "<mark>Zo is het &lt;b&gt;vet&lt;/b&gt;.</mark>" in out
    assert "changed since" in sources_html(stub_answer(), {}, "1")


def test_a_dutch_answers_sources_are_labelled_in_dutch():
    from dataclasses import replace

    dutch = sources_html(replace(stub_answer(), lang="nl"), {"x.txt": FILE_TEXT}, "2")
    for label in ("<dt>Titel</dt>", "<dt>Auteur</dt>", "<dt>Datum</dt>", "<dt>Bestand</dt>", "tekens"):
        assert label in dutch
    assert "<dt>Author</dt>" not in dutch and "<dd>onbekend</dd>" in dutch  # the related passage has no author
    assert "gewijzigd sinds" in sources_html(replace(stub_answer(), lang="nl"), {}, "2")
    assert "<dt>Author</dt>" in sources_html(stub_answer(), {"x.txt": FILE_TEXT}, "2")  # English stays English


def test_a_quoted_word_in_a_title_is_not_doubled_by_the_bylines_quotes():
    assert (
        byline(None, '"De Klant" moet ook in De Ivoren Toren', "2025-11")
        == "“‘De Klant’ moet ook in De Ivoren Toren” (2025-11)"
    )
    assert byline("Anders Jansen", "cX-Factor", None) == "Anders Jansen, “cX-Factor”"
    assert byline(None, 'Een 12" plaat en "de hoes" erbij', None) == '“Een 12" plaat en ‘de hoes’ erbij”'
    long = '"De Klant" ' + "moet ook in De Ivoren Toren tussen de oren " * 5
    assert byline(None, long, None, 40).startswith("“‘De Klant’ moet") and len(byline(None, long, None, 40)) <= 42


def test_status_html_lists_articles_passages_embedder_and_time(tiny_assistant):
    out = status_html(tiny_assistant.status())
    assert "Articles</b> 3" in out and "Embedder</b> hash" in out and "Last indexed" in out
    assert "never" in status_html({"articles": 0, "passages": 0, "embedder": "<x>", "last_indexed": None})


def test_answer_to_text_still_renders_for_the_cli():
    text = answer_to_text(stub_answer())
    assert "Sources:" in text and "[1] Auteur & Co" in text


# ---------------------------------------------------------------- chat handler


def test_respond_streams_a_pending_line_then_the_cited_answer(tiny_assistant):
    outputs = ask(app.ChatUI(tiny_assistant), "Wat is het belangrijkste ontwerpprincipe bij chatbots?")
    first, last = outputs[0], outputs[-1]
    assert "Searching" in first[1][-1]["content"]
    box, chat, answers, sources = last
    assert box == "" and [m["role"] for m in chat] == ["user", "assistant"]
    answer = answers[1]
    assert isinstance(answer, Answer) and answer.citations
    assert '<a class="cite" href="#src-1-1"' in chat[-1]["content"]
    assert 'id="src-1-1"' in sources and "<mark>" in sources
    assert answer.citations[0].doc in sources


def test_partial_answers_stream_into_the_chat_escaped(tiny_assistant, monkeypatch):
    final = stub_answer()

    def stream(question, k=None, history=None):
        yield "Zo is"
        yield "Zo is het <b>vet"
        yield final

    monkeypatch.setattr(tiny_assistant, "ask_stream", stream)
    contents = [out[1][-1]["content"] for out in ask(app.ChatUI(tiny_assistant), "Hoe zit het?")]
    assert "Searching" in contents[0]
    assert "<p>Zo is</p>" in contents[1] and "<p>Zo is het &lt;b&gt;vet</p>" in contents[2]
    assert all("Concept" in c for c in contents[1:3])  # a Dutch question: the draft label is Dutch
    assert "Concept" not in contents[-1]
    assert 'href="#src-1-1"' in contents[-1]


def test_follow_up_questions_get_the_earlier_questions_as_history(tiny_assistant, monkeypatch):
    ui = app.ChatUI(tiny_assistant)
    _, chat, answers, _ = ask(ui, "Wat schrijft Piet over chatbots?")[-1]
    seen = {}
    real = tiny_assistant.ask_stream

    def spy(question, k=None, history=None):
        seen["history"] = history
        yield from real(question, k=k, history=history)

    monkeypatch.setattr(tiny_assistant, "ask_stream", spy)
    _, chat, answers, _ = ask(ui, "En Marie?", chat, answers)[-1]
    assert seen["history"] == ["Wat schrijft Piet over chatbots?"]
    assert sorted(answers) == [1, 3] and len(chat) == 4
    assert ui.clear()[:2] == ([], {})


def test_question_markup_is_escaped_in_the_chat(tiny_assistant):
    _, chat, _, _ = ask(app.ChatUI(tiny_assistant), f"Chatbots {SCRIPT}?")[-1]
    assert SCRIPT not in chat[0]["content"] and "&lt;script&gt;" in chat[0]["content"]


def test_article_markup_is_escaped_in_answer_and_sources(tiny_settings):
    (tiny_settings.seeds_dir / "evil.md").write_text(EVIL, encoding="utf-8")
    assistant = Assistant(tiny_settings)
    assistant.reindex()
    _, chat, answers, sources = ask(app.ChatUI(assistant), "Wat doet de wachtrij-robot Kwibus van Zonnebloem?")[-1]
    assert any(c.doc == "evil.md" for c in answers[1].citations) or any(
        p.chunk.doc == "evil.md" for p in answers[1].passages
    )
    for html in (chat[-1]["content"], sources):
        assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in sources


def test_empty_or_failing_questions_become_gr_error_without_losing_the_chat(tiny_settings):
    ui = app.ChatUI(Assistant(tiny_settings))  # no index built
    for handler in (ui.check, lambda question: ask(ui, question)):
        with pytest.raises(gr.Error, match="empty"):
            handler("   ")
    with pytest.raises(gr.Error, match="too long"):
        ui.check("x" * (tiny_settings.max_question_chars + 1))
    with pytest.raises(gr.Error, match="rag index"):
        ui.check("Een vraag")
    history = [{"role": "user", "content": "eerder"}, {"role": "assistant", "content": "antwoord"}]
    gen = ui.respond("Een <vraag>", history, {})
    next(gen)  # the pending turn
    restored = next(gen)
    assert restored[0] == "Een <vraag>" and restored[1] == history
    with pytest.raises(gr.Error) as err:
        next(gen)
    assert "rag index" in str(err.value) and "<" not in str(err.value).replace("&lt;", "")


def test_clicking_a_message_shows_that_answers_sources(tiny_assistant):
    ui = app.ChatUI(tiny_assistant)
    _, _, answers, _ = ask(ui, "Wat is het belangrijkste ontwerpprincipe bij chatbots?")[-1]
    for index in (0, 1):  # the question or its answer
        out = ui.show_sources(answers, gr.SelectData(None, {"index": index, "value": None}))
        assert 'id="src-1-1"' in out


# ---------------------------------------------------------------- feedback


def test_vote_appends_question_answer_citations_vote_and_time_as_one_json_line(tiny_assistant):
    ui = app.ChatUI(tiny_assistant)
    _, _, answers, _ = ask(ui, "Wat is het belangrijkste ontwerpprincipe bij chatbots?")[-1]
    ui.vote(answers, gr.LikeData(None, {"index": 1, "value": "x", "liked": True}))
    ui.vote(answers, gr.LikeData(None, {"index": 1, "value": "x", "liked": False}))
    ui.vote(answers, gr.LikeData(None, {"index": 0, "value": "x", "liked": True}))  # a question: ignored
    lines = tiny_assistant.settings.feedback_path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first["vote"] == "up" and json.loads(lines[1])["vote"] == "down"
    assert first["question"] == answers[1].question and first["answer"] == answers[1].answer
    assert first["citations"][0]["quote"] == answers[1].citations[0].quote
    assert time.strptime(first["timestamp"][:19], "%Y-%m-%dT%H:%M:%S")


def test_append_feedback_creates_folders_and_never_interleaves_lines(tmp_path):
    path = tmp_path / "deep" / "er" / "feedback.jsonl"
    record = feedback_from_answer(stub_answer("x" * 5000), "up")

    def vote_many():
        for _ in range(25):
            append_feedback(path, record)

    threads = [threading.Thread(target=vote_many) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 200 and all(json.loads(line)["answer"] == "x" * 5000 for line in lines)


# ---------------------------------------------------------------- uploads


@pytest.mark.parametrize(
    ("given", "saved"),
    [
        ("../../etc/x.md", "x.md"),
        ("..\\..\\windows\\evil.TXT", "evil.txt"),
        ("/abs/path/notes.md", "notes.md"),
        (".hidden.md", "hidden.md"),
        ("Klantreis één & co!.md", "Klantreis_een_co.md"),
        ("...md", "upload.md"),
    ],
)
def test_upload_names_are_sanitised_to_a_safe_basename(given, saved):
    assert upload_name(given) == saved


@pytest.mark.parametrize("name", ["notes.doc", "script.md.exe", "noextension", "", "../"])
def test_uploads_of_unsupported_types_are_refused(name, tmp_path):
    with pytest.raises(InputError, match=r"not a supported file.*\.txt, \.md, \.html, \.htm, \.pdf, \.docx"):
        save_upload(tmp_path, name, b"tekst", 1000)


def test_an_upload_whose_extension_lies_is_refused_by_its_content(tmp_path):
    with pytest.raises(
        InputError, match=r"'notes.pdf' cannot be added: the extension says .pdf but the content is plain"
    ):
        save_upload(tmp_path, "notes.pdf", b"tekst", 1000)
    assert not list(tmp_path.iterdir())


def test_upload_with_path_traversal_lands_inside_the_seeds_dir(tmp_path):
    seeds = tmp_path / "seeds"
    assert save_upload(seeds, "../../etc/x.md", b"Een artikel.", 1000) == "x.md"
    assert (seeds / "x.md").read_bytes() == b"Een artikel."
    assert not (tmp_path / "etc").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (bytes(range(1, 32)) * 20, "binary"),
        (b"x" * 1001, "too large"),
        (b"  \n\n ", "empty"),
    ],
)
def test_binary_too_large_or_empty_uploads_are_refused_with_a_clear_message(tmp_path, data, message):
    with pytest.raises(InputError, match=message):
        save_upload(tmp_path, "artikel.txt", data, 1000)
    assert not list(tmp_path.iterdir())


def test_an_existing_different_file_is_never_overwritten(tmp_path):
    (tmp_path / "a.md").write_bytes(b"origineel")
    assert save_upload(tmp_path, "a.md", b"nieuw", 1000) == "a-2.md"
    assert save_upload(tmp_path, "a.md", b"origineel", 1000) == "a.md"  # the same file again: reused
    assert save_upload(tmp_path, "a.md", b"nieuw", 1000) == "a-2.md"
    assert (tmp_path / "a.md").read_bytes() == b"origineel"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-2.md", "a.md"]


def test_add_article_saves_reindexes_and_makes_it_searchable_at_once(tiny_assistant, tmp_path):
    ui = app.ChatUI(tiny_assistant)
    upload = tmp_path / "upload" / "kwibus.md"
    upload.parent.mkdir()
    upload.write_text(EVIL, encoding="utf-8")
    message, status, file_value = ui.add_article(str(upload))
    assert "Added <code>kwibus.md</code>" in message and file_value is None
    assert "Articles</b> 4" in status
    _, _, answers, sources = ask(ui, "Wat doet de wachtrij-robot Kwibus?")[-1]
    assert answers[1].citations[0].doc == "kwibus.md"
    assert "&lt;script&gt;" in sources


@pytest.mark.parametrize("name", ["a_zorg.txt", "kopie van zorg.txt"])
def test_re_uploading_an_indexed_article_says_so_and_names_the_file_it_duplicates(tiny_assistant, tmp_path, name):
    seeds = tiny_assistant.settings.seeds_dir
    before = sorted(p.name for p in seeds.iterdir())
    upload = tmp_path / "upload" / name
    upload.parent.mkdir()
    upload.write_bytes((seeds / "a_zorg.txt").read_bytes().replace(b"\n", b"\r\n"))  # same text, other line ends
    message, status, file_value = app.ChatUI(tiny_assistant).add_article(str(upload))
    assert "Already indexed" in message and "<code>a_zorg.txt</code>" in message and "Klantreis in de zorg" in message
    assert "Added" not in message and file_value is None
    assert sorted(p.name for p in seeds.iterdir()) == before  # no second copy saved


def test_add_article_turns_a_bad_upload_into_gr_error(tiny_assistant, tmp_path):
    bad = tmp_path / "plaatje.md"
    bad.write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(gr.Error, match="binary"):
        app.ChatUI(tiny_assistant).add_article(str(bad))


def test_an_uploaded_pdf_is_cited_with_its_page_in_the_sources_panel(tiny_assistant, tmp_path):
    from tests.filemakers import pdf_bytes

    upload = tmp_path / "upload" / "tandem.pdf"
    upload.parent.mkdir()
    upload.write_bytes(
        pdf_bytes(
            [
                "Fietsverhuur Tandem\n\nTandem verhuurt fietsen aan toeristen in Zeeland.",
                "Wie bij Tandem een lekke band meldt, krijgt binnen twintig minuten een vervangende fiets.",
            ]
        )
    )
    ui = app.ChatUI(tiny_assistant)
    message, _, _ = ui.add_article(str(upload))
    assert "Added <code>tandem.pdf</code>" in message
    _, _, answers, sources = ask(ui, "Wat krijg je bij Tandem na het melden van een lekke band?")[-1]
    cited = [c for c in answers[1].citations if c.doc == "tandem.pdf"]
    assert cited and cited[0].page == 2
    assert (
        '<span class="page">p. 2</span>' in sources and "tandem.pdf, p. 2 (tekens" in sources
    )  # a Dutch question: Dutch labels
    assert "<mark>" in sources


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("verslag.pdf", b"Gewoon tekst.", "the extension says .pdf but the content is plain text"),
        ("leeg.html", b"<html><body><nav><a href='/'>Home</a></nav></body></html>", "no main text"),
    ],
)
def test_add_article_refuses_a_bad_pdf_or_page_with_its_reason(tiny_assistant, tmp_path, name, data, reason):
    bad = tmp_path / name
    bad.write_bytes(data)
    with pytest.raises(gr.Error, match=reason):
        app.ChatUI(tiny_assistant).add_article(str(bad))
    assert not (tiny_assistant.settings.seeds_dir / name).exists()


# ---------------------------------------------------------------- serving


def test_parse_auth():
    assert app.parse_auth("") is None
    assert app.parse_auth("anna:geheim:123") == ("anna", "geheim:123")
    with pytest.raises(InputError):
        app.parse_auth("alleen-naam")


def test_serve_warns_on_a_public_host_without_auth_and_sets_concurrency(tiny_settings, monkeypatch, caplog):
    launched = {}
    monkeypatch.setattr(gr.Blocks, "launch", lambda self, **kw: launched.update(kw, demo=self))
    monkeypatch.setattr(app, "check_port", lambda host, port: None)  # nothing listens; the ports may be taken
    app.serve(tiny_settings.with_overrides(host="0.0.0.0", port=7999))
    assert "without a password" in caplog.text
    assert launched["server_name"] == "0.0.0.0" and launched["server_port"] == 7999 and launched["auth"] is None
    assert launched["max_threads"] >= tiny_settings.concurrency
    assert launched["demo"]._queue.default_concurrency_limit == tiny_settings.concurrency
    chat = [fn for fn in launched["demo"].fns.values() if getattr(fn.fn, "__name__", "") == "respond"]
    assert chat and all(fn.concurrency_limit == tiny_settings.concurrency for fn in chat)
    caplog.clear()
    app.serve(tiny_settings.with_overrides(auth="anna:geheim"))
    assert launched["auth"] == ("anna", "geheim") and "without a password" not in caplog.text


def test_ten_users_asking_at_once_do_not_wait_on_each_other(tiny_assistant, free_port, monkeypatch):
    """Each answer takes 1 s here; ten at once must finish in far less than the 10 s a single worker needs."""
    from gradio_client import Client

    real = tiny_assistant.ask_stream

    def slow(question, k=None, history=None):
        time.sleep(1.0)
        yield from real(question, k=k, history=history)

    monkeypatch.setattr(tiny_assistant, "ask_stream", slow)
    demo = app.build_app(tiny_assistant)
    demo.queue(default_concurrency_limit=tiny_assistant.settings.concurrency)
    demo.launch(server_name="127.0.0.1", server_port=free_port, prevent_thread_lock=True, quiet=True)
    try:
        client = Client(f"http://127.0.0.1:{free_port}/", verbose=False)
        t0 = time.perf_counter()
        jobs = [
            client.submit("Wat is het belangrijkste ontwerpprincipe bij chatbots?", api_name="/ask") for _ in range(10)
        ]
        results = [job.result(timeout=30) for job in jobs]
        elapsed = time.perf_counter() - t0
    finally:
        demo.close()
    assert all(r["citations"] for r in results)
    assert elapsed < 5.0, f"10 concurrent questions took {elapsed:.1f} s"


def test_serve_refuses_a_taken_port_before_building_anything(tiny_settings, monkeypatch):
    monkeypatch.setattr(gr.Blocks, "launch", lambda self, **kw: pytest.fail("launched on a taken port"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(InputError, match=f"Port {port} on 127.0.0.1 is already in use"):
            app.serve(tiny_settings.with_overrides(port=port))
    assert not tiny_settings.index_dir.exists()


def test_a_port_taken_while_the_app_starts_gives_the_same_advice_not_gradios(tiny_settings, monkeypatch):
    def taken(self, **kw):
        raise OSError("Cannot find empty port in range: 7999-7999. You can specify a different port by setting the "
                      "GRADIO_SERVER_PORT environment variable or passing the `server_port` parameter to `launch()`.")  # fmt: skip

    monkeypatch.setattr(gr.Blocks, "launch", taken)
    monkeypatch.setattr(app, "check_port", lambda host, port: None)
    with pytest.raises(InputError, match="already in use.*--port or RAG_PORT") as caught:
        app.serve(tiny_settings.with_overrides(port=7999))
    assert "GRADIO_SERVER_PORT" not in str(caught.value)


# ---------------------------------------------------------------- the /ask API


def test_the_page_shows_scripts_one_endpoint_ask_and_hides_its_own_handlers(tiny_assistant):
    info = app.build_app(tiny_assistant).get_api_info()
    assert list(info["named_endpoints"]) == ["/ask"] and not info["unnamed_endpoints"]
    params = [p["parameter_name"] for p in info["named_endpoints"]["/ask"]["parameters"]]
    assert params == ["question", "history"]


def test_ask_api_returns_the_rag_ask_json_with_citations_at_file_offsets(tiny_assistant):
    ui = app.ChatUI(tiny_assistant)
    out = ui.ask_api("Wat is het belangrijkste ontwerpprincipe bij chatbots?")
    expected = tiny_assistant.ask("Wat is het belangrijkste ontwerpprincipe bij chatbots?").to_json()
    assert set(out) == set(expected) and out["answer"] == expected["answer"]
    assert out["citations"] and json.loads(json.dumps(out)) == out  # plain JSON
    for c in out["citations"]:
        text = (tiny_assistant.settings.seeds_dir / c["doc"]).read_text(encoding="utf-8")
        assert text[c["start"] : c["end"]] == c["quote"]


def test_ask_api_passes_earlier_questions_as_the_conversation(tiny_assistant, monkeypatch):
    seen = {}
    real = tiny_assistant.ask

    def spy(question, k=None, history=None):
        seen["history"] = history
        return real(question, k=k, history=history)

    monkeypatch.setattr(tiny_assistant, "ask", spy)
    ui = app.ChatUI(tiny_assistant)
    ui.ask_api("En wat vindt Marie?", ["Moet je klantcontact automatiseren met chatbots?"])
    assert seen["history"] == ["Moet je klantcontact automatiseren met chatbots?"]
    ui.ask_api("En wat vindt Marie?", None)
    assert seen["history"] == []


@pytest.mark.parametrize(("question", "history", "message"), [("  ", None, "empty"), ("Vraag?", [1, 2], "history")])
def test_ask_api_refuses_bad_input_with_one_clear_line(tiny_assistant, question, history, message):
    with pytest.raises(gr.Error, match=message):
        app.ChatUI(tiny_assistant).ask_api(question, history)


def test_a_preview_that_opens_with_its_own_quotation_marks_gets_no_second_pair():
    assert preview("Klantbeleving vraagt om financiële ruimte.") == "<q>Klantbeleving vraagt om financiële ruimte.</q>"
    # The browser's marks around ‘“There …” would stack (“‘“There …): the text's own marks are shown alone.
    assert preview("‘“There can only be one strategy.” En dat klopt.’") == (
        '<q class="bare">‘“There can only be one strategy.” En dat klopt.’</q>'
    )
    assert preview("<b>") == "<q>&lt;b&gt;</q>"  # escaped as before
