"""Golden values for networks over the run-time Seq dimension (run with /usr/bin/python3 from any directory).

seq_shapes.sntensors.gz     every tensor below; ids and labels as floats

lm.*    A character-level language model (SeqLanguageModelNet): Embedding(20, 6) -> GRU(6, 10) -> output.view(-1, 10)
        ([seq, batch, 10] -> [seq * batch, 10]) -> Linear(10, 20) -> cross_entropy against the next characters
        targets.view(-1) (mean over every token). One model (PyTorch init after manual_seed(0)), two batches of different
        lengths: ids [5, 3] and [2, 3] (L5, L2). Entries: every parameter, then per length L: L.ids, L.targets [seq, batch],
        L.logits [seq * batch, 20], L.loss, L.grad.<parameter>.
pool.*  SeqPoolNet: GRU(3, 4) over x [seq, 2, 3]; y = output; flat = y.flatten() * sigmoid(y.flatten());
        w = softmax(score(y), dim=0) (over the sequence); pooled = (y * w).sum(0) + 0.5 * y.mean(0) + flat.mean()
        + 0.1 * y.reshape(-1, 4).sum(0); logits = fc(pooled); cross_entropy against labels [2]. Lengths 4 and 1 (L4, L1):
        parameters, then L.x, L.labels, L.logits, L.loss, L.grad.<parameter>, L.grad.x.
tag.*   SeqRowsTaggerNet: GRU(3, 4) over x [seq, 2, 3]; tags = fc(output.view(-1, 4)) [seq * 2, 2];
        out = log_softmax(tags, 1).view(x.size(0), x.size(1), 2) + 0.5 * tags.view(x.size(0), -1, 2) [seq, 2, 2];
        loss = nll over every step (out.view(-1, 2) against labels.view(-1)). Lengths 3 and 1 (L3, L1): parameters, then
        L.x, L.labels [seq, 2], L.out, L.loss, L.grad.<parameter>, L.grad.x.
cat.*   SeqStructureNet: GRU(3, 4, bidirectional) over x [seq, 2, 3]; (f, b) = output.chunk(2, 2);
        z = cat([b, tanh(f), x], 2) [seq, 2, 11]; logits = fc(z.transpose(0, 1).mean(1)); cross_entropy against labels [2].
        Lengths 5 and 2 (L5, L2): parameters, then L.x, L.labels, L.logits, L.loss, L.grad.<parameter>, L.grad.x.
att.*   SeqAttentionNet: GRU(3, 4, batch_first) over x [2, seq, 3]; h = output; w = softmax(0.5 * query(h) @ h.transpose(1, 2), 2)
        [2, seq, seq]; logits = fc((w @ h).mean(1)); cross_entropy against labels [2]. Lengths 4 and 1 (L4, L1): parameters,
        then L.x, L.labels, L.logits, L.loss, L.grad.<parameter>, L.grad.x.
"""
import os

import torch
from torch import nn

import sntensors

HERE = os.path.dirname(os.path.abspath(__file__))


class LanguageModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(20, 6)
        self.gru = nn.GRU(6, 10)
        self.decoder = nn.Linear(10, 20)

    def forward(self, ids):
        output, _ = self.gru(self.embed(ids))
        return self.decoder(output.view(-1, 10))


class PoolNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(3, 4)
        self.score = nn.Linear(4, 1)
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        y, _ = self.gru(x)
        gate = torch.sigmoid(y.flatten())
        flat = y.flatten() * gate
        w = torch.softmax(self.score(y), dim=0)
        pooled = (y * w).sum(0) + y.mean(0) * 0.5 + flat.mean() + y.reshape(-1, 4).sum(0) * 0.1
        return self.fc(pooled)


class RowsTagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(3, 4)
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        output, _ = self.gru(x)
        tags = self.fc(output.view(-1, 4))
        return torch.log_softmax(tags, 1).view(x.size(0), x.size(1), 2) + tags.view(x.size(0), -1, 2) * 0.5


class StructureNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(3, 4, bidirectional=True)
        self.fc = nn.Linear(11, 3)

    def forward(self, x):
        output, _ = self.gru(x)
        f, b = output.chunk(2, 2)
        z = torch.cat([b, torch.tanh(f), x], 2)
        return self.fc(z.transpose(0, 1).mean(1))


class AttentionNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(3, 4, batch_first=True)
        self.query = nn.Linear(4, 4)
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        h, _ = self.gru(x)
        w = torch.softmax(self.query(h) @ h.transpose(1, 2) * 0.5, 2)
        return self.fc((w @ h).mean(1))


def lm():
    torch.manual_seed(0)
    model = LanguageModel()
    g = torch.Generator().manual_seed(1)
    entries = [(k, v) for k, v in model.state_dict().items()]
    for seq in (5, 2):
        batch = 3
        text = torch.randint(0, 20, (seq + 1, batch), generator=g)
        ids, targets = text[:-1], text[1:]
        model.zero_grad()
        logits = model(ids)
        loss = nn.functional.cross_entropy(logits, targets.reshape(-1))
        loss.backward()
        prefix = f"L{seq}."
        entries += [(prefix + "ids", ids), (prefix + "targets", targets), (prefix + "logits", logits), (prefix + "loss", loss)]
        entries += [(prefix + "grad." + k, p.grad.clone()) for k, p in model.named_parameters()]
    return [("lm." + k, v) for k, v in entries]


def float_case(name, model, seed, lengths, x_shape, labels, loss_of, out_name="logits"):
    """One float-input model at each length: x (shape x_shape(seq, batch)) and its labels drawn in that order from one
    generator, a train step's forward and backward, and the values the C# test compares (prefixed name + ".")."""
    g = torch.Generator().manual_seed(seed)
    entries = [(k, v) for k, v in model.state_dict().items()]
    for seq in lengths:
        batch = 2
        x = torch.randn(*x_shape(seq, batch), generator=g).requires_grad_()
        y = labels(seq, batch, g)
        model.zero_grad()
        out = model(x)
        loss = loss_of(out, y)
        loss.backward()
        prefix = f"L{seq}."
        entries += [(prefix + "x", x), (prefix + "labels", y), (prefix + out_name, out), (prefix + "loss", loss)]
        entries += [(prefix + "grad." + k, p.grad.clone()) for k, p in model.named_parameters()]
        entries += [(prefix + "grad.x", x.grad)]
    return [(name + "." + k, v) for k, v in entries]


def classes(count):
    return lambda seq, batch, g: torch.randint(0, count, (batch,), generator=g)


def seeded(model_class):
    torch.manual_seed(0)
    return model_class()


def pool():
    return float_case("pool", seeded(PoolNet), 2, (4, 1), lambda seq, batch: (seq, batch, 3), classes(3),
                      nn.functional.cross_entropy)


def tag():
    return float_case("tag", seeded(RowsTagger), 3, (3, 1), lambda seq, batch: (seq, batch, 3),
                      lambda seq, batch, g: torch.randint(0, 2, (seq, batch), generator=g),
                      lambda out, labels: nn.functional.nll_loss(out.view(-1, 2), labels.view(-1)), out_name="out")


def cat():
    return float_case("cat", seeded(StructureNet), 4, (5, 2), lambda seq, batch: (seq, batch, 3), classes(3),
                      nn.functional.cross_entropy)


def att():
    return float_case("att", seeded(AttentionNet), 5, (4, 1), lambda seq, batch: (batch, seq, 3), classes(3),
                      nn.functional.cross_entropy)


def main():
    torch.set_num_threads(1)
    sntensors.write(os.path.join(HERE, "seq_shapes.sntensors.gz"), lm() + pool() + tag() + cat() + att())


if __name__ == "__main__":
    main()
