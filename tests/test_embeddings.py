"""The embedder settings: batch size, int8 quantisation and what keeps their vectors apart."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.core.config import load_settings
from assistant.core.errors import ConfigError
from indexing.chroma_store import collection_name
from indexing.embeddings import HashEmbedder, SentenceTransformerEmbedder, embedder_for

TEXTS = [
    "Topsoil shall be stripped before mining and stored apart from overburden.",
    "The reclamation bond is released after the land passes the acceptance inspection.",
    "Revegetation succeeds when ground cover reaches 80 percent of the reference area.",
    "矿山企业应当按照矿山生态修复方案进行修复。",
]


def test_settings_choose_the_embedder(tmp_home: Path) -> None:
    light = embedder_for(load_settings(tmp_home))  # questions through ONNX Runtime, bulk through torch
    plain = light.bulk
    assert isinstance(plain, SentenceTransformerEmbedder) and light.name == plain.name
    assert (plain.name, plain.batch_size, plain.quantize) == ("all-MiniLM-L6-v2", 16, False)
    quant = embedder_for(load_settings(tmp_home, embedding_quantize=True, embedding_batch_size=8))
    assert isinstance(quant, SentenceTransformerEmbedder)
    assert (quant.name, quant.batch_size) == ("all-MiniLM-L6-v2+int8", 8)
    assert isinstance(embedder_for(load_settings(tmp_home, embedding_model="hash:64")), HashEmbedder)


def test_quantised_vectors_get_their_own_collection(tmp_home: Path) -> None:
    settings = load_settings(tmp_home)
    plain = collection_name(settings, embedder_for(settings).name)
    quant = collection_name(settings, embedder_for(load_settings(tmp_home, embedding_quantize=True)).name)
    assert plain != quant and quant.startswith(plain.split("-c1200")[0])


def test_quantising_off_the_cpu_is_refused_with_the_fix(tmp_home: Path) -> None:
    with pytest.raises(ConfigError) as err:
        embedder_for(load_settings(tmp_home, embedding_quantize=True, embedding_device="cuda"))
    assert "'cuda'" in str(err.value) and "MSRA_EMBEDDING_QUANTIZE=false" in str(err.value)


@pytest.mark.slow
def test_int8_vectors_stay_close_to_the_float_ones(real_embedder: SentenceTransformerEmbedder) -> None:
    quant = SentenceTransformerEmbedder(quantize=True)
    fp, q8 = real_embedder.embed_documents(TEXTS), quant.embed_documents(TEXTS)
    assert q8.shape == fp.shape and q8.dtype == np.float32
    assert np.allclose(np.linalg.norm(q8, axis=1), 1.0, atol=1e-4)
    cos = (fp * q8).sum(axis=1)
    assert cos.min() > 0.9, cos  # close, but not the same vectors: hence the separate collection
    assert not np.allclose(fp, q8, atol=1e-3)
    # the quantised model still ranks: each text is nearest to itself among the float vectors
    assert list((q8 @ fp.T).argmax(axis=1)) == list(range(len(TEXTS)))
