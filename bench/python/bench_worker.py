"""Persistent PyTorch benchmark worker for `evoaug bench compare`, speaking JSON lines.

One JSON object per line on stdin -> exactly one JSON object per line on stdout. Anything
else (logs, stray prints) goes to stderr, so the C++ driver can read replies blindly.
Commands: setup, steps, epoch, quit (see README.md). Errors reply {"ok": false, "error":
...} and the worker keeps serving. `--self-test` runs a quick smoke test instead.
"""
import json
import os
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_augment import RobustAugmenter, build_augment_list  # noqa: E402
from reference_models import REGRESSION, build_model, check_parameter_counts, count_parameters, loss_for  # noqa: E402


def need(request, key):
    if key not in request:
        raise ValueError(f"missing '{key}'")
    return request[key]


def random_one_hot(n, length, dtype):
    """(n, 4, length) uniform random one-hot sequences."""
    return F.one_hot(torch.randint(0, 4, (n, length)), 4).permute(0, 2, 1).to(dtype).contiguous()


def random_targets(model_name, n, tasks):
    return torch.randn(n, tasks) if model_name in REGRESSION else torch.randint(0, 2, (n, tasks)).float()


def prepare(request):
    """Common start of setup/epoch: validates the model name early, sets threads and seed."""
    name = need(request, "model")
    loss_for(name)  # raises on an unknown model before any work
    torch.set_num_threads(int(request.get("threads", 1)))
    torch.manual_seed(int(request.get("seed", 0)))
    return name


class Worker:
    def __init__(self):
        self.fixed = None  # (model, optimizer, criterion, x, y) after setup

    def setup(self, request):
        name = prepare(request)
        length, tasks = int(need(request, "length")), int(need(request, "tasks"))
        batch = int(request.get("batch", 128))
        model = build_model(name, length, tasks)
        model.train()
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        x = random_one_hot(batch, length, torch.float32)
        y = random_targets(name, batch, tasks)
        self.fixed = (model, optimizer, loss_for(name), x, y)
        return {"ok": True, "parameters": count_parameters(model)}

    def steps(self, request):
        if self.fixed is None:
            raise ValueError("'steps' needs a 'setup' first")
        model, optimizer, criterion, x, y = self.fixed
        ms = []
        for _ in range(int(need(request, "count"))):
            start = time.perf_counter()
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
            ms.append((time.perf_counter() - start) * 1e3)
        return {"ok": True, "ms": ms}

    def epoch(self, request):
        """One pretraining epoch with the reference augmentation loop, then validation."""
        name = prepare(request)
        length, tasks = int(need(request, "length")), int(need(request, "tasks"))
        n_train, n_valid = int(need(request, "train")), int(need(request, "valid"))
        batch = int(request.get("batch", 128))
        augmenter = None
        if request.get("augment") is not None:
            spec = request["augment"]
            mode = spec.get("mode", "hard")
            if mode not in ("hard", "soft"):
                raise ValueError(f"augment mode must be 'hard' or 'soft', got '{mode}'")
            augmenter = RobustAugmenter(build_augment_list(need(spec, "ops")),
                                        int(need(spec, "max_augs_per_seq")), hard_aug=(mode == "hard"))
        insert_max = augmenter.insert_max if augmenter else 0

        # Untimed: data (uint8 one-hot in memory, as evoaug holds it) and the model.
        x_train, y_train = random_one_hot(n_train, length, torch.uint8), random_targets(name, n_train, tasks)
        x_valid, y_valid = random_one_hot(n_valid, length, torch.uint8), random_targets(name, n_valid, tasks)
        model = build_model(name, length + insert_max, tasks)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        criterion = loss_for(name)

        augment_seconds, batches = 0.0, 0
        start = time.perf_counter()
        model.train()
        order = torch.randperm(n_train)
        for first in range(0, n_train, batch):
            index = order[first:first + batch]
            if len(index) < 2:  # training-mode BatchNorm cannot normalise a batch of one
                continue
            x, y = x_train[index].float(), y_train[index]
            if augmenter:
                augment_start = time.perf_counter()
                x = augmenter.apply_augment(x)
                augment_seconds += time.perf_counter() - augment_start
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
            batches += 1
        train_seconds = time.perf_counter() - start

        # Validation as RobustModel.validation_step: no augmentation, random-DNA end padding.
        start = time.perf_counter()
        model.eval()
        with torch.no_grad():
            for first in range(0, n_valid, batch):
                x = x_valid[first:first + batch].float()
                if insert_max:
                    x = augmenter.pad_end(x)
                criterion(model(x), y_valid[first:first + batch]).item()
        valid_seconds = time.perf_counter() - start
        return {"ok": True, "seconds": train_seconds + valid_seconds, "train_seconds": train_seconds,
                "valid_seconds": valid_seconds, "augment_seconds": augment_seconds,
                "parameters": count_parameters(model), "train_batches": batches}

    def handle(self, line):
        """One request line -> one reply dict (never raises)."""
        try:
            request = json.loads(line)
            if not isinstance(request, dict):
                raise ValueError("a request must be a JSON object")
            command = request.get("cmd")
            if command == "quit":
                return {"ok": True}
            if command not in ("setup", "steps", "epoch"):
                raise ValueError(f"unknown command {command!r} (known: setup, steps, epoch, quit)")
            return getattr(self, command)(request)
        except Exception as error:  # noqa: BLE001 -- every failure becomes a reply
            return {"ok": False, "error": f"{type(error).__name__}: {error}"}


