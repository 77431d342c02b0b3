#!/usr/bin/python3
"""coverage.py - how often the bootstrap intervals of one study cover what
repeats over seeds agree on.

    /usr/bin/python3 postprocess/coverage.py STUDY_FOLDER

STUDY_FOLDER is a collected `a2d study` over seeds (`a2d study collect`
wrote collected.csv). For every forget set, method and group (forget,
retain, validation points), the mean of KLoM95 over the cases stands in for
its expected value at this number of models; a case's interval covers it
when klom_<group>_p95_lo <= mean <= klom_<group>_p95_hi. Prints the share of
covered (case, row) pairs per group and overall, and the mean interval
width. Swept keys other than seeds must not vary (one setting). Exit status
1 when no case has intervals.

Uses Debian's python3-numpy (hence /usr/bin/python3).
"""
import csv
import sys
from collections import defaultdict

import numpy as np


def main(folder):
    rows = list(csv.DictReader(open(f"{folder}/collected.csv")))
    groups = ("forget", "retain", "val")
    by_row = defaultdict(list)
    for r in rows:
        if r["method"] == "noise_floor" and not r["klom_forget_p95"]:
            continue
        by_row[(r["forget"], r["method"])].append(r)
    covered = {g: [] for g in groups}
    width = {g: [] for g in groups}
    cases = len({r["case"] for r in rows})
    for (forget, method), reps in sorted(by_row.items()):
        for g in groups:
            est = np.array([float(r[f"klom_{g}_p95"]) for r in reps])
            lo = np.array([float(r[f"klom_{g}_p95_lo"] or "nan") for r in reps])
            hi = np.array([float(r[f"klom_{g}_p95_hi"] or "nan") for r in reps])
            if np.isnan(lo).all():
                continue
            mean = est.mean()
            covered[g] += list((lo <= mean) & (mean <= hi))
            width[g] += list(hi - lo)
    total = sum(len(v) for v in covered.values())
    if not total:
        print(f"{folder}: no intervals in collected.csv ([evaluate] bootstrap = 0?)")
        return 1
    print(f"{folder}: {cases} cases, {len(by_row)} rows per case")
    for g in groups:
        if covered[g]:
            print(f"  {g:7s} covered {np.mean(covered[g]):6.1%} of {len(covered[g])}"
                  f"  (mean interval width {np.mean(width[g]):.2f})")
    allc = sum(covered.values(), [])
    print(f"  all     covered {np.mean(allc):6.1%} of {len(allc)}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
