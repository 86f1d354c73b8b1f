"""The light query path: ONNX Runtime vectors equal torch's, and `msra ask` never imports torch (issue 17)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from answer_corpus import FIXTURES

from assistant.core.config import load_settings
from indexing.embeddings import LightEmbedder, embedder_for, resolve_model_path
from indexing.onnx_embedder import OnnxEmbedder, supports_onnx

pytestmark = pytest.mark.slow

TEXTS = [
    "When must a closure plan be submitted?",
    "topsoil",
    "Financial assurance shall be posted before mining begins, in an amount the regulator sets.",
    "采矿权人应当履行土地复垦义务。",
    "Article 46 § 1265(b)(20) 30 CFR 816.116 — revegetation success standards",
    " ".join(["The operator shall restore the land to a condition capable of supporting prior uses."] * 40),  # > 256
]


@pytest.fixture(scope="module")
def onnx_embedder(tmp_path_factory: pytest.TempPathFactory) -> OnnxEmbedder:
    folder = Path(resolve_model_path("bundled:all-MiniLM-L6-v2"))
    assert supports_onnx(folder)
    return OnnxEmbedder(folder, tmp_path_factory.mktemp("models"))


def test_onnx_vectors_match_torch(onnx_embedder: OnnxEmbedder, real_embedder) -> None:  # type: ignore[no-untyped-def]
    ours = onnx_embedder.embed_documents(TEXTS)
    theirs = real_embedder.embed_documents(TEXTS)
    assert ours.shape == theirs.shape == (len(TEXTS), onnx_embedder.dimension)
    cosines = np.sum(ours * theirs, axis=1)
    assert cosines.min() >= 0.9999, cosines
    single = onnx_embedder.embed_query(TEXTS[0])
    assert float(single @ theirs[0]) >= 0.9999
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_settings_choose_the_light_embedder(tmp_home: Path) -> None:
    light = embedder_for(load_settings(tmp_home))
    assert isinstance(light, LightEmbedder) and light.name == "all-MiniLM-L6-v2"
    assert not isinstance(embedder_for(load_settings(tmp_home, query_embedder="torch")), LightEmbedder)
    assert not isinstance(embedder_for(load_settings(tmp_home, embedding_quantize=True)), LightEmbedder)


ASK = """
import sys
from assistant.cli import app
sys.argv = ["msra", *sys.argv[1:]]
try:
    app()
except SystemExit as exc:
    code = exc.code
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "transformers", "sentence_transformers"))
print("HEAVY=" + ",".join(heavy), file=sys.stderr)
sys.exit(code)
"""


def test_msra_ask_does_not_import_torch(tmp_home: Path) -> None:
    from assistant.service import Assistant

    Assistant.from_settings(load_settings(tmp_home)).ingest(sorted(FIXTURES.glob("*.md")))  # torch, as ingest is
    env = {**os.environ, "MSRA_HOME": str(tmp_home)}
    question = "When must a closure plan be submitted?"
    for _ in range(2):  # the first run exports the ONNX model (in a child process), the second only loads it
        r = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", ASK, "ask", "--json", question],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert r.returncode == 0, r.stderr[-2000:]
        assert "HEAVY=\n" in r.stderr, r.stderr.split("HEAVY=")[-1]
        imported = {line.split("|")[-1].strip() for line in r.stderr.splitlines() if line.startswith("import time:")}
        assert "torch" not in imported and "transformers" not in imported
        data = json.loads(r.stdout)
        assert data["refused"] is False and data["citations"]
    assert list((tmp_home / "models").glob("*.onnx"))


def test_without_an_onnx_model_questions_fall_back_to_torch(tmp_path: Path, real_embedder) -> None:  # type: ignore[no-untyped-def]
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the model cache folder should be")
    folder = Path(resolve_model_path("bundled:all-MiniLM-L6-v2"))
    light = LightEmbedder(real_embedder, OnnxEmbedder(folder, blocked / "models"))
    vec = light.embed_query(TEXTS[0])  # answered, by torch
    assert float(vec @ real_embedder.embed_query(TEXTS[0])) >= 0.9999
    assert light._light_error
