"""Eval sets: load JSONL questions, run them through the `rag ask` path, score, report, check thresholds."""

from __future__ import annotations

import json
import sys
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .errors import InputError
from .metrics import hit_at, is_relevant, mean, mrr_at, ndcg_at, percentile
from .settings import PROJECT_ROOT, Settings
from .types import Answer

DEFAULT_THRESHOLDS = PROJECT_ROOT / "eval" / "thresholds.toml"
# Metric name -> True when higher is better (used for thresholds, comparisons and the chart).
METRICS = {
    "hit@1": True,
    "hit@5": True,
    "mrr@10": True,
    "ndcg@10": True,
    "answer_cites_relevant": True,
    "citation_precision": True,
    "answers_on_topic": True,
    "quotes_per_answer": False,
    "citation_validity": True,
    "false_abstention": False,
    "unanswerable_abstention": True,
    "latency_p50_ms": False,
    "latency_p95_ms": False,
}

# The count a metric is computed over (a set without such questions has no figure to hold to a bound).
BASIS = {
    "unanswerable_abstention": "unanswerable",
    "citation_validity": "citations",
    "citation_precision": "answerable_citations",
    "answers_on_topic": "answered",
    "quotes_per_answer": "answered",
} | {m: "answerable" for m in ("hit@1", "hit@5", "mrr@10", "ndcg@10", "answer_cites_relevant", "false_abstention")}


@dataclass(frozen=True)
class Source:
    """An article (file name) that answers a question; for a letter of a correspondence, also its author."""

    doc: str
    author: str | None = None

    def quoted_by(self, doc: str, author: str | None) -> bool:
        """True when a citation of `doc` by `author` quotes this source."""
        return doc == self.doc and (self.author is None or author == self.author)


@dataclass(frozen=True)
class EvalQuestion:
    """One line of an eval set; empty `expected` means the corpus cannot answer it."""

    id: str
    question: str
    lang: str
    expected: tuple[str, ...]
    set: str
    sources: tuple[Source, ...] = ()
    history: tuple[str, ...] = ()  # earlier questions of the conversation, oldest first


@dataclass(frozen=True)
class Judged:
    """A question, its answer and the judgments the metrics are computed from."""

    q: EvalQuestion
    answer: Answer
    flags: tuple[bool, ...]  # relevance of retrieved passages in rank order
    total_relevant: int  # relevant passages in the whole index (for nDCG)
    cites_relevant: bool
    citations_valid: int
    citations_on_source: int  # citations quoting one of the question's listed sources


LINE_SHAPE = '{"id", "question", "lang", "expected": [...], "sources": [{"doc", "author"}], "history": [...]}'


@cache
def _line_model():
    """The shape of one eval line, checked by pydantic: "expected": "klant" was read letter by letter, "history":
    "Wat vindt Wim?" as 14 earlier questions, "question": null as the question "None" (a review found them)."""
    from typing import Annotated

    from pydantic import BaseModel, ConfigDict, StringConstraints

    text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

    class SourceLine(BaseModel):
        model_config = ConfigDict(strict=True, extra="forbid")
        doc: text
        author: text | None = None

    class EvalLine(BaseModel):
        model_config = ConfigDict(strict=True, extra="forbid")  # "histroy": [...] ran the question without it
        id: text | int
        question: text
        lang: str
        expected: list[text]
        sources: list[SourceLine] = []
        history: list[text] = []

    return EvalLine


def _why(exc) -> str:
    """The first problem pydantic found, as "field: what is wrong" ("expected: Input should be a valid list")."""
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "the line"
    if first["type"] == "missing":
        return f"missing field '{where}'"
    if first["type"] == "extra_forbidden":
        return f"unknown field '{where}'"
    if first["type"] == "json_invalid":
        return f"not JSON: {first['msg']}"
    return f"{where}: {first['msg']}"


