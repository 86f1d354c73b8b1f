"""Settings from settings.toml and MSRA_* variables through pydantic-settings sources: misspellings are errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.core.config import check_environment, engine_name, load_settings, retrieval_mode
from assistant.core.errors import ConfigError


def _toml(home: Path, text: str) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    (home / "settings.toml").write_text(text, encoding="utf-8")
    return home


def test_misspelt_key_in_settings_toml_names_the_nearest(tmp_path: Path) -> None:
    home = _toml(tmp_path / "h", "chunk_sise = 900\n")
    with pytest.raises(ConfigError) as err:
        load_settings(home)
    assert "'chunk_sise'" in str(err.value) and "settings.toml" in str(err.value)
    assert "did you mean 'chunk_size'" in str(err.value)


def test_unknown_msra_variable_names_the_nearest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MSRA_TOPK", "3")
    with pytest.raises(ConfigError, match=r"MSRA_TOPK.*did you mean MSRA_TOP_K"):
        load_settings(tmp_path)
    with pytest.raises(ConfigError, match="valid settings: home"):
        check_environment({"MSRA_ZZZQQQ": "1"})


def test_misspelt_argument_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'enigne' in the arguments: did you mean 'engine'"):
        load_settings(tmp_path, enigne="llm")


def test_sources_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = _toml(tmp_path / "h", "top_k = 4\nchunk_size = 900\n")
    assert load_settings(home).top_k == 4  # the file beats the default
    monkeypatch.setenv("MSRA_TOP_K", "7")
    s = load_settings(home)
    assert (s.top_k, s.chunk_size) == (7, 900)  # a variable beats the file, the file still fills the rest
    assert load_settings(home, top_k=9).top_k == 9  # arguments beat both
    monkeypatch.setenv("MSRA_HOME", str(home))
    assert load_settings().chunk_size == 900  # the file of the home MSRA_HOME names


def test_bad_values_name_the_key_and_the_source(tmp_path: Path) -> None:
    home = _toml(tmp_path / "h", 'engine = "gpt"\n')
    with pytest.raises(ConfigError, match=r"'engine' from settings\.toml"):
        load_settings(home)
    _toml(home, "top_k = [\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(home)


def test_engine_and_mode_checked_against_the_config_types() -> None:
    assert engine_name("llm") == "llm" and engine_name(None) is None
    assert retrieval_mode("bm25") == "bm25"
    with pytest.raises(ConfigError, match="unknown engine 'gpt': use extractive or llm"):
        engine_name("gpt")
    with pytest.raises(ConfigError, match="unknown retrieval mode 'fuzzy'"):
        retrieval_mode("fuzzy")
