# science.sh - the unlearners do what they are for, not only run: on a small
# problem where forgetting matters (logistic regression on overlapping
# synthetic classes, 20 base models and 20 oracles per forget set), oracle
# matching and DMM end closer to the oracles than doing nothing, on a forget
# set of one class's points and on a random one: their KLoM95 on the forget
# points is below none's by at least 1 nat.
#
# Why 1 nat: with these settings none sits at 7.1-9.9 on the forget points
# and om and dmm at 4.2-7.2, over data seeds 3 to 6 and with OpenBLAS's
# Nehalem kernels as well as the machine's own (the bits did not change); the
# noise floor is 7.5-7.9, so KLoM95 here moves by well under a nat between
# equivalent runs.  A matching that pulled the wrong way, or datamodel targets
# built on the wrong points, leaves dmm at none's level.
# Ranks: 2.  Reference: the method `none` of the same run.
. "$SRC/tests/cli/lib.sh"
cat > s.ini <<DECK
[output]
path = s.h5
[data]
source = synthetic
n_train = 400
n_val = 100
features = 12
classes = 4
seed = 3
scaling = standard
separation = 1
[model]
kind = logreg
[train]
models = 20
epochs = 10
batch = 32
lr = 0.05
[ensemble]
models = 300
chunk = 100
[datamodel]
lds_subsets = 0
[forget]
cls = class:2:20
rand = random:20
[unlearn]
methods = none, om, dmm
[unlearn.om]
lr = 0.01
epochs = 10
match = margin
[unlearn.dmm]
lr = 0.01
epochs = 10
[oracle]
models = 20
DECK
expect_ok "pipeline on 2 ranks" np 2 "$A2D" run s.ini
check "om and dmm forget better than none" /usr/bin/python3 - <<'PY'
import h5py, sys
rows = h5py.File("s.h5", "r")["/eval/summary"][()]
klom = {(r["forget"].decode(), r["method"].decode()): r["klom_forget_p95"] for r in rows}
ok = True
for fs in ("cls", "rand"):
    none = klom[(fs, "none")]
    for m in ("om", "dmm"):
        print(f"{fs}: {m} {klom[(fs, m)]:.3f} against none {none:.3f}")
        ok &= bool(klom[(fs, m)] <= none - 1.0)
sys.exit(0 if ok else 1)
PY
finish
