"""Vectors of texts already embedded, kept on disk by content: what a cold `rag ask` would otherwise embed again.

The answerer embeds the quotable sentences of the passages it reads (rag/answer/candidates.py): about half a second
of a cold `rag ask`. The files backend keeps them in `index/sentence-vectors/`, one small `.npy` file per group of
texts (a passage's sentences), named by a hash of the embedder's id and the texts themselves. A stale vector cannot
be found: other texts or another embedder give another name, and a full rebuild (which a change of embedder forces)
empties the folder. Files are written whole (a temporary file renamed), so two processes can fill it at once.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import threading
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)
FOLDER = "sentence-vectors"


class VectorCache:
    """Vectors of groups of texts for one embedder, by content, in `folder`."""

    def __init__(self, folder: Path, embedder: str, dim: int) -> None:
        self.folder, self.embedder, self.dim = folder, embedder, dim

    def _path(self, texts: list[str]) -> Path:
        digest = hashlib.sha256("\x1f".join([self.embedder, str(self.dim), *texts]).encode("utf-8")).hexdigest()
        return self.folder / digest[:2] / f"{digest}.npy"

    def get(self, texts: list[str]) -> np.ndarray | None:
        """The vectors of `texts` (one row each, in order) when saved, else None (also for an unreadable file)."""
        try:
            vectors = np.load(self._path(texts), allow_pickle=False)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, EOFError) as exc:
            log.info("Ignoring a damaged cached vector file (%s).", exc)
            return None
        if vectors.shape != (len(texts), self.dim) or vectors.dtype != np.float32:
            return None
        return vectors

    def put(self, texts: list[str], vectors: np.ndarray) -> None:
        """Save the vectors of `texts`; a folder that cannot be written only means they are embedded again."""
        path = self._path(texts)
        # One temporary file per writer: two threads of the app (or two processes) saving the same group at once
        # must not write into each other's file, or the one renamed first would be cut short.
        partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(partial, "wb") as fh:
                np.save(fh, np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)
            os.replace(partial, path)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            log.info("Cannot cache vectors in %s (%s); they are embedded again next time.", self.folder, exc)


def clear(folder: Path) -> None:
    """Remove every cached vector (a full rebuild: the embedder may have changed)."""
    shutil.rmtree(folder, ignore_errors=True)
