# lib.sh - helpers for the shell tests of the a2d executable.
# Each test script sources this; it gets A2D (the binary), SRC (the source
# tree), WORK (its own scratch folder, emptied here) and MPIEXEC from ctest.
set -u
: "${A2D:?} ${SRC:?} ${WORK:?}"
MPIEXEC=${MPIEXEC:-mpirun}
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1
passed=0
failed=0
skips=0

# expect_ok DESCRIPTION command...: the command must exit 0.
expect_ok() {
  local what=$1; shift
  if "$@" >out.txt 2>err.txt; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $what: exit $? from: $*"; sed 's/^/  | /' err.txt | head -20
  fi
}

# expect_fail DESCRIPTION STATUS TEXT command...: exit STATUS and TEXT in stderr.
expect_fail() {
  local what=$1 status=$2 text=$3; shift 3
  "$@" >out.txt 2>err.txt
  local rc=$?
  if [ "$rc" -eq "$status" ] && grep -qF -- "$text" err.txt; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $what: expected exit $status and \"$text\"; got exit $rc:"
    sed 's/^/  | /' err.txt | head -20
  fi
}

# check DESCRIPTION command...: a plain assertion.
check() {
  local what=$1; shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $what"; fi
}

# np N command...: run under mpiexec with N ranks.
np() { local n=$1; shift; "$MPIEXEC" -n "$n" "$@"; }

# sanitized: true in the sanitizer build (A2D_TEST_SANITIZED=1, tests/CMakeLists.txt).
# There a test may leave out what only repeats a code path it runs already (the same
# run on other rank counts, an uninterrupted reference beside killed runs, a second
# input refused by the same check): what the repeat is for, the normal build checks.
# Never silently: say so with skip.
sanitized() { [ "${A2D_TEST_SANITIZED:-0}" = 1 ]; }

# skip WHAT: WHAT is left out here (under the sanitizers); printed and counted.
skip() {
  skips=$((skips + 1))
  echo "skipped under the sanitizers: $*"
}

# finish: print the tally and exit non-zero on any failure.
finish() {
  local skipped=""
  [ "$skips" -eq 1 ] && skipped=", 1 part skipped under the sanitizers"
  [ "$skips" -gt 1 ] && skipped=", $skips parts skipped under the sanitizers"
  echo "$passed passed, $failed failed$skipped"
  [ "$failed" -eq 0 ]
}

# A deck on small synthetic data (fast) with one forget set, writing study.h5 in WORK.
small_deck() {
  cat <<DECK
[output]
path = ${1:-study.h5}

[data]
source = synthetic
n_train = 300
n_val = 100
features = 12
classes = 4
seed = 3
scaling = standard

[forget]
random_10 = random:10

[unlearn]
methods = none, ga, dmm

[oracle]
models = 2
DECK
}

# small_deck with a tiny model and ensemble: the whole pipeline in about a second
# (for tests of the machinery around it: studies, job scripts, faults).
quick_deck() {
  small_deck "${1:-study.h5}"
  cat <<DECK

[model]
kind = mlp
hidden = 16

[train]
models = 2
epochs = 4
batch = 32

[ensemble]
models = 40
chunk = 10

[datamodel]
lds_subsets = 0
DECK
}

# A deck that trains: small synthetic data, a small mlp, a 12-model ensemble.
small_train_deck() {
  small_deck "${1:-study.h5}"
  cat <<DECK

[model]
kind = mlp
hidden = 16, 8

[train]
models = 3
epochs = 8
batch = 32
lr = 0.05

[ensemble]
models = 12
chunk = 4
save_logits = true
DECK
}

# small_train_deck plus datamodels: a 200-model ensemble, 10 LDS subsets.
small_fit_deck() {
  small_train_deck "${1:-study.h5}" | sed 's/^models = 12$/models = 200/; s/^chunk = 4$/chunk = 50/'
  cat <<DECK

[datamodel]
block = 48
lds_subsets = 10
DECK
}

# small_fit_deck plus forget sets, every mlp method and oracles: the whole pipeline.
# $2 = [datamodel] output (margin or logits).
small_unlearn_deck() {
  small_fit_deck "${1:-study.h5}" | sed "s/^lds_subsets = 10$/lds_subsets = 0\noutput = ${2:-margin}/
    s/^random_10 = random:10$/rand = random:15\ncls = class:2:10/
    s/^methods = none, ga, dmm$/methods = none, ga, gd, ascent_descent, scrub, om, dm_direct, dmm\nchunk = 2/
    s/^models = 2$/models = 3\nchunk = 1/"
}

# small_unlearn_deck with held-out tuning: 3 configurations of ga, dmm and scrub
# on twins of both forget sets, 2 base models against 4 oracles.
tune_deck() {
  small_unlearn_deck "$1"
  cat <<'DECK'

[tune]
configs = 3
models = 2
oracles = 4
chunk = 2

[tune.ga]
lr = log:1e-3:1e-1
epochs = int:1:3

[tune.dmm]
lr = log:1e-4:1e-2
optimizer = sgd | adam
group_threshold = lin:0:4

[tune.scrub]
alpha = lin:0.5:2
DECK
}

same_tasks() { # same_tasks A.h5 B.h5 GROUP: every dataset of every task group equal, times aside
  /usr/bin/python3 - "$@" <<'PY'
import sys, h5py, numpy as np
a, b, group = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r"), sys.argv[3]
bad = []
def visit(name, obj):
    if isinstance(obj, h5py.Dataset) and not name.endswith("seconds"):
        other = b[group].get(name)
        if other is None or other.shape != obj.shape or not np.array_equal(other[()], obj[()]):
            bad.append(name)
a[group].visititems(visit)
print("differ:", bad) if bad else None
sys.exit(1 if bad else 0)
PY
}

# same_study A.h5 B.h5: every dataset of B in A and equal bit for bit (timing
# fields and the summary's wall-time columns aside), and every stage of A complete.
same_study() {
  /usr/bin/python3 - "$@" <<'PY'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
TIMING = ("seconds", "prep_seconds", "time_cost", "prep_time_cost", "setup_time_cost",
          "breakeven_time")
bad, count = [], 0
def same(x, y):
    if x.dtype.names:  # the compound /eval/summary: column by column
        return all(n in TIMING or np.array_equal(x[n], y[n], equal_nan=x[n].dtype.kind == "f")
                   for n in x.dtype.names)
    return x.shape == y.shape and np.array_equal(x, y, equal_nan=x.dtype.kind == "f")
def visit(name, obj):
    global count
    if not isinstance(obj, h5py.Dataset) or name.split("/")[-1] in TIMING:
        return
    count += 1
    other = b.get(name)
    if other is None or not same(obj[()], other[()]):
        bad.append(name)
a.visititems(visit)
names = set()
b.visititems(lambda n, o: names.add(n) if isinstance(o, h5py.Dataset) else None)
missing = sorted(n for n in names if n not in a)
for s in a["stages"]:
    if a["stages"][s].attrs["state"] != b"complete" and a["stages"][s].attrs["state"] != "complete":
        bad.append("stage " + s)
if bad or missing:
    print("differ:", bad[:10], "missing:", missing[:10])
    sys.exit(1)
print(count, "datasets equal")
PY
}
