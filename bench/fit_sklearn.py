#!/usr/bin/python3
"""fit_sklearn.py - the comparison side of bench/fit: scikit-learn's lasso_path on
the same masks, targets and lambdas as bench_fit_a2d, the objectives of every
solver, and the LDS each solver's datamodels reach.

    /usr/bin/python3 bench/fit_sklearn.py STUDY.h5 T OUTDIR JOBS TOL PATIENCE RUN=SECONDS...

RUN names a solution written by bench_fit_a2d (OUTDIR/RUN.theta, .alpha: T
targets x L lambdas), e.g. reference2=61.3 a2d2=9.8 (solver, then ranks).
scikit-learn solves every target's path with lasso_path (JOBS worker
processes share the targets, as a user would run it on JOBS cores).  Prints
the time per target of every run and of scikit-learn, the speed-ups, how the
objectives (1/2m)||yc - Xc w||^2 + lambda ||w||_1 compare (recomputed here from
the coefficients), and the LDS of each solver's datamodels: each target's
lambda chosen as stage fit chooses it (the validation models' error, leaving
the path after PATIENCE steps without improvement), then the Spearman
correlation of predicted and observed margins over the study's LDS subsets.
Uses Debian's python3-sklearn, python3-h5py, python3-numpy.
"""
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import h5py
import numpy as np
from sklearn.linear_model import lasso_path

STATE = {}


def load(study, T):
    with h5py.File(study, "r") as f:
        fit = f["datamodel/fit_models"][:]
        X = f["ensemble/masks"][:][fit].astype(np.float64)
        Y = f["ensemble/margins_train"][:, :T].astype(np.float64)[fit]
    Xc = X - X.mean(axis=0)
    Yc = Y - Y.mean(axis=0)
    return np.asfortranarray(Xc), Yc


def init(study, T):
    STATE["Xc"], STATE["Yc"] = load(study, T)


def solve(args):
    t, alphas, tol = args
    Xc, y = STATE["Xc"], STATE["Yc"][:, t]
    _, coefs, _ = lasso_path(Xc, y, alphas=alphas, tol=tol, max_iter=1000000)
    return t, coefs.T  # L x n


def objective(Xc, y, W, alphas):
    r = y[:, None] - Xc @ W.T
    return (r * r).sum(axis=0) / (2 * len(y)) + alphas * np.abs(W).sum(axis=1)


def spearman(a, b):
    def ranks(x):
        order = np.argsort(x, kind="stable")
        r = np.empty(len(x))
        r[order] = np.arange(1, len(x) + 1)
        for v in np.unique(x):  # ties share their mean rank
            tie = x == v
            if tie.sum() > 1:
                r[tie] = r[tie].mean()
        return r
    ra, rb = ranks(a), ranks(b)
    ra -= ra.mean()
    rb -= rb.mean()
    d = np.sqrt((ra * ra).sum() * (rb * rb).sum())
    return (ra * rb).sum() / d if d > 0 else 0.0


def lds(study, T, theta, patience):
    """Mean LDS over the T targets of datamodels chosen from each path as stage fit does."""
    with h5py.File(study, "r") as f:
        fit, val = f["datamodel/fit_models"][:], f["datamodel/val_models"][:]
        masks = f["ensemble/masks"][:].astype(np.float64)
        Y = f["ensemble/margins_train"][:, :T].astype(np.float64)
        lds_masks = f["datamodel/lds/masks"][:].astype(np.float64)
        observed = f["datamodel/lds_observed_train"][:T]
    mu, ybar = masks[fit].mean(axis=0), Y[fit].mean(axis=0)
    scores = []
    for t in range(T):
        best, best_k, since = np.inf, 0, 0
        for k in range(theta.shape[1]):
            b = ybar[t] - mu @ theta[t, k]
            mse = np.mean((masks[val] @ theta[t, k] + b - Y[val, t]) ** 2)
            if mse < best:
                best, best_k, since = mse, k, 0
            else:
                since += 1
                if patience > 0 and since >= patience:
                    break
        w = theta[t, best_k]
        scores.append(spearman(lds_masks @ w + ybar[t] - mu @ w, observed[t]))
    return float(np.mean(scores)), float(np.std(scores) / np.sqrt(T))


