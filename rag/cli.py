"""The `rag` command: parse flags, call the library, print results. No logic lives here.

Heavy modules are imported inside the command that needs them, so `rag search`, `rag ask` and `rag status`
start quickly (tests/test_cli.py checks which modules load).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from .errors import RagError

SIGPIPE_EXIT = 141  # 128 + SIGPIPE: what other Unix tools exit with when the reader (`| head`) goes away
SIGINT_EXIT = 130  # 128 + SIGINT: the shell's convention for Ctrl-C


def passages(text: str) -> int:
    """argparse type for -k: a whole number of passages, at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of passages (1 or more), got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more (the number of passages), got {value}")
    return value


def path(text: str) -> Path:
    """argparse type for a file or folder: not empty (`Path("")` is the current folder, so `--seeds-dir "$UNSET"`
    would index the folder the command runs in and drop every article indexed from the real one)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("is empty; give a folder or file path, or leave the flag out")
    return Path(text)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seeds-dir", type=path, help="folder of articles (env RAG_SEEDS_DIR; default seeds/)")
    p.add_argument("--index-dir", type=path, help="index folder (env RAG_INDEX_DIR; default index/)")
    p.add_argument("--embedder", help="use-multilingual | minilm | hash | st:NAME_OR_PATH (env RAG_EMBEDDER)")
    p.add_argument("--config", type=path, help="TOML settings file (env RAG_CONFIG; default rag.toml)")
    p.add_argument(
        "--backend", choices=["faiss", "postgres"], help="where the index lives (env RAG_BACKEND; default faiss)"
    )
    p.add_argument("--database-url", help="PostgreSQL primary, takes every write (env RAG_DATABASE_URL)")
    p.add_argument("--database-read-urls", help="comma-separated read replicas (env RAG_DATABASE_READ_URLS)")
    p.add_argument(
        "--max-replica-lag-s",
        type=float,
        help="read from the primary past this replica lag (env RAG_MAX_REPLICA_LAG_S; default 5)",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="log progress details")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rag", description="Cited answers from Dutch CX articles.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", help="build or incrementally update the index")
    p.add_argument("--full", action="store_true", help="rebuild everything from scratch")
    _common(p)

    p = sub.add_parser("search", help="hybrid search; prints passages")
    p.add_argument("query")
    p.add_argument("-k", type=passages, default=None, help="number of passages (default 8)")
    p.add_argument("--json", action="store_true", help="print JSON")
    _common(p)

    p = sub.add_parser("ask", help="answer a question with numbered citations")
    p.add_argument("question")
    p.add_argument("-k", type=passages, default=None, help="number of passages to retrieve (default 8)")
    p.add_argument("--json", action="store_true", help="print JSON")
    _common(p)

    p = sub.add_parser("eval", help="run evaluation sets; exits non-zero below eval/thresholds.toml")
    p.add_argument("files", nargs="+", type=path, metavar="FILE")
    p.add_argument("-k", type=passages, default=None, help="passages retrieved per question (metrics use up to 10)")
    p.add_argument("--json", action="store_true", help="print {metrics, questions} as JSON")
    p.add_argument("--out", type=path, help="write JSON, a markdown report and a PNG chart here")
    p.add_argument("--compare", type=path, help="an earlier eval JSON to diff against")
    p.add_argument("--thresholds", type=path, default=None, help="default eval/thresholds.toml")
    p.add_argument("--no-thresholds", action="store_true", help="report only; never fail on thresholds")
    _common(p)

    p = sub.add_parser("serve", help="start the browser app (builds the index if missing)")
    p.add_argument("--host", default=None, help="default 127.0.0.1")
    p.add_argument("--port", type=int, default=None, help="1-65535 (default 7860)")
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
        backend=args.backend,
        database_url=args.database_url,
        database_read_urls=args.database_read_urls,
        max_replica_lag_s=args.max_replica_lag_s,
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
    )


def cmd_index(args, settings) -> int:
    from .progress import embedding_bar
    from .service import Assistant

    with embedding_bar() as progress:
        report = Assistant(settings).reindex(full=args.full, progress=progress)
    if report.reason and report.reason != "no index yet; building it":
        print(report.reason[0].upper() + report.reason[1:] + ".", file=sys.stderr)
    for s in report.skipped:
        print(f"skipped {s.doc}: {s.reason}", file=sys.stderr)
    print(report.summary())
    return 0


def _ensure(assistant) -> None:
    from .progress import embedding_bar

    with embedding_bar() as progress:
        report = assistant.ensure_index(progress=progress)
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
    from .ports import check_port

    check_port(settings.host, settings.port)  # before the seconds it takes to import Gradio
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
            if key == "error" or (value is None and key != "last_indexed"):  # nothing to say, or said below
                continue
            if key == "last_indexed" and value is None:
                value = "never"
            if key == "replicas":  # one line per replica: where, state, lag
                value = (
                    "; ".join(
                        f"{r['url']} {r['state']}" + (f", lag {r['lag_s']:.3f} s" if r["lag_s"] is not None else "")
                        for r in value
                    )
                    or "none"
                )
            print(f"{key:13} {value}")
    if status.get("error"):  # what was readable is shown above; this says what to do
        sys.stdout.flush()
        print(f"error: {status['error']}", file=sys.stderr)
        return 2
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
    for noisy in ("faiss", "faiss.loader", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("psycopg.pool").setLevel(logging.ERROR)  # retries to a replica that is down: we say it once
    for chatty in ("trafilatura", "htmldate", "pypdf"):  # they log what a skip reason already says
        logging.getLogger(chatty).setLevel(logging.ERROR)
    try:
        settings = _settings(args)
        code = COMMANDS[args.command](args, settings)
        sys.stdout.flush()  # a closed pipe shows here, inside the handler below, not at interpreter exit
        return code
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader left (`rag search ... | head`): stop quietly. Point stdout at /dev/null so Python's final
        # flush of what is still buffered does not raise again on the way out.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return SIGPIPE_EXIT
    except KeyboardInterrupt:
        if args.command == "index":  # the store writes a new version and swaps it in whole, or not at all
            print("interrupted; the index was left as it was before this run", file=sys.stderr)
        else:
            print("interrupted", file=sys.stderr)
        return SIGINT_EXIT


if __name__ == "__main__":
    sys.exit(main())
