"""common.py - what train.py and unlearn.py share: the data, the CNN, training
loops, margins, and writing arrays into the a2d import (docs/import.md)."""
import gzip
import os
import time

import h5py
import numpy as np
import torch
import torch.nn.functional as F

FASHION = "/usr/share/datasets/fashion-mnist"


def idx(path):
    """An IDX file (plain or gzip) as a numpy array."""
    with gzip.open(path) if path.endswith(".gz") else open(path, "rb") as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * dims).reshape(shape)


def load_data(n_train, n_val, seed):
    """A seeded selection of Fashion-MNIST: images in [0, 1] as N x 1 x 28 x 28, labels."""
    rng = np.random.default_rng(seed)
    x = idx(f"{FASHION}/train-images-idx3-ubyte.gz")
    y = idx(f"{FASHION}/train-labels-idx1-ubyte.gz")
    xv = idx(f"{FASHION}/t10k-images-idx3-ubyte.gz")
    yv = idx(f"{FASHION}/t10k-labels-idx1-ubyte.gz")
    tr = np.sort(rng.choice(len(y), n_train, replace=False))
    va = np.sort(rng.choice(len(yv), n_val, replace=False))
    prep = lambda a: torch.tensor(a.astype(np.float32)[:, None] / 255.0)
    return prep(x[tr]), torch.tensor(y[tr].astype(np.int64)), prep(xv[va]), torch.tensor(
        yv[va].astype(np.int64))


class CNN(torch.nn.Module):
    """A small CNN: two 5x5 convolutions with max-pooling, one hidden layer."""

    def __init__(self, width=8):
        super().__init__()
        self.c1 = torch.nn.Conv2d(1, width, 5, padding=2)
        self.c2 = torch.nn.Conv2d(width, 2 * width, 5, padding=2)
        self.f1 = torch.nn.Linear(2 * width * 7 * 7, 64)
        self.f2 = torch.nn.Linear(64, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        return self.f2(F.relu(self.f1(x.flatten(1))))


def margins(logits, y):
    """a2d's margin: the label's logit minus the log-sum-exp of the other logits."""
    other = logits.clone()
    other[torch.arange(len(y)), y] = -float("inf")
    return logits[torch.arange(len(y)), y] - torch.logsumexp(other, 1)


def train(x, y, rows, seed, epochs, batch=64, lr=0.05):
    """A CNN trained from (seed) on the rows of (x, y): SGD with momentum, cosine schedule.
    Returns the model and the examples it processed (the cost a2d charges)."""
    torch.manual_seed(seed)
    model = CNN()
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=5e-4)
    steps = epochs * ((len(rows) + batch - 1) // batch)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: 0.5 * (1 + np.cos(np.pi * s / steps)))
    rows = torch.as_tensor(rows)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        order = rows[torch.randperm(len(rows), generator=gen)]
        for b in range(0, len(order), batch):
            i = order[b:b + batch]
            loss = F.cross_entropy(model(x[i]), y[i])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    return model, epochs * len(rows)


@torch.no_grad()
def logits_of(model, x):
    model.eval()
    out = torch.cat([model(x[b:b + 1000]) for b in range(0, len(x), 1000)])
    model.train()
    return out


def write(path, name, array):
    """Array `name` of the import at `path` (an HDF5 file), replacing one already there."""
    with h5py.File(path, "a") as f:
        if name in f:
            del f[name]
        f[name] = array


class Timer:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start


def threads():
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
