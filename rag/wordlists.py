"""English and Dutch word frequencies (PyPI `pyspellchecker`, which ships both lists in its wheel), loaded once per
process on first use (0.4 s): for typos (rag/spelling.py), for telling a name from a line of common words
(rag/parsing.py) and, as plain counts from a per-machine cache (0.1 s), for how rare a question's word is in its
language (`frequencies`, rag/answer/query.py)."""

from __future__ import annotations

import json
from functools import lru_cache

COMMON = 5_000  # a word this frequent in either list is a common word ("customer" 18,618; "Jansen" 50, "Rien" 50)


@lru_cache(maxsize=2)
def checker(lang: str):
    """The spell checker of `lang` ("en" or "nl"), one edit away at most."""
    from spellchecker import SpellChecker

    return SpellChecker(language=lang, distance=1, case_sensitive=False)


def is_common(word: str) -> bool:
    """A frequent English or Dutch word, in any case."""
    low = word.lower()
    return any(checker(lang).word_frequency[low] >= COMMON for lang in ("en", "nl"))


@lru_cache(maxsize=2)
def frequencies(lang: str) -> tuple[dict[str, int], int]:
    """Word -> count in `lang`'s list ("en" or "nl"), and the list's total: what `checker(lang).word_frequency` holds,
    read from a cache in the machine's cache folder that the first use writes (pyspellchecker's own loader takes
    0.3 s a language, on every `rag ask`; the cache about 0.1 s)."""
    from importlib.metadata import version

    from .caches import save_json
    from .settings import cache_root

    cache = cache_root() / f"wordfreq-{lang}-{version('pyspellchecker')}.json"
    try:
        data = json.loads(cache.read_text(encoding="utf-8"))
        return data["counts"], int(data["total"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    frequency = checker(lang).word_frequency
    counts, total = dict(frequency.dictionary), int(frequency.total_words)
    save_json(cache, {"total": total, "counts": counts}, "word frequencies")
    return counts, total
