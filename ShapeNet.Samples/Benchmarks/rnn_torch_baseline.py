"""PyTorch side of `ShapeNet.Samples rnn-bench`: lecture 13's bi-GRU classifier train step on the word-language batches.

    /usr/bin/python3 rnn_torch_baseline.py --data data/word-language [--steps 30] [--batches 312] [--threads 2] [--padded]

Embedding(128, 100) -> GRU(100, 100, num_layers=2, bidirectional) -> Linear(200, 10) on cat(h_n[-2], h_n[-1]),
cross-entropy, Adam(lr=0.001). Batch k is words [64k, 64k + 64) of train.tsv in file order, padded to its longest word and
packed with pack_padded_sequence (enforce_sorted=False), or run padded with --padded. Prints "steps/s <figure>" after five
warm-up steps.
"""
import argparse
import time

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

LANGUAGES = ["english", "german", "french", "italian", "spanish", "portuguese", "dutch", "polish", "swedish", "danish"]


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(128, 100, padding_idx=0)
        self.gru = nn.GRU(100, 100, num_layers=2, bidirectional=True)
        self.fc = nn.Linear(200, 10)

    def forward(self, ids, lengths, packed):
        x = self.embedding(ids)
        if packed:
            x = pack_padded_sequence(x, lengths, enforce_sorted=False)
        _, h_n = self.gru(x)
        return self.fc(torch.cat([h_n[-2], h_n[-1]], dim=1))


def batches(folder, count, batch=64):
    alphabet = {c: i + 1 for i, c in enumerate(l.rstrip("\n") for l in open(f"{folder}/alphabet.txt", encoding="utf-8"))}
    rows = [l.rstrip("\n").split("\t") for l in open(f"{folder}/train.tsv", encoding="utf-8")]
    result = []
    for k in range(count):
        words = rows[k * batch:(k + 1) * batch]
        lengths = torch.tensor([len(w) for w, _ in words])
        ids = torch.zeros(int(lengths.max()), batch, dtype=torch.long)
        for b, (w, _) in enumerate(words):
            ids[:len(w), b] = torch.tensor([alphabet[c] for c in w])
        labels = torch.tensor([LANGUAGES.index(l) for _, l in words])
        result.append((ids, lengths, labels))
    return result


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--batches", type=int, default=312)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--padded", action="store_true")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = Classifier()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    data = batches(a.data, a.batches)
    state = {"k": 0}

    def step():
        ids, lengths, labels = data[state["k"] % len(data)]
        state["k"] += 1
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(ids, lengths, not a.padded), labels)
        loss.backward()
        optimizer.step()

    for _ in range(5):
        step()
    start = time.perf_counter()
    for _ in range(a.steps):
        step()
    print(f"steps/s {a.steps / (time.perf_counter() - start):.3f}")


if __name__ == "__main__":
    main()
