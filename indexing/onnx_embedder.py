"""Embedding questions with ONNX Runtime: the light query path (issue 17).

Importing torch and transformers and loading the model costs seconds, which a one-shot ``msra ask`` or a web
server's start-up pays before its first answer. Questions are short and few, so msra embeds them with an
ONNX export of the same weights, run by ONNX Runtime with the model's own tokenizer (``tokenizers``):
mean pooling over the attention mask, then L2 normalisation, exactly as the sentence-transformers pipeline
of all-MiniLM-L6-v2 does. The vectors match torch's to a cosine of at least 0.9999 (tests/test_onnx_embedder.py),
so the index built by torch is searched with them unchanged. torch stays for bulk ingest, where it is faster.

The export runs once per model, in a child process (it is the one step that needs torch), into
``home/models/``; later processes only load the ``.onnx`` file.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant.core.errors import ConfigError

INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OPSET = 17


def supports_onnx(model_dir: Path) -> bool:
    """True for a local sentence-transformers folder this module reproduces: a BERT-style transformer with a
    fast tokenizer, mean pooling and a Normalize step (all-MiniLM-L6-v2 and its kind)."""
    try:
        modules = json.loads((model_dir / "modules.json").read_text(encoding="utf-8"))
        pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in modules]
    return (
        kinds == ["Transformer", "Pooling", "Normalize"]
        and bool(pooling.get("pooling_mode_mean_tokens"))
        and (model_dir / "tokenizer.json").is_file()
        and (model_dir / "model.safetensors").is_file()
    )


def export_path(model_dir: Path, cache_dir: Path) -> Path:
    """Where the export of ``model_dir`` is cached: keyed by the weights file's path, size and time."""
    weights = (model_dir / "model.safetensors").stat()
    key = f"{model_dir.resolve()}|{weights.st_size}|{weights.st_mtime_ns}|opset{OPSET}"
    return cache_dir / f"{model_dir.parent.name}-{hashlib.sha256(key.encode()).hexdigest()[:16]}.onnx"


def ensure_export(model_dir: Path, cache_dir: Path, timeout_s: float = 600.0) -> Path:
    """The cached ONNX file for ``model_dir``, exporting it first (in a child process, with torch) if missing."""
    dest = export_path(model_dir, cache_dir)
    if dest.is_file():
        return dest
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        msg = f"cannot create {cache_dir} for the ONNX query model ({exc}): make MSRA_HOME writable"
        raise ConfigError(msg) from exc
    print(f"msra: exporting the embedding model to ONNX once, into {dest} ...", file=sys.stderr, flush=True)
    cmd = [sys.executable, "-m", "indexing.onnx_export", str(model_dir), str(dest)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in [_root(), os.environ.get("PYTHONPATH", "")] if p)}
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, env=env, check=False)
    except subprocess.TimeoutExpired as exc:
        raise ConfigError(
            f"exporting {model_dir} to ONNX took over {timeout_s:g} s: set MSRA_QUERY_EMBEDDER=torch"
        ) from exc
    if done.returncode != 0 or not dest.is_file():
        tail = (done.stderr or "").strip().splitlines()[-1:] or ["no message"]
        raise ConfigError(
            f"exporting {model_dir} to ONNX failed ({tail[0]}): set MSRA_QUERY_EMBEDDER=torch to embed "
            "questions with torch instead"
        )
    return dest


def _root() -> str:
    return str(Path(__file__).resolve().parents[1])


class OnnxEmbedder:
    """A sentence-transformers mean-pooling model run by ONNX Runtime; loaded on first use."""

    BATCH = 16  # texts per session run, after sorting by length

    def __init__(self, model_dir: Path, cache_dir: Path, *, max_length: int | None = None, threads: int = 0) -> None:
        self.model_dir = Path(model_dir)
        self.cache_dir = Path(cache_dir)
        self.max_length = max_length or _max_seq_length(self.model_dir)
        self.threads = threads
        self._session: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    @property
    def dimension(self) -> int:
        pooling = json.loads((self.model_dir / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
        return int(pooling["word_embedding_dimension"])

    def warm_up(self) -> None:
        if self._session is not None:
            return
        with self._lock:
            if self._session is not None:
                return
            import onnxruntime as ort
            from tokenizers import Tokenizer

            path = ensure_export(self.model_dir, self.cache_dir)
            tok = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
            tok.enable_truncation(self.max_length)
            tok.no_padding()
            opts = ort.SessionOptions()
            opts.intra_op_num_threads = self.threads  # 0: ONNX Runtime's choice (the cores)
            opts.log_severity_level = 3
            # No busy-waiting between operators: on a shared or loaded machine (web workers, other processes)
            # spinning threads take CPU from the work (14 sentences: 1.0-1.5 s spinning, 0.5-1.0 s not, at load 9).
            opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
            self._tokenizer = tok
            self._session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        self.warm_up()
        encs = self._tokenizer.encode_batch(list(texts))
        # Similar lengths together, so short texts are not padded to the longest one of the call.
        order = sorted(range(len(encs)), key=lambda i: len(encs[i].ids))
        out = np.zeros((len(encs), self.dimension), dtype=np.float32)
        for start in range(0, len(order), self.BATCH):
            rows = order[start : start + self.BATCH]
            out[rows] = self._run([encs[i] for i in rows])
        return out

    def _run(self, encs: list[Any]) -> np.ndarray:
        width = max(len(e.ids) for e in encs)
        feeds = {name: np.zeros((len(encs), width), dtype=np.int64) for name in INPUTS}
        for row, enc in enumerate(encs):
            n = len(enc.ids)
            feeds["input_ids"][row, :n] = enc.ids
            feeds["attention_mask"][row, :n] = enc.attention_mask
            feeds["token_type_ids"][row, :n] = enc.type_ids
        (hidden,) = self._session.run(None, feeds)
        mask = feeds["attention_mask"][..., None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]


def _max_seq_length(model_dir: Path) -> int:
    try:
        cfg = json.loads((model_dir / "sentence_bert_config.json").read_text(encoding="utf-8"))
        return int(cfg.get("max_seq_length") or 256)
    except (OSError, ValueError):
        return 256
