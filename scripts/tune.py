#!/usr/bin/python3
"""tune.py - a small hyperparameter sweep of one unlearning method on a finished study.

    scripts/tune.py DECK STUDY.h5 METHOD key=v1,v2,... [key=...] [--ranks 2] [--set s.k=v ...]

STUDY.h5 must hold completed stages up to oracle for DECK (use a copy: the
sweep overwrites its /unlearn and /eval).  For every combination of the
values (a full grid) it reruns stages unlearn and evaluate for METHOD alone,
with `--set unlearn.METHOD.key=value`, and prints per forget set the 95th
percentile KLoM over forget and retain points and the cost.  The best
combination minimises the score: the mean over forget sets of
(KLoM95 forget + KLoM95 retain) / 2, the same criterion for every method, so
that a method cannot win by wrecking the retain set.  Uses Debian's
python3-h5py (hence /usr/bin/python3).
"""
import argparse
import itertools
import os
import subprocess
import sys

import h5py

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(args, ranks):
    cmd = ["mpirun", "-np", str(ranks), os.path.join(TOP, "build", "a2d")] + args
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode:
        sys.exit(f"tune.py: {' '.join(cmd)} failed:\n{r.stdout}")


def summary(study, method):
    with h5py.File(study, "r") as f:
        rows = f["/eval/summary"][()]
    out = {}
    for r in rows:
        if r["method"].decode() == method:
            out[r["forget"].decode()] = (r["klom_forget_p95"], r["klom_retain_p95"], r["cost"])
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("deck")
    p.add_argument("study")
    p.add_argument("method")
    p.add_argument("grid", nargs="+", help="key=v1,v2,... (keys of [unlearn.METHOD])")
    p.add_argument("--ranks", type=int, default=2)
    p.add_argument("--set", action="append", default=[], help="further deck overrides")
    a = p.parse_args()
    keys = [g.split("=", 1)[0] for g in a.grid]
    values = [g.split("=", 1)[1].split(",") for g in a.grid]
    base = ["--set", f"output.path={a.study}", "--set", f"unlearn.methods={a.method}"]
    for s in a.set:
        base += ["--set", s]
    results = []
    for combo in itertools.product(*values):
        sets = list(base)
        for k, v in zip(keys, combo):
            sets += ["--set", f"unlearn.{a.method}.{k}={v}"]
        run(["unlearn", a.deck, "--force"] + sets, a.ranks)
        run(["evaluate", a.deck, "--force"] + sets, a.ranks)
        s = summary(a.study, a.method)
        score = sum((f + r) / 2 for f, r, _ in s.values()) / len(s)
        results.append((score, combo, s))
        cells = "  ".join(f"{name} {f:5.2f}/{r:5.2f}" for name, (f, r, _) in s.items())
        cost = max(c for _, _, c in s.values())
        print(f"{a.method} {' '.join(f'{k}={v}' for k, v in zip(keys, combo))}: score {score:.3f}"
              f"  [forget/retain KLoM95: {cells}]  cost <= {cost:.3f}", flush=True)
    best = min(results, key=lambda t: t[0])
    print(f"best: {' '.join(f'{k}={v}' for k, v in zip(keys, best[1]))} (score {best[0]:.3f})")


if __name__ == "__main__":
    main()
