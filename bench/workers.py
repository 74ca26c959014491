"""One system at one scale, measured in its own process so its peak memory is its own.

`bench_ours` drives the library through its public entry points (update_index, Assistant);
`bench_baseline` drives the tutorial pipeline. Both return a SystemRun.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from measure import Latency, eval_questions, latency, peak_rss_mb, retrieval_quality, timed
from synth import read_seed_text, synthetic_article

ADDED_PREFIX = "zz_bench_added_"
WARM_UP = "warm-up question about customer experience"


@dataclass
class SystemRun:
    """Every figure of one system at one scale; `*_extrapolated` marks figures computed, not measured."""

    system: str  # "ours" | "baseline"
    scale: str
    files: int
    passages: int
    index_type: str
    model_load_s: float
    build_s: float
    build_extrapolated: bool = False
    add_s: list[float] = field(default_factory=list)  # one article added, each repeat
    add_extrapolated: bool = False
    first_search_s: float = 0.0  # first query after the build (index load, BM25 build)
    first_ask_after_add_s: list[float] = field(default_factory=list)
    search: Latency | None = None
    ask: Latency | None = None
    retrieval: dict[str, float] | None = None
    peak_rss_mb: float = 0.0
    build_cpu_s: float = 0.0  # CPU time of this process during the build (all threads)
    load_avg: list[float] = field(default_factory=list)  # 1-minute load average at start and end: other work
    notes: list[str] = field(default_factory=list)
    replica_lag_s: list[float] = field(default_factory=list)  # postgres: until the replica replayed each add
    search_replica: Latency | None = None  # postgres: `search` with reads on the replica

    @property
    def build_rate(self) -> float:
        """Passages indexed per second by a full build."""
        return self.passages / self.build_s if self.build_s else 0.0

    @property
    def add_median_s(self) -> float:
        """Median time to take in one added article."""
        return float(np.median(self.add_s)) if self.add_s else 0.0

    def to_json(self) -> dict:
        """Plain JSON, with the derived figures included."""
        return {**asdict(self), "build_passages_per_s": self.build_rate, "add_median_s": self.add_median_s}

    @classmethod
    def from_json(cls, data: dict) -> SystemRun:
        data = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        for key in ("search", "ask", "search_replica"):
            data[key] = Latency(**data[key]) if data.get(key) else None
        return cls(**data)


def add_article(seeds_dir: Path, source_seeds: Path, r: int) -> Path:
    """Write one new synthetic article (not in any generated corpus) into the seeds dir."""
    path = seeds_dir / f"{ADDED_PREFIX}{r}.txt"
    path.write_text(synthetic_article(read_seed_text(source_seeds), 10_000_000 + r), encoding="utf-8")
    return path


def _measure(
    system: str,
    settings,
    seeds_dir: Path,
    source_seeds: Path,
    scale: str,
    n_queries: int,
    add_repeats: int,
    quality: bool,
    before_adds: Callable[[Any, list[str], SystemRun], None] | None = None,
    after_add: Callable[[SystemRun], None] | None = None,
) -> SystemRun:
    """What every system of ours is measured on: full build, warm search/ask latency, incremental adds (each
    followed by a first ask), retrieval quality on the bundled corpus; hooks add a backend's own figures."""
    from rag.embedders import get_embedder
    from rag.indexer import update_index
    from rag.service import Assistant

    load_avg = os.getloadavg()[0]
    load_s, _ = timed(lambda: get_embedder(settings.embedder).encode_queries(["warm"]))
    cpu0 = time.process_time()
    report = update_index(settings, full=True)
    build_cpu_s = time.process_time() - cpu0
    assistant = Assistant(settings)
    questions = eval_questions()
    queries = [q.question for q in questions]
    first_s, _ = timed(lambda: assistant.search(WARM_UP, k=10))
    assistant.ask(WARM_UP)
    run = SystemRun(
        system, scale, len(report.added), report.total_chunks, assistant.index().manifest.index_type, load_s,
        report.seconds, first_search_s=first_s, build_cpu_s=build_cpu_s,
    )  # fmt: skip
    if system == "postgres":
        run.notes.append(
            f"build took the vectors of the FAISS run ({report.total_chunks - report.chunks_embedded} reused, "
            f"{report.chunks_embedded} embedded): it measures loading the rows, the keyword terms and building the HNSW and GIN indexes"
        )
    if quality:
        run.retrieval = retrieval_quality(lambda q: [p.chunk for p in assistant.search(q, k=10)], questions)
    run.search = latency(lambda q: assistant.search(q, k=10), queries, n_queries)
    run.ask = latency(assistant.ask, queries, n_queries)
    if before_adds:
        before_adds(settings, queries, run)
    for r in range(add_repeats):
        add_article(seeds_dir, source_seeds, r)
        seconds, rep = timed(assistant.reindex)
        if rep.full or rep.chunks_embedded == 0:
            run.notes.append(f"add {r}: not incremental ({rep.summary()})")
        run.add_s.append(seconds)
        if after_add:
            after_add(run)
        run.first_ask_after_add_s.append(timed(partial(assistant.ask, queries[r]))[0])
    run.peak_rss_mb, run.load_avg = peak_rss_mb(), [load_avg, os.getloadavg()[0]]
    return run


def bench_ours(
    seeds_dir: Path, work_dir: Path, source_seeds: Path, scale: str, n_queries: int, add_repeats: int, quality: bool
) -> SystemRun:
    """Full build, warm search/ask latency, incremental adds, retrieval quality (bundled corpus only)."""
    from rag.settings import Settings

    settings = Settings(seeds_dir=seeds_dir, index_dir=work_dir / "index")
    return _measure("ours", settings, seeds_dir, source_seeds, scale, n_queries, add_repeats, quality)


