#!/usr/bin/python3
"""lds_interval.py - the LDS with a bootstrap interval, and paired differences.

    /usr/bin/python3 postprocess/lds_interval.py STUDY.h5 [STUDY.h5 ...]

For each study file, the attribution's LDS (the mean over targets of the
Spearman correlation, across the LDS subsets, of predicted and observed
margins) on training and validation targets, from the predictions stage fit
or stage trak kept (/datamodel/lds_* or /attribution/trak/lds_*), with a 95%
interval for the draw of the LDS subsets: the delete-one jackknife over the
subsets (each left out in turn, the LDS recomputed), mean +- 1.96 standard
errors.  (A bootstrap over subsets would draw a subset twice, and the ties
bias a rank correlation down; the targets are every training and validation
point, not a sample.)  With several files on the same LDS subsets (the same
[datamodel] seed and lds_subsets), each file after the first is compared
with the first, paired: the same subset left out for both, the jackknife of
the difference.  Uses Debian's python3-h5py and python3-numpy (hence
/usr/bin/python3).
"""
import sys

import h5py
import numpy as np

def lds_arrays(f):
    """(name, predicted, observed) per split from the attribution group that holds them."""
    for group in ("attribution/trak", "datamodel"):
        if f"{group}/lds_predicted_train" in f:
            return group, {s: (f[f"{group}/lds_predicted_{s}"][()], f[f"{group}/lds_observed_{s}"][()])
                           for s in ("train", "val")}
    return None, None


def average_ranks(a):
    """Average ranks (from 0) along the last axis, ties sharing the mean of their ranks."""
    less = (a[..., :, None] > a[..., None, :]).sum(-1)
    equal = (a[..., :, None] == a[..., None, :]).sum(-1)
    return less + (equal - 1) / 2.0


def mean_lds(pred, obs):
    """Mean over rows of the Spearman correlation of pred and obs rows (0 where constant)."""
    a, b = average_ranks(pred), average_ranks(obs)
    a = a - a.mean(-1, keepdims=True)
    b = b - b.mean(-1, keepdims=True)
    den = np.sqrt((a * a).sum(-1) * (b * b).sum(-1))
    rho = np.where(den > 0, (a * b).sum(-1) / np.where(den > 0, den, 1), 0.0)
    return rho.mean()


def jackknife(pred, obs):
    """The LDS with each subset (column) left out in turn."""
    S = pred.shape[1]
    keep = [np.array([c for c in range(S) if c != j]) for j in range(S)]
    return np.array([mean_lds(pred[:, k], obs[:, k]) for k in keep])


def se(values):
    """Jackknife standard error of the statistic whose leave-one-out values are given."""
    S = len(values)
    return np.sqrt((S - 1) / S * ((values - values.mean()) ** 2).sum())


def main(paths):
    data = []
    for p in paths:
        with h5py.File(p, "r") as f:
            group, arrays = lds_arrays(f)
        if group is None:
            print(f"{p}: no LDS predictions kept (rerun stage fit or trak)")
            continue
        data.append((p, group, arrays))
    for split in ("train", "val"):
        shape = data[0][2][split][0].shape
        first = None
        for p, group, arrays in data:
            pred, obs = arrays[split]
            if pred.shape != shape:
                print(f"{p}: other LDS subsets than the first file's; not compared")
                continue
            value, loo = mean_lds(pred, obs), jackknife(pred, obs)
            half = 1.96 * se(loo)
            line = f"{p}: {group} LDS {split} {value:.4f} [{value - half:.4f}, {value + half:.4f}]"
            if first is None:
                first = (value, loo)
            else:
                d, dhalf = value - first[0], 1.96 * se(loo - first[1])
                call = "different" if abs(d) > dhalf else "not separated"
                line += f"; minus the first {d:+.4f} [{d - dhalf:+.4f}, {d + dhalf:+.4f}] ({call})"
            print(line)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
