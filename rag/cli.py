"""The `rag` command: parse flags, call the library, print results. No logic lives here."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from .errors import RagError


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seeds-dir", type=Path, help="folder of articles (env RAG_SEEDS_DIR; default seeds/)")
    p.add_argument("--index-dir", type=Path, help="index folder (env RAG_INDEX_DIR; default index/)")
    p.add_argument("--embedder", help="use-multilingual | minilm | hash | st:NAME_OR_PATH (env RAG_EMBEDDER)")
    p.add_argument("--config", type=Path, help="TOML settings file (env RAG_CONFIG; default rag.toml)")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress details")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rag", description="Cited answers from Dutch CX articles.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", help="build or incrementally update the index")
    p.add_argument("--full", action="store_true", help="rebuild everything from scratch")
    _common(p)

    p = sub.add_parser("search", help="hybrid search; prints passages")
    p.add_argument("query")
    p.add_argument("-k", type=int, default=None, help="number of passages (default 8)")
    p.add_argument("--json", action="store_true", help="print JSON")
    _common(p)

    p = sub.add_parser("ask", help="answer a question with numbered citations")
    p.add_argument("question")
    p.add_argument("-k", type=int, default=None, help="number of passages to retrieve (default 8)")
    p.add_argument("--json", action="store_true", help="print JSON")
    _common(p)

    p = sub.add_parser("eval", help="run evaluation sets; exits non-zero below eval/thresholds.toml")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("-k", type=int, default=None, help="passages retrieved per question (metrics use up to 10)")
    p.add_argument("--json", action="store_true", help="print {metrics, questions} as JSON")
    p.add_argument("--out", type=Path, help="write JSON, a markdown report and a PNG chart here")
    p.add_argument("--compare", type=Path, help="an earlier eval JSON to diff against")
    p.add_argument("--thresholds", type=Path, default=None, help="default eval/thresholds.toml")
    p.add_argument("--no-thresholds", action="store_true", help="report only; never fail on thresholds")
    _common(p)

    p = sub.add_parser("serve", help="start the browser app (builds the index if missing)")
    p.add_argument("--host", default=None, help="default 127.0.0.1")
    p.add_argument("--port", type=int, default=None, help="default 7860")
    _common(p)

    p = sub.add_parser("show", help="print a document's indexed text and metadata (what offsets point into)")
    p.add_argument("doc", metavar="DOC", help="the document's name as `rag search` shows it, e.g. report.pdf")
    p.add_argument("--json", action="store_true", help="print {doc, title, author, date, format, text, pages}")
    _common(p)

    p = sub.add_parser("status", help="show what is indexed")
    p.add_argument("--json", action="store_true")
    _common(p)
    return parser


def _settings(args: argparse.Namespace):
    from .settings import load_settings

    return load_settings(
        config=args.config,
        seeds_dir=args.seeds_dir,
        index_dir=args.index_dir,
        embedder=args.embedder,
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
    )


def _progress_bar(desc: str):
    """A tqdm bar on stderr for long runs; returns (callback, close)."""
    from tqdm import tqdm

    state: dict = {}

    def update(done: int, total: int) -> None:
        if "bar" not in state:
            state["bar"] = tqdm(
                total=total, desc=desc, unit="passage", file=sys.stderr, disable=total < 500 or not sys.stderr.isatty()
            )
        bar = state["bar"]
        bar.update(done - bar.n)

    def close() -> None:
        if "bar" in state:
            state["bar"].close()

    return update, close


def cmd_index(args, settings) -> int:
    from .service import Assistant

    update, close = _progress_bar("embedding")
    try:
        report = Assistant(settings).reindex(full=args.full, progress=update)
    finally:
        close()
    if report.reason and report.reason != "no index yet; building it":
        print(report.reason[0].upper() + report.reason[1:] + ".", file=sys.stderr)
    for s in report.skipped:
        print(f"skipped {s.doc}: {s.reason}", file=sys.stderr)
    print(report.summary())
    return 0


def _ensure(assistant) -> None:
    update, close = _progress_bar("embedding")
    try:
        report = assistant.ensure_index(progress=update)
    finally:
        close()
    if report:
        why = f" ({report.reason})" if report.reason else ""
        print(f"Built the index{why}: {report.summary()}", file=sys.stderr)


def cmd_search(args, settings) -> int:
    from .render import page_label
    from .service import Assistant, validate_question

    assistant = Assistant(settings)
    validate_question(args.query, settings.max_question_chars)  # before building anything
    _ensure(assistant)
    passages = assistant.search(args.query, k=args.k)
    if args.json:
        print(json.dumps([p.to_json() for p in passages], ensure_ascii=False, indent=2))
        return 0
    for p in passages:
        who = ", ".join(x for x in (p.chunk.author, p.chunk.date) if x)
        where = f"{p.chunk.doc}, {page_label(p.chunk.pages)}" if p.chunk.pages else p.chunk.doc
        print(
            f"[{p.rank}] {where} {p.chunk.start}-{p.chunk.end}  score {p.score:.4f}  {p.chunk.title[:60]}"
            + (f" ({who})" if who else "")
        )
        print("    " + " ".join(p.chunk.text.split())[:300])
    return 0


def cmd_ask(args, settings) -> int:
    from .render import answer_to_text
    from .service import Assistant, validate_question

    assistant = Assistant(settings)
    validate_question(args.question, settings.max_question_chars)  # before building anything
    _ensure(assistant)
    answer = assistant.ask(args.question, k=args.k)
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
    else:
        print(answer_to_text(answer))
    return 0


def cmd_eval(args, settings) -> int:
    from .evaluate import run_eval_command

    return run_eval_command(args, settings)


def cmd_serve(args, settings) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from app import serve

    serve(settings)
    return 0


def cmd_show(args, settings) -> int:
    from .render import page_label
    from .service import Assistant

    name, path, seeds = args.doc, Path(args.doc), settings.seeds_dir.resolve()
    if path.is_file() and path.resolve().is_relative_to(seeds):  # a path to the file works as well as its name
        name = path.resolve().relative_to(seeds).as_posix()
    doc = Assistant(settings).document(name)
    if args.json:
        print(json.dumps(doc.to_show_json(), ensure_ascii=False, indent=2))
        return 0
    print(f"{doc.doc}  ({doc.format})")
    for key, value in (("title", doc.title), ("author", doc.author), ("date", doc.date), ("source", doc.source)):
        if value:
            print(f"{key:7} {value}")
    if doc.pages:
        print(f"pages   {len(doc.pages)}: " + ", ".join(f"{page_label([p.page])} {p.start}-{p.end}" for p in doc.pages))
    print()
    print(doc.text)
    return 0


def cmd_status(args, settings) -> int:
    from .service import Assistant

    status = Assistant(settings).status()
    if args.json:
        print(json.dumps(status, indent=2))
    else:
        for key, value in status.items():
            print(f"{key:13} {value}")
    return 0


COMMANDS = {
    "index": cmd_index,
    "search": cmd_search,
    "ask": cmd_ask,
    "eval": cmd_eval,
    "serve": cmd_serve,
    "show": cmd_show,
    "status": cmd_status,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    for noisy in ("faiss", "faiss.loader", "bm25s", "httpx"):  # before the import: faiss logs while loading
        logging.getLogger(noisy).setLevel(logging.WARNING)
    for chatty in ("trafilatura", "htmldate", "pypdf"):  # they log what a skip reason already says
        logging.getLogger(chatty).setLevel(logging.ERROR)
    from . import search  # noqa: F401 - imports bm25s, which sets its own logger to DEBUG

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    try:
        settings = _settings(args)
        return COMMANDS[args.command](args, settings)
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
