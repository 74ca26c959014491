"""The gate: answer, answer with a caveat, or abstain, by the strength of the best evidence.

Sentence scores are cosines blended with word overlap, and every embedder has its own scale: a threshold that
fits one silently breaks abstention for another. So the thresholds (the gate's, and selection's floor) are
calibrated per embedder (on the dev sets; see README) and `RAG_ABSTAIN_THRESHOLD` overrides the gate's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache

from .scores import Scored

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Calibration:
    """One embedder's two bounds, both calibrated on the dev-side sets (dev, realistic-dev, examples)."""

    abstain: float  # the gate: below this strength (see `strength`) the question is not answered
    floor: float  # selection: a sentence scoring below this does not answer, and is not quoted


# Embedder id (as in the index manifest) -> its calibration (README: abstention trade-off). `abstain`: among the values
# that meet the bounds on the dev-side sets (false abstention <= 0.05, unanswerables abstained >= 0.75), the
# one that minimises 2 x false abstention + (1 - unanswerables abstained); where none does (MiniLM), the minimum of
# that sum; where several values tie, the middle of them to 0.005 (no dev question decides it by a hair). `floor`: the
# former single threshold, which selection was tuned with.
CALIBRATED = {
    "use-multilingual-v3": Calibration(abstain=0.235, floor=0.22),
    "st:all-MiniLM-L6-v2": Calibration(abstain=0.28, floor=0.28),
    # EmbeddingGemma-300M through `st:` (a hub name, or a folder named like the model): measured offline, see README.
    "st:google/embeddinggemma-300m": Calibration(abstain=0.33, floor=0.32),
    "st:embeddinggemma-300m": Calibration(abstain=0.33, floor=0.32),
}
FALLBACK = Calibration(abstain=0.30, floor=0.30)  # nobody calibrated it: err towards abstaining, and say so in the log
LEXICAL = Calibration(abstain=0.0, floor=0.0)  # the hashing test embedder: no meaningful scale
NAMED_MARGIN = 0.02  # a question naming a writer is answered from their text on a little weaker evidence (dev side)
HEDGE_MARGIN = 0.03  # evidence this close above the threshold is answered with a caveat


def calibration(embedder_id: str) -> Calibration:
    """The embedder's calibrated bounds (the fallback, with a warning, for one nobody calibrated)."""
    if embedder_id in CALIBRATED:
        return CALIBRATED[embedder_id]
    if embedder_id.startswith("hash"):
        return LEXICAL
    _warn_uncalibrated(embedder_id)
    return FALLBACK


def threshold(setting: float | None, embedder_id: str) -> float:
    """The abstention threshold: the explicit setting (`RAG_ABSTAIN_THRESHOLD`), else the embedder's calibrated one."""
    return setting if setting is not None else calibration(embedder_id).abstain


def floor(embedder_id: str) -> float:
    """The lowest sentence score that is quoted."""
    return calibration(embedder_id).floor


@cache
def _warn_uncalibrated(embedder_id: str) -> None:
    """Once per process and embedder: every question asks for the threshold, the log needs it once."""
    log.warning(
        "No abstention threshold is calibrated for embedder %s; using %.2f. Set RAG_ABSTAIN_THRESHOLD after "
        "checking `rag eval` (README: abstention trade-off).",
        embedder_id,
        FALLBACK.abstain,
    )


def strength(scored: list[Scored]) -> float:
    """How strongly the best evidence answers: the mean of the best sentence score (unadjusted: see `distinct`) and
    the best cosine.
    The score alone (word overlap, passage context) lets a question about a subject the articles never treat pass on
    shared vocabulary; the cosine alone misses answers worded differently. Together they separate answerable from
    close-to-topic unanswerable questions better than either (README: abstention)."""
    if not scored:
        return 0.0
    return (max(c.evidence for c in scored) + max(c.similarity for c in scored)) / 2


def decide(scored: list[Scored], bound: float, named: bool = False, missing: bool = False) -> str:
    """'abstain' below the bound, 'hedge' just above it, else 'answer'. `named`: the question names a writer and the
    evidence comes from their text; the writer is in the corpus, so weaker evidence (NAMED_MARGIN) is answered.
    `missing`: the question asks for something only a particular kind of quote gives, a figure ("how many",
    "hoeveel", a rate, a price) or a product to pick ("which CRM is best"), and no quote gives one: whatever the quotes
    are about, they do not answer it."""
    if missing:
        return "abstain"
    bound = bound - NAMED_MARGIN if named else bound
    strength_ = strength(scored)
    if strength_ < bound:
        return "abstain"
    return "hedge" if strength_ < bound + HEDGE_MARGIN else "answer"
