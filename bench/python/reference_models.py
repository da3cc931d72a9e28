"""The paper's three models (Basset, DeepSTARR, ChIP-seq CNN) in plain PyTorch.

Module trees and parameter names mirror evoaug's C++ models (models/*/ *.cpp built from
sdk/include/evoaug/sdk/layers.h), so state dicts are interchangeable and a C++/Python
timing comparison runs the same layers. ReLU is functional in both (no module, no name).
"""
from collections import OrderedDict

import torch
from torch import nn


class ConvBlock(nn.Module):
    """conv (no bias, 'same') -> BatchNorm -> ReLU [-> MaxPool if pool > 1] [-> Dropout if p > 0].

    Pool and dropout are registered only when present, in that order, as in C++.
    """

    def __init__(self, c_in, c_out, kernel, pool=1, dropout=0.0, init="kaiming_normal"):
        super().__init__()
        self.conv = nn.Conv1d(c_in, c_out, kernel, padding="same", bias=False)
        # PyTorch defaults (fan_in, gain sqrt(2)), like torch::nn::init in the C++ blocks.
        {"kaiming_normal": nn.init.kaiming_normal_, "kaiming_uniform": nn.init.kaiming_uniform_}[init](self.conv.weight)
        self.bn = nn.BatchNorm1d(c_out)
        if pool > 1:
            self.pool = nn.MaxPool1d(pool)
        if dropout > 0:
            self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        y = torch.relu(self.bn(self.conv(x)))
        if hasattr(self, "pool"):
            y = self.pool(y)
        if hasattr(self, "dropout"):
            y = self.dropout(y)
        return y


class DenseBlock(nn.Module):
    """Linear -> BatchNorm1d -> ReLU [-> Dropout if p > 0]."""

    def __init__(self, n_in, n_out, bias=True, dropout=0.0):
        super().__init__()
        self.linear = nn.Linear(n_in, n_out, bias=bias)
        self.bn = nn.BatchNorm1d(n_out)
        if dropout > 0:
            self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        y = torch.relu(self.bn(self.linear(x)))
        return self.dropout(y) if hasattr(self, "dropout") else y


class SequentialModel(nn.Module):
    """A root with one child, `layers`, as the C++ models register it."""

    def __init__(self, layers):
        super().__init__()
        self.layers = nn.Sequential(OrderedDict(layers))

    def forward(self, x):
        return self.layers(x)


def pooled_length(name, length, pools):
    out = length
    for p in pools:
        out //= p
    if out < 1:
        raise ValueError(f"{name}: input length {length} is too short for its pooling layers")
    return out


def basset(length, tasks):
    # Third pool is 4 (the reference implementation; the paper's text says 2).
    flat = pooled_length("basset", length, [3, 4, 4])
    return SequentialModel([
        ("conv1", ConvBlock(4, 300, 19, pool=3)),
        ("conv2", ConvBlock(300, 200, 11, pool=4)),
        ("conv3", ConvBlock(200, 200, 7, pool=4)),
        ("flatten", nn.Flatten()),
        ("fc1", DenseBlock(200 * flat, 1000, bias=False, dropout=0.3)),
        ("fc2", DenseBlock(1000, 1000, bias=False, dropout=0.3)),
        ("output", nn.Linear(1000, tasks)),
    ])


def deepstarr(length, tasks):
    flat = pooled_length("deepstarr", length, [2, 2, 2, 2])
    return SequentialModel([
        ("conv1", ConvBlock(4, 256, 7, pool=2)),
        ("conv2", ConvBlock(256, 60, 3, pool=2)),
        ("conv3", ConvBlock(60, 60, 5, pool=2)),
        ("conv4", ConvBlock(60, 120, 3, pool=2)),
        ("flatten", nn.Flatten()),
        ("fc1", DenseBlock(120 * flat, 256, dropout=0.4)),
        ("fc2", DenseBlock(256, 256, dropout=0.4)),
        ("output", nn.Linear(256, tasks)),
    ])


def chip_cnn(length, tasks):
    flat = pooled_length("chip_cnn", length, [4, 4, 2])
    init = "kaiming_uniform"
    return SequentialModel([
        ("conv1", ConvBlock(4, 64, 7, pool=4, dropout=0.2, init=init)),
        ("conv2", ConvBlock(64, 96, 5, pool=4, dropout=0.2, init=init)),
        ("conv3", ConvBlock(96, 128, 5, pool=2, dropout=0.2, init=init)),
        ("flatten", nn.Flatten()),
        ("fc1", DenseBlock(128 * flat, 256, dropout=0.5)),
        ("output", nn.Linear(256, tasks)),
    ])


MODELS = {"basset": basset, "deepstarr": deepstarr, "chip_cnn": chip_cnn}
REGRESSION = {"deepstarr"}  # the others output logits of binary tasks


def build_model(name, length, tasks):
    """The model `name` for inputs (N, 4, length) (length includes any insertion padding)."""
    if name not in MODELS:
        raise ValueError(f"unknown model '{name}' (known: {', '.join(sorted(MODELS))})")
    if tasks < 1:
        raise ValueError(f"tasks must be positive, got {tasks}")
    return MODELS[name](length, tasks)


def loss_for(name):
    """MSE on DeepSTARR's regression outputs, BCE-with-logits for the binary models."""
    if name not in MODELS:
        raise ValueError(f"unknown model '{name}'")
    return nn.MSELoss() if name in REGRESSION else nn.BCEWithLogitsLoss()


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())


# (model, length, tasks) -> parameters, the counts the C++ tests check (models/*/ *_test.cpp).
EXPECTED_COUNTS = [
    ("basset", 600, 161, 4529361),
    ("basset", 630, 161, 4729361),
    ("deepstarr", 249, 2, 622226),
    ("deepstarr", 269, 2, 652946),
    ("chip_cnn", 200, 1, 292161),
    ("chip_cnn", 220, 1, 292161),
]


def check_parameter_counts():
    """Asserts the parameter counts of the C++ tests and a few C++ parameter names."""
    for name, length, tasks, expected in EXPECTED_COUNTS:
        got = count_parameters(build_model(name, length, tasks))
        assert got == expected, f"{name} L={length} T={tasks}: {got} parameters, expected {expected}"
    names = dict(build_model("basset", 600, 161).named_parameters())
    assert names["layers.fc1.linear.weight"].shape == (1000, 200 * 12)
    assert "layers.fc1.linear.bias" not in names and "layers.conv1.conv.bias" not in names
    names = dict(build_model("chip_cnn", 200, 1).named_parameters())
    assert names["layers.fc1.linear.weight"].shape == (256, 128 * 6) and "layers.fc1.linear.bias" in names
    return True


if __name__ == "__main__":
    check_parameter_counts()
    print("parameter counts ok")
