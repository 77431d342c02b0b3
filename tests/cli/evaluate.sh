# evaluate.sh - stage evaluate and `a2d report`: /eval is identical on 1 and 2
# ranks (wall-time columns aside), bootstrap replicates included; numpy's own
# KLoM of every point and its percentiles match the study file, against the
# first N oracles, and the noise floor is the N others against them; the
# intervals are the replicates' percentiles centred on the estimate; setup
# cost and break-even follow from the ensemble's recorded examples; the report
# prints the table, the paired differences and the cost, writes
# two-report/{report.md,summary.csv}, says what om and dmm matched and where
# each stage ran; report before evaluate is refused.  The benchmark form of
# KLoM agrees with numpy written from the public benchmark's rules.
# Ranks: 1 and 2.  Reference: an independent numpy implementation of KLoM.
. "$SRC/tests/cli/lib.sh"
small_unlearn_deck one.h5 > one.ini
small_unlearn_deck two.h5 > two.ini
expect_ok "prepare" "$A2D" prepare one.ini
expect_fail "report before evaluate" 5 "stage evaluate is absent; run \`a2d run DECK\`" "$A2D" report one.ini
expect_ok "pipeline on 1 rank" np 1 "$A2D" run one.ini
expect_ok "pipeline on 2 ranks" np 2 "$A2D" run two.ini
check "evaluate logged its summary" grep -q "evaluate: 18 rows in /eval/summary" out.txt
check "/eval identical on 1 and 2 ranks" /usr/bin/python3 - <<'PY'
import h5py, numpy as np, sys
a, b = h5py.File("one.h5", "r"), h5py.File("two.h5", "r")
bad = []
def visit(name, obj):
    if isinstance(obj, h5py.Dataset) and name != "summary":
        if not np.array_equal(obj[()], b["eval"][name][()]): bad.append(name)
a["eval"].visititems(visit)
sa, sb = a["eval/summary"][()], b["eval/summary"][()]
for col in sa.dtype.names:
    if col in ("time_cost", "prep_time_cost", "setup_time_cost", "breakeven_time"): continue
    same = (np.array_equal(sa[col], sb[col]) if sa[col].dtype.kind == "S"
            else np.array_equal(sa[col], sb[col], equal_nan=True))
    if not same: bad.append(col)
print("differ:", bad) if bad else None
sys.exit(1 if bad else 0)
PY
check "KLoM and its summary agree with numpy" /usr/bin/python3 - "$("$A2D" get two.ini train.epochs)" <<'PY'
import h5py, numpy as np, sys
f = h5py.File("two.h5", "r")
def klom(u, o):
    u, o = np.clip(u, -100, 100), np.clip(o, -100, 100)
    lo, hi = min(u.min(), o.min()), max(u.max(), o.max())
    if hi == lo: hi = lo + 1
    edges = np.linspace(lo, hi, 21)
    p = np.histogram(u, edges)[0] / len(u)   # numpy's last bin is closed, like ours
    q = np.histogram(o, edges)[0] / len(o)
    m = p > 0
    return float(np.sum(p[m] * np.log(p[m] / np.maximum(q[m], 1e-5))))