def bench_postgres(
    seeds_dir: Path,
    work_dir: Path,
    source_seeds: Path,
    scale: str,
    n_queries: int,
    add_repeats: int,
    quality: bool,
    primary_url: str = "",
    replica_url: str = "",
    faiss_index: Path | None = None,
) -> SystemRun:
    """The PostgreSQL backend: build from the FAISS run's vectors (no embedding), latency, adds, replica lag."""
    from rag.service import Assistant
    from rag.settings import Settings

    settings = Settings(
        seeds_dir=seeds_dir, index_dir=faiss_index or work_dir / "index", backend="postgres", database_url=primary_url
    )

    def on_replica(settings, queries: list[str], run: SystemRun) -> None:
        replica = Assistant(settings.with_overrides(database_read_urls=replica_url))
        replica.search(WARM_UP, k=10)
        run.search_replica = latency(lambda q: replica.search(q, k=10), queries, n_queries)

    def lag(run: SystemRun) -> None:
        run.replica_lag_s.append(_replayed_after(primary_url, replica_url))

    return _measure(
        "postgres", settings, seeds_dir, source_seeds, scale, n_queries, add_repeats, quality,
        before_adds=on_replica if replica_url else None, after_add=lag if replica_url else None,
    )  # fmt: skip


def _replayed_after(primary_url: str, replica_url: str, timeout: float = 60) -> float:
    """Seconds from now until the replica has replayed everything the primary has written."""
    import psycopg

    t0 = time.perf_counter()
    with psycopg.connect(primary_url, autocommit=True) as p:
        lsn = p.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
    with psycopg.connect(replica_url, autocommit=True) as r:
        while time.perf_counter() - t0 < timeout:
            if r.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn,)).fetchone()[0]:
                return time.perf_counter() - t0
            time.sleep(0.002)
    return float("inf")


def bench_baseline(
    seeds_dir: Path,
    work_dir: Path,
    source_seeds: Path,
    scale: str,
    n_queries: int,
    add_repeats: int,
    quality: bool,
    subset: int | None = None,
) -> SystemRun:
    """The tutorial pipeline: build, warm search latency, add = rebuild; with `subset`, embedding is extrapolated."""
    from baseline import TutorialPipeline

    load_avg = os.getloadavg()[0]
    load_s, pipe = timed(TutorialPipeline)
    pipe.embedder.encode_queries(["warm"])
    questions = eval_questions()
    queries = [q.question for q in questions]
    if subset is None:
        cpu0 = time.process_time()
        build_s, n = timed(lambda: pipe.rebuild(seeds_dir, work_dir / "baseline"))
        run = SystemRun("baseline", scale, _count_files(seeds_dir), n, "flat-ip", load_s, build_s)
        run.build_cpu_s = time.process_time() - cpu0
    else:
        run = _extrapolated_build(pipe, seeds_dir, scale, load_s, subset)
    run.first_search_s = timed(lambda: pipe.search(WARM_UP))[0]
    if quality:
        run.retrieval = retrieval_quality(lambda q: pipe.search(q, k=10), questions)
    run.search = latency(lambda q: pipe.search(q, k=10), queries, n_queries)
    for r in range(add_repeats if subset is None else 0):
        add_article(seeds_dir, source_seeds, r)
        run.add_s.append(timed(lambda: pipe.rebuild(seeds_dir, work_dir / "baseline"))[0])
    if subset is not None:  # a rebuild is a build of one more article
        run.add_s, run.add_extrapolated = [run.build_s * (run.passages + 10) / run.passages], True
    run.peak_rss_mb, run.load_avg = peak_rss_mb(), [load_avg, os.getloadavg()[0]]
    return run


def _extrapolated_build(pipe, seeds_dir: Path, scale: str, load_s: float, subset: int) -> SystemRun:
    """Chunk everything, embed an evenly spread sample, extrapolate; index N vectors tiled from the sample."""
    chunk_s, chunks = timed(lambda: pipe.load_chunks(seeds_dir))
    step = max(1, len(chunks) // subset)
    sample = chunks[::step][:subset]
    embed_s, vectors = timed(lambda: pipe.embed([c.text for c in sample]))
    tiled = np.tile(vectors, (math.ceil(len(chunks) / len(vectors)), 1))[: len(chunks)]
    noise = np.random.default_rng(0).normal(0, 0.01, tiled.shape).astype(np.float32)
    tiled = tiled + noise
    tiled /= np.linalg.norm(tiled, axis=1, keepdims=True)
    index_s, _ = timed(lambda: pipe.set_vectors(tiled))
    pipe.chunks = chunks
    build_s = chunk_s + embed_s * len(chunks) / len(sample) + index_s
    run = SystemRun("baseline", scale, _count_files(seeds_dir), len(chunks), "flat-ip", load_s, build_s, True)
    run.notes.append(
        f"build extrapolated: chunking {chunk_s:.1f} s measured on all {len(chunks)} passages, embedding measured "
        f"on {len(sample)} of them ({len(sample) / embed_s:.1f} passages/s); search measured on a flat index of "
        f"{len(chunks)} vectors tiled from the sample"
    )
    return run


def _count_files(seeds_dir: Path) -> int:
    return sum(1 for p in seeds_dir.iterdir() if p.suffix in (".txt", ".md"))
