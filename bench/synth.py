"""A deterministic synthetic corpus recombined from the seed articles, for benchmarks at scale.

File `i` depends only on (seed, i), so the first 1,000 files of the 100k-passage corpus are the 10k one.
Each file has front matter with a distinct title and an author from a fixed pool, and a body of seed
paragraphs whose sentences are shuffled and mixed, so no two files (or passages) are duplicates.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

from rag.corpus import load_documents
from rag.parsing import DATE_RE, PLACE_DATE_RE, SALUTATION_RE, SIGNOFF_RE

# About 10 passages per file at the default chunk size (900 characters, 150 overlap).
TARGET_CHARS = 5_300
FIRST = "Anouk Bram Claire Daan Eva Floor Gijs Hanna Ilse Joris Kees Lotte Milan Noor Olaf Pien".split()
LAST = "Bakker Visser Smit Mulder Bos Vos Peters Hendriks Dekker Brouwer Koster Prins Kok Post".split()
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z‘“\"'])")


@dataclass(frozen=True)
class SeedText:
    """What synthetic files are built from: seed headings and body paragraphs (as sentence lists)."""

    headings: tuple[str, ...]
    paragraphs: tuple[tuple[str, ...], ...]


def read_seed_text(seeds_dir: Path) -> SeedText:
    """Headings (short lines) and paragraphs (long lines) of every seed file, letter furniture left out."""
    docs, _ = load_documents(seeds_dir, max_bytes=5_000_000)
    headings: list[str] = []
    paragraphs: list[tuple[str, ...]] = []
    for d in docs:
        for line in d.text.splitlines()[1:]:
            line = line.strip()
            if not line or PLACE_DATE_RE.fullmatch(line) or SALUTATION_RE.match(line) or SIGNOFF_RE.match(line):
                continue
            if 20 <= len(line) < 90 and not line.endswith((".", ",", ":")) and not DATE_RE.search(line):
                headings.append(line)
            elif len(line) >= 90:
                paragraphs.append(tuple(_SENTENCE_END.split(line)))
    if not headings or not paragraphs:
        raise ValueError(f"{seeds_dir} has too little text to build a synthetic corpus from")
    return SeedText(tuple(headings), tuple(paragraphs))


def synthetic_article(seed_text: SeedText, i: int, seed: int = 0, target_chars: int = TARGET_CHARS) -> str:
    """The text of synthetic file `i`: front matter, a title line, then headed sections of mixed paragraphs."""
    rng = random.Random(f"{seed}:{i}")
    title = f"Synthetisch artikel {i:06d}: {rng.choice(seed_text.headings)}"
    author = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    date = f"20{rng.randint(18, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    parts = [f"---\ntitle: {title}\nauthor: {author}\ndate: {date}\n---\n{title}\n"]
    size = len(parts[0])
    while size < target_chars:
        block = [rng.choice(seed_text.headings)] + [_paragraph(seed_text, rng) for _ in range(rng.randint(2, 4))]
        parts.append("\n".join(block) + "\n")
        size += len(parts[-1])
    return "\n".join(parts)


def _paragraph(seed_text: SeedText, rng: random.Random) -> str:
    """A seed paragraph with its sentences shuffled and one sentence borrowed from another paragraph."""
    sentences = list(rng.choice(seed_text.paragraphs))
    sentences.append(rng.choice(rng.choice(seed_text.paragraphs)))
    rng.shuffle(sentences)
    return " ".join(sentences)


def write_corpus(seeds_dir: Path, out_dir: Path, n_files: int, seed: int = 0) -> list[Path]:
    """Write `n_files` synthetic articles into `out_dir` (created; must not hold other seed files)."""
    seed_text = read_seed_text(seeds_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n_files):
        path = out_dir / f"synth_{i:06d}.txt"
        path.write_text(synthetic_article(seed_text, i, seed), encoding="utf-8")
        paths.append(path)
    return paths


def files_for_passages(seeds_dir: Path, passages: int, chunk_size: int, chunk_overlap: int, sample: int = 50) -> int:
    """How many synthetic files give about `passages` passages, estimated by chunking a sample of them."""
    from rag.chunking import chunk_document
    from rag.parsing import parse_document

    seed_text = read_seed_text(seeds_dir)
    per_file = [
        len(chunk_document(parse_document(f"s{i}.txt", synthetic_article(seed_text, i)), chunk_size, chunk_overlap))
        for i in range(sample)
    ]
    return max(1, round(passages * len(per_file) / sum(per_file)))
