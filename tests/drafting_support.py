"""Test helpers for drafting and plan checks: a real ``Assistant`` over tests/fixtures/drafting.

The fixture texts are our own: an international restoration standard, a Chinese law with a tailings-plan
article (第四十六条) and an acceptance article, and a US act with topsoil, revegetation and bond sections.
Each carries a ``FILE.meta.toml`` sidecar setting its jurisdiction (international, CN, US).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant.core.config import load_settings
from assistant.service import Assistant

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "drafting"
CORPUS = ["intl-restoration-standard.md", "cn-mining-law.zh.md", "us-reclamation-act.md"]


class RecordingAssistant(Assistant):
    """The real Assistant, remembering the filters of every retrieval."""

    calls: list[tuple[str, Any]]

    def retrieve(self, question: Any, **kwargs: Any):  # type: ignore[override]
        self.calls.append((str(question), kwargs.get("filters")))
        return super().retrieve(question, **kwargs)


_SHARED: dict[str, RecordingAssistant] = {}


def fixture_assistant(home: Path, embedder: Any) -> RecordingAssistant:
    """An Assistant with the three fixture documents ingested.

    ``min_chunk_chars=0`` keeps every article and standard its own chunk, so citations name the exact clause.
    """
    settings = load_settings(home, embedding_model="hash", min_chunk_chars=0)
    assistant = RecordingAssistant.from_settings(settings, embedder=embedder)
    assistant.calls = []
    report = assistant.ingest([FIXTURES / name for name in CORPUS])
    assert not report.failed, report.failed
    return assistant


def shared_fixture_assistant(tmp_path_factory: Any, embedder: Any) -> RecordingAssistant:
    """One fixture Assistant per embedder for the whole session (the real model is slow on 2 cores)."""
    if embedder.name not in _SHARED:
        _SHARED[embedder.name] = fixture_assistant(tmp_path_factory.mktemp("drafting-index"), embedder)
    assistant = _SHARED[embedder.name]
    assistant.calls = []
    return assistant
