"""Settings: precedence (defaults < TOML < RAG_* < flags), validation, and one-line messages naming the source."""

from pathlib import Path

import pytest

from rag.errors import InputError
from rag.settings import PROJECT_ROOT, Settings, load_settings


def load(env: dict[str, str] | None = None, config: Path | None = None, **flags) -> Settings:
    return load_settings(config=config, env=env or {}, **flags)


def error_of(env: dict[str, str] | None = None, config: Path | None = None, **flags) -> str:
    with pytest.raises(InputError) as caught:
        load(env, config, **flags)
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def test_defaults_match_the_readme_table():
    s = load()
    assert (s.seeds_dir, s.index_dir, s.embedder) == (
        PROJECT_ROOT / "seeds",
        PROJECT_ROOT / "index",
        "use-multilingual",
    )
    assert (s.chunk_size, s.chunk_overlap, s.top_k, s.abstain_threshold, s.port) == (900, 150, 8, None, 7860)
    assert (s.use_bm25, s.use_dense, s.bm25_weight, s.bm25_weight_cross) == (True, True, 1.0, 0.3)


def test_toml_then_env_then_flags_each_override_the_one_before(tmp_path):
    config = tmp_path / "rag.toml"
    config.write_text("top_k = 4\nport = 7001\nchunk_size = 600\nuse_bm25 = false\n", encoding="utf-8")
    s = load({"RAG_TOP_K": "6", "RAG_PORT": "7002"}, config, port=7003)
    assert (s.chunk_size, s.use_bm25, s.top_k, s.port) == (600, False, 6, 7003)


def test_settings_may_sit_under_a_rag_table(tmp_path):
    config = tmp_path / "rag.toml"
    config.write_text('[rag]\ntop_k = 3\nembedder = "hash"\n', encoding="utf-8")
    s = load(config=config)
    assert (s.top_k, s.embedder) == (3, "hash")
    # another tool's table beside it is not ours; a setting outside [rag] was ignored without a word (top_k = 0 too)
    config.write_text("[other]\nx = 1\n\n[rag]\ntop_k = 3\n", encoding="utf-8")
    assert load(config=config).top_k == 3
    config.write_text("top_k = 0\n\n[rag]\nrescore_top = 3\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"top_k in .*rag.toml is outside its \[rag\] table"):
        load(config=config)
    config.write_text("chunk_sise = 5\n\n[rag]\ntop_k = 3\n", encoding="utf-8")  # a misspelled one too
    with pytest.raises(InputError, match=r"chunk_sise in .*rag.toml is outside its \[rag\] table"):
        load(config=config)


def test_an_abstain_threshold_of_auto_or_empty_means_the_calibrated_one():
    assert load({"RAG_ABSTAIN_THRESHOLD": "auto"}).abstain_threshold is None
    assert load({"RAG_ABSTAIN_THRESHOLD": ""}).abstain_threshold is None
    assert load({"RAG_ABSTAIN_THRESHOLD": "0.3"}).abstain_threshold == 0.3


def test_rag_config_names_the_file_and_env_var_strings_are_typed(tmp_path):
    config = tmp_path / "other.toml"
    config.write_text("max_sentences = 2\n", encoding="utf-8")
    s = load({"RAG_CONFIG": str(config), "RAG_USE_DENSE": "off", "RAG_BM25_WEIGHT": "0.5"})
    assert (s.max_sentences, s.use_dense, s.bm25_weight) == (2, False, 0.5)


def test_settings_are_immutable():
    s = load()
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen-instance error
        s.top_k = 3  # type: ignore[misc]
    assert s.with_overrides(top_k=3).top_k == 3 and s.top_k == 8


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"RAG_CHUNK_OVERLAP": "2000"}, "RAG_CHUNK_OVERLAP=2000 must be smaller than RAG_CHUNK_SIZE (900); lower it."),
        (
            {"RAG_CHUNK_SIZE": "-5"},
            "RAG_CHUNK_SIZE=-5 is out of range; use a whole number of at least 1 (default 900).",
        ),
        ({"RAG_SEEDS_DIR": ""}, "RAG_SEEDS_DIR is empty; give a folder or file path, or unset it"),
        ({"RAG_TOP_K": "0"}, "RAG_TOP_K=0 is out of range; use a whole number of at least 1 (default 8)."),
        ({"RAG_TOP_K": "many"}, "RAG_TOP_K=many is not a whole number; use a whole number of at least 1 (default 8)."),
        (
            {"RAG_ABSTAIN_THRESHOLD": "7"},
            "RAG_ABSTAIN_THRESHOLD=7 is out of range; use a number from 0 to 1 (default auto).",
        ),
        ({"RAG_LLM_MIN_SUPPORT": "-0.1"}, "RAG_LLM_MIN_SUPPORT=-0.1 is out of range; use a number from 0 to 1"),
        ({"RAG_PORT": "99999"}, "RAG_PORT=99999 is out of range; use a whole number from 1 to 65535 (default 7860)."),
        ({"RAG_USE_BM25": "maybe"}, "RAG_USE_BM25=maybe is not true or false; use true or false (default true)."),
        ({"RAG_USE_BM25": "0", "RAG_USE_DENSE": "false"}, "RAG_USE_BM25 and RAG_USE_DENSE are both off"),
        ({"RAG_EMBEDDER": " "}, "RAG_EMBEDDER is empty; set it or unset it (default use-multilingual)."),
        ({"RAG_AUTH": "anna"}, "RAG_AUTH=anna must look like user:password"),
        ({"RAG_LLM_TIMEOUT": "0"}, "RAG_LLM_TIMEOUT=0 is out of range; use a number more than 0"),
    ],
)
def test_a_bad_environment_variable_is_one_line_naming_it_and_saying_what_to_use(env, expected):
    assert error_of(env).startswith(expected)


def test_a_bad_flag_is_named_as_the_flag():
    assert error_of(port=99999) == "--port 99999 is out of range; use a whole number from 1 to 65535 (default 7860)."


def test_a_bad_toml_value_names_the_key_and_the_file(tmp_path):
    config = tmp_path / "rag.toml"
    config.write_text("[rag]\ntop_k = 0\n", encoding="utf-8")
    assert (
        error_of(config=config)
        == f"top_k = 0 in {config} is out of range; use a whole number of at least 1 (default 8)."
    )


def test_an_unknown_key_in_the_toml_file_is_an_error_naming_the_key(tmp_path):
    config = tmp_path / "rag.toml"
    config.write_text("chunk_sise = 600\n", encoding="utf-8")
    assert error_of(config=config) == f"Unknown setting 'chunk_sise' in {config}; did you mean 'chunk_size'?"


def test_a_config_file_that_does_not_exist_is_an_error_when_named(tmp_path):
    assert "Config file /no/such.toml (--config) does not exist" in error_of(config=Path("/no/such.toml"))
    assert "Config file /no/such.toml (RAG_CONFIG) does not exist" in error_of({"RAG_CONFIG": "/no/such.toml"})


def test_invalid_toml_says_where(tmp_path):
    config = tmp_path / "rag.toml"
    config.write_text("top_k = \n", encoding="utf-8")
    assert error_of(config=config).startswith(f"Config file {config} is not valid TOML (")


def test_with_overrides_validates_too():
    with pytest.raises(InputError, match="chunk_overlap=1000 must be smaller than"):
        Settings().with_overrides(chunk_overlap=1000)
    with pytest.raises(InputError, match="Unknown setting 'bogus'"):
        Settings().with_overrides(bogus=1)
