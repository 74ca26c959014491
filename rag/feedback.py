"""Thumbs up/down on answers, appended as one JSON line per vote."""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from .types import Answer

_LOCK = threading.Lock()


@dataclass(frozen=True)
class Feedback:
    """One vote on one answer: what was asked, what was answered and cited, and the verdict."""

    timestamp: str  # ISO 8601, local time with offset
    vote: str  # "up" | "down" (or another feedback option's label)
    question: str
    answer: str
    abstained: bool
    citations: tuple[dict, ...]
    mode: str


def feedback_from_answer(answer: Answer, vote: str, now: float | None = None) -> Feedback:
    """The record for a vote on `answer`, stamped with the current time."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(time.time() if now is None else now))
    return Feedback(
        stamp,
        vote,
        answer.question,
        answer.answer,
        answer.abstained,
        tuple(c.to_json() for c in answer.citations),
        answer.mode,
    )


def append_feedback(path: Path, record: Feedback) -> None:
    """Append the record as one JSON line; creates the folder. One write per line, under a lock, so
    concurrent votes (threads here, O_APPEND across processes) never interleave."""
    line = (json.dumps(asdict(record), ensure_ascii=False) + "\n").encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    with _LOCK:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            view = memoryview(line)
            while view:  # a regular file takes it in one write; loop in case it does not
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