def serve():
    replies = sys.stdout
    sys.stdout = sys.stderr  # keep the reply channel clean of anything but replies
    worker = Worker()
    for line in sys.stdin:
        if not line.strip():
            continue
        reply = worker.handle(line)
        try:
            replies.write(json.dumps(reply) + "\n")
            replies.flush()
        except BrokenPipeError:
            # The host has gone (it does not wait for the answer to "quit"): nothing to
            # answer; leave quietly, without Python's traceback on its stderr.
            os.dup2(os.open(os.devnull, os.O_WRONLY), replies.fileno())
            return 0
        if reply.get("ok") and json.loads(line).get("cmd") == "quit":
            return 0
    return 0  # stdin closed: the driver is gone


def self_test():
    began = time.perf_counter()
    check_parameter_counts()
    worker = Worker()

    def call(request):
        reply = worker.handle(json.dumps(request))
        assert reply.get("ok"), f"{request['cmd']} failed: {reply}"
        return reply

    for name, tasks in (("basset", 3), ("deepstarr", 2), ("chip_cnn", 1)):
        call({"cmd": "setup", "model": name, "length": 100, "tasks": tasks, "batch": 8, "threads": 1, "seed": 0})
        assert len(call({"cmd": "steps", "count": 2})["ms"]) == 2
    ops = {"deletion": {"delete_min": 0, "delete_max": 30}, "insertion": {"insert_min": 0, "insert_max": 20},
           "translocation": {"shift_min": 0, "shift_max": 20}, "inversion": {"invert_min": 0, "invert_max": 20},
           "mutation": {"mut_frac": 0.05}, "rc": {"rc_prob": 0.5}, "noise": {"noise_mean": 0, "noise_std": 0.3}}
    for name, tasks, mode in (("chip_cnn", 1, "hard"), ("deepstarr", 2, "soft")):
        reply = call({"cmd": "epoch", "model": name, "length": 100, "tasks": tasks, "train": 64, "valid": 32,
                      "batch": 16, "threads": 1, "seed": 0,
                      "augment": {"mode": mode, "max_augs_per_seq": 2, "ops": ops}})
        assert reply["train_batches"] == 4 and 0 < reply["augment_seconds"] < reply["train_seconds"], reply
    call({"cmd": "epoch", "model": "chip_cnn", "length": 100, "tasks": 1, "train": 33, "valid": 8, "batch": 16,
          "augment": None})
    assert not worker.handle('{"cmd": "nope"}')["ok"] and not worker.handle("not json")["ok"]
    assert not worker.handle('{"cmd": "setup", "model": "nope", "length": 100, "tasks": 1}')["ok"]

    # The protocol through a real pipe: replies only on stdout, errors keep it serving.
    requests = ['{"cmd":"setup","model":"chip_cnn","length":64,"tasks":1,"batch":4}', '{"cmd":"bogus"}',
                '{"cmd":"steps","count":1}', '{"cmd":"quit"}']
    done = subprocess.run([sys.executable, os.path.abspath(__file__)], input="\n".join(requests) + "\n",
                          capture_output=True, text=True, timeout=60)
    replies = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode == 0 and [r["ok"] for r in replies] == [True, False, True, True], (done, replies)
    print(f"self-test ok ({time.perf_counter() - began:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(self_test() if sys.argv[1:] == ["--self-test"] else serve())
