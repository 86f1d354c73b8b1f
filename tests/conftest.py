"""Shared fixtures. Network access beyond loopback is blocked for every test (pytest-socket, see pyproject)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Nothing in the tests may reach for a model hub or phone home.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
for _k in [k for k in os.environ if k.startswith("MSRA_")]:
    del os.environ[_k]  # a developer's own settings must not leak into tests

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture
def tmp_home(tmp_path: Path) -> Path:
    home = tmp_path / "msra-home"
    home.mkdir()
    return home


@pytest.fixture
def hash_settings(tmp_home: Path):
    """Settings using the fast hashing fake embedder."""
    from assistant.core.config import load_settings

    return load_settings(tmp_home, embedding_model="hash")


@pytest.fixture(scope="session")
def real_embedder():
    """The bundled all-MiniLM-L6-v2, loaded once per test session."""
    from indexing.embeddings import SentenceTransformerEmbedder

    emb = SentenceTransformerEmbedder()
    emb.warm_up()
    return emb


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "corpus").is_dir():
        pytest.skip("../shared is not present: the development gold set over real documents needs it")
    return SHARED


@pytest.fixture(scope="session")
def library(shared_dir: Path, real_embedder, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """One index for the session: the real documents of ../shared/corpus plus the bundled study notes."""
    from assistant.core.config import load_settings
    from assistant.service import Assistant
    from evaluation.runner import bundled_files

    a = Assistant.from_settings(load_settings(tmp_path_factory.mktemp("library-home")), embedder=real_embedder)
    assert not a.ingest([shared_dir / "corpus"]).failed
    files, manifest = bundled_files(REPO / "corpus")
    assert not a.ingest(files, manifest=manifest).failed
    return a