worst, rows = 0.0, f["eval/summary"][()]
N = int(f["eval"].attrs["oracles"])
assert f["oracle/rand/margins_train"].shape[0] == 2 * N, "2N oracles: N reference, N for the floor"
for fs in ("rand", "cls"):
    F = f[f"forget/{fs}/indices"][()]
    R = f[f"eval/{fs}/retain_points"][()]
    oracle = f[f"oracle/{fs}"]
    for m in ("none", "ga", "dmm", "om", "noise_floor"):
        u = oracle if m == "noise_floor" else f[f"unlearn/{fs}/{m}"]
        for group, pts, split in (("forget", F, "train"), ("retain", R, "train"), ("val", None, "val")):
            U, O = u[f"margins_{split}"][()], oracle[f"margins_{split}"][()][:N]
            if m == "noise_floor": U = U[N:]
            idx = pts if pts is not None else np.arange(U.shape[1])
            mine = np.array([klom(U[:, i], O[:, i]) for i in idx])
            got = f[f"eval/{fs}/{m}/klom_{group}"][()]
            worst = max(worst, np.abs(mine - got).max())
            row = rows[(rows["forget"] == fs.encode()) & (rows["method"] == m.encode())][0]
            for q, col in ((50, "median"), (95, "p95"), (99, "p99")):
                worst = max(worst, abs(np.percentile(got, q) - row[f"klom_{group}_{col}"]))
            if m == "noise_floor": continue  # its accuracy is the reference oracles'
            acc = u[f"correct_{split}"][()][:, idx].mean(1)
            worst = max(worst, abs(acc.mean() - row[f"acc_{group}_mean"]), abs(acc.std(ddof=1) - row[f"acc_{group}_std"]))
        if m == "noise_floor": continue
        ex = u["examples"][()].mean() / oracle["examples"][()].mean()
        worst = max(worst, abs(ex - row["cost"]))
        # setup: the ensemble's examples, for the methods on datamodels only; break-even
        setup = f["ensemble/examples"][()].sum() / oracle["examples"][()].mean() if m == "dmm" else 0.0
        worst = max(worst, abs(setup - row["setup_cost"]))
        per = row["cost"] + row["prep_cost"]
        be = setup / (1 - per) if per < 1 else np.inf
        worst = max(worst, 0 if be == row["breakeven"] else abs(be - row["breakeven"]))
print("largest difference from numpy:", worst)
# every model of the ensemble processed epochs x subset examples
ens = f["ensemble"]
epochs = int(sys.argv[1])
ok = bool(np.all(ens["examples"][()] == ens["masks"][()].sum(1) * epochs))
ok &= bool(np.all(f["stages/ensemble/models/seconds"][()] > 0))
print("ensemble cost recorded:", ok)
sys.exit(0 if worst < 1e-9 and ok else 1)
PY
check "intervals: the replicates' percentiles centred on the estimate" /usr/bin/python3 - <<'PY'
import h5py, numpy as np, sys
f = h5py.File("two.h5", "r")
B = int(f["eval"].attrs["bootstrap"])
rows, worst, spread = f["eval/summary"][()], 0.0, 0.0
for fs in ("rand", "cls"):
    rep = f[f"eval/{fs}/bootstrap_klom95"][()]
    mine = rows[rows["forget"] == fs.encode()]
    assert rep.shape == (B, len(mine), 3), rep.shape  # the floor row first, then the methods
    for r, row in enumerate(mine):
        for g, group in enumerate(("forget", "retain", "val")):
            t, w = row[f"klom_{group}_p95"], rep[:, r, g]
            lo = t - (np.percentile(w, 50) - np.percentile(w, 2.5))
            hi = t + (np.percentile(w, 97.5) - np.percentile(w, 50))
            worst = max(worst, abs(lo - row[f"klom_{group}_p95_lo"]), abs(hi - row[f"klom_{group}_p95_hi"]))
            spread = max(spread, np.ptp(w))
print("largest difference:", worst, "; largest spread of replicates:", spread)
sys.exit(0 if worst < 1e-12 and spread > 0 else 1)
PY
# The public benchmark's form, [evaluate] klom = benchmark, against numpy written from its
# rules: np.digitize on np.linspace(lo, hi, 21), bins 1..20 kept, the floored q and p
# renormalised as scipy.stats.entropy does.
cp two.h5 bench.h5
sed 's/^path = two.h5$/path = bench.h5/' two.ini > bench.ini
expect_ok "evaluate, benchmark form" np 2 "$A2D" evaluate bench.ini --set evaluate.klom=benchmark --force
check "the study file names the form" /usr/bin/python3 -c 'import h5py, sys
sys.exit(h5py.File("bench.h5", "r")["/eval"].attrs["klom"] != b"benchmark")'
check "benchmark-form KLoM agrees with numpy" /usr/bin/python3 - <<'PY'
import h5py, numpy as np, sys
f, a = h5py.File("bench.h5", "r"), h5py.File("two.h5", "r")
def klom(u, o):
    u, o = np.clip(u, -100, 100), np.clip(o, -100, 100)
    lo, hi = min(u.min(), o.min()), max(u.max(), o.max())
    if lo >= hi: hi = lo + 1
    edges = np.linspace(lo, hi, 21)
    pc = np.array([np.sum(np.digitize(u, edges) == i) for i in range(1, 21)])
    qc = np.array([np.sum(np.digitize(o, edges) == i) for i in range(1, 21)])
    p = pc / pc.sum() if pc.sum() else np.zeros(20)
    q = qc / qc.sum() if qc.sum() else np.zeros(20)
    q = np.where(p > 0, np.maximum(q, 1e-5), q)
    if p.sum() == 0: return np.nan
    p, q = p / p.sum(), q / q.sum()
    m = p > 0
    return float(np.sum(p[m] * np.log(p[m] / q[m])))
