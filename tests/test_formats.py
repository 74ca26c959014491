"""PDF, DOCX and HTML next to .txt/.md: extraction, metadata, exact offsets, pages, answers with verbatim quotes,
incremental updates, and every bad file skipped (and refused on upload) with its reason. Files are built here."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from rag.cli import main
from rag.corpus import read_corpus, read_document_text, save_upload
from rag.errors import IndexMismatchError, InputError
from rag.extract import ExtractError, extract
from rag.indexer import update_index
from rag.service import Assistant
from rag.store import load_index
from tests.filemakers import (
    ARTICLE_HTML,
    NO_ARTICLE_HTML,
    damaged_docx_bytes,
    damaged_pdf_bytes,
    docx_bytes,
    encrypted_pdf_bytes,
    pdf_bytes,
    pdf_text,
    scanned_pdf_bytes,
    zip_bomb_docx_bytes,
)
from tests.helpers import make_settings

ROOT = Path(__file__).resolve().parent.parent

PAGE_1 = """Jaarverslag klantcontact 2025

In 2025 belden 120.000 klanten met de servicedesk van Voorbeeldbank.
De meeste vragen gingen over betalingen en verloren passen."""
PAGE_2 = """De gemiddelde wachttijd daalde in het tweede halfjaar naar drie minuten dankzij het nieuwe terugbelsysteem.
Klanten gaven de servicedesk gemiddeld een 8,1 als rapportcijfer."""

DOCX_BLOCKS = [
    ("h1", "Klachten goed afhandelen"),
    ("p", "Een klacht is een cadeautje: de klant geeft je een tweede kans om het goed te doen."),
    ("h2", "Snel terugbellen"),
    ("p", "Bel een klant met een klacht binnen twee werkdagen terug, ook als de oplossing nog niet bekend is."),
    ("table", "Kanaal | Reactietijd\nTelefoon | direct\nE-mail | binnen een werkdag"),
    ("p", "Noteer elke klacht in het klantsysteem, zodat collega's weten wat er speelt."),
]


def pdf_report() -> bytes:
    return pdf_bytes([PAGE_1, PAGE_2], title="Jaarverslag klantcontact 2025", author="Karin Smit")


def docx_manual() -> bytes:
    return docx_bytes(DOCX_BLOCKS, title="Klachten goed afhandelen", author="Joris Bakker")


# name, bytes, expected (title, author, date), a question, a phrase the cited quote must contain
FORMATS = {
    "pdf": (
        "jaarverslag.pdf",
        pdf_report,
        ("Jaarverslag klantcontact 2025", "Karin Smit", "2025-03-04"),
        "Hoe lang was de gemiddelde wachttijd in het tweede halfjaar?",
        "drie minuten",
    ),
    "docx": (
        "klachten.docx",
        docx_manual,
        ("Klachten goed afhandelen", "Joris Bakker", "2025-03-04"),
        "Binnen hoeveel werkdagen bel je een klant met een klacht terug?",
        "binnen twee werkdagen terug",
    ),
    "html": (
        "wachttijden.html",
        lambda: ARTICLE_HTML.encode("utf-8"),
        ("Wachttijden in de zorg", "Anna de Vries", "2025-03-04"),
        "Hoeveel minuten wachttijd had het Maasziekenhuis na de terugbelknop?",
        "Maasziekenhuis halveerde de wachttijd",
    ),
}


def settings_with(tmp_path: Path, files: dict[str, bytes], **overrides):
    s = make_settings(tmp_path, **overrides)
    for name, data in files.items():
        (s.seeds_dir / name).write_bytes(data)
    return s


def args(s) -> list[str]:
    return ["--seeds-dir", str(s.seeds_dir), "--index-dir", str(s.index_dir), "--embedder", "hash"]


# ---------------------------------------------------------------- every format


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_gets_its_metadata_and_every_chunk_indexes_the_stored_text(tmp_path, fmt):
    name, make, (title, author, date), _, _ = FORMATS[fmt]
    s = settings_with(tmp_path, {name: make()}, chunk_size=120, chunk_overlap=20)
    report = update_index(s)
    assert name in report.added and not report.skipped
    index = load_index(s.index_dir)
    doc = index.document(name)
    assert (doc.title, doc.author, doc.date, doc.format) == (title, author, date, fmt)
    chunks = [c for c in index.chunks if c.doc == name]
    assert len(chunks) > 2  # small chunks: many spans to check
    for c in chunks:
        assert doc.text[c.start : c.end] == c.text
    assert all(index.document(c.doc).text[c.start : c.end] == c.text for c in index.chunks)  # .txt/.md too


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_answers_a_question_with_a_verbatim_quote_of_its_text(tmp_path, fmt):
    name, make, _, question, phrase = FORMATS[fmt]
    s = settings_with(tmp_path, {name: make()})
    assistant = Assistant(s)
    assistant.reindex()
    answer = assistant.ask(question)
    cited = [c for c in answer.citations if c.doc == name]
    assert not answer.abstained and cited, answer.answer
    text = assistant.document(name).text
    assert all(text[c.start : c.end] == c.quote for c in answer.citations if c.doc == name)
    assert any(phrase in c.quote for c in cited)
    assert read_document_text(s.index_dir, name) == text  # the viewer's text is the indexed text


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_is_read_again_only_when_its_bytes_change(tmp_path, fmt, monkeypatch):
    name, make, _, _, _ = FORMATS[fmt]
    s = settings_with(tmp_path, {name: make()})
    update_index(s)
    extracted: list[str] = []
    import rag.corpus

    real = rag.corpus.extract
    monkeypatch.setattr(rag.corpus, "extract", lambda n, d, m: extracted.append(n) or real(n, d, m))
    (s.seeds_dir / name).touch()  # a newer mtime, the same bytes
    again = update_index(s)
    assert again.chunks_embedded == 0 and name in again.unchanged and extracted == []
    changed = {
        "pdf": lambda: pdf_bytes([PAGE_1, PAGE_2.replace("drie minuten", "twee minuten")], title="Jaarverslag"),
        "docx": lambda: docx_bytes([*DOCX_BLOCKS, ("p", "Nieuw: vraag na een week of de klacht is opgelost.")]),
        "html": lambda: ARTICLE_HTML.replace("vier minuten", "vijf minuten").encode("utf-8"),
    }[fmt]()
    (s.seeds_dir / name).write_bytes(changed)
    report = update_index(s)
    assert report.changed == (name,) and extracted == [name]
    index = load_index(s.index_dir)
    assert report.chunks_embedded == sum(c.doc == name for c in index.chunks)
    new_text = index.document(name).text
    assert ("twee minuten" in new_text) if fmt == "pdf" else ("Nieuw:" in new_text or "vijf minuten" in new_text)
    assert all(new_text[c.start : c.end] == c.text for c in index.chunks if c.doc == name)


# ---------------------------------------------------------------- PDF pages


def test_pdf_chunks_and_citations_know_their_pages(tmp_path):
    s = settings_with(tmp_path, {"jaarverslag.pdf": pdf_report()}, chunk_size=160, chunk_overlap=0)
    update_index(s)
    index = load_index(s.index_dir)
    doc = index.document("jaarverslag.pdf")
    on_pages = [(p.page, " ".join(doc.text[p.start : p.end].split())) for p in doc.pages]
    assert on_pages == [(1, " ".join(pdf_text(PAGE_1).split())), (2, " ".join(pdf_text(PAGE_2).split()))]
    for c in (c for c in index.chunks if c.doc == "jaarverslag.pdf"):
        on = [p.page for p in doc.pages if p.start < c.end and c.start < p.end]
        assert c.pages == tuple(on) and c.pages
    assert all(c.pages == () for c in index.chunks if c.doc != "jaarverslag.pdf")

    answer = Assistant(s).ask("Hoe lang was de gemiddelde wachttijd in het tweede halfjaar?")
    data = json.loads(json.dumps(answer.to_json()))  # as `rag ask --json` prints it
    cited = [c for c in data["citations"] if c["doc"] == "jaarverslag.pdf"]
    assert cited and all(c["page"] == 2 and c["pages"] == [2] for c in cited if "drie minuten" in c["quote"])
    # The sentence wraps in the PDF; its lines are joined again, so the quote is the whole sentence.
    assert any("drie minuten dankzij het nieuwe terugbelsysteem." in c["quote"] for c in cited)
    passages = {p["doc"]: p for p in data["passages"]}
    assert passages["jaarverslag.pdf"]["page"] in (1, 2) and passages["jaarverslag.pdf"]["pages"]
    others = [p for p in data["passages"] if p["doc"] != "jaarverslag.pdf"]
    assert all(p["page"] is None and p["pages"] == [] for p in others)


def test_a_chunk_that_spans_two_pages_gives_both_pages(tmp_path):
    short = pdf_bytes(["Korte pagina een over de servicedesk.", "Korte pagina twee over het terugbelsysteem."])
    s = settings_with(tmp_path, {"kort.pdf": short})
    update_index(s)
    (chunk,) = [c for c in load_index(s.index_dir).chunks if c.doc == "kort.pdf"]
    assert chunk.pages == (1, 2)
    answer = Assistant(s).ask("Wat staat er over het terugbelsysteem?")
    quote = next(c for c in answer.citations if c.doc == "kort.pdf")
    assert quote.page == 2 and "pagina twee" in quote.quote  # the first page of the quote, not of the chunk


def test_rag_show_prints_the_indexed_text_metadata_and_pages(tmp_path, capsys):
    s = settings_with(tmp_path, {"jaarverslag.pdf": pdf_report(), "klachten.docx": docx_manual()})
    assert main(["index", *args(s)]) == 0
    capsys.readouterr()
    assert main(["show", "jaarverslag.pdf", "--json", *args(s)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert list(shown) == ["doc", "title", "author", "date", "format", "text", "pages"]
    assert (shown["doc"], shown["format"], shown["author"]) == ("jaarverslag.pdf", "pdf", "Karin Smit")
    assert shown["pages"] == [{"page": 1, "start": 0, "end": len(pdf_text(PAGE_1))}, {"page": 2, **_span(shown, 2)}]
    assert shown["text"] == Assistant(s).document("jaarverslag.pdf").text
    assert main(["show", "klachten.docx", "--json", *args(s)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert "pages" not in shown and shown["format"] == "docx" and shown["text"].startswith("Klachten goed afhandelen\n")
    assert main(["show", "jaarverslag.pdf", *args(s)]) == 0
    out = capsys.readouterr().out
    assert "Jaarverslag klantcontact 2025" in out and "p. 2" in out and "drie minuten" in out
    assert main(["show", str(s.seeds_dir / "klachten.docx"), "--json", *args(s)]) == 0  # a path works too
    assert json.loads(capsys.readouterr().out)["doc"] == "klachten.docx"
    assert main(["show", "bestaat-niet.pdf", *args(s)]) == 2
    assert "error: 'bestaat-niet.pdf' is not in the index" in capsys.readouterr().err


def _span(shown: dict, page: int) -> dict:
    start = shown["text"].index(pdf_text(PAGE_2)[:30])
    return {"start": start, "end": start + len(pdf_text(PAGE_2))} if page == 2 else {}


def test_a_correspondence_saved_as_pdf_is_split_into_its_letters(tmp_path):
    bundled = next((ROOT / "seeds").glob("002_*.txt")).read_text(encoding="utf-8")
    half = bundled.index("Helmond, september 2025")
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "briefwisseling.pdf").write_bytes(pdf_bytes([bundled[:half], bundled[half:]]))
    (seeds / "origineel.txt").write_text(bundled, encoding="utf-8")
    docs = {d.doc: d for d in read_corpus(seeds, 5_000_000).documents}
    letters = {n: [(s.author, s.place, s.date) for s in d.sections if s.kind == "letter"] for n, d in docs.items()}
    assert (
        letters["briefwisseling.pdf"]
        == letters["origineel.txt"]
        == [
            ("Jan-Hein Pierik", "Zeist", "2025-09"),
            ("Wim Rampen", "Helmond", "2025-09"),
            ("Rien Brus", "Santpoort-Zuid", "2025-09"),
        ]
    )
    pdf = docs["briefwisseling.pdf"]
    assert pdf.title == docs["origineel.txt"].title and len(pdf.pages) >= 2  # long pages flow onto more pages


# ---------------------------------------------------------------- HTML: main text only, nothing run


def test_html_keeps_the_article_and_drops_navigation_scripts_styles_cookie_bar_and_footer(monkeypatch):
    def no_network(*a, **k):
        raise AssertionError("extraction tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    text = extract("pagina.html", ARTICLE_HTML.encode("utf-8"), 1_000_000).text
    assert "Maasziekenhuis halveerde de wachttijd" in text and "digitale triage" in text
    for boilerplate in ("KWAADAARDIG", "tracking", "color: red", "cookies", "navigatiemenu", "footerformulier",
                        "kortingscodes", "<", "Zorgblog - het blog"):  # fmt: skip
        assert boilerplate not in text


def test_html_metadata_falls_back_to_the_title_tag_and_the_byline():
    page = """<html><head><title>Service in de supermarkt</title></head><body><article>
    <h1>Service in de supermarkt</h1><p class="byline">Door Piet Jansen</p>
    <p>Klanten in de supermarkt waarderen een medewerker die meeloopt naar het schap meer dan een korting.</p>
    <p>Een vriendelijke groet bij de kassa maakt voor de klantbeleving meer verschil dan een actiefolder.</p>
    </article></body></html>"""
    got = extract("s.htm", page.encode("utf-8"), 1_000_000)
    assert (got.title, got.author) == ("Service in de supermarkt", "Piet Jansen")
    assert "Door Piet Jansen" not in got.text and "meeloopt naar het schap" in got.text


# ---------------------------------------------------------------- bad files


BAD_FILES = {
    "versleuteld.pdf": (encrypted_pdf_bytes, "encrypted PDF"),
    "gescand.pdf": (scanned_pdf_bytes, "no text layer; OCR is not supported"),
    "kapot.pdf": (damaged_pdf_bytes, "damaged PDF"),
    "kapot.docx": (damaged_docx_bytes, "damaged Word document"),
    "leeg.html": (lambda: NO_ARTICLE_HTML.encode("utf-8"), "no main text found in the HTML page"),
    "tekst.pdf": (
        lambda: b"Gewone tekst met een .pdf-naam.\n",
        "the extension says .pdf but the content is plain text",
    ),
    "verslag.txt": (pdf_report, "the extension says .txt but the content is a PDF; rename it to .pdf"),
    "pagina.docx": (lambda: ARTICLE_HTML.encode(), "the extension says .docx but the content is an HTML page"),
    "brief.pdf": (docx_manual, "the extension says .pdf but the content is a Word document; rename it to .docx"),
    "bom.docx": (lambda: zip_bomb_docx_bytes(8 << 20), "refused before unpacking: word/media/image1.bin would unpack"),
}


def test_bad_files_are_skipped_with_their_reason_and_nothing_indexed_is_lost(tmp_path, capsys):
    s = settings_with(tmp_path, {"jaarverslag.pdf": pdf_report()})
    assert main(["index", *args(s)]) == 0
    capsys.readouterr()
    for name, (make, _) in BAD_FILES.items():
        (s.seeds_dir / name).write_bytes(make())
    (s.seeds_dir / "jaarverslag.pdf").write_bytes(pdf_report()[:1500])  # an indexed file, cut off later
    assert main(["index", *args(s)]) == 0
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    for name, (_, reason) in BAD_FILES.items():
        reported = [line for line in lines if line.startswith(f"skipped {name}: ")]
        assert len(reported) == 1 and reason in reported[0], (name, captured.err)
    assert "skipped jaarverslag.pdf: damaged PDF" in captured.err
    assert f"; {len(BAD_FILES) + 1} skipped" in captured.out
    index = load_index(s.index_dir)
    assert "jaarverslag.pdf" in index.manifest.files  # its old passages stay until it is readable again
    assert "drie minuten" in index.document("jaarverslag.pdf").text


@pytest.mark.parametrize("name", BAD_FILES)
def test_the_upload_refuses_each_bad_file_with_the_same_reason(tmp_path, name):
    make, reason = BAD_FILES[name]
    with pytest.raises(InputError, match=f"'{name}' cannot be added: .*{reason[:30]}"):
        save_upload(tmp_path / "seeds", name, make(), 2_000_000)
    assert not (tmp_path / "seeds").exists() or not list((tmp_path / "seeds").iterdir())


def test_good_uploads_of_every_format_are_saved(tmp_path):
    for name, make, *_ in FORMATS.values():
        data = make()
        assert save_upload(tmp_path, name, data, 1_000_000) == name
        assert (tmp_path / name).read_bytes() == data


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_size_limits_apply_to_every_format(tmp_path, fmt):
    name, make, *_ = FORMATS[fmt]
    data = make()
    s = settings_with(tmp_path, {name: data}, max_file_bytes=len(data) - 1)
    reasons = {x.doc: x.reason for x in update_index(s).skipped}
    assert reasons[name].startswith(f"too large ({len(data):,} bytes > {len(data) - 1:,})")
    with pytest.raises(InputError, match="too large.*RAG_MAX_UPLOAD_BYTES"):
        save_upload(tmp_path / "up", name, data, len(data) - 1)
    assert save_upload(tmp_path / "up", name, data, len(data)) == name


def test_a_zip_bomb_is_refused_before_anything_is_unpacked(monkeypatch):
    import zipfile

    def no_unpacking(*a, **k):
        raise AssertionError("a member was opened")

    bomb = zip_bomb_docx_bytes(40 << 20)
    assert len(bomb) < 100_000  # well under the size limit: only the declared sizes give it away
    monkeypatch.setattr(zipfile.ZipFile, "open", no_unpacking)
    with pytest.raises(ExtractError, match="refused before unpacking: it would unpack to 41,943,[0-9]+ bytes"):
        extract("bom.docx", bomb, 1_000_000)


def test_an_owner_password_only_pdf_opens_like_in_any_viewer():
    from io import BytesIO

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(BytesIO(pdf_report())))
    writer.encrypt(user_password="", owner_password="alleen-printen-verboden", algorithm="RC4-128")
    out = BytesIO()
    writer.write(out)
    assert "drie minuten" in extract("beveiligd.pdf", out.getvalue(), 1_000_000).text


def test_an_index_written_by_the_previous_schema_is_rebuilt_with_a_message(tmp_path, capsys):
    s = make_settings(tmp_path)
    update_index(s)
    version = s.index_dir / (s.index_dir / "CURRENT").read_text()
    manifest = json.loads((version / "manifest.json").read_text())
    (version / "manifest.json").write_text(json.dumps({**manifest, "schema_version": 1}))
    assert main(["index", *args(s)]) == 0
    captured = capsys.readouterr()
    assert "written by another version of this program; rebuilding the whole index" in captured.err
    assert "full rebuild: 3 added" in captured.out


def test_the_app_start_rebuilds_an_index_of_the_previous_schema_instead_of_failing(tmp_path):
    s = make_settings(tmp_path)
    update_index(s)
    version = s.index_dir / (s.index_dir / "CURRENT").read_text()
    manifest = json.loads((version / "manifest.json").read_text())
    (version / "manifest.json").write_text(json.dumps({**manifest, "schema_version": 1}))
    assistant = Assistant(s)
    assert "another version of this program" in assistant.status()["warning"]
    with pytest.raises(IndexMismatchError, match="Run `rag index` to rebuild it"):
        assistant.search("wachttijden")
    report = assistant.ensure_index(rebuild_stale=True)  # what `make run` does on start
    assert report.full and assistant.status()["articles"] == 3


def test_markup_written_in_a_web_page_is_text_in_the_index_and_escaped_in_the_app(tiny_settings):
    import app

    page = ARTICLE_HTML.replace(
        "<p>Ook huisartsen",
        "<p>De robot Kwibus schreef &lt;img src=x onerror=alert(1)&gt; in zijn antwoord aan patiënten.</p><p>Ook huisartsen",
    )
    (tiny_settings.seeds_dir / "kwibus.html").write_text(page, encoding="utf-8")
    assistant = Assistant(tiny_settings)
    assistant.reindex()
    assert "<img src=x onerror=alert(1)>" in assistant.document("kwibus.html").text  # the page's text, as text
    ui = app.ChatUI(assistant)
    *_, (_, chat, answers, sources) = ui.respond("Wat schreef de robot Kwibus aan patiënten?", [], {})
    assert any(c.doc == "kwibus.html" for c in answers[1].citations)
    for html in (chat[-1]["content"], sources):
        assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in sources


def test_the_same_text_under_another_name_is_a_duplicate_in_the_index_and_on_upload(tmp_path):
    s = settings_with(tmp_path, {"jaarverslag.pdf": pdf_report()})
    update_index(s)
    crlf = (s.seeds_dir / "a_zorg.txt").read_bytes().replace(b"\n", b"\r\n")  # other bytes, the same text
    (s.seeds_dir / "zorg-kopie.txt").write_bytes(crlf)
    report = update_index(s)
    assert {x.doc: x.reason for x in report.skipped} == {
        "zorg-kopie.txt": "duplicate of a_zorg.txt; remove one of the two"
    }
    assistant = Assistant(s)
    assert assistant.indexed_copy("kopie.txt", crlf) == ("a_zorg.txt", "Klantreis in de zorg")
    pdf = (s.seeds_dir / "jaarverslag.pdf").read_bytes()
    assert assistant.indexed_copy("rapport.pdf", pdf) == ("jaarverslag.pdf", "Jaarverslag klantcontact 2025")
    assert assistant.indexed_copy("nieuw.docx", docx_manual()) is None
    assert assistant.indexed_copy("kapot.pdf", damaged_pdf_bytes()) is None  # the upload then says why


def test_a_text_that_mentions_the_pdf_header_is_a_text():
    from rag.extract.detect import sniff

    # It was refused: "the extension says .txt but the content is a PDF; rename it to .pdf" (a review found it).
    assert sniff(b"Over bestanden\n\nEen PDF begint altijd met %PDF-1.7, gevolgd door objecten.\n") == "text"
    assert sniff(pdf_report()) == "pdf"
    assert sniff(b"junk before the header\n" + pdf_report()) == "pdf"  # readers accept a little junk before it
