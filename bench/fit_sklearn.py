#!/usr/bin/python3
"""fit_sklearn.py - the reference side of bench/fit: scikit-learn's lasso_path on
the same masks, targets and lambdas as bench_fit_a2d, and the comparison.

    /usr/bin/python3 bench/fit_sklearn.py STUDY.h5 T OUT JOBS TOL A2D_SECONDS...

Reads OUT.theta / OUT.alpha written by bench_fit_a2d (T targets x L lambdas),
solves every target's path with sklearn.linear_model.lasso_path (JOBS worker
processes share the targets, as a user would run it on JOBS cores), and
prints the time per target of both, their ratio, and how the objectives
(1/2m)||yc - Xc w||^2 + lambda ||w||_1 compare, each recomputed here from the
coefficients. Uses Debian's python3-sklearn, python3-h5py, python3-numpy.
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
        X = f["ensemble/masks"][:].astype(np.float64)
        Y = f["ensemble/margins_train"][:, :T].astype(np.float64)
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


def main():
    study, T, out, jobs, tol = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
    a2d_seconds = [float(s) for s in sys.argv[6:]]
    Xc, Yc = load(study, T)
    m, n = Xc.shape
    alpha = np.fromfile(out + ".alpha").reshape(T, -1)
    L = alpha.shape[1]
    theta = np.fromfile(out + ".theta").reshape(T, L, n)

    t0 = time.perf_counter()
    with ProcessPoolExecutor(jobs, initializer=init, initargs=(study, T)) as pool:
        results = dict(pool.map(solve, [(t, alpha[t], tol) for t in range(T)]))
    sk_seconds = time.perf_counter() - t0

    worst_a2d_above = 0.0  # how far a2d's objective is above sklearn's, relative (<= 0: a2d lower)
    worst_abs = 0.0
    for t in range(T):
        fa = objective(Xc, Yc[:, t], theta[t], alpha[t])
        fs = objective(Xc, Yc[:, t], results[t], alpha[t])
        rel = (fa - fs) / fs
        worst_a2d_above = max(worst_a2d_above, rel.max())
        worst_abs = max(worst_abs, np.abs(rel).max())
    print(f"problem: {m} models x {n} points, {T} targets, {L} lambdas from lambda_max to "
          f"{alpha[0, -1] / alpha[0, 0]:.3g} lambda_max")
    print(f"objective: a2d at most {worst_a2d_above:.2e} above scikit-learn (relative), "
          f"largest |difference| {worst_abs:.2e}  [target: <= 1e-6]")
    sk_per = 1e3 * sk_seconds / T
    print(f"{'solver':28s} {'ms per target':>14s} {'a2d speed-up':>13s}")
    print(f"{'scikit-learn, %d processes' % jobs:28s} {sk_per:14.1f} {'':>13s}")
    for ranks, sec in enumerate(a2d_seconds, start=1):
        per = 1e3 * sec / T
        print(f"{'a2d, %d rank%s' % (ranks, 's' if ranks > 1 else ''):28s} {per:14.1f} {sk_per / per:12.1f}x")
    if len(a2d_seconds) >= 2:
        ratio = sk_seconds / a2d_seconds[1]
        print(f"target: a2d on 2 ranks >= 10x scikit-learn on 2 cores at equal objective: "
              f"{ratio:.1f}x, {'PASS' if ratio >= 10 and worst_a2d_above <= 1e-6 else 'MISS'}")


if __name__ == "__main__":
    main()
