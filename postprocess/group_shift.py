#!/usr/bin/python3
"""group_shift.py - how well the datamodels predict each forget set's effect.

    /usr/bin/python3 postprocess/group_shift.py results/quickstart.h5

For every forget set F of a study file with stages fit and oracle done (margin
datamodels), compares the predicted shift of the training points' mean margins
(retrained without F minus trained on all) with the oracles' observed shift,
oracles' mean margin minus the base models' mean margin. Printed per forget
set, as the RMSE over the forget points (and the mean shift):

  sparse   -theta . 1[F], the LASSO datamodels alone
  soft     plus the group term soft-thresholded at 2 standard errors on every row
  pooled   plus the group term with the forget rows pooled (empirical Bayes,
           [unlearn.dmm] group_pool; the other rows soft-thresholded)
  raw      plus the unthresholded group term
and `scale`, the least-squares factor on the raw group term that best fits the
observed shift (1 = the ensemble's linear extrapolation is right on average).
The group term is the one of src/attrib/group.c (a2d/group.h), computed here
again in numpy. Holds the datamodels densely: 8 n^2 bytes (200 MB at n = 5000).
Uses Debian's python3-h5py and python3-numpy (hence /usr/bin/python3).
"""
import sys

import h5py
import numpy as np


def group_slopes(resid, counts):
    """Per row: least-squares slope of the centred residuals on the centred counts, and its SE^2."""
    c = counts - counts.mean()
    scc = c @ c
    beta = (c @ resid) / scc
    e = resid - np.outer(c, beta)
    return beta, (e * e).sum(0) / (len(c) - 2) / scc, c, scc


def pooled(beta, se2, resid_f, c, scc):
    """The forget rows' slopes shrunk towards their shrunk mean (a2d/group.h)."""
    mu = beta.mean()
    tau2 = max(0.0, beta.var() - se2.mean())
    rho = resid_f.mean(1)
    e = rho - mu * c
    se2_mu = (e @ e) / (len(c) - 2) / scc
    mu_shrunk = mu * max(0.0, 1 - se2_mu / mu**2) if mu != 0 else 0.0
    w = np.where(tau2 + se2 > 0, tau2 / np.maximum(tau2 + se2, 1e-300), 0.0)
    return mu_shrunk + w * (beta - mu)


def datamodel_residuals(f):
    """From a study file with margin datamodels: theta (training targets x training points,
    dense), the fitting models' subsets (m x n) and their residuals (output minus the
    datamodel's prediction, centred per target), as src/attrib/group.c forms them."""
    n = f["/ensemble/masks"].shape[1]
    indptr, indices = f["/datamodel/indptr"][()], f["/datamodel/indices"][()]
    values = f["/datamodel/values"][()].astype(np.float64)
    theta = np.zeros((n, n))
    rows = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
    keep = rows < n
    theta[rows[keep], indices[keep]] = values[keep]
    fit = f["/datamodel/fit_models"][()]
    masks = f["/ensemble/masks"][()][fit].astype(np.float64)
    resid = f["/ensemble/margins_train"][()][fit].astype(np.float64)
    resid -= masks @ theta.T + f["/datamodel/intercept"][:n]
    resid -= resid.mean(0)
    return theta, masks, resid


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with h5py.File(sys.argv[1], "r") as f:
        for d in ("/datamodel/indptr", "/ensemble/masks", "/oracle", "/forget"):
            if d not in f:
                sys.exit(f"group_shift.py: {sys.argv[1]}: no {d}; run stages fit and oracle first")
        n = f["/ensemble/masks"].shape[1]
        if f["/datamodel/indptr"].shape[0] - 1 != n + f["/ensemble/margins_val"].shape[1]:
            sys.exit(f"group_shift.py: {sys.argv[1]}: per-class datamodels; this check reads margin datamodels")
        theta, masks, resid = datamodel_residuals(f)
        base = f["/train/margins_train"][()].astype(np.float64).mean(0)
        print(f"{sys.argv[1]}: {len(masks)} fitting models, subsets of {int(masks[0].sum())} of {n}")
        print("forget set    observed   RMSE (mean) over the forget points: sparse, soft, pooled, raw   scale")
        for name in f["/forget"]:
            if name == "kmeans":
                continue
            forget = f[f"/forget/{name}/indices"][()]
            observed = (f[f"/oracle/{name}/margins_train"][()].astype(np.float64).mean(0) - base)[forget]
            sparse = -theta[forget][:, forget].sum(1)
            beta, se2, c, scc = group_slopes(resid, masks[:, forget].sum(1))
            bf, sf = beta[forget], se2[forget]
            soft = np.sign(bf) * np.maximum(0, np.abs(bf) - 2 * np.sqrt(sf))
            cells = []
            for b in (0 * bf, soft, pooled(bf, sf, resid[:, forget], c, scc), bf):
                pred = sparse - b * len(forget)
                cells.append(f"{np.sqrt(((pred - observed) ** 2).mean()):.3f} ({pred.mean():+.3f})")
            g = -bf * len(forget)
            scale = ((observed - sparse) @ g) / (g @ g)
            print(f"{name:<13} {observed.mean():+.3f}     {'  '.join(cells)}   {scale:.2f}")


if __name__ == "__main__":
    main()
