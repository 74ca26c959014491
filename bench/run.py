"""`make bench`: index build, incremental add, query latency and memory of ours vs the tutorial pipeline.

    python bench/run.py                      # bundled corpus, ~10k and ~100k passages (about 35 minutes)
    python bench/run.py --quick              # bundled corpus and ~10k passages
    python bench/run.py --scales bundled,2k  # any scales; "Nk" means about N thousand synthetic passages
    python bench/run.py --only extract       # extraction throughput only (PDF pages/s, HTML documents/s)
    python bench/run.py --only coldstart     # only the cold-start figures (about a minute); other sections kept
    python bench/run.py --systems ours,postgres --out bench/postgres   # FAISS and PostgreSQL only

The postgres system runs on a primary and a streaming replica that the benchmark starts (scripts/pg.py, on free
ports, data in a temp dir) and stops; it builds from the vectors of the FAISS run at the same scale.

Each system at each scale runs in a fresh subprocess (so peak memory is its own) over a corpus in a temp
dir; nothing is written into the repo's seeds/ or index/. Results go to --out: results.json (raw),
results.md (tables) and results.png (plot); the extraction section (bench/extract.py) writes extract.json and
extract.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))  # bench/ is a folder of scripts, not a package

import coldstart  # noqa: E402

from rag.settings import PROJECT_ROOT, Settings  # noqa: E402

DEFAULT_SCALES = ("bundled", "10k", "100k")
SYSTEMS = ("ours", "baseline", "postgres")
QUICK_SCALES = ("bundled", "10k")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true", help="skip the 100k scale (same as --scales bundled,10k)")
    p.add_argument("--scales", help=f"comma-separated scales (default {','.join(DEFAULT_SCALES)})")
    p.add_argument("--out", type=Path, default=BENCH_DIR, help="folder for results.{json,md,png} (default bench/)")
    p.add_argument("--queries", type=int, default=100, help="timed queries per system and scale (default 100)")
    p.add_argument("--add-repeats", type=int, default=3, help="articles added one by one, ours (default 3)")
    p.add_argument(
        "--baseline-max", type=int, default=10_000,
        help="largest scale (passages) at which the baseline embeds everything; above it, embedding\n"
        "is measured on --baseline-subset passages and extrapolated (default 10000)",
    )  # fmt: skip
    p.add_argument("--baseline-subset", type=int, default=2_000, help="sample size for extrapolation (default 2000)")
    p.add_argument("--seeds", type=Path, default=PROJECT_ROOT / "seeds", help="seed articles (read only)")
    p.add_argument(
        "--only",
        choices=("coldstart", "extract"),
        help="run only this part: coldstart (results.md keeps the other sections) or extract (extract.md)",
    )
    p.add_argument("--cold-repeats", type=int, default=5, help="cold processes per command (default 5)")
    p.add_argument(
        "--systems", default=",".join(SYSTEMS), help=f"comma-separated, of {', '.join(SYSTEMS)} (default all)"
    )
    p.add_argument("--worker", choices=SYSTEMS, help=argparse.SUPPRESS)
    p.add_argument("--primary-url", help=argparse.SUPPRESS)
    p.add_argument("--replica-url", help=argparse.SUPPRESS)
    p.add_argument("--faiss-index", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--scale", help=argparse.SUPPRESS)
    p.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--subset", type=int, help=argparse.SUPPRESS)
    p.add_argument("--quality", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def scale_passages(scale: str) -> int | None:
    """'bundled' -> None (the seeds themselves); '10k' -> 10000; '2500' -> 2500."""
    if scale == "bundled":
        return None
    try:
        return int(float(scale[:-1]) * 1000) if scale.lower().endswith("k") else int(scale)
    except ValueError:
        raise SystemExit(f"Unknown scale {scale!r}; use 'bundled', a number of passages or e.g. '10k'.") from None


def make_corpus(scale: str, source: Path, dest: Path) -> None:
    """The bundled seeds copied, or a synthetic corpus of about the scale's passage count."""
    from synth import files_for_passages, write_corpus

    passages = scale_passages(scale)
    if passages is None:
        shutil.copytree(source, dest)
        return
    s = Settings()
    write_corpus(source, dest, files_for_passages(source, passages, s.chunk_size, s.chunk_overlap))


def run_worker(args: argparse.Namespace) -> None:
    """Inside the subprocess: measure one system at one scale and write its SystemRun as JSON."""
    from workers import bench_baseline, bench_ours, bench_postgres

    common = (args.corpus, args.work, args.seeds, args.scale, args.queries, args.add_repeats, args.quality)
    if args.worker == "ours":
        run = bench_ours(*common)
    elif args.worker == "postgres":
        run = bench_postgres(*common, args.primary_url, args.replica_url, args.faiss_index)
    else:
        run = bench_baseline(*common, subset=args.subset)
    args.result.write_text(json.dumps(run.to_json(), indent=1), encoding="utf-8")


