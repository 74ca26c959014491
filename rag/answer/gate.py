"""The gate: answer, answer with a caveat, or abstain, by the strength of the best evidence.

Sentence scores are cosines blended with word overlap, and every embedder has its own scale: a threshold that
fits one silently breaks abstention for another. So the threshold is calibrated per embedder (on the dev sets;
see README) and `RAG_ABSTAIN_THRESHOLD` overrides it.
"""

from __future__ import annotations

import logging
from functools import cache

from .scores import Scored

log = logging.getLogger(__name__)

# Embedder id (as in the index manifest) -> abstention threshold calibrated on the dev-side sets (dev, realistic-dev,
# examples): USE v3's is the lowest that abstains on 75% of the unanswerables; the others minimise
# 2 x false abstention + (1 - unanswerables abstained) (README: abstention trade-off).
CALIBRATED = {
    "use-multilingual-v3": 0.22,
    "st:all-MiniLM-L6-v2": 0.28,
    # EmbeddingGemma-300M through `st:` (a hub name, or a folder named like the model): measured offline, see README.
    "st:google/embeddinggemma-300m": 0.32,
    "st:embeddinggemma-300m": 0.32,
}
FALLBACK = 0.30  # for an embedder nobody calibrated: err towards abstaining, and say so in the log
HEDGE_MARGIN = 0.03  # evidence this close above the threshold is answered with a caveat


def threshold(setting: float | None, embedder_id: str) -> float:
    """The abstention threshold: the explicit setting, else the embedder's calibrated value."""
    if setting is not None:
        return setting
    if embedder_id in CALIBRATED:
        return CALIBRATED[embedder_id]
    if embedder_id.startswith("hash"):
        return 0.0  # the lexical test embedder: no meaningful scale
    _warn_uncalibrated(embedder_id)
    return FALLBACK


@cache
def _warn_uncalibrated(embedder_id: str) -> None:
    """Once per process and embedder: every question asks for the threshold, the log needs it once."""
    log.warning(
        "No abstention threshold is calibrated for embedder %s; using %.2f. Set RAG_ABSTAIN_THRESHOLD after "
        "checking `rag eval` (README: abstention trade-off).",
        embedder_id,
        FALLBACK,
    )


def decide(scored: list[Scored], bound: float) -> str:
    """'abstain' below the bound, 'hedge' just above it, else 'answer'."""
    strength = scored[0].score if scored else 0.0
    if strength < bound:
        return "abstain"
    return "hedge" if strength < bound + HEDGE_MARGIN else "answer"
