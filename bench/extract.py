"""Extraction throughput: pages/s for PDF, documents/s for HTML and DOCX (and .txt for scale).

Documents are built from the bundled seeds the way the tests build theirs (tests/filemakers.py): every seed
article as a PDF (long lines wrap, so the long articles take several pages), as a web page with navigation,
scripts, styles, a cookie bar and a footer around the <article>, and as a Word document. Building them is not
timed; `rag.extract.extract` on each document is, over a few rounds, and the median round counts.
"""

from __future__ import annotations

import html
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.filemakers builds the documents

PAGE = """<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8"><title>{title} | Blog</title>
<meta name="author" content="Redactie"><meta property="article:published_time" content="2025-03-04">
<style>body {{ font-family: sans-serif }} .menu li {{ display: inline }}</style>
<script>window.dataLayer = []; function track() {{ return 1; }}</script></head><body>
<div class="cookie-banner"><p>Wij gebruiken cookies. Accepteer alle cookies om verder te gaan.</p></div>
<nav class="menu"><ul><li><a href="/">Home</a></li><li><a href="/blog">Blog</a></li><li><a href="/over">Over</a></li></ul></nav>
<article><h1>{title}</h1>{paragraphs}</article>
<aside><p>Lees ook: meer artikelen over klantbeleving.</p></aside>
<footer><p>© 2025 Blog · Privacy · Contact</p></footer><script>track();</script></body></html>"""


def seed_texts(seeds: Path) -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(seeds.glob("*.txt"))]


def build(seeds: Path, copies: int) -> dict[str, list[tuple[str, bytes]]]:
    """`copies` rounds of every seed article in every format; each copy differs in its first line."""
    from tests.filemakers import docx_bytes, pdf_bytes

    docs: dict[str, list[tuple[str, bytes]]] = {"pdf": [], "html": [], "docx": [], "txt": []}
    for i in range(copies):
        for j, text in enumerate(seed_texts(seeds)):
            text = f"Kopie {i}\n{text}"
            lines = [ln for ln in text.split("\n") if ln.strip()]
            paragraphs = "".join(f"<p>{html.escape(ln)}</p>" for ln in lines[1:])
            docs["pdf"].append((f"{i}_{j}.pdf", pdf_bytes([text])))
            docs["html"].append(
                (f"{i}_{j}.html", PAGE.format(title=html.escape(lines[0]), paragraphs=paragraphs).encode())
            )
            docs["docx"].append((f"{i}_{j}.docx", docx_bytes([("h1", lines[0]), *(("p", ln) for ln in lines[1:])])))
            docs["txt"].append((f"{i}_{j}.txt", text.encode("utf-8")))
    return docs


def measure(docs: list[tuple[str, bytes]], rounds: int) -> dict:
    """Median seconds over `rounds` passes of extracting every document once."""
    from rag.extract import extract

    times, pages, chars = [], 0, 0
    for _ in range(rounds):
        t0 = time.perf_counter()
        results = [extract(name, data, 10_000_000) for name, data in docs]
        times.append(time.perf_counter() - t0)
        pages = sum(len(r.pages) for r in results)
        chars = sum(len(r.text) for r in results)
    seconds = statistics.median(times)
    return {
        "documents": len(docs),
        "pages": pages,
        "mb": sum(len(d) for _, d in docs) / 1e6,
        "chars": chars,
        "seconds": seconds,
        "documents_per_s": len(docs) / seconds,
        "pages_per_s": pages / seconds if pages else None,
    }


def run(seeds: Path, out: Path, copies: int = 10, rounds: int = 3) -> dict:
    """Build, measure, write extract.json and extract.md into `out`, and return the figures."""
    t0 = time.perf_counter()
    docs = build(seeds, copies)
    built_s = time.perf_counter() - t0
    measure(docs["html"][:3], 1)  # import trafilatura, pypdf and python-docx outside the timings
    measure(docs["pdf"][:1], 1)
    measure(docs["docx"][:1], 1)
    figures = {fmt: measure(items, rounds) for fmt, items in docs.items()}
    result = {"date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "copies": copies, "rounds": rounds, "formats": figures}
    out.mkdir(parents=True, exist_ok=True)
    (out / "extract.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    (out / "extract.md").write_text(markdown(result, built_s), encoding="utf-8")
    return result


def markdown(result: dict, built_s: float) -> str:
    rows = [
        "# Extraction throughput",
        "",
        f"`python bench/run.py --only extract` on {result['date']}: the bundled articles x {result['copies']} in each "
        f"format (built in {built_s:.0f} s, not timed), `rag.extract.extract` on every document, median of "
        f"{result['rounds']} rounds, one process, one core.",
        "",
        "| Format | Documents | Pages | MB | Median s | Documents/s | Pages/s |",
        "|---|--:|--:|--:|--:|--:|--:|",
    ]
    for fmt, f in result["formats"].items():
        pages_s = f"{f['pages_per_s']:,.0f}" if f["pages_per_s"] else "–"
        rows.append(
            f"| {fmt} | {f['documents']} | {f['pages'] or '–'} | {f['mb']:.2f} | {f['seconds']:.2f} | "
            f"{f['documents_per_s']:,.0f} | {pages_s} |"
        )
    return "\n".join(rows) + "\n"


def summary(result: dict) -> str:
    """One line per format for the terminal."""
    lines = []
    for fmt, f in result["formats"].items():
        per_page = f", {f['pages_per_s']:,.0f} pages/s ({f['pages']} pages)" if f["pages_per_s"] else ""
        lines.append(
            f"{fmt:5} {f['documents']} documents in {f['seconds']:.2f} s: {f['documents_per_s']:,.0f} documents/s{per_page}"
        )
    return "\n".join(lines)


if __name__ == "__main__":  # same as `python bench/run.py --only extract`
    print(summary(run(ROOT / "seeds", Path(__file__).resolve().parent)))
