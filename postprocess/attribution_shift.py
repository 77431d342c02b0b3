#!/usr/bin/python3
"""attribution_shift.py - how well an attribution predicts each forget set's effect.

    /usr/bin/python3 postprocess/attribution_shift.py STUDY.h5 [STUDY.h5 ...]

For every forget set F of a study file whose unlearn stage ran dm_direct with
anchored targets (its margins are each base model's own plus the predicted
shift), compares on the forget points:

  predicted  dm_direct's margins minus the base models' margins, mean over
             base models: the attribution's predicted shift, whichever
             backend ([attribution] method) and group term the study used
  observed   the oracles' mean margin minus the base models' mean margin
             (every oracle of /oracle/<F>, the noise floor's too)

Printed per forget set: the mean of each over the forget points, the RMSE
between them with a 95% bootstrap interval over the forget points (1,000
resamples, seeded), and their correlation.  Works for any attribution, so
datamodels and TRAK compare on equal terms.  Uses Debian's python3-h5py and
python3-numpy (hence /usr/bin/python3).
"""
import sys

import h5py
import numpy as np


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def dm_direct_form(f):
    """dm_direct's form as stage unlearn recorded it (anchored unless the config says direct)."""
    config = text(f["stages/unlearn"].attrs.get("config", b""))
    for line in config.split("\n"):
        if line.startswith("[unlearn.dm_direct] form ="):
            return line.split("=", 1)[1].strip()
    return "anchored"


def shifts(f, name):
    """Predicted and observed shifts of forget set `name`'s points, or None without dm_direct."""
    path = f"unlearn/{name}/dm_direct/margins_train"
    if path not in f:
        return None
    forget = f[f"forget/{name}/indices"][()]
    base = f["train/margins_train"][()].astype(np.float64)[:, forget]
    direct = f[path][()].astype(np.float64)[:, forget]
    oracle = f[f"oracle/{name}/margins_train"][()].astype(np.float64)[:, forget]
    predicted = (direct - base[: len(direct)]).mean(0)
    observed = oracle.mean(0) - base.mean(0)
    return predicted, observed


def main(paths):
    rng = np.random.default_rng(20)
    for path in paths:
        with h5py.File(path, "r") as f:
            method = text(f["eval"].attrs.get("attribution", b"datamodels")) if "eval" in f else "?"
            print(f"{path}: attribution {method}")
            if "stages/unlearn" not in f or dm_direct_form(f) != "anchored":
                print("  no anchored dm_direct outputs: nothing to compare")
                continue
            print(f"  {'forget set':14s} {'points':>6s} {'predicted':>10s} {'observed':>9s} "
                  f"{'RMSE [95% CI]':>22s} {'corr':>6s}")
            for name in f["forget"]:
                s = shifts(f, name)
                if s is None:
                    continue
                p, o = s
                e = (p - o) ** 2
                boot = [np.sqrt(e[rng.integers(0, len(e), len(e))].mean()) for _ in range(1000)]
                lo, hi = np.percentile(boot, [2.5, 97.5])
                corr = np.corrcoef(p, o)[0, 1] if p.std() > 0 and o.std() > 0 else float("nan")
                print(f"  {name:14s} {len(p):6d} {p.mean():10.3f} {o.mean():9.3f} "
                      f"{np.sqrt(e.mean()):8.3f} [{lo:.3f}, {hi:.3f}] {corr:6.3f}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