def main():
    study, T, outdir, jobs = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    tol, patience = float(sys.argv[5]), int(sys.argv[6])
    runs = dict((r.split("=")[0], float(r.split("=")[1])) for r in sys.argv[7:])
    Xc, Yc = load(study, T)
    m, n = Xc.shape
    theta, alpha = {}, None
    for name in runs:
        alpha = np.fromfile(f"{outdir}/{name}.alpha").reshape(T, -1)
        theta[name] = np.fromfile(f"{outdir}/{name}.theta").reshape(T, alpha.shape[1], n)
    L = alpha.shape[1]

    t0 = time.perf_counter()
    with ProcessPoolExecutor(jobs, initializer=init, initargs=(study, T)) as pool:
        results = dict(pool.map(solve, [(t, alpha[t], tol) for t in range(T)]))
    sk_seconds = time.perf_counter() - t0
    sk = np.stack([results[t] for t in range(T)])

    print(f"problem: {m} fitting models x {n} points, {T} targets, {L} lambdas from lambda_max "
          f"to {alpha[0, -1] / alpha[0, 0]:.3g} lambda_max")
    for name in runs:
        above, worst = 0.0, 0.0  # how far above scikit-learn's objective, relative
        for t in range(T):
            fa = objective(Xc, Yc[:, t], theta[name][t], alpha[t])
            fs = objective(Xc, Yc[:, t], sk[t], alpha[t])
            rel = (fa - fs) / fs
            above, worst = max(above, rel.max()), max(worst, np.abs(rel).max())
        print(f"objective of {name}: at most {above:.2e} above scikit-learn's (relative), "
              f"largest |difference| {worst:.2e}")

    sk_per = 1e3 * sk_seconds / T
    print(f"\n{'solver':28s} {'ms per target':>14s} {'vs sklearn':>11s} {'vs reference':>13s}")
    print(f"{'scikit-learn, %d processes' % jobs:28s} {sk_per:14.1f}")
    for name, sec in runs.items():
        per = 1e3 * sec / T
        ranks = name.rstrip("0123456789")
        ref = runs.get("reference" + name[len(ranks):])
        vs_ref = f"{ref / sec:12.1f}x" if ref and not name.startswith("reference") else ""
        print(f"{name:28s} {per:14.1f} {sk_per / per:10.1f}x {vs_ref:>13s}")

    print(f"\nLDS of the {T} targets' datamodels (lambda by validation error, patience "
          f"{patience}; mean, standard error):")
    scores = {}
    for name in runs:
        if name.endswith("2") or len(runs) <= 2:
            scores[name] = lds(study, T, theta[name], patience)
            print(f"  {name:26s} {scores[name][0]:.4f} +- {scores[name][1]:.4f}")
    scores["scikit-learn"] = lds(study, T, sk, patience)
    print(f"  {'scikit-learn':26s} {scores['scikit-learn'][0]:.4f} +- "
          f"{scores['scikit-learn'][1]:.4f}")
    if "a2d2" in runs and "reference2" in runs:
        speed = runs["reference2"] / runs["a2d2"]
        diff = scores["a2d2"][0] - scores["reference2"][0]
        print(f"\nspeed-up of a2d over the reference on 2 ranks: {speed:.1f}x at LDS "
              f"{scores['a2d2'][0]:.4f} against {scores['reference2'][0]:.4f} "
              f"(difference {diff:+.4f})")
        sk_ratio = sk_seconds / runs["a2d2"]
        print(f"a2d on 2 ranks against scikit-learn on 2 cores: {sk_ratio:.1f}x")


if __name__ == "__main__":
    main()
