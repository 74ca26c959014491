"""A progress bar on the terminal for embedding, shown only when it takes more than a couple of seconds."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the indexer (and numpy) only when something is indexed: `rag search` on a ready index needs neither
    from .indexer import Progress

DELAY_S = 2.0  # a bar that flashes by for a short update is noise


@contextmanager
def embedding_bar(desc: str = "embedding") -> Iterator[Progress]:
    """A `progress(done, total)` callback drawing a tqdm bar on stderr; silent when stderr is not a terminal."""
    bars: list = []

    def update(done: int, total: int) -> None:
        if not bars:
            from tqdm import tqdm  # only when something is embedded: `rag ask` on a ready index never needs it

            disable = not sys.stderr.isatty()
            bars.append(tqdm(total=total, desc=desc, unit="passage", file=sys.stderr, delay=DELAY_S, disable=disable))
        bars[0].update(done - bars[0].n)

    try:
        yield update
    finally:
        if bars:
            bars[0].close()
