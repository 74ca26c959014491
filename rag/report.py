"""Eval reports: a terminal table, a comparison, and the --out files (JSON, markdown, PNG chart)."""

from __future__ import annotations

import json
from pathlib import Path

from .errors import InputError
from .evaluate import METRICS, Judged, measured

NONE = "–"  # a metric about no question of this group (a set without unanswerable questions): not 0


def _fmt(name: str, value: float) -> str:
    return f"{value:.1f}" if name.startswith("latency") else f"{value:.3f}"


def _cell(name: str, figures: dict) -> str:
    return _fmt(name, figures[name]) if measured(name, figures) else NONE


def metrics_table(metrics: dict) -> str:
    """Rows are metrics; columns are each set and overall."""
    columns = list(metrics["sets"]) + ["overall"]
    data = {**metrics["sets"], "overall": metrics["overall"]}
    width = max(len(m) for m in METRICS) + 2
    col = max(12, *(len(c) + 2 for c in columns))  # set names such as "realistic-test" need the room
    lines = ["metric".ljust(width) + "".join(c.rjust(col) for c in columns)]
    lines.append("-" * len(lines[0]))
    for name in ["questions", "answerable", "unanswerable", *METRICS]:
        lines.append(
            name.ljust(width)
            + "".join(
                _cell(name, data[c]).rjust(col) if name in METRICS else str(data[c][name]).rjust(col) for c in columns
            )
        )
    return "\n".join(lines)


def compare_table(old: dict, new: dict) -> str:
    """Per metric (overall): previous, current, difference, and whether it got better."""
    lines = [f"{'metric':26}{'before':>10}{'after':>10}{'change':>10}"]
    for name, higher_better in METRICS.items():
        if name not in old.get("overall", {}):
            continue
        before, after = old["overall"], new["overall"]
        if not (measured(name, before) and measured(name, after)):  # nothing to compare: no such questions
            lines.append(f"{name:26}{_cell(name, before):>10}{_cell(name, after):>10}{NONE:>10}")
            continue
        delta = after[name] - before[name]
        mark = "" if abs(delta) < 1e-9 else ("better" if (delta > 0) == higher_better else "worse")
        lines.append(f"{name:26}{_fmt(name, before[name]):>10}{_fmt(name, after[name]):>10}{delta:>+10.3f}  {mark}")
    return "\n".join(lines)


def markdown_report(report: dict, judged: list[Judged], previous: dict | None) -> str:
    """Metrics, an optional comparison, and a per-question line for failures."""
    m = report["metrics"]
    out = [
        "# Evaluation report",
        "",
        "Configuration: " + ", ".join(f"{k}={v}" for k, v in m["config"].items()),
        "",
        "```",
        metrics_table(m),
        "```",
        "",
    ]
    if previous:
        out += ["## Compared with the previous run", "", "```", compare_table(previous["metrics"], m), "```", ""]
    out += [
        "## Questions that missed",
        "",
        "| id | question | first relevant rank | cites relevant | abstained |",
        "|---|---|---|---|---|",
    ]
    for j in judged:
        first = next((i + 1 for i, f in enumerate(j.flags) if f), None)
        wrong = (j.q.expected and (first != 1 or not j.cites_relevant)) or (not j.q.expected and not j.answer.abstained)
        if wrong:
            question = j.q.question.replace("|", "\\|")
            out.append(
                f"| {j.q.id} | {question} | {first or '-'} | {j.cites_relevant if j.q.expected else '-'} "
                f"| {j.answer.abstained} |"
            )
    return "\n".join(out) + "\n"


def write_chart(metrics: dict, path: Path) -> None:
    """Grouped bars of the quality metrics (0..1) per set."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [n for n in METRICS if not n.startswith("latency")]
    sets = {**metrics["sets"], "overall": metrics["overall"]}
    fig, ax = plt.subplots(figsize=(11, 4.5))
    width = 0.8 / len(sets)
    for i, (label, values) in enumerate(sets.items()):
        heights = [values[n] if measured(n, values) else float("nan") for n in names]  # no bar, as the table's –
        ax.bar([x + i * width for x in range(len(names))], heights, width, label=label)
    ax.set_xticks([x + width * (len(sets) - 1) / 2 for x in range(len(names))], names, rotation=25, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_title("rag eval: metrics per set (false_abstention: lower is better)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def writable_folder(out_dir: Path) -> None:
    """Make `out_dir` (for --out) or say in one line why it cannot be: checked before the eval runs, too."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / ".rag-write-check"
        probe.touch()
        probe.unlink()
    except OSError as exc:
        raise InputError(
            f"--out {out_dir}: cannot write there ({exc.strerror}); give a folder you can write to."
        ) from None


def write_outputs(report: dict, judged: list[Judged], out_dir: Path, previous: dict | None) -> None:
    """eval.json, report.md and metrics.png in out_dir."""
    writable_folder(out_dir)
    (out_dir / "eval.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    (out_dir / "report.md").write_text(markdown_report(report, judged, previous), encoding="utf-8")
    write_chart(report["metrics"], out_dir / "metrics.png")
