"""Cold start: wall time of whole `rag search`, `rag ask` and `rag status` commands on the bundled corpus.

Each command runs as a new process (cold process) after one untimed run of every command (warm disk), against
`python -c "import numpy, faiss"` measured in the same rounds. Rounds interleave the commands, so a busy
machine slows them alike; the figure is the median of the rounds.

`rag ask` reads the vectors of its passages' sentences from index/sentence-vectors/ once an earlier ask embedded
them, as the untimed run did; `ask-new` times the same command with that folder emptied before every run, as for a
question about passages nobody asked about yet.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from statistics import median

from rag.stores.vector_cache import FOLDER

TARGETS_S = {"search": 1.0, "ask": 1.5, "status": 0.5}  # from issue 11
LABELS = {"ask-new": "`rag ask`, its sentences not yet embedded"}
QUESTION = "Should we have a separate CX strategy?"
QUERY = "aparte CX-strategie"


def commands(rag: list[str]) -> dict[str, list[str]]:
    """The timed commands: the baseline first, then ours."""
    return {
        "baseline": [sys.executable, "-c", "import numpy, faiss"],
        "search": [*rag, "search", QUERY],
        "ask": [*rag, "ask", QUESTION],
        "ask-new": [*rag, "ask", QUESTION],
        "status": [*rag, "status"],
    }


def rag_command() -> list[str]:
    """The installed `rag` script next to this Python, as a user runs it (or `python -m rag.cli`)."""
    script = Path(sys.executable).parent / "rag"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "rag.cli"]


def _run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall s, CPU s of the child): CPU time shows the work itself when other processes share the cores."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr[-500:]}")
    return seconds, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(seeds: Path, work: Path, repeats: int = 5) -> dict:
    """Index a copy of `seeds` in `work` (untimed), warm the disk, then time `repeats` interleaved rounds."""
    shutil.copytree(seeds, work / "seeds")
    (work / "empty.toml").touch()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.update(
        RAG_SEEDS_DIR=str(work / "seeds"),
        RAG_INDEX_DIR=str(work / "index"),
        RAG_CONFIG=str(work / "empty.toml"),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
    )
    cmds = commands(rag_command())
    _run([*rag_command(), "index"], env)
    load_before = os.getloadavg()[0]
    for name, argv in cmds.items():  # warm disk: every file each command reads is in the page cache
        _prepare(name, work)
        _run(argv, env)
    samples: dict[str, list[float]] = {name: [] for name in cmds}
    cpu: dict[str, list[float]] = {name: [] for name in cmds}
    for _ in range(repeats):
        for name, argv in cmds.items():
            _prepare(name, work)
            wall, used = _run(argv, env)
            samples[name].append(wall)
            cpu[name].append(used)
    return {
        "repeats": repeats,
        "samples_s": samples,
        "median_s": {name: median(values) for name, values in samples.items()},
        "median_cpu_s": {name: median(values) for name, values in cpu.items()},
        "load_avg": [load_before, os.getloadavg()[0]],
        "commands": {name: " ".join(argv[-2:] if name != "baseline" else argv[1:]) for name, argv in cmds.items()},
    }


def _prepare(name: str, work: Path) -> None:
    """Untimed: `ask-new` starts without the sentence vectors earlier asks saved."""
    if name == "ask-new":
        shutil.rmtree(work / "index" / FOLDER, ignore_errors=True)


def markdown(result: dict) -> list[str]:
    """The cold-start section of results.md."""
    med, cpu = result["median_s"], result["median_cpu_s"]
    base = med["baseline"]
    rows = [
        "## Cold start (whole command, bundled corpus)",
        "",
        f"Median of {result['repeats']} cold processes per command, warm disk, interleaved rounds; load average "
        f"{result['load_avg'][0]:.1f} → {result['load_avg'][1]:.1f} on this 2-core machine. The baseline is "
        '`python -c "import numpy, faiss"` in the same rounds: the floor of any command that opens the index.',
        "",
        "| Command | Median wall s | All runs s | × baseline | Median CPU s | Target (wall) | Result |",
        "|---|--:|---|--:|--:|--:|---|",
        f"| baseline (`import numpy, faiss`) | {base:.2f} | {_runs(result, 'baseline')} | 1.0x "
        f"| {cpu['baseline']:.2f} | – | – |",
    ]
    for name in (n for n in result["commands"] if n != "baseline"):  # older results lack `ask-new`
        target = TARGETS_S.get(name)
        verdict = ("**PASS**" if med[name] <= target else "**FAIL**") if target else "–"
        rows.append(
            f"| {LABELS.get(name, f'`rag {name}`')} | {med[name]:.2f} | {_runs(result, name)} | {med[name] / base:.1f}x "
            f"| {cpu[name]:.2f} | {f'<= {target:g} s' if target else '–'} | {verdict} |"
        )
    return rows + [""]


def _runs(result: dict, name: str) -> str:
    return ", ".join(f"{s:.2f}" for s in result["samples_s"][name])
