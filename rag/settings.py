"""The one Settings object: defaults < TOML file < RAG_* environment variables < flags, validated as it loads.

The fields are declared once on `Settings` (pydantic-settings) with their types and ranges. `Settings(...)` in
code takes only what it is given; `load_settings()` reads the TOML file and the `RAG_*` variables through
pydantic-settings' own sources, merges them in order of precedence, and turns a validation error into one line
that names the setting the way the user set it (`RAG_TOP_K=0`, `--port 99999`, `top_k = 0 in rag.toml`).

To add a setting: declare the field (with its range) below and add its row to README's settings table.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from .errors import InputError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "rag.toml"
ENV_PREFIX = "RAG_"


def cache_root() -> Path:
    """Where the per-machine caches live (word lists, word vectors, mapped model weights): $XDG_CACHE_HOME/rag-cx,
    by default ~/.cache/rag-cx."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rag-cx"


Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
Positive = Annotated[int, Field(ge=1)]


class Settings(BaseSettings):
    """Every knob of the pipeline, in one place. Env var for field `x` is `RAG_X`; immutable."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        extra="forbid",
        frozen=True,
        validate_default=True,
        env_ignore_empty=False,
        allow_inf_nan=False,  # RAG_BM25_WEIGHT=inf was taken, and `rag search --json` printed "score": Infinity
    )

    seeds_dir: Path = PROJECT_ROOT / "seeds"
    index_dir: Path = PROJECT_ROOT / "index"
    # Where the index lives: "faiss" (files in index_dir, no server) or "postgres" (PostgreSQL + pgvector).
    backend: Literal["faiss", "postgres"] = "faiss"
    database_url: str = ""  # the primary, which takes every write (postgres backend)
    database_read_urls: str = ""  # optional comma-separated replicas that queries are spread over
    max_replica_lag_s: Annotated[float, Field(ge=0.0)] = (
        5.0  # a replica further behind than this is skipped for the primary
    )
    # "use-multilingual" (default), "hash" (lexical, for tests), "minilm", or any
    # sentence-transformers model name or local path (prefix "st:" to force that backend).
    embedder: str = Field("use-multilingual", min_length=1)
    chunk_size: Positive = 900  # chosen on eval/sets/dev.jsonl over 400, 600, 750, 1200 (see README)
    chunk_overlap: int = Field(150, ge=0)
    top_k: Positive = 8  # passages retrieved and read by the answerer (best on the dev set; see README)
    retrieve_k: Positive = 20  # candidates per retriever before fusion
    use_bm25: bool = True
    use_dense: bool = True
    rrf_k: int = Field(60, ge=0)
    corpus_lang: str = Field("nl", min_length=1)
    # Weight of the BM25 list in rank fusion (dense weighs 1.0): full weight when the question is in the
    # corpus language; across languages (an English question, read as its Dutch translations) less (tuned on dev).
    bm25_weight: float = Field(1.0, ge=0.0)
    bm25_weight_cross: float = Field(0.3, ge=0.0)
    # The first passages of the fused list are ordered by their scaled dense + BM25 scores (rag/search.py `rescored`;
    # 3 chosen on the dev sets for the default embedder, see README); 0 keeps fusion's order.
    rescore_top: int = Field(3, ge=0)
    # English questions also read as Dutch words (FreeDict, rag/lexicon.py) for keyword search and the query vector.
    translate_queries: bool = True
    # Corpus sizes at/above which FAISS switches from exact inner product to HNSW.
    hnsw_threshold: Positive = 50_000
    # Answering.
    # None: the value calibrated for the index's embedder (rag/answer/gate.py; see README).
    abstain_threshold: float | None = Field(None, ge=0.0, le=1.0)
    max_sentences: Positive = 5
    max_question_chars: Positive = 2_000
    # Ingest limits.
    max_file_bytes: Positive = 5_000_000
    max_upload_bytes: Positive = 1_000_000
    # Optional generative answerer (OpenAI-compatible chat endpoint); off when llm_base_url is empty.
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = ""
    llm_timeout: float = Field(30.0, gt=0.0)
    llm_min_support: Fraction = 0.40
    # App.
    host: str = Field("127.0.0.1", min_length=1)
    port: int = Field(7860, ge=1, le=65535)
    concurrency: Positive = 16
    auth: str = ""  # "user:password" enables basic auth
    # Thumbs up/down votes; kept out of the index folder, which is disposable (`make clean`, rebuilds).
    feedback_log: Path = PROJECT_ROOT / "feedback.jsonl"

    @classmethod
    def settings_customise_sources(
        cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
    ):
        """`Settings(...)` takes only its arguments; `load_settings()` adds the TOML file and RAG_* variables."""
        return (init_settings,)

    @field_validator("seeds_dir", "index_dir", "feedback_log", mode="before")
    @classmethod
    def _path_given(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            raise PydanticCustomError("empty_path", "is empty")
        return Path(value).expanduser() if isinstance(value, str) else value

    @field_validator("embedder", "host", "corpus_lang", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    @field_validator("abstain_threshold", mode="before")
    @classmethod
    def _auto(cls, value: Any) -> Any:
        """'', 'none' or 'auto' (e.g. RAG_ABSTAIN_THRESHOLD=auto) mean the calibrated value."""
        return None if isinstance(value, str) and value.strip().lower() in ("", "none", "auto") else value

    @field_validator("auth")
    @classmethod
    def _auth_shape(cls, value: str) -> str:
        user, sep, password = value.partition(":")
        if value and not (sep and user and password):
            raise PydanticCustomError(
                "auth_shape", "must look like user:password (both non-empty), or be empty for no login"
            )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.chunk_overlap >= self.chunk_size:
            raise PydanticCustomError("smaller_than", "", {"field": "chunk_overlap", "other": "chunk_size"})
        if not (self.use_bm25 or self.use_dense):
            raise PydanticCustomError("no_retriever", "", {"field": "use_bm25", "other": "use_dense"})
        return self

    @property
    def feedback_path(self) -> Path:
        """Where thumbs up/down votes are appended."""
        return self.feedback_log

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with the non-None overrides applied (flags from the CLI), validated like a loaded one."""
        clean = {k: v for k, v in overrides.items() if v is not None}
        values = {**self.model_dump(), **clean}
        return _validated(values, {name: "code" for name in clean}, None)


