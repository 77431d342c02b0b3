"""unlearn.py - DMM in PyTorch on the targets a2d exported: every base model is
fine-tuned so that its margins match the datamodels' predicted margins without
the forget set, on the forget points and a fresh retain sample each epoch (as
a2d's dmm does, docs/algorithms.md).  A plain baseline beside it, gd: a
fine-tune on the retain set.  Both go into the import as unlearn/<set>/<method>
with their cost, for `a2d run` to evaluate against the oracles.

    /usr/bin/python3 examples/pytorch/unlearn.py --import work/import.h5 \\
        --targets work/targets-random.h5 --targets work/targets-shirts.h5

The settings are fixed in advance (no tuning on the reported sets' oracles).
"""
import argparse
import os

import h5py
import numpy as np
import torch
import torch.nn.functional as F

from common import CNN, Timer, load_data, logits_of, margins, threads, write

p = argparse.ArgumentParser()
p.add_argument("--import", dest="imp", required=True)
p.add_argument("--targets", action="append", required=True)
p.add_argument("--small", action="store_true")
p.add_argument("--epochs", type=int, default=8)
p.add_argument("--lr", type=float, default=1e-3)
p.add_argument("--retain-multiple", type=float, default=3)
a = p.parse_args()
threads()
n_train, n_val = (600, 200) if a.small else (2000, 1000)
x, y, xv, yv = load_data(n_train, n_val, seed=0)
with h5py.File(a.imp, "r") as f:
    assert np.array_equal(f["data/train/y"][:], y.numpy()), "the import is of other data"
states = torch.load(os.path.join(os.path.dirname(a.imp), "base_models.pt"))


def base_model(k):
    m = CNN()
    m.load_state_dict(states[k])
    return m


def write_outputs(prefix, models, costs):
    write(a.imp, f"{prefix}/logits_train", np.stack([logits_of(m, x).numpy() for m in models]))
    write(a.imp, f"{prefix}/logits_val", np.stack([logits_of(m, xv).numpy() for m in models]))
    write(a.imp, f"{prefix}/examples", np.array([c[0] for c in costs], np.int64))
    write(a.imp, f"{prefix}/seconds", np.array([c[1] for c in costs]))


for path in a.targets:
    with h5py.File(path, "r") as f:
        name = list(f["targets"])[0]
        target = torch.tensor(f[f"targets/{name}/margins_train"][:])  # K x n
        forget = f[f"forget/{name}/indices"][:]
    retain = np.setdiff1d(np.arange(len(y)), forget)
    dmm, gd, dmm_costs, gd_costs = [], [], [], []
    for k in range(len(states)):
        rng = np.random.default_rng(k)
        torch.manual_seed(k)
        # ---- dmm: match the targets on F and a fresh retain sample each epoch ----
        with Timer() as t:
            model = base_model(k)
            opt = torch.optim.Adam(model.parameters(), lr=a.lr)
            seen = 0
            for epoch in range(a.epochs):
                sample = rng.choice(retain, int(a.retain_multiple * len(forget)), replace=False)
                rows = rng.permutation(np.concatenate([forget, sample]))
                for b in range(0, len(rows), 64):
                    i = torch.as_tensor(rows[b:b + 64])
                    loss = F.mse_loss(margins(model(x[i]), y[i]), target[k, i])
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                    seen += len(i)
        dmm.append(model)
        dmm_costs.append((seen, t.seconds))
        # ---- gd: one epoch of fine-tuning on the retain set ----
        with Timer() as t:
            model = base_model(k)
            opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
            rows = rng.permutation(retain)
            for b in range(0, len(rows), 64):
                i = torch.as_tensor(rows[b:b + 64])
                loss = F.cross_entropy(model(x[i]), y[i])
                opt.zero_grad()
                loss.backward()
                opt.step()
        gd.append(model)
        gd_costs.append((len(rows), t.seconds))
    write_outputs(f"unlearn/{name}/dmm", dmm, dmm_costs)
    write_outputs(f"unlearn/{name}/gd", gd, gd_costs)
    err = np.mean([(margins(logits_of(m, x), y)[forget] - target[k, forget]).pow(2).mean().item()
                   for k, m in enumerate(dmm)])
    print(f"{name}: dmm and gd from {len(dmm)} base models; dmm's forget-set squared error to "
          f"its targets {err:.3f}", flush=True)
print(f"wrote the unlearned models into {a.imp}")
