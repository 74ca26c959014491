"""A tiny inline corpus and settings pointing at tmp dirs, for fast tests with the hash embedder; tiny dictionaries."""

from __future__ import annotations

import gzip
from pathlib import Path

from rag.settings import Settings

ARTICLE = """Klantreis in de zorg

dinsdag, 4 november 2025 (07:01) - Marketingfacts

Patiënten verwachten dat de klantreis in de zorg net zo soepel verloopt als bij een webwinkel.
Wachttijden aan de telefoon zijn de grootste ergernis. Ziekenhuizen investeren daarom in terugbelsystemen.
"""

SIGNED = """Data en meetbaarheid

  • 4 maart 2025
  • Anna de Vries

Zonder betrouwbare data blijft elke CX-investering een gok. Meet daarom eerst de basis: bereikbaarheid en
oplostijd. Pas daarna heeft een dashboard met tientallen KPI's zin.

Anna de Vries
"""

LETTERS = """Briefwisseling over service - moet je alles automatiseren?

In deze briefwisseling schrijven Piet Jansen en Marie Bakker elkaar over automatisering in klantcontact.
Amsterdam, oktober 2025
Beste Marie,
Chatbots beantwoorden eenvoudige vragen sneller dan elke medewerker. Toch zie ik klanten afhaken zodra de bot
het niet begrijpt. Automatiseer dus alleen wat voorspelbaar is.
Groet,
Piet

Utrecht, oktober 2025
Beste Piet,
Ik ben het deels met je eens. Automatisering geeft medewerkers juist tijd voor de lastige gesprekken.
Een goede overdracht van bot naar mens is het belangrijkste ontwerpprincipe.
Groet,
Marie
"""


def write_corpus(seeds: Path) -> Path:
    """Write the three inline articles into `seeds` and return it."""
    seeds.mkdir(parents=True, exist_ok=True)
    (seeds / "a_zorg.txt").write_text(ARTICLE, encoding="utf-8")
    (seeds / "b_data.md").write_text(SIGNED, encoding="utf-8")
    (seeds / "c_brieven.txt").write_text(LETTERS, encoding="utf-8")
    return seeds


def make_settings(tmp_path: Path, **overrides) -> Settings:
    """Settings with seeds and index in tmp_path and the deterministic hash embedder."""
    seeds = write_corpus(tmp_path / "seeds")
    base = Settings(
        seeds_dir=seeds,
        index_dir=tmp_path / "index",
        feedback_log=tmp_path / "feedback.jsonl",
        embedder="hash",
        abstain_threshold=0.0,
    )
    return base.with_overrides(**overrides)


def _b64(n: int) -> str:
    digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    out = ""
    while True:
        out = digits[n % 64] + out
        n //= 64
        if not n:
            return out


def write_dictd(stem: Path, entries: dict[str, str]) -> None:
    """A FreeDict-format dictionary, `stem`.index and `stem`.dict.dz, with these headwords and entry texts."""
    body, index = b"", []
    for word, text in entries.items():
        data = text.encode()
        index.append(f"{word}\t{_b64(len(body))}\t{_b64(len(data))}")
        body += data
    stem.with_suffix(".index").write_text("\n".join(index) + "\n", encoding="utf-8")
    stem.with_suffix(".dict.dz").write_bytes(gzip.compress(body))