def config_path(config: Path | None = None, env: Mapping[str, str] | None = None) -> tuple[Path, bool]:
    """The TOML file to read and whether the user named it (--config, RAG_CONFIG) rather than the default."""
    env = os.environ if env is None else env
    if config is not None:
        return Path(config).expanduser(), True
    if env.get("RAG_CONFIG", "").strip():
        return Path(env["RAG_CONFIG"].strip()).expanduser(), True
    return DEFAULT_CONFIG, False


def load_settings(config: Path | None = None, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Defaults, then the TOML file (--config, RAG_CONFIG or ./rag.toml), then RAG_* env vars, then overrides."""
    path, named = config_path(config, env)
    if named and not path.is_file():
        how = "--config" if config is not None else "RAG_CONFIG"
        raise InputError(
            f"Config file {path} ({how}) does not exist. Give the path of a TOML file, or leave {how} out."
        )
    toml = _toml_values(path)
    environment = _env_values(env)
    flags = {k: v for k, v in overrides.items() if v is not None}
    origins = {**dict.fromkeys(toml, "toml"), **dict.fromkeys(environment, "env"), **dict.fromkeys(flags, "flag")}
    return _validated({**toml, **environment, **flags}, origins, path)


def _toml_values(path: Path) -> dict[str, Any]:
    """The settings in the TOML file (its top level, or its [rag] table when it has one)."""
    if not path.is_file():
        return {}
    try:
        source = TomlConfigSettingsSource(Settings, toml_file=path)
    except (ValueError, UnicodeDecodeError, OSError) as exc:  # tomllib.TOMLDecodeError is a ValueError
        raise InputError(f"Config file {path} is not valid TOML ({exc}). Fix or remove it.") from None
    data = source()
    if isinstance(data.get("rag"), dict):
        outside = sorted(k for k, v in data.items() if not isinstance(v, dict))  # other tables are not ours
        if outside:  # they were ignored without a word, an invalid value too ("top_k = 0")
            raise InputError(
                f"{', '.join(outside)} in {path} {'is' if len(outside) == 1 else 'are'} outside its [rag] table, "
                "where settings are read from when the file has one; move them under [rag]."
            )
        data = TomlConfigSettingsSource(Settings, toml_file=path, toml_table_header=("rag",))()
    return dict(data)


def _env_values(env: Mapping[str, str] | None) -> dict[str, Any]:
    """The RAG_* environment variables that name a setting (os.environ, or `env` when given)."""
    source = EnvSettingsSource(Settings)
    if env is not None:  # the source reads os.environ; point it at the given mapping instead
        source.env_vars = {k.lower(): v for k, v in env.items()}
    return source()


# --- one line per invalid setting, naming it the way the user gave it ---------------------------------------

FLAGS = {
    "seeds_dir": "--seeds-dir",
    "index_dir": "--index-dir",
    "embedder": "--embedder",
    "host": "--host",
    "port": "--port",
}


def _validated(values: dict[str, Any], origins: dict[str, str], path: Path | None) -> Settings:
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise InputError(" ".join(_explain(e, values, origins, path) for e in exc.errors())) from None


def _label(name: str, values: dict[str, Any], origins: dict[str, str], path: Path | None, value: bool = True) -> str:
    """How the user set `name`: RAG_X=v, --flag v, x = v in FILE, or RAG_X (default v)."""
    origin = origins.get(name)
    shown = values.get(name, Settings.model_fields[name].default if name in Settings.model_fields else None)
    if origin == "flag":
        return f"{FLAGS.get(name, name)} {shown}" if value else FLAGS.get(name, name)
    if origin == "toml":
        return f"{name} = {shown!r} in {path}" if value else f"{name} in {path}"
    if origin == "code":
        return f"{name}={shown!r}" if value else name
    env_name = ENV_PREFIX + name.upper()
    if origin == "env":
        return f"{env_name}={shown}" if value else env_name
    return f"{env_name} (default {shown})" if value else env_name


def _explain(error: dict, values: dict[str, Any], origins: dict[str, str], path: Path | None) -> str:
    """One sentence for one pydantic error: what is wrong and what to do."""
    kind, ctx = error["type"], error.get("ctx", {})
    if kind == "extra_forbidden":
        name = str(error["loc"][0])
        close = difflib.get_close_matches(name, list(Settings.model_fields), n=1)
        hint = f"did you mean '{close[0]}'?" if close else "see the settings table in README.md."
        where = f"in {path}" if origins.get(name) == "toml" else "given"
        return f"Unknown setting '{name}' {where}; {hint}"
    if kind == "smaller_than":
        field, other = ctx["field"], ctx["other"]
        other_value = values.get(other, Settings.model_fields[other].default)
        return (
            f"{_label(field, values, origins, path)} must be smaller than "
            f"{_label(other, values, origins, path, value=False)} ({other_value}); lower it."
        )
    if kind == "no_retriever":
        a, b = (_label(n, values, origins, path, value=False) for n in (ctx["field"], ctx["other"]))
        return f"{a} and {b} are both off, so nothing can be retrieved; turn one of them on."
    name = str(error["loc"][0]) if error["loc"] else ""
    field = Settings.model_fields.get(name)
    default = "auto" if field and field.default is None else field.default if field else None
    label = _label(name, values, origins, path) if field else name
    if kind == "empty_path":
        return f"{_label(name, values, origins, path, value=False)} is empty; give a folder or file path, or unset it (default {default})."
    bounds = _bounds(name)
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than") and bounds:
        return f"{label} is out of range; use {bounds} (default {default})."
    if kind in ("int_parsing", "int_from_float", "int_type"):
        return f"{label} is not a whole number; use {bounds or 'a whole number'} (default {default})."
    if kind in ("float_parsing", "float_type"):
        return f"{label} is not a number; use {bounds or 'a number'} (default {default})."
    if kind in ("bool_parsing", "bool_type"):
        return f"{label} is not true or false; use true or false (default {str(default).lower()})."
    if kind == "string_too_short":
        return f"{_label(name, values, origins, path, value=False)} is empty; set it or unset it (default {default})."
    if kind == "auth_shape":
        return f"{label} {error['msg']}."
    return f"{label}: {error['msg'][0].lower()}{error['msg'][1:]}; fix it or unset it (default {default})."


def _bounds(name: str) -> str:
    """The allowed range of a numeric field, as words: 'a number from 0 to 1', 'a whole number of at least 1'."""
    field = Settings.model_fields.get(name)
    if field is None:
        return ""
    low = high = None
    for m in field.metadata:
        low = getattr(m, "ge", None) if getattr(m, "ge", None) is not None else low
        high = getattr(m, "le", None) if getattr(m, "le", None) is not None else high
        if getattr(m, "gt", None) is not None:
            low = f"more than {m.gt:g}"
    kind = "a whole number" if field.annotation is int else "a number"
    if isinstance(low, str):
        return f"{kind} {low}"
    if low is not None and high is not None:
        return f"{kind} from {low:g} to {high:g}"
    if low is not None:
        return f"{kind} of at least {low:g}"
    if high is not None:
        return f"{kind} of at most {high:g}"
    return ""
