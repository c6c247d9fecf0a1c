"""Golden values for the recurrent kernels and eager layers (run with /usr/bin/python3 from any directory).

recurrent.sntensors.gz      two models, every tensor below; ids, lengths and labels as floats
torch_bigru.safetensors     the bi-GRU classifier's state dict as PyTorch saves it
torch_lstm.safetensors      the LSTM's state dict

bigru.*  Lecture 13's classifier at a test size: Embedding(32, 10, padding_idx=0) -> GRU(10, 16, num_layers=2,
         bidirectional) over a packed batch of 4 sequences of lengths 7, 3, 5, 6 (padded to 7, not sorted:
         enforce_sorted=False) -> Linear(32, 5) on cat(h_n[-2], h_n[-1]) (the top layer's forward and reverse final states)
         -> CrossEntropyLoss (mean). Entries: every parameter (PyTorch init after manual_seed(0)), ids [7, 4] (padding id 0),
         lengths [4], labels [4], output [7, 4, 32] (pad_packed_sequence, zeros at padding), h_n [4, 4, 16], logits [4, 5],
         loss, grad.<parameter> for every parameter.
lstm.*   LSTM(6, 8, num_layers=2, bidirectional, batch_first) over a packed batch [3, 5, 6] of lengths 5, 2, 4 with given
         h0, c0 [4, 3, 8]; loss = sum(output * w_out) + sum(h_n * w_h) + sum(c_n * w_c) with fixed random weights
         (so w_out, w_h and w_c are the upstream gradients). Entries: parameters, x, h0, c0, lengths, w_out, w_h, w_c, output
         [3, 5, 16], h_n, c_n, loss, grad.<parameter>, grad.x, grad.h0, grad.c0.
"""
import os
from collections import OrderedDict

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import safetensors_io
import sntensors

HERE = os.path.dirname(os.path.abspath(__file__))


class BiGruClassifier(nn.Module):
    def __init__(self, vocab=32, embed=10, hidden=16, classes=5):
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed, padding_idx=0)
        self.gru = nn.GRU(embed, hidden, num_layers=2, bidirectional=True)
        self.fc = nn.Linear(2 * hidden, classes)

    def forward(self, ids, lengths):
        packed = pack_padded_sequence(self.embedding(ids), lengths, enforce_sorted=False)
        output, h_n = self.gru(packed)
        output, _ = pad_packed_sequence(output, total_length=ids.shape[0])
        return self.fc(torch.cat([h_n[-2], h_n[-1]], dim=1)), output, h_n


def bigru():
    torch.manual_seed(0)
    model = BiGruClassifier()
    g = torch.Generator().manual_seed(1)
    seq, batch = 7, 4
    lengths = torch.tensor([7, 3, 5, 6])
    ids = torch.randint(1, 32, (seq, batch), generator=g)
    for b in range(batch):
        ids[lengths[b]:, b] = 0
    labels = torch.randint(0, 5, (batch,), generator=g)
    logits, output, h_n = model(ids, lengths)
    loss = nn.functional.cross_entropy(logits, labels)
    loss.backward()
    entries = [(k, v) for k, v in model.state_dict().items()]
    entries += [("ids", ids), ("lengths", lengths), ("labels", labels), ("output", output), ("h_n", h_n),
                ("logits", logits), ("loss", loss)]
    entries += [("grad." + k, p.grad) for k, p in model.named_parameters()]
    safetensors_io.save_file(model.state_dict(), os.path.join(HERE, "torch_bigru.safetensors"), {"format": "pt"})
    return [("bigru." + k, v) for k, v in entries]


def lstm():
    torch.manual_seed(0)
    model = nn.LSTM(6, 8, num_layers=2, bidirectional=True, batch_first=True)
    g = torch.Generator().manual_seed(2)
    batch, seq = 3, 5
    lengths = torch.tensor([5, 2, 4])
    x = torch.randn(batch, seq, 6, generator=g)
    for b in range(batch):
        x[b, lengths[b]:] = 0
    h0 = torch.randn(4, batch, 8, generator=g).requires_grad_()
    c0 = torch.randn(4, batch, 8, generator=g).requires_grad_()
    w_out = torch.randn(batch, seq, 16, generator=g)
    w_h = torch.randn(4, batch, 8, generator=g)
    w_c = torch.randn(4, batch, 8, generator=g)
    x.requires_grad_()
    packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    output, (h_n, c_n) = model(packed, (h0, c0))
    output, _ = pad_packed_sequence(output, batch_first=True, total_length=seq)
    loss = (output * w_out).sum() + (h_n * w_h).sum() + (c_n * w_c).sum()
    loss.backward()
    entries = [(k, v) for k, v in model.state_dict().items()]
    entries += [("x", x), ("h0", h0), ("c0", c0), ("lengths", lengths), ("w_out", w_out), ("w_h", w_h), ("w_c", w_c),
                ("output", output), ("h_n", h_n), ("c_n", c_n), ("loss", loss)]
    entries += [("grad." + k, p.grad) for k, p in model.named_parameters()]
    entries += [("grad.x", x.grad), ("grad.h0", h0.grad), ("grad.c0", c0.grad)]
    state = OrderedDict(("lstm." + k, v) for k, v in model.state_dict().items())
    safetensors_io.save_file(state, os.path.join(HERE, "torch_lstm.safetensors"), {"format": "pt"})
    return [("lstm." + k, v) for k, v in entries]


def main():
    torch.set_num_threads(1)
    sntensors.write(os.path.join(HERE, "recurrent.sntensors.gz"), bigru() + lstm())
    for name in ("torch_bigru.safetensors", "torch_lstm.safetensors"):
        assert safetensors_io.load_file(os.path.join(HERE, name)), name
    print("wrote torch_bigru.safetensors, torch_lstm.safetensors")


if __name__ == "__main__":
    main()
