"""Load an evoaug checkpoint of the ChIP-seq CNN into PyTorch and predict.

evoaug checkpoints are written with torch::pickle_save, which torch.load reads. The model
weights are a plain state dict whose names follow the C++ module tree
(layers.conv1.conv.weight, ...), so a PyTorch module with the same tree loads them with
strict=True. This file is run by the test suite (tests/docs/python_checkpoint_test.sh),
which compares its predictions with `evoaug predict` on the same sequences.

    python3 load_checkpoint.py runs/quickstart/checkpoints/finetune-best.pt seqs.fa
"""
import sys
from collections import OrderedDict

import torch
from torch import nn


class ConvBlock(nn.Module):
    """conv (no bias, 'same') -> batch norm -> ReLU -> max-pool (floors) -> dropout."""

    def __init__(self, c_in, c_out, kernel, pool, dropout):
        super().__init__()
        self.conv = nn.Conv1d(c_in, c_out, kernel, padding="same", bias=False)
        self.bn = nn.BatchNorm1d(c_out)
        self.dropout = nn.Dropout(dropout)
        self.pool = nn.MaxPool1d(pool)

    def forward(self, x):
        return self.dropout(self.pool(torch.relu(self.bn(self.conv(x)))))


class DenseBlock(nn.Module):
    """linear -> batch norm -> ReLU -> dropout."""

    def __init__(self, n_in, n_out, dropout):
        super().__init__()
        self.linear = nn.Linear(n_in, n_out)
        self.bn = nn.BatchNorm1d(n_out)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        return self.dropout(torch.relu(self.bn(self.linear(x))))


class ChipCNN(nn.Module):
    """The paper's ChIP-seq CNN with evoaug's parameter names (models/chip_cnn)."""

    def __init__(self, length, tasks, conv1_filters=64):
        super().__init__()
        flat = length // 4 // 4 // 2
        self.layers = nn.Sequential(OrderedDict(
            conv1=ConvBlock(4, conv1_filters, 7, 4, 0.2),
            conv2=ConvBlock(conv1_filters, 96, 5, 4, 0.2),
            conv3=ConvBlock(96, 128, 5, 2, 0.2),
            flatten=nn.Flatten(),
            fc1=DenseBlock(128 * flat, 256, 0.5),
            output=nn.Linear(256, tasks),
        ))

    def forward(self, x):
        return self.layers(x)


def read_fasta(path):
    records, name = [], None
    for line in open(path):
        line = line.strip()
        if line.startswith(">"):
            name = line[1:].split()[0]
            records.append([name, ""])
        elif line:
            records[-1][1] += line.upper()
    return records


def one_hot(sequence):
    """(4, L) in evoaug's alphabet order A, C, G, T."""
    x = torch.zeros(4, len(sequence))
    for i, letter in enumerate(sequence):
        x["ACGT".index(letter), i] = 1.0
    return x


def main(checkpoint_path, fasta_path):
    checkpoint = torch.load(checkpoint_path, map_location="cpu", weights_only=False)
    state_dict = checkpoint["model"]
    tasks, flat_features = state_dict["layers.output.weight"].shape[0], state_dict["layers.fc1.linear.weight"].shape[1]
    records = read_fasta(fasta_path)
    length = len(records[0][1])
    model = ChipCNN(length, tasks, conv1_filters=state_dict["layers.conv1.conv.weight"].shape[0])
    model.load_state_dict(state_dict, strict=True)
    model.eval()
    assert 128 * (length // 32) == flat_features, "the sequences' length differs from the model's"
    with torch.no_grad():
        probabilities = torch.sigmoid(model(torch.stack([one_hot(s) for _, s in records])))
    print(f"# {checkpoint['stage']} epoch {checkpoint['epoch']}, components {checkpoint['components']}",
          file=sys.stderr)
    for (name, _), row in zip(records, probabilities.tolist()):
        print(name, *(f"{p:.6g}" for p in row), sep="\t")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
