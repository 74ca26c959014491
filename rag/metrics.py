"""Evaluation metrics as pure functions over relevance flags (rank order, 1 = relevant)."""

from __future__ import annotations

import math
import re


def normalize(text: str) -> str:
    """Lowercase with whitespace runs collapsed: the matching rule for expected phrases."""
    return re.sub(r"\s+", " ", text).strip().lower()


def is_relevant(text: str, expected: list[str]) -> bool:
    """A passage is relevant when it contains any expected phrase (case- and whitespace-insensitive)."""
    body = normalize(text)
    return any(normalize(e) in body for e in expected if e.strip())


def hit_at(flags: list[bool], k: int) -> float:
    """1 if any of the first k results is relevant, else 0."""
    return float(any(flags[:k]))


def mrr_at(flags: list[bool], k: int) -> float:
    """1 / rank of the first relevant result within the first k; 0 if none."""
    for rank, flag in enumerate(flags[:k], start=1):
        if flag:
            return 1.0 / rank
    return 0.0


def ndcg_at(flags: list[bool], k: int, total_relevant: int) -> float:
    """DCG@k / IDCG@k with binary gains: DCG = sum rel_i / log2(i + 1); IDCG puts min(total_relevant, k) hits first."""
    dcg = sum(1.0 / math.log2(i + 1) for i, f in enumerate(flags[:k], start=1) if f)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(max(total_relevant, sum(flags[:k])), k) + 1))
    return dcg / ideal if ideal else 0.0


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100), 0 for no values."""
    if not values:
        return 0.0
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def mean(values: list[float]) -> float:
    """Arithmetic mean, 0 for no values."""
    return sum(values) / len(values) if values else 0.0
