#!/usr/bin/python3
"""summary.py - print what an a2d study file holds: its run attributes, the
state of every stage, and every dataset with shape and type.

    /usr/bin/python3 postprocess/summary.py results/quickstart.h5

Uses Debian's python3-h5py (hence /usr/bin/python3). Exit status 1 if the
file is not an a2d study file.
"""
import sys

import h5py


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def unlearning(f):
    """Per forget set and method: accuracy on forget, retain and validation points, how far
    the forget points' mean margins are from the oracles' (a quick look; stage evaluate has
    KLoM), and the cost as a fraction of one retrain."""
    import numpy as np

    print("\nunlearning (forget/retain/val accuracy, mean |margin gap| to the oracles on forget"
          " points, cost in retrains):")
    for name, group in f["unlearn"].items():
        forget = f[f"forget/{name}/indices"][()]
        retain = np.setdiff1d(np.arange(f["unlearn"][name][next(iter(group))]["margins_train"].shape[1]),
                              forget)
        oracle = f.get(f"oracle/{name}")
        retrain = float(np.mean(oracle["examples"][()])) if oracle is not None else float("nan")
        target = oracle["margins_train"][()][:, forget].mean(0) if oracle is not None else None
        print(f"  {name} ({len(forget)} points)")
        rows = [("oracle", oracle)] if oracle is not None else []
        rows += list(group.items())
        for method, g in rows:
            m, c, cv = g["margins_train"][()], g["correct_train"][()], g["correct_val"][()]
            gap = np.abs(m[:, forget].mean(0) - target).mean() if target is not None else float("nan")
            cost = (g["examples"][()] + g["prep_examples"][()]).mean() / retrain
            print(f"    {method:15s} {c[:, forget].mean():.3f} {c[:, retain].mean():.3f}"
                  f" {cv.mean():.3f}   gap {gap:6.3f}   cost {cost:7.4f}")


def main(path):
    with h5py.File(path, "r") as f:
        if "a2d_layout" not in f.attrs:
            print(f"{path}: not an a2d study file (no a2d_layout attribute)", file=sys.stderr)
            return 1
        print(f"{path}: a2d {text(f.attrs['a2d_version'])} (commit {text(f.attrs['git_commit'])}),"
              f" layout {int(f.attrs['a2d_layout'])}, created {text(f.attrs['created'])},"
              f" last run on {int(f.attrs.get('ranks', 0))} ranks")
        print("\nstages:")
        stages = sorted(f.get("stages", {}).items(), key=lambda kv: text(kv[1].attrs.get("started", b"")))
        for name, group in stages:  # in the order they ran
            a = group.attrs
            seconds = f"{float(a['seconds']):.1f} s" if "seconds" in a else "-"
            print(f"  {name:12s} {text(a.get('state', b'?')):9s} {seconds:>9s}"
                  f"  on {int(a.get('ranks', 0))} ranks, finished {text(a.get('finished', b'-'))}")
        if "datamodel" in f and "lds_train_mean" in f["datamodel"].attrs:
            d = f["datamodel"].attrs
            print(f"\ndatamodels: {text(d['output'])}, {int(d['nnz'])} coefficients,"
                  f" LDS {float(d['lds_train_mean']):.4f} (training targets),"
                  f" {float(d['lds_val_mean']):.4f} (validation targets)")
        if "unlearn" in f:
            unlearning(f)
        print("\ndatasets:")

        def show(name, obj):
            if isinstance(obj, h5py.Dataset):
                shape = " x ".join(str(n) for n in obj.shape) or "scalar"
                print(f"  /{name:32s} {str(obj.dtype):8s} {shape}")

        f.visititems(show)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
