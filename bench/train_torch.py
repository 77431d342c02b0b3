#!/usr/bin/python3
"""train_torch.py - the training of bench_train_a2d, done by PyTorch on the CPU.

    /usr/bin/python3 bench/train_torch.py [--kind logreg|mlp] [--hidden 256,128]
        [--epochs 3] [--n 60000] [--threads T] [--blas-threads B] [--batch 128]
        [--lr 0.05] [--wd W] [--data DIR] [--repeat R]

Same model (nn.Linear layers with ReLU between them), same optimiser
(torch.optim.SGD: momentum 0.9, weight decay, cosine learning rate per step,
lr * (1 + cos(pi * step / total)) / 2, as a2d's cosine schedule without
warm-up), mean cross-entropy, batch 128 with a short last batch, a fresh
random permutation each epoch, and the same data: the first N images of the
Fashion-MNIST "train" split scaled by 1/255, read from the IDX gz files with
gzip and numpy.  The data sit in memory as one float32 tensor and each batch
is gathered by indexing it (no DataLoader, no worker processes).

--threads sets torch.set_num_threads (PyTorch's own OpenMP threads, used by
its element-wise kernels) and, unless --blas-threads says otherwise, the
thread count of the OpenBLAS that Debian's torch calls for its GEMMs
(libblas.so.3; openblas_set_num_threads through ctypes).  bench/train sets
OMP_NUM_THREADS and OPENBLAS_NUM_THREADS to match.

Only the training loop is timed, after an untimed warm-up of 10 steps.  With
--repeat R the training is timed R times (a fresh model each time, the same
seeds) and the fastest counts, as in bench_train_a2d.  Prints one
machine-readable line (runs= lists every run's throughput):

    torch mlp threads=1 blas_threads=2 n=60000 epochs=3 batch=128 seconds=1.978
        throughput=90991.5 flops=9.1638e+10 gflops=91.638 loss=0.3328 torch=1.13.0a0
        runs=85299,90991

(one line in fact; threads is PyTorch's OpenMP thread count, blas_threads
OpenBLAS's).

throughput is examples x epochs per second; flops counts the same GEMM work
as bench_train_a2d (PyTorch also skips the first layer's input gradient).
"""
import argparse
import ctypes
import ctypes.util
import gzip
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def read_idx(path):
    """The array stored in an IDX file (plain or gzip-compressed)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        sys.exit(f"{path}: not an IDX file of unsigned bytes")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        sys.exit(f"{path}: {data.size} bytes of data, the header declares {dims}")
    return data.reshape(dims)


def load_fashion(directory, n):
    """The first n training images (n x 784 float32, / 255) and labels (int64)."""
    def find(stem):
        for name in (stem + ".gz", stem):
            path = os.path.join(directory, name)
            if os.path.exists(path):
                return path
        sys.exit(f"{directory}: no {stem}[.gz]")
    images = read_idx(find("train-images-idx3-ubyte"))
    labels = read_idx(find("train-labels-idx1-ubyte"))
    if n > images.shape[0]:
        sys.exit(f"--n {n}: the train split has only {images.shape[0]} examples")
    x = images[:n].reshape(n, -1).astype(np.float32) / np.float32(255.0)
    y = labels[:n].astype(np.int64)
    return torch.from_numpy(x), torch.from_numpy(y)


def openblas_threads(threads):
    """Set (if threads > 0) and return the thread count of the loaded OpenBLAS, or None."""
    for name in ("libopenblas.so.0", ctypes.util.find_library("openblas"), "libblas.so.3"):
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name)
            if threads > 0:
                lib.openblas_set_num_threads(ctypes.c_int(threads))
            return lib.openblas_get_num_threads()
        except (OSError, AttributeError):
            continue
    return None


def build_model(kind, d, hidden, classes):
    """nn.Sequential of Linear layers with ReLU between them (logreg: one Linear)."""
    widths = [d] + (hidden if kind == "mlp" else []) + [classes]
    layers = []
    for i in range(len(widths) - 1):
        layers.append(nn.Linear(widths[i], widths[i + 1]))
        if i + 2 < len(widths):
            layers.append(nn.ReLU())
    return nn.Sequential(*layers), widths


def train(model, x, y, epochs, batch, lr, wd, seed):
    """SGD with momentum 0.9, weight decay and a per-step cosine rate; last epoch's mean loss."""
    n = x.shape[0]
    per_epoch = (n + batch - 1) // batch
    total = per_epoch * epochs
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=wd)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda step: 0.5 * (1.0 + math.cos(math.pi * step / total)))
    gen = torch.Generator().manual_seed(seed)
    loss_sum = 0.0
    for _ in range(epochs):
        order = torch.randperm(n, generator=gen)
        loss_sum = 0.0
        for i0 in range(0, n, batch):
            idx = order[i0:i0 + batch]
            xb, yb = x[idx], y[idx]
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += loss.item() * idx.shape[0]
        if not math.isfinite(loss_sum):
            sys.exit("training diverged")
    return loss_sum / n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kind", choices=["logreg", "mlp"], default="mlp")
    ap.add_argument("--hidden", default="256,128")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--n", type=int, default=60000)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--blas-threads", type=int, default=None)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--wd", type=float, default=None)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--repeat", type=int, default=1)
    a = ap.parse_args()
    wd = a.wd if a.wd is not None else (1e-4 if a.kind == "logreg" else 5e-4)
    hidden = [int(h) for h in a.hidden.split(",") if h]

    if a.threads > 0:
        torch.set_num_threads(a.threads)
    blas_threads = openblas_threads(a.threads if a.blas_threads is None else a.blas_threads)
    x, y = load_fashion(a.data, a.n)

    # Untimed warm-up on a throw-away copy of the model: 10 steps.
    warm, _ = build_model(a.kind, x.shape[1], hidden, 10)
    nwarm = min(10 * a.batch, a.n)
    train(warm, x[:nwarm], y[:nwarm], 1, a.batch, a.lr, wd, 1)

    times = []
    for _ in range(max(a.repeat, 1)):
        torch.manual_seed(0)
        model, widths = build_model(a.kind, x.shape[1], hidden, 10)
        t0 = time.perf_counter()
        loss = train(model, x, y, a.epochs, a.batch, a.lr, wd, 0)
        times.append(time.perf_counter() - t0)
    seconds = min(times)

    s = sum(widths[i] * widths[i + 1] for i in range(len(widths) - 1))
    per_example = 6.0 * s - 2.0 * widths[0] * widths[1]
    rate = a.n * a.epochs / seconds
    print(f"torch {a.kind} threads={torch.get_num_threads()} blas_threads={blas_threads} "
          f"n={a.n} epochs={a.epochs} batch={a.batch} seconds={seconds:.3f} "
          f"throughput={rate:.1f} flops={rate * per_example:.4e} "
          f"gflops={rate * per_example / 1e9:.3f} loss={loss:.4f} torch={torch.__version__} "
          f"runs={','.join(f'{a.n * a.epochs / t:.0f}' for t in times)}",
          flush=True)


if __name__ == "__main__":
    main()
