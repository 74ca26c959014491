"""Measuring helpers: wall time, latency percentiles, peak memory, retrieval quality, the machine."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.evaluate import EvalQuestion, load_set
from rag.metrics import hit_at, is_relevant, mean, mrr_at, percentile
from rag.settings import PROJECT_ROOT
from rag.types import Chunk

EVAL_SETS = (PROJECT_ROOT / "eval" / "sets" / "dev.jsonl", PROJECT_ROOT / "eval" / "sets" / "test.jsonl")


@dataclass(frozen=True)
class Latency:
    """Per-call wall times of a warm function, in milliseconds."""

    p50_ms: float
    p95_ms: float
    mean_ms: float
    n: int

    @classmethod
    def of(cls, samples_ms: list[float]) -> Latency:
        """Summarise samples (p50 is the median)."""
        return cls(percentile(samples_ms, 50), percentile(samples_ms, 95), mean(samples_ms), len(samples_ms))


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """(seconds, result) of one call."""
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def latency(fn: Callable[[str], Any], queries: list[str], n: int) -> Latency:
    """Call `fn` on `n` queries, cycling through `queries`, and time each call."""
    samples = []
    for i in range(n):
        query = queries[i % len(queries)]
        t0 = time.perf_counter()
        fn(query)
        samples.append((time.perf_counter() - t0) * 1000)
    return Latency.of(samples)


def peak_rss_mb() -> float:
    """This process's resident-set high-water mark (VmHWM) in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def eval_questions() -> list[EvalQuestion]:
    """All questions of the dev and test sets (answerable or not): the query workload."""
    return [q for path in EVAL_SETS for q in load_set(path)]


def retrieval_quality(search: Callable[[str], list[Chunk]], questions: list[EvalQuestion]) -> dict[str, float]:
    """hit@1, hit@5 and MRR@10 over the answerable questions, with `search` returning the top 10 chunks."""
    flags = []
    for q in questions:
        if q.expected:
            flags.append([is_relevant(c.text, list(q.expected)) for c in search(q.question)[:10]])
    return {
        "questions": len(flags),
        "hit@1": mean([hit_at(f, 1) for f in flags]),
        "hit@5": mean([hit_at(f, 5) for f in flags]),
        "mrr@10": mean([mrr_at(f, 10) for f in flags]),
    }


def machine() -> dict[str, Any]:
    """CPU model, cores, memory and library versions, for the results header."""
    import faiss
    import numpy

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(int(x.split()[1]) for x in Path("/proc/meminfo").read_text().splitlines() if "MemTotal" in x)
    except (OSError, StopIteration):
        mem_kb = 0
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024**2, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "faiss": faiss.__version__,
    }
