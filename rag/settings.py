"""The one Settings object: defaults < TOML file < RAG_* environment variables < explicit overrides."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from .errors import InputError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    """Every knob of the pipeline, in one place. Env var for field `x` is `RAG_X`."""

    seeds_dir: Path = PROJECT_ROOT / "seeds"
    index_dir: Path = PROJECT_ROOT / "index"
    # "use-multilingual" (default), "hash" (lexical, for tests), "minilm", or any
    # sentence-transformers model name or local path (prefix "st:" to force that backend).
    embedder: str = "use-multilingual"
    chunk_size: int = 900  # chosen on eval/sets/dev.jsonl over 400, 600, 750, 1200 (see README)
    chunk_overlap: int = 150
    top_k: int = 8  # passages retrieved and read by the answerer (best on the dev set; see README)
    retrieve_k: int = 20  # candidates per retriever before fusion
    use_bm25: bool = True
    use_dense: bool = True
    rrf_k: int = 60
    corpus_lang: str = "nl"
    # Weight of the BM25 list in rank fusion (dense weighs 1.0): full weight when the question is in the
    # corpus language; across languages (an English question, read as its Dutch translations) less (tuned on dev).
    bm25_weight: float = 1.0
    bm25_weight_cross: float = 0.3
    # English questions also read as Dutch words (FreeDict, rag/lexicon.py) for keyword search and the query vector.
    translate_queries: bool = True
    # Corpus sizes at/above which FAISS switches from exact inner product to HNSW.
    hnsw_threshold: int = 50_000
    # Answering.
    # None: the value calibrated for the index's embedder (rag/answer/gate.py; see README).
    abstain_threshold: float | None = None
    max_sentences: int = 5
    max_question_chars: int = 2_000
    # Ingest limits.
    max_file_bytes: int = 5_000_000
    max_upload_bytes: int = 1_000_000
    # Optional generative answerer (OpenAI-compatible chat endpoint); off when llm_base_url is empty.
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = ""
    llm_timeout: float = 30.0
    llm_min_support: float = 0.40
    # App.
    host: str = "127.0.0.1"
    port: int = 7860
    concurrency: int = 16
    auth: str = ""  # "user:password" enables basic auth
    # Thumbs up/down votes; kept out of the index folder, which is disposable (`make clean`, rebuilds).
    feedback_log: Path = PROJECT_ROOT / "feedback.jsonl"

    @property
    def feedback_path(self) -> Path:
        """Where thumbs up/down votes are appended."""
        return self.feedback_log

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with the non-None overrides applied (flags from the CLI)."""
        clean = {k: _coerce(k, v) for k, v in overrides.items() if v is not None}
        return replace(self, **clean)


_FIELDS = {f.name: f for f in fields(Settings)}


def _coerce(name: str, value: Any) -> Any:
    if name not in _FIELDS:
        raise InputError(f"Unknown setting '{name}'. Known settings: {', '.join(sorted(_FIELDS))}.")
    default = getattr(Settings, name, None)
    kind = _FIELDS[name].type
    try:
        if "Path" in str(kind):
            return Path(value).expanduser() if value not in ("", None) else None
        if isinstance(default, bool) or kind == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError(value)
        if isinstance(default, int) or kind == "int":
            return int(value)
        if "float" in str(kind) and "None" in str(kind) and str(value).strip().lower() in ("", "none", "auto"):
            return None
        if isinstance(default, float) or "float" in str(kind):
            return float(value)
        return str(value)
    except (TypeError, ValueError):
        raise InputError(f"Setting '{name}' has an invalid value {value!r}.") from None


def load_settings(config: Path | None = None, env: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Defaults, then the TOML file (RAG_CONFIG or ./rag.toml), then RAG_* env vars, then overrides."""
    env = dict(os.environ if env is None else env)
    values: dict[str, Any] = {}
    path = config or (Path(env["RAG_CONFIG"]) if env.get("RAG_CONFIG") else PROJECT_ROOT / "rag.toml")
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"Config file {path} is not valid TOML ({exc}). Fix or remove it.") from None
        values.update(data.get("rag", data))
    for name in _FIELDS:
        key = f"RAG_{name.upper()}"
        if key in env:
            values[name] = env[key]
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings().with_overrides(**values)
