"""English and Dutch word frequencies (PyPI `pyspellchecker`, which ships both lists in its wheel), loaded once per
process on first use (0.4 s): for typos (rag/spelling.py) and for telling a name from a line of common words
(rag/parsing.py)."""

from __future__ import annotations

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
