"""train.py - the models a2d does not train: a subset-retrain ensemble, base
models and oracles of a small PyTorch CNN on Fashion-MNIST, written into an a2d
import (docs/import.md) with their cost, so that a2d fits the datamodels,
exports DMM's targets and evaluates against the oracles.

    /usr/bin/python3 examples/pytorch/train.py --out work/import.h5 [--small]

The base models' weights go beside it (base_models.pt) for unlearn.py.
"""
import argparse

import numpy as np
import torch

from common import Timer, load_data, logits_of, margins, threads, train, write

p = argparse.ArgumentParser()
p.add_argument("--out", required=True)
p.add_argument("--small", action="store_true", help="the test's reduced size (about a minute)")
a = p.parse_args()
threads()
size = dict(n_train=1000, n_val=300, ensemble=48, base=4, oracles=4, epochs=3, forget=40) if a.small \
    else dict(n_train=3000, n_val=1000, ensemble=256, base=8, oracles=8, epochs=4, forget=100)
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


def outputs(models, prefix, costs):
    """Logits of the models on both splits, and their cost, under prefix."""
    write(a.out, f"{prefix}/logits_train", np.stack([logits_of(m, x).numpy() for m in models]))
    write(a.out, f"{prefix}/logits_val", np.stack([logits_of(m, xv).numpy() for m in models]))
    write(a.out, f"{prefix}/examples", np.array([c[0] for c in costs], np.int64))
    write(a.out, f"{prefix}/seconds", np.array([c[1] for c in costs]))


# ---- the ensemble: model m on a random half of the training points ----
masks = np.zeros((size["ensemble"], n), np.uint8)
margins_train, margins_val, examples, seconds = [], [], [], []
for m in range(size["ensemble"]):
    rows = np.sort(rng.choice(n, n // 2, replace=False))
    masks[m, rows] = 1
    with Timer() as t:
        model, ex = train(x, y, rows, seed=1000 + m, epochs=E)
    margins_train.append(margins(logits_of(model, x), y).numpy())
    margins_val.append(margins(logits_of(model, xv), yv).numpy())
    examples.append(ex)
    seconds.append(t.seconds)
    if m % 16 == 15:
        print(f"ensemble: {m + 1}/{size['ensemble']} models, {np.mean(seconds):.2f} s each", flush=True)
write(a.out, "ensemble/masks", masks)
write(a.out, "ensemble/margins_train", np.stack(margins_train))
write(a.out, "ensemble/margins_val", np.stack(margins_val))
write(a.out, "ensemble/examples", np.array(examples, np.int64))
write(a.out, "ensemble/seconds", np.array(seconds))

# ---- base models on every training point ----
base, costs = [], []
for k in range(K):
    with Timer() as t:
        model, ex = train(x, y, np.arange(n), seed=k, epochs=E)
    base.append(model)
    costs.append((ex, t.seconds))
outputs(base, "train", costs)
torch.save([m.state_dict() for m in base], a.out.rsplit("/", 1)[0] + "/base_models.pt"
           if "/" in a.out else "base_models.pt")
acc = np.mean([(logits_of(m, xv).argmax(1) == yv).float().mean().item() for m in base])
print(f"base models: {K}, validation accuracy {acc:.3f}", flush=True)

# ---- oracles: 2N retrains per forget set (N reference, N for the noise floor) ----
for name, idx in sets.items():
    keep = np.setdiff1d(np.arange(n), idx)
    oracles, costs = [], []
    for j in range(2 * N):
        with Timer() as t:
            model, ex = train(x, y, keep, seed=5000 + j, epochs=E)
        oracles.append(model)
        costs.append((ex, t.seconds))
    outputs(oracles, f"oracle/{name}", costs)
    print(f"oracles: {name}: {2 * N}", flush=True)
print(f"wrote {a.out}")