worst, differ, N = 0.0, 0.0, int(f["eval"].attrs["oracles"])
for fs in ("rand", "cls"):
    F, oracle = f[f"forget/{fs}/indices"][()], f[f"oracle/{fs}"]
    for m in ("none", "dmm", "om"):
        U, O = f[f"unlearn/{fs}/{m}/margins_train"][()], oracle["margins_train"][()][:N]
        mine = np.array([klom(U[:, i], O[:, i]) for i in F])
        got = f[f"eval/{fs}/{m}/klom_forget"][()]
        worst = max(worst, np.nanmax(np.abs(mine - got)))
        differ = max(differ, np.abs(got - a[f"eval/{fs}/{m}/klom_forget"][()]).max())
print("largest difference from numpy:", worst, "; largest change from the a2d form:", differ)
sys.exit(0 if worst < 1e-9 and differ > 0 else 1)
PY
# A study file from before the cost was recorded: the ensemble's examples come from its masks
# (exact), its time is unknown (NaN), and the log says so.
cp two.h5 old.h5
sed 's/^path = two.h5$/path = old.h5/' two.ini > old.ini
check "strip the recorded cost from a copy" /usr/bin/python3 -c 'import h5py
f = h5py.File("old.h5", "r+"); del f["ensemble/examples"]; del f["stages/ensemble/models"]
del f["stages/fit"].attrs["regression_seconds"]'
expect_ok "evaluate a study file without recorded cost" np 2 "$A2D" evaluate old.ini --force
check "the log says the time is unknown" grep -q "evaluate: /ensemble predates per-model timing" out.txt
check "setup cost from the masks, time unknown" /usr/bin/python3 - <<'PY'
import h5py, numpy as np, sys
a, b = h5py.File("two.h5", "r")["eval/summary"][()], h5py.File("old.h5", "r")["eval/summary"][()]
d = a["method"] == b"dmm"
ok = np.array_equal(a["setup_cost"], b["setup_cost"]) and np.all(a["setup_cost"][d] > 0)
ok &= bool(np.all(np.isnan(b["setup_time_cost"][d]))) and bool(np.all(np.isfinite(a["setup_time_cost"][d])))
sys.exit(0 if ok else 1)
PY
expect_ok "a2d report" "$A2D" report two.ini
check "report prints the table" grep -q "^rand  *noise_floor" out.txt
check "report prints every method" grep -q "^cls  *dmm  " out.txt
check "report.md written beside the study file" grep -q "| cls | dmm |" two-report/report.md
check "summary.csv: a header and one line per forget set and method (2 x 9)" test "$(wc -l < two-report/summary.csv)" -eq 19
check "report.md names KLoM's form" grep -q "form \`a2d\`, \[evaluate\] klom" two-report/report.md
check "report prints the paired differences" grep -q "^Differences in forget-set KLoM95, paired bootstrap" out.txt
check "report prints the cost" grep -q "^Cost, in retrains of each forget set" out.txt
check "report.md: differences, cost, matched quantities" sh -c 'grep -q "^## Differences" two-report/report.md &&
  grep -q "^## Cost" two-report/report.md && grep -q "^Matched quantities (\[unlearn.METHOD\] match): om: logits, dmm: margin\.$" two-report/report.md'
check "report.md: the break-even's assumption" grep -q "It assumes the attribution stays valid across requests" two-report/report.md
check "report.md says where each stage ran" grep -q "^## Where each stage ran" two-report/report.md
for stage in prepare forget train ensemble fit unlearn oracle evaluate; do
  check "... $stage: run 1, not resumed, on 2 ranks" grep -qE "^\| $stage \| 1 \| [0-9TZ:-]+ \| no \| 2 \| " two-report/report.md
done
finish