def spawn(args: argparse.Namespace, system: str, scale: str, corpus: Path, work: Path, pg=None) -> dict:
    """Run one worker subprocess and return its result."""
    from workers import ADDED_PREFIX

    result = work / f"{system}-{scale}.json"
    passages = scale_passages(scale) or 0
    baseline_full = system == "baseline" and passages <= args.baseline_max
    cmd = [sys.executable, __file__, "--worker", system, "--scale", scale, "--corpus", str(corpus), "--work",
           str(work / system), "--result", str(result), "--seeds", str(args.seeds), "--queries", str(args.queries),
           "--add-repeats", str(args.add_repeats if system in ("ours", "postgres") or passages < 2_000 else 1)]  # fmt: skip
    if scale == "bundled":
        cmd.append("--quality")
    if system == "baseline" and not baseline_full:
        cmd += ["--subset", str(args.baseline_subset)]
    if system == "postgres":
        cmd += ["--primary-url", pg[0], "--replica-url", pg[1], "--faiss-index", str(work / "ours" / "index")]
    log(f"{scale}: {system} ...")
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True)
    for p in corpus.glob(f"{ADDED_PREFIX}*"):
        p.unlink()
    if system != "ours":  # the postgres run takes the FAISS run's vectors
        shutil.rmtree(work / system, ignore_errors=True)
    data = json.loads(result.read_text(encoding="utf-8"))
    data["worker_wall_s"] = time.perf_counter() - t0
    log(f"{scale}: {system} done in {data['worker_wall_s']:.0f} s ({data['passages']} passages)")
    return data


@contextmanager
def postgres_servers(wanted: bool):
    """A primary and a streaming replica (scripts/pg.py) for the run, always stopped at the end."""
    if not wanted:
        yield None
        return
    sys.path.insert(0, str(PROJECT_ROOT))
    from scripts import pg

    base = Path(tempfile.mkdtemp(prefix="rag-bench-pg-"))
    primary = pg.Server(base / "primary", _free_port())
    replica = pg.Server(base / "replica", _free_port())
    try:
        log(f"starting PostgreSQL on ports {primary.port} (primary) and {replica.port} (replica)")
        pg.start_primary(primary)
        pg.start_replica(primary, replica)
        yield primary, replica
    finally:
        for server in (replica, primary):
            pg.stop(server)
        shutil.rmtree(base, ignore_errors=True)


def database_for(servers, scale: str) -> tuple[str, str]:
    """A new database (with pgvector) for one scale: (primary URL, replica URL)."""
    import psycopg

    primary, replica = servers
    name = "bench_" + "".join(ch for ch in scale if ch.isalnum())
    root = primary.url.rsplit("/", 1)[0]
    with psycopg.connect(root + "/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    with psycopg.connect(f"{root}/{name}", autocommit=True) as conn:
        conn.execute("CREATE EXTENSION vector")
    return f"{root}/{name}", f"{replica.url.rsplit('/', 1)[0]}/{name}"


def _free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if args.worker:
        run_worker(args)
        return 0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so `kill` still stops the PostgreSQL servers
    from extract import run as run_extract
    from extract import summary as extract_summary

    if args.only == "extract":
        log("extraction throughput ...")
        print(extract_summary(run_extract(args.seeds, args.out)))
        log(f"wrote {args.out}/extract.md, extract.json")
        return 0
    from measure import machine
    from report import write_results

    if args.only == "coldstart":
        return update_coldstart(args)
    scales = args.scales.split(",") if args.scales else list(QUICK_SCALES if args.quick else DEFAULT_SCALES)
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    t0 = time.perf_counter()
    systems = [s for s in SYSTEMS if s in args.systems.split(",")]
    if "postgres" in systems and "ours" not in systems:
        raise SystemExit("--systems: postgres builds from the vectors of the ours (FAISS) run; include ours.")
    command = "python bench/run.py " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))

    def write(runs: list[dict], cold: dict | None = None) -> float:
        meta = {"date": started, "command": command.strip(), "total_s": time.perf_counter() - t0, "machine": machine()}
        args.out.mkdir(parents=True, exist_ok=True)
        write_results(args.out, meta, runs, cold)
        return meta["total_s"]

    runs = []
    with tempfile.TemporaryDirectory(prefix="rag-bench-") as tmp, postgres_servers("postgres" in systems) as pg:
        for scale in scales:
            corpus = Path(tmp) / scale / "seeds"
            make_corpus(scale, args.seeds, corpus)
            urls = pg and database_for(pg, scale)
            runs += [spawn(args, system, scale, corpus, Path(tmp) / scale, urls) for system in systems]
            shutil.rmtree(Path(tmp) / scale)
            write(runs)  # after every scale, so a run stopped at 100k still leaves the smaller ones
        log("cold start ...")
        cold = coldstart.measure(args.seeds, Path(tmp) / "coldstart", args.cold_repeats)
    total_s = write(runs, cold)
    log(f"wrote {args.out}/results.md, results.json, results.png in {total_s / 60:.1f} min")
    log("extraction throughput ...")
    print(extract_summary(run_extract(args.seeds, args.out)))
    log(f"wrote {args.out}/extract.md, extract.json")
    return 0


def update_coldstart(args: argparse.Namespace) -> int:
    """Measure the cold start alone and rewrite results.* with it, keeping the runs of the last full benchmark."""
    from measure import machine
    from report import write_results

    previous = args.out / "results.json"
    data = json.loads(previous.read_text(encoding="utf-8")) if previous.is_file() else {"meta": {}, "runs": []}
    log("cold start ...")
    with tempfile.TemporaryDirectory(prefix="rag-bench-") as tmp:
        cold = coldstart.measure(args.seeds, Path(tmp), args.cold_repeats)
    cold["date"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    cold["machine"] = machine()
    meta = data["meta"] or {"date": cold["date"], "command": "python bench/run.py --only coldstart", "total_s": 0.0,
                            "machine": cold["machine"]}  # fmt: skip
    args.out.mkdir(parents=True, exist_ok=True)
    write_results(args.out, meta, data["runs"], cold)
    log(f"wrote {args.out}/results.md (cold start of {cold['date']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
