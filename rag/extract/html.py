"""Web pages via trafilatura: the article's main text only, and title/author/date from the page's metadata.

The page is parsed as data (lxml inside trafilatura): no script runs, nothing is fetched, and the text that
comes out is plain text, so markup from the page is never rendered.
"""

from __future__ import annotations

import re

from .base import Extracted, ExtractError, clean_field, iso_date, tidy

# Removed before trafilatura looks for the main text, so a page without an article yields nothing rather than
# its menu or cookie bar. A <header>/<footer> inside the article (its title, its byline) is kept.
BOILERPLATE = [
    "//nav",
    "//aside",
    "//script",
    "//style",
    "//noscript",
    "//template",
    "//form",
    "//iframe",
    "//header[not(ancestor::article or ancestor::main)]",
    "//footer[not(ancestor::article or ancestor::main)]",
    "//*[contains(translate(@id, 'COKIE', 'cokie'), 'cookie') or contains(translate(@class, 'COKIE', 'cokie'), "
    "'cookie') or contains(@class, 'consent') or contains(@id, 'consent')]",
]


def extract_html(data: bytes) -> Extracted:
    """Main text and metadata of an HTML page; ExtractError when the page has no main text."""
    import trafilatura

    try:
        result = trafilatura.bare_extraction(
            data,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            favor_precision=True,
            prune_xpath=BOILERPLATE,
            # Dates from the page's metadata (article:published_time, ...), not guessed from any number in it.
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except (ValueError, TypeError, AttributeError) as exc:
        raise ExtractError(f"damaged HTML page ({' '.join(str(exc).split())[:100]})") from None
    text = tidy(result.text or "") if result is not None else ""
    if not text:
        raise ExtractError("no main text found in the HTML page (only navigation, scripts or boilerplate)")
    author = clean_field(result.author)
    return Extracted(
        text,
        "html",
        title=clean_field(result.title),
        author=_BYLINE_WORD.sub("", author) if author else None,
        date=iso_date(result.date),
    )


# trafilatura drops an English "By" from a byline; Dutch pages write "Door".
_BYLINE_WORD = re.compile(r"^(?:geschreven\s+door|door|by|written\s+by)\s+", re.IGNORECASE)
