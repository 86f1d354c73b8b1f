"""``python -m indexing.onnx_export MODEL_DIR DEST``: export a sentence-transformers transformer to ONNX.

Run once per model by :func:`indexing.onnx_embedder.ensure_export` in a child process, because it is the
one step of the query path that needs torch. Writes to a temporary file, then renames it into place, so a
concurrent reader never loads half a file.
"""

from __future__ import annotations

import os
import sys
import tempfile
import warnings
from pathlib import Path

from indexing.onnx_embedder import INPUTS, OPSET


def export(model_dir: Path, dest: Path) -> None:
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(model_dir)).eval()

    class LastHidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor):  # type: ignore[no-untyped-def]
            out = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.last_hidden_state

    ids = torch.ones(2, 8, dtype=torch.long)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "last_hidden_state")}
    fd, tmp = tempfile.mkstemp(prefix=".export-", suffix=".onnx", dir=dest.parent)
    os.close(fd)
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # the exporter's notes on indexing do not apply to this model
            torch.onnx.export(
                LastHidden(),
                (ids, ids, torch.zeros_like(ids)),
                tmp,
                input_names=list(INPUTS),
                output_names=["last_hidden_state"],
                dynamic_axes=axes,
                opset_version=OPSET,
                dynamo=False,
            )
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


if __name__ == "__main__":
    export(Path(sys.argv[1]), Path(sys.argv[2]))
