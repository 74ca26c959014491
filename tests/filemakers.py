"""Test documents built in the tests themselves (no binary fixtures in the repo): PDFs with fpdf2, DOCX with
python-docx, HTML pages as strings, and the bad files `rag index` must skip."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # Debian fonts-dejavu-core: Unicode text
# fpdf2's core fonts are latin-1 only: without DejaVu, typographic characters become their ASCII look-alikes.
_LATIN1 = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "..."})
_NO_GLYPH = str.maketrans({"✅": "*", "❌": "*"})  # not in DejaVu Sans either


def pdf_text(text: str) -> str:
    """`text` as a PDF made by pdf_bytes shows it (unchanged when the Unicode font is installed)."""
    text = text.translate(_NO_GLYPH)
    if FONT.is_file():
        return text
    return text.translate(_LATIN1).encode("latin-1", "replace").decode("latin-1")


def pdf_bytes(
    pages: list[str],
    title: str | None = None,
    author: str | None = None,
    created: datetime | None = datetime(2025, 3, 4, 9, 30),
) -> bytes:
    """A PDF with one page per string (lines kept; long lines wrap) and the given document info."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=15)
    if FONT.is_file():
        pdf.add_font("dejavu", fname=str(FONT))
        pdf.set_font("dejavu", size=11)
    else:
        pdf.set_font("helvetica", size=11)
    if title:
        pdf.set_title(title)
    if author:
        pdf.set_author(author)
    if created:
        pdf.set_creation_date(created)
    for text in pages:
        pdf.add_page()
        for line in pdf_text(text).split("\n"):
            pdf.multi_cell(0, 6, line or " ", align="L", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def scanned_pdf_bytes() -> bytes:
    """A PDF whose pages hold only drawings, as a scan holds only images: no text layer."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    for _ in range(2):
        pdf.add_page()
        pdf.set_fill_color(40, 40, 40)
        for i in range(20):
            pdf.rect(20, 20 + 12 * i, 150 - 5 * i, 6, style="F")  # grey bars where lines of text would be
    return bytes(pdf.output())


def encrypted_pdf_bytes(password: str = "geheim") -> bytes:
    """A PDF that opens only with a password."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes(["Vertrouwelijk verslag over klantcontact."]))))
    writer.encrypt(user_password=password, owner_password=password + "-eigenaar", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def damaged_pdf_bytes() -> bytes:
    """A PDF header followed by garbage: what a broken download or a disk error leaves."""
    good = pdf_bytes(["Een verslag dat halverwege afbreekt."])
    return good[:20] + bytes((b * 7 + 3) % 256 for b in good[20:600])


def docx_bytes(
    blocks: list[tuple[str, str]],
    title: str | None = None,
    author: str | None = None,
    created: datetime | None = datetime(2025, 3, 4, 9, 30),
) -> bytes:
    """A .docx from (kind, text) blocks: kind "h1"/"h2" for headings, "p" for paragraphs, "table" for
    rows separated by newlines and cells by " | "."""
    import docx

    document = docx.Document()
    props = document.core_properties
    props.title = title or ""
    props.author = author or ""
    if created:
        props.created = created
    for kind, text in blocks:
        if kind.startswith("h"):
            document.add_heading(text, level=int(kind[1:]))
        elif kind == "table":
            rows = [r.split(" | ") for r in text.split("\n")]
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            for r, row in enumerate(rows):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = cell
        else:
            document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def zip_bomb_docx_bytes(unpacked: int) -> bytes:
    """A zip named like a Word document whose one big member unpacks to `unpacked` bytes of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", '<?xml version="1.0"?><w:document/>')
        with archive.open("word/media/image1.bin", "w", force_zip64=True) as member:
            block = bytes(1 << 20)
            for _ in range(unpacked // len(block)):
                member.write(block)
    return out.getvalue()


def damaged_docx_bytes() -> bytes:
    """A Word document cut off halfway (its zip directory is lost)."""
    good = docx_bytes([("p", "Een document dat halverwege afbreekt.")])
    return good[: len(good) // 2]


ARTICLE_HTML = """<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8">
<title>Wachttijden in de zorg | Zorgblog</title>
<meta property="og:title" content="Wachttijden in de zorg">
<meta name="author" content="Anna de Vries">
<meta property="article:published_time" content="2025-03-04T08:00:00+01:00">
<style>body { color: red; } .verborgen { display: none }</style>
<script>document.write("KWAADAARDIG SCRIPT"); var volgcode = "tracking-pixel";</script>
</head><body>
<div id="cookie-banner" class="cookie-consent"><p>Wij gebruiken cookies voor een betere website. Accepteer alle
cookies om verder te gaan.</p><button>Accepteren</button></div>
<nav><ul><li><a href="/">Home</a></li><li><a href="/blog">Blog navigatiemenu</a></li></ul></nav>
<header class="site"><p>Zorgblog - het blog over zorg en service</p></header>
<article>
<h1>Wachttijden in de zorg</h1>
<p>Patiënten verwachten dat de klantreis in de zorg net zo soepel verloopt als bij een webwinkel. Wachttijden
aan de telefoon zijn de grootste ergernis van patiënten in Nederland.</p>
<p>Ziekenhuizen investeren daarom in terugbelsystemen. Het Maasziekenhuis halveerde de wachttijd aan de
telefoon tot vier minuten door een terugbelknop op de website.</p>
<p>Ook huisartsen experimenteren met digitale triage, zodat de assistente meer tijd heeft voor de lastige
gesprekken met patiënten.</p>
</article>
<aside><p>Lees ook: tien tips voor je webwinkel en de beste kortingscodes.</p></aside>
<footer><p>© 2025 Zorgblog · Privacyverklaring · Contact met de redactie via het footerformulier</p></footer>
<script>alert("nog een script")</script>
</body></html>
"""

NO_ARTICLE_HTML = """<!DOCTYPE html>
<html><head><title>Zorgblog</title><script>var x = 1;</script></head><body>
<nav><a href="/">Home</a> <a href="/over">Over ons en onze diensten</a></nav>
<div class="cookie-bar"><p>Wij gebruiken cookies om de site te verbeteren. Klik op accepteren.</p></div>
<footer><p>© 2025 Zorgblog. Alle rechten voorbehouden. Privacyverklaring en algemene voorwaarden.</p></footer>
</body></html>
"""