def load_set(path: Path) -> list[EvalQuestion]:
    """Parse and validate a JSONL eval set; errors name the file and line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise InputError(f"No eval set {path}; give a .jsonl file such as eval/sets/dev.jsonl.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"Cannot read eval set {path} ({getattr(exc, 'strerror', None) or exc}).") from None
    from pydantic import ValidationError

    out = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = _line_model().model_validate_json(line)
        except ValidationError as exc:
            raise InputError(f"{path}:{n}: not a valid eval line ({_why(exc)}); expected {LINE_SHAPE}") from None
        if row.lang not in ("en", "nl"):
            raise InputError(f"{path}:{n}: lang must be 'en' or 'nl', not {row.lang!r}")
        sources = tuple(Source(s.doc, s.author) for s in row.sources)
        out.append(
            EvalQuestion(
                str(row.id), row.question, row.lang, tuple(row.expected), path.stem, sources, tuple(row.history)
            )
        )
    if not out:
        raise InputError(f"Eval set {path} has no questions.")
    return out


def judge(q: EvalQuestion, answer: Answer, index_chunks: list, file_text) -> Judged:
    """Relevance of each retrieved passage, whether a citation hits a relevant passage, and verbatim checks."""
    flags = tuple(is_relevant(p.chunk.text, list(q.expected)) for p in answer.passages) if q.expected else ()
    total = sum(is_relevant(c.text, list(q.expected)) for c in index_chunks) if q.expected else 0
    relevant_spans = [(p.chunk.doc, p.chunk.start, p.chunk.end) for p, f in zip(answer.passages, flags) if f]
    cites = any(doc == c.doc and s <= c.start and c.end <= e for c in answer.citations for doc, s, e in relevant_spans)
    valid = sum(file_text(c.doc)[c.start : c.end] == c.quote for c in answer.citations)
    on_source = sum(any(s.quoted_by(c.doc, c.author) for s in q.sources) for c in answer.citations)
    return Judged(q, answer, flags, total, cites, valid, on_source)


def summarize(judged: list[Judged]) -> dict[str, float]:
    """All metrics for a group of judged questions."""
    answerable = [j for j in judged if j.q.expected]
    unanswerable = [j for j in judged if not j.q.expected]
    n_citations = sum(len(j.answer.citations) for j in judged)
    # Precision is judged where the question lists its sources: answerable questions with sources. An answer that
    # should have abstained is counted by `unanswerable_abstention`, not here.
    sourced = [j for j in answerable if j.q.sources]
    answered = [j for j in sourced if not j.answer.abstained and j.answer.citations]
    sourced_citations = sum(len(j.answer.citations) for j in sourced)
    latencies = [j.answer.latency_ms for j in judged]
    return {
        "questions": len(judged),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "hit@1": mean([hit_at(list(j.flags), 1) for j in answerable]),
        "hit@5": mean([hit_at(list(j.flags), 5) for j in answerable]),
        "mrr@10": mean([mrr_at(list(j.flags), 10) for j in answerable]),
        "ndcg@10": mean([ndcg_at(list(j.flags), 10, j.total_relevant) for j in answerable]),
        "answer_cites_relevant": mean([float(j.cites_relevant) for j in answerable]),
        "citation_precision": (sum(j.citations_on_source for j in sourced) / sourced_citations)
        if sourced_citations
        else 0.0,
        "answers_on_topic": mean([float(j.citations_on_source == len(j.answer.citations)) for j in answered]),
        "quotes_per_answer": mean([float(len(j.answer.citations)) for j in answered]),
        "answerable_citations": sourced_citations,
        "answered": len(answered),
        "citation_validity": (sum(j.citations_valid for j in judged) / n_citations) if n_citations else 1.0,
        "citations": n_citations,
        "false_abstention": mean([float(j.answer.abstained) for j in answerable]),
        "unanswerable_abstention": mean([float(j.answer.abstained) for j in unanswerable]),
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
    }


def run_eval(assistant, questions: list[EvalQuestion], k: int | None = None, progress=None) -> list[Judged]:
    """Ask every question through `Assistant.ask` (the `rag ask` path) in this process and judge it."""
    chunks = list(assistant.index().iter_chunks())  # to count each question's relevant passages
    texts: dict[str, str] = {}

    def file_text(doc: str) -> str:
        if doc not in texts:
            texts[doc] = assistant.document(doc).text  # the indexed text: offsets point into it
        return texts[doc]

    from .service import validate_question

    for q in questions:  # before any is asked: a run of minutes should not stop at its last question
        try:
            validate_question(q.question, assistant.settings.max_question_chars)
        except InputError as exc:
            raise InputError(f"{q.set}.jsonl, question {q.id}: {exc}") from None
    assistant.ask("warm-up question about customer experience", k=k)  # load models outside the timings
    judged = []
    for i, q in enumerate(questions):
        answer = assistant.ask(q.question, k=k, history=list(q.history) or None)
        judged.append(judge(q, answer, chunks, file_text))
        if progress:
            progress(i + 1, len(questions))
    return judged


def build_report(judged: list[Judged], settings: Settings, k: int | None) -> dict:
    """`{"metrics": {...}, "questions": [...]}`; each question holds `id` plus the `rag ask --json` fields."""
    sets = sorted({j.q.set for j in judged})
    metrics = {
        "overall": summarize(judged),
        "sets": {s: summarize([j for j in judged if j.q.set == s]) for s in sets},
        "by_lang": {lang: summarize([j for j in judged if j.q.lang == lang]) for lang in ("en", "nl")},
        "config": {
            "embedder": settings.embedder,
            "chunk_size": settings.chunk_size,
            "chunk_overlap": settings.chunk_overlap,
            "top_k": k or settings.top_k,
            "use_bm25": settings.use_bm25,
            "use_dense": settings.use_dense,
            "abstain_threshold": settings.abstain_threshold,
        },
    }
    questions = [{"id": j.q.id, **j.answer.to_json()} for j in judged]
    return {"metrics": metrics, "questions": questions}


def load_thresholds(path: Path) -> dict:
    """`[min]` and `[max]` tables of metric -> bound for every group, and optional `[sets.NAME.min]` /
    `[sets.NAME.max]` tables (NAME a set's file stem, or "overall") that replace them for one group."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"Thresholds file {path} not found; pass --thresholds FILE or --no-thresholds.") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"Thresholds file {path} is not valid TOML: {exc}") from None
    tables = [("", data)] + [(f"sets.{k}.", v) for k, v in data.get("sets", {}).items()]
    for prefix, table in tables:
        for bound in ("min", "max"):
            for name in table.get(bound, {}):
                if name not in METRICS:
                    raise InputError(f"{path}: unknown metric '{prefix}{bound}.{name}'. Known: {', '.join(METRICS)}.")
    sets = {k: {"min": v.get("min", {}), "max": v.get("max", {})} for k, v in data.get("sets", {}).items()}
    return {"min": data.get("min", {}), "max": data.get("max", {}), "sets": sets}


def measured(name: str, figures: dict) -> bool:
    """Whether a group has any question (or citation) of the kind metric `name` is about: a set without unanswerable
    questions has no `unanswerable_abstention` (reports show –, bounds skip it). Old reports lack the counts: True."""
    return figures.get(BASIS.get(name, "questions"), 1) != 0


def check_thresholds(metrics: dict, thresholds: dict) -> list[str]:
    """Human-readable failures over the overall metrics and every set's own; empty when every bound holds.

    Each set is checked on its own so that a regression on the held-out set cannot hide behind the dev set; a set
    (or "overall") with its own table in the thresholds file is held to that table instead of the shared one.
    """
    groups = {"overall": metrics["overall"], **{f"set {k}": v for k, v in metrics.get("sets", {}).items()}}
    if len(groups) == 2:  # one set: its figures are the overall ones, held to that set's own bounds if it has them
        only = next(iter(metrics["sets"]))
        groups = {f"set {only}" if only in thresholds.get("sets", {}) else "overall": metrics["overall"]}
    failures = []
    for group, figures in groups.items():
        own = thresholds.get("sets", {}).get(group.removeprefix("set "), thresholds)
        for kind in ("min", "max"):
            for name, bound in own.get(kind, {}).items():
                if not measured(name, figures):
                    continue  # no question of the kind this metric is about (e.g. a set without unanswerables)
                if (figures[name] < bound) if kind == "min" else (figures[name] > bound):
                    side = "below the minimum" if kind == "min" else "above the maximum"
                    failures.append(f"{group}: {name} = {figures[name]:.3f} is {side} {bound}")
    return failures


def run_eval_command(args, settings: Settings) -> int:
    """`rag eval FILE... [--json] [--out DIR] [-k N] [--compare JSON]`; the CLI's only eval entry point."""
    from .report import compare_table, metrics_table, writable_folder, write_outputs
    from .service import Assistant

    questions = [q for path in args.files for q in load_set(path)]
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        raise InputError("Question ids repeat across the eval files; make them unique.")
    thresholds = None if args.no_thresholds else load_thresholds(args.thresholds or DEFAULT_THRESHOLDS)
    previous = _load_previous(args.compare) if args.compare else None
    if args.out:
        writable_folder(args.out)  # before the eval, not after it
    assistant = Assistant(settings)
    assistant.ensure_index()
    from tqdm import tqdm

    bar = tqdm(total=len(questions), desc="eval", unit="q", file=sys.stderr, disable=not sys.stderr.isatty())
    judged = run_eval(assistant, questions, k=args.k, progress=lambda d, t: bar.update(d - bar.n))
    bar.close()
    report = build_report(judged, settings, args.k)
    if args.out:
        write_outputs(report, judged, args.out, previous)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(metrics_table(report["metrics"]))
        if previous:
            print()
            print(compare_table(previous["metrics"], report["metrics"]))
    if thresholds:
        failures = check_thresholds(report["metrics"], thresholds)
        for f in failures:
            print(f"threshold: {f}", file=sys.stderr)
        if failures:
            return 1
    return 0


def _load_previous(path: Path) -> dict:
    if not path.is_file():
        raise InputError(f"--compare {path}: no such file; give the eval.json of an earlier `rag eval --out DIR`.")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        data["metrics"]["overall"]
    except (OSError, json.JSONDecodeError, KeyError, TypeError):
        raise InputError(f"--compare {path}: not an eval JSON from `rag eval --json` or `--out`.") from None
    return data
