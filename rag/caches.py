"""Per-machine JSON caches (word lists parsed once, in the folder `settings.cache_root` names): written atomically,
and skipped with a log line where the folder cannot be written (a read-only home works without them)."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)


def save_json(path: Path, data: object, what: str) -> None:
    """Write `data` to `path` through a temporary file, so that a reader never sees half of it; `what` names the
    cache in the log line when it cannot be written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:  # a read-only home: work without the cache
        log.info("Cannot cache the %s at %s (%s).", what, path, exc)
