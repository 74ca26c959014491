"""results.json, results.md (tables, targets) and results.png (plot) from the runs of one benchmark."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from statistics import median

import coldstart
from workers import SystemRun


@dataclass(frozen=True)
class Target:
    """A goal from the issue: `figure(run of ours at scale) <op> bound`."""

    label: str
    scale: str
    figure: Callable[[SystemRun], float]
    op: str  # "<" or ">="
    bound: float
    unit: str
    system: str = "ours"

    def check(self, runs: list[SystemRun]) -> tuple[str, str]:
        """(measured value, PASS/FAIL/not run)."""
        run = find(runs, self.system, self.scale)
        if run is None:
            return "–", "not run"
        value = self.figure(run)
        ok = {"<": value < self.bound, "<=": value <= self.bound, ">=": value >= self.bound}[self.op]
        return f"{value:,.1f} {self.unit}", "PASS" if ok else "FAIL"


TARGETS = (
    Target("`ask` p50, warm, bundled corpus", "bundled", lambda r: r.ask.p50_ms, "<", 50, "ms"),
    Target("`ask` p50, warm, 100k passages", "100k", lambda r: r.ask.p50_ms, "<", 150, "ms"),
    Target("incremental add vs full rebuild, 10k passages", "10k", lambda r: r.build_s / r.add_median_s, ">=", 10, "x"),
    Target("100k passages indexed (full build)", "100k", lambda r: r.build_s / 60, "<", 15, "min"),
    Target("PostgreSQL: `ask` p50, warm, 100k passages", "100k", lambda r: r.ask.p50_ms, "<=", 150, "ms", "postgres"),
    Target(
        "PostgreSQL: add one article vs full rebuild (vectors reused), 100k passages",
        "100k",
        lambda r: r.build_s / r.add_median_s,
        ">=",
        20,
        "x",
        "postgres",
    ),  # fmt: skip
)


def find(runs: list[SystemRun], system: str, scale: str) -> SystemRun | None:
    """The run of `system` at `scale`, if any."""
    return next((r for r in runs if r.system == system and r.scale == scale), None)


def find_any(runs: list[SystemRun], system: str) -> bool:
    """Whether `system` ran at any scale."""
    return any(r.system == system for r in runs)


def scales_of(runs: list[SystemRun]) -> list[str]:
    """Scales in run order."""
    return list(dict.fromkeys(r.scale for r in runs))


def _ratio(a: float, b: float) -> str:
    return f"{a / b:,.1f}x" if a and b else "–"


def _est(text: str, extrapolated: bool) -> str:
    return f"{text} (extrapolated)" if extrapolated else text


def main_table(runs: list[SystemRun]) -> list[str]:
    """One row per system and scale."""
    rows = [
        "| Scale | System | Passages (files) | Index | Full build s | Build passages/s | Add 1 article s "
        "| Full / add | `search` p50 / p95 ms | `ask` p50 / p95 ms | 1st `ask` after add s | Peak RSS MiB | Load avg |",
        "|---|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in runs:
        ask = f"{r.ask.p50_ms:.1f} / {r.ask.p95_ms:.1f}" if r.ask else "–"
        after = f"{median(r.first_ask_after_add_s):.2f}" if r.first_ask_after_add_s else "–"
        rss = f"{r.peak_rss_mb:,.0f}" + (" (sample run)" if r.build_extrapolated else "")
        rows.append(
            f"| {r.scale} | {r.system} | {r.passages:,} ({r.files:,}) | {r.index_type} "
            f"| {_est(f'{r.build_s:,.1f}', r.build_extrapolated)} "
            f"| {_est(f'{r.build_rate:,.0f}', r.build_extrapolated)} "
            f"| {_est(f'{r.add_median_s:,.2f}', r.add_extrapolated)} (n={len(r.add_s)}) "
            f"| {_ratio(r.build_s, r.add_median_s)} | {r.search.p50_ms:.1f} / {r.search.p95_ms:.1f} | {ask} "
            f"| {after} | {rss} | {' → '.join(f'{x:.1f}' for x in r.load_avg)} |"
        )
    return rows


def ratio_table(runs: list[SystemRun]) -> list[str]:
    """Ours against the baseline of the same run, per scale (higher is better for ours)."""
    rows = [
        "| Scale | Build throughput, ours / baseline | Add 1 article, baseline / ours | `search` p50, baseline / ours "
        "| Peak RSS, ours / baseline |",
        "|---|--:|--:|--:|--:|",
    ]
    for scale in scales_of(runs):
        ours, base = find(runs, "ours", scale), find(runs, "baseline", scale)
        if not (ours and base):
            continue
        est = " (extrapolated)" if base.build_extrapolated else ""
        rss = "–" if base.build_extrapolated else _ratio(ours.peak_rss_mb, base.peak_rss_mb)
        rows.append(
            f"| {scale} | {_ratio(ours.build_rate, base.build_rate)}{est} "
            f"| {_ratio(base.add_median_s, ours.add_median_s)}{est} "
            f"| {_ratio(base.search.p50_ms, ours.search.p50_ms)} | {rss} |"
        )
    return rows


def postgres_table(runs: list[SystemRun]) -> list[str]:
    """The PostgreSQL backend beside the FAISS files backend of the same run, per scale."""
    rows = [
        "| Scale | Passages | PG build s (vectors reused) | FAISS build s (embeds) | PG add 1 article s | FAISS add s "
        "| PG build / add | PG `search` p50 / p95 ms | on the replica | FAISS `search` p50 / p95 | PG `ask` p50 / p95 ms "
        "| FAISS `ask` p50 / p95 | Replica lag after add ms |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]

    def lat(x) -> str:
        return f"{x.p50_ms:.1f} / {x.p95_ms:.1f}" if x else "–"

    for scale in scales_of(runs):
        pg, ours = find(runs, "postgres", scale), find(runs, "ours", scale)
        if not pg:
            continue
        lag = (
            f"{median(pg.replica_lag_s) * 1000:.0f} (max {max(pg.replica_lag_s) * 1000:.0f})"
            if pg.replica_lag_s
            else "–"
        )
        rows.append(
            f"| {scale} | {pg.passages:,} | {pg.build_s:,.1f} | {ours.build_s:,.1f} | {pg.add_median_s:.2f} (n={len(pg.add_s)}) "
            f"| {ours.add_median_s:.2f} | {_ratio(pg.build_s, pg.add_median_s)} | {lat(pg.search)} "
            f"| {lat(pg.search_replica)} | {lat(ours.search)} | {lat(pg.ask)} | {lat(ours.ask)} | {lag} |"
        )
    return rows


def quality_table(runs: list[SystemRun]) -> list[str]:
    """Retrieval figures on the eval sets (bundled corpus)."""
    rows = ["| System | Questions | hit@1 | hit@5 | MRR@10 |", "|---|--:|--:|--:|--:|"]
    for r in runs:
        if r.retrieval:
            q = r.retrieval
            rows.append(
                f"| {r.system} | {q['questions']:.0f} | {q['hit@1']:.3f} | {q['hit@5']:.3f} | {q['mrr@10']:.3f} |"
            )
    return rows


def target_table(runs: list[SystemRun]) -> list[str]:
    """Targets from the issue, pass or fail."""
    rows = ["| Target | Goal | Measured | Result |", "|---|---|--:|---|"]
    for t in TARGETS:
        value, verdict = t.check(runs)
        rows.append(f"| {t.label} | {t.op} {t.bound:g} {t.unit} | {value} | **{verdict}** |")
    return rows


def markdown(meta: dict, runs: list[SystemRun], cold: dict | None = None) -> str:
    """The whole results.md."""
    m = meta["machine"]
    notes = [f"- {r.system} at {r.scale}: {n}" for r in runs for n in r.notes]
    lines = [
        "# Benchmark results",
        "",
        f"Generated by `{meta['command']}` on {meta['date']}; the whole run took {meta['total_s'] / 60:.1f} min.",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB RAM, no GPU; {m['os']}; "
        f"Python {m['python']}, numpy {m['numpy']}, faiss {m['faiss']}.",
        "",
        "**Ours** is the library as shipped (multilingual USE embeddings, hybrid BM25 + dense search, incremental",
        "index; exact inner product below `hnsw_threshold` passages, HNSW at or above it). **Baseline** is the",
        "usual tutorial pipeline (`bench/baseline.py`): all-MiniLM-L6-v2 embeddings, a flat FAISS `IndexFlatIP`,",
        "rebuilt from scratch on every change; it chunks with our chunker so both index the same passages.",
        "**Postgres** is ours on the PostgreSQL + pgvector backend (HNSW, BM25 over our keyword terms through a",
        "GIN index, RRF in one SQL statement), on a local primary with a streaming replica; it builds from the",
        "FAISS run's vectors.",
        "",
        "## Targets",
        "",
        *target_table(runs),
        "",
        *(coldstart.markdown(cold) if cold else []),
        *(
            [f"(Cold start measured on {cold['date']}; the other sections come from the run above.)", ""]
            if cold and cold.get("date")
            else []
        ),
        "## Figures",
        "",
        *main_table(runs),
        "",
        "## Ours against the baseline (same run)",
        "",
        *ratio_table(runs),
        "",
        *(
            ["## PostgreSQL + pgvector beside FAISS (same run)", "", *postgres_table(runs), ""]
            if find_any(runs, "postgres")
            else []
        ),
        "## Retrieval quality (dev + test answerable questions, bundled corpus, top 10)",
        "",
        *quality_table(runs),
        "",
        "![latency and throughput per scale](results.png)",
        "",
        "## How it was measured",
        "",
        "- Each system at each scale runs in its own subprocess; peak RSS is that process's `VmHWM`.",
        "- Synthetic corpora (`bench/synth.py`) recombine the seed paragraphs with a seeded `random.Random`",
        "  (about 10 passages per file, distinct titles and authors); they live in a temp dir.",
        "- Full build: `update_index(full=True)` on an empty index dir (chunk, embed, FAISS, atomic save); model",
        "  loading is excluded. Full / add compares it with adding one article incrementally (`Assistant.reindex`,",
        "  which includes loading the new index version), median of the repeats.",
        "- Latency: warm, in process, one call at a time, cycling through the dev + test questions; `search`",
        '  with k=10, `ask` with the default settings (extractive). "1st `ask` after add" is the first question',
        "  on a new index version, which rebuilds the BM25 model and the sentence-vector cache.",
        "- The baseline has no answerer, so only `search` latency is compared.",
        "- Load avg is the 1-minute load average at the start and end of each run; it includes the benchmark",
        "  itself (1-2 on this machine). Higher values mean other processes shared the CPU and slowed the run.",
        *([""] + ["Notes:"] + notes if notes else []),
        "",
    ]
    return "\n".join(lines)


def plot(runs: list[SystemRun], path: Path) -> None:
    """Build throughput, add-one-article time and query latency per scale, ours vs baseline."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, NullFormatter

    scales = scales_of(runs)
    panels = [  # (title, value, extrapolated?, log scale?)
        ("Full build (passages/s)", lambda r: r.build_rate, lambda r: r.build_extrapolated, True),
        ("Add one article (s)", lambda r: r.add_median_s, lambda r: r.add_extrapolated, True),
        ("search p50 (ms)", lambda r: r.search.p50_ms, lambda r: False, False),
        ("ask p50 (ms); dashes = target", lambda r: r.ask.p50_ms if r.ask else 0.0, lambda r: False, False),
    ]
    fig, axes = plt.subplots(1, len(panels), figsize=(17, 4.2))
    systems = [
        s for s in (("ours", "tab:blue"), ("baseline", "tab:orange"), ("postgres", "tab:green")) if find_any(runs, s[0])
    ]
    width = 0.76 / max(1, len(systems))
    for ax, (title, value, extrapolated, log) in zip(axes, panels):
        for j, (system, color) in enumerate(systems):
            for i, scale in enumerate(scales):
                r = find(runs, system, scale)
                if r is None or not value(r):
                    continue
                bars = ax.bar(i + (j - (len(systems) - 1) / 2) * width, value(r), width, color=color, label=system if i == 0 else None,
                              hatch="//" if extrapolated(r) else None, alpha=0.55 if extrapolated(r) else 1.0)  # fmt: skip
                ax.bar_label(bars, fmt="%.3g", fontsize=8)
        ax.set_xticks(range(len(scales)), scales)
        if log:
            ax.set_yscale("log")
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            ax.yaxis.set_minor_formatter(NullFormatter())
        ax.margins(y=0.15)
        ax.set_title(title, fontsize=10)
    for target in TARGETS:
        if target.unit == "ms" and target.scale in scales:
            i = scales.index(target.scale)
            axes[3].hlines(target.bound, i - width, i + width, colors="black", linestyles="--", lw=1)
    axes[0].legend(title="hatched = extrapolated", fontsize=8, title_fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_results(out: Path, meta: dict, raw_runs: list[dict], cold: dict | None = None) -> None:
    """Write results.json (raw), results.md and results.png into `out`."""
    data = {"meta": meta, "runs": raw_runs, **({"coldstart": cold} if cold else {})}
    (out / "results.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
    runs = [SystemRun.from_json(r) for r in raw_runs]
    (out / "results.md").write_text(markdown(meta, runs, cold), encoding="utf-8")
    if runs:
        plot(runs, out / "results.png")


if __name__ == "__main__":  # regenerate results.md and results.png from a results.json
    import sys

    source = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "results.json"
    data = json.loads(source.read_text(encoding="utf-8"))
    write_results(source.parent, data["meta"], data["runs"], data.get("coldstart"))
