"""An English -> Dutch word list from the FreeDict dictionaries that Debian ships, for English questions.

English questions about Dutch articles share few words with them, so BM25 and word overlap are blind to them.
Each English content word is mapped to its Dutch translations (FreeDict eng-nld, plus nld-eng read backwards),
which lets a stemmed Dutch keyword search take part for English questions too. The dictionaries come from
Debian (`apt-get install dict-freedict-eng-nld dict-freedict-nld-eng`, done by `make install`); without them
English questions simply get no translated keywords. The dictd format (an index of base64 offsets into a
gzip-compatible dictzip file) is small enough to read here; no maintained PyPI reader exists for it.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import re
import unicodedata
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

from .caches import save_json
from .settings import cache_root

log = logging.getLogger(__name__)

DICT_DIR = Path("/usr/share/dictd")
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
MAX_WORDS = 2  # translations longer than this are explanations, not words
DICTIONARIES = ("freedict-eng-nld", "freedict-nld-eng")


def _b64(text: str) -> int:
    n = 0
    for ch in text:
        n = n * 64 + B64.index(ch)
    return n


def read_dictd(stem: Path) -> dict[str, list[str]]:
    """Headword -> the translations listed in its entries, from `stem`.index and `stem`.dict.dz."""
    data = gzip.open(stem.with_suffix(".dict.dz"), "rb").read()
    out: dict[str, list[str]] = defaultdict(list)
    for line in stem.with_suffix(".index").read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) != 3 or parts[0].startswith("00-database"):
            continue
        word, offset, length = parts
        start = _b64(offset)
        body = data[start : start + _b64(length)].decode("utf-8", errors="replace")
        for sense in body.split("\n")[1:]:  # the first line repeats the headword and its pronunciation
            sense = re.sub(r"^\s*\d+\.\s*", "", sense)
            out[_norm(word)] += [_norm(t) for t in sense.split(",") if t.strip()]
    return out


def _norm(text: str) -> str:
    """Lowercase NFKC ("ĳ" -> "ij"), parenthesised notes dropped."""
    text = unicodedata.normalize("NFKC", text).lower()
    return " ".join(re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", text).split())


def build(eng_nld: dict[str, list[str]], nld_eng: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
    """English word -> Dutch words: eng-nld as it is, plus nld-eng read backwards."""
    table: dict[str, set[str]] = defaultdict(set)
    for en, nls in eng_nld.items():
        table[en].update(n for n in nls if len(n.split()) <= MAX_WORDS)
    for nl, ens in nld_eng.items():
        if len(nl.split()) <= MAX_WORDS:
            for en in ens:
                en = re.sub(r"^(to|a|an|the) ", "", en)
                if len(en.split()) == 1:
                    table[en].add(nl)
    return {en: tuple(sorted(nls)) for en, nls in table.items() if nls}


def english_forms(word: str) -> list[str]:
    """The word and the base forms it may be an inflection of ("customers" -> "customer", "invested" -> "invest").
    A light rule list instead of a stemmer: Snowball's "custom" for "customers" would bring in "douane"."""
    w = word.lower().removesuffix("'s").removesuffix("’s")
    forms = [w]
    rules = [("ies", "y"), ("es", ""), ("s", ""), ("ing", ""), ("ing", "e"), ("ied", "y"), ("ed", ""), ("ed", "e")]
    for suffix, repl in rules:
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            forms.append(w[: -len(suffix)] + repl)
    return forms


def in_dictionary(word: str, words: frozenset[str] | None = None) -> bool:
    """`word`, or a base form it may be an inflection of, is in `words` (the dictionaries' words by default)."""
    words = dictionary_words() if words is None else words
    return any(f in words for f in english_forms(word))


def translate(word: str, table: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """Dutch translations of an English word, by its first form the table knows."""
    for form in english_forms(word):
        if form in table:
            return table[form]
    return ()


def _cache_file(folder: Path) -> Path:
    key = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:12]
    return cache_root() / f"lexicon-{key}.json"


def dictionaries_stamp(folder: Path = DICT_DIR) -> list[int] | None:
    """The installed dictionaries' modification times (what a cache built from them is valid for); None without."""
    try:
        return [int((folder / name).with_suffix(".dict.dz").stat().st_mtime) for name in DICTIONARIES]
    except OSError:
        return None


@lru_cache(maxsize=4)
def english_to_dutch(folder: Path = DICT_DIR) -> dict[str, tuple[str, ...]]:
    """English word -> Dutch words, read once per process from a cache built from the dictionaries on first use
    (parsing them takes seconds; the cache loads in milliseconds). Empty when the dictionaries are not installed."""
    stems = [folder / name for name in DICTIONARIES]
    stamp = dictionaries_stamp(folder)
    if stamp is None:
        log.info("FreeDict eng-nld/nld-eng not found in %s; English questions get no Dutch keywords.", folder)
        return {}
    cache = _cache_file(folder)
    try:
        data = json.loads(cache.read_text(encoding="utf-8"))
        if data.get("stamp") == stamp:
            return {k: tuple(v) for k, v in data["table"].items()}
    except (OSError, ValueError, KeyError, AttributeError):
        pass
    table = build(read_dictd(stems[0]), read_dictd(stems[1]))
    save_json(cache, {"stamp": stamp, "table": table}, "word list")
    return table


@lru_cache(maxsize=1)
def dictionary_words() -> frozenset[str]:
    """Every English head word and Dutch word of the dictionaries (empty without them), and the stop words.
    (`neighbours.dutch_words` keeps only words of 3 letters or more: an acronym may have two.)"""
    from .search import STOPWORDS

    table = english_to_dutch()
    return frozenset(table) | {d for ds in table.values() for d in ds} | STOPWORDS


@lru_cache(maxsize=1)
def dutch_words() -> frozenset[str]:
    """Every one-word Dutch entry of the dictionaries (empty without them): what tells a verb's stem
    (`candidates.gives_advice`)."""
    return frozenset(w for words in english_to_dutch().values() for w in words if " " not in w)
