"""train.py - the models a2d does not train: a subset-retrain ensemble, base
models and oracles of a small PyTorch CNN on Fashion-MNIST, written into an a2d
import (docs/import.md) with their cost, so that a2d fits the datamodels,
exports DMM's targets and evaluates against the oracles.

    /usr/bin/python3 examples/pytorch/train.py --out work/import.h5 [--small]

The base models' weights go beside it (base_models.pt) for unlearn.py.
"""
import argparse
import multiprocessing
import os

import numpy as np
import torch

from common import Timer, load_data, logits_of, margins, train, write

p = argparse.ArgumentParser()
p.add_argument("--out", required=True)
p.add_argument("--small", action="store_true", help="the test's reduced size (under a minute)")
p.add_argument("--processes", type=int, default=int(os.environ.get("PROCESSES", "2")),
               help="models trained at once, one thread each")
a = p.parse_args()
torch.set_num_threads(1)
size = dict(n_train=600, n_val=200, ensemble=32, lds=8, base=4, oracles=4, epochs=3, forget=40) \
    if a.small else dict(n_train=2000, n_val=1000, ensemble=192, lds=16, base=8, oracles=16, epochs=4,
                         forget=100)
x, y, xv, yv = load_data(size["n_train"], size["n_val"], seed=0)
n, K, N, E = len(y), size["base"], size["oracles"], size["epochs"]
rng = np.random.default_rng(1)
open(a.out, "w").close()  # start a fresh file
write(a.out, "data/train/y", y.numpy())
write(a.out, "data/val/y", yv.numpy())

# ---- forget sets: a random draw, and shirts (class 6) ----
shirts = np.flatnonzero(y.numpy() == 6)
sets = {"random": np.sort(rng.choice(n, size["forget"], replace=False)),
        "shirts": np.sort(rng.choice(shirts, min(size["forget"], len(shirts)), replace=False))}
for name, idx in sets.items():
    write(a.out, f"forget/{name}/indices", idx)


def job(args):
    """One model: trained from `seed` on `rows`; its logits on both splits, cost, weights."""
    rows, seed = args
    with Timer() as t:
        model, ex = train(x, y, rows, seed=seed, epochs=E)
    return logits_of(model, x).numpy(), logits_of(model, xv).numpy(), ex, t.seconds, \
        model.state_dict()


def train_all(pool, jobs, label):
    out = []
    for i, r in enumerate(pool.imap(job, jobs)):
        out.append(r)
        if (i + 1) % 32 == 0 or i + 1 == len(jobs):
            print(f"{label}: {i + 1}/{len(jobs)} models", flush=True)
    return out


def outputs(results, prefix):
    """Logits of the models on both splits, and their cost, under prefix."""
    write(a.out, f"{prefix}/logits_train", np.stack([r[0] for r in results]))
    write(a.out, f"{prefix}/logits_val", np.stack([r[1] for r in results]))
    write(a.out, f"{prefix}/examples", np.array([r[2] for r in results], np.int64))
    write(a.out, f"{prefix}/seconds", np.array([r[3] for r in results]))


def subset_models(pool, prefix, count, seed0):
    """count models, model m on a random half of the training points, under prefix."""
    subsets = [np.sort(rng.choice(n, n // 2, replace=False)) for _ in range(count)]
    results = train_all(pool, [(rows, seed0 + m) for m, rows in enumerate(subsets)], prefix)
    masks = np.zeros((len(subsets), n), np.uint8)
    for m, rows in enumerate(subsets):
        masks[m, rows] = 1
    write(a.out, f"{prefix}/masks", masks)
    write(a.out, f"{prefix}/margins_train",
          np.stack([margins(torch.tensor(r[0]), y).numpy() for r in results]))
    write(a.out, f"{prefix}/margins_val",
          np.stack([margins(torch.tensor(r[1]), yv).numpy() for r in results]))
    write(a.out, f"{prefix}/examples", np.array([r[2] for r in results], np.int64))
    write(a.out, f"{prefix}/seconds", np.array([r[3] for r in results]))


with multiprocessing.get_context("fork").Pool(a.processes) as pool:
    # ---- the ensemble behind the datamodels, and fresh subset models for their LDS ----
    subset_models(pool, "ensemble", size["ensemble"], 1000)
    subset_models(pool, "lds", size["lds"], 3000)

    # ---- base models on every training point ----
    results = train_all(pool, [(np.arange(n), k) for k in range(K)], "base models")
    outputs(results, "train")
    torch.save([r[4] for r in results], os.path.join(os.path.dirname(a.out), "base_models.pt"))
    acc = np.mean([(r[1].argmax(1) == yv.numpy()).mean() for r in results])
    print(f"base models: {K}, validation accuracy {acc:.3f}", flush=True)

    # ---- oracles: 2N retrains per forget set (N reference, N for the noise floor) ----
    for name, idx in sets.items():
        keep = np.setdiff1d(np.arange(n), idx)
        outputs(train_all(pool, [(keep, 5000 + j) for j in range(2 * N)], f"oracles {name}"),
                f"oracle/{name}")
print(f"wrote {a.out}")
