# pytorch_example.sh - the worked example of bringing your own models
# (examples/pytorch), end to end at its reduced size: PyTorch trains the
# ensemble, base models and oracles, a2d fits the datamodels and exports DMM's
# targets, PyTorch fine-tunes to them, a2d evaluates and reports.  Checks the
# report, that the exported targets are what a2d's own dm_direct predicts, and
# that PyTorch's DMM moved the forget points' margins towards its targets
# (closer than gd's fine-tune, and most of the way where the targets move them).
# Ranks: 2.  Normal build only.
. "$SRC/tests/cli/lib.sh"
expect_ok "the example runs (examples/pytorch/run.sh --small)" env WORK="$WORK/ex" A2D="$A2D" \
  MPIEXEC="$MPIEXEC" OMP_NUM_THREADS=1 bash "$SRC/examples/pytorch/run.sh" --small
cp out.txt run.txt
for s in random shirts; do
  for m in none gd dm_direct dmm; do
    check "the report has $m on $s" grep -qE "^$s +$m +[0-9]" run.txt
  done
done
check "PyTorch's DMM fitted its targets" grep -q "dmm's forget-set squared error to its targets" run.txt
expect_ok "targets = dm_direct's outputs; DMM moved towards them; costs imported" /usr/bin/python3 - "$WORK/ex" <<'PY'
import sys, h5py, numpy as np
w = sys.argv[1]
st = h5py.File(f"{w}/pytorch.h5", "r")
for s in ("random", "shirts"):
    t = h5py.File(f"{w}/targets-{s}.h5", "r")
    target = t[f"targets/{s}/margins_train"][:]
    assert np.array_equal(target, st[f"unlearn/{s}/dm_direct/margins_train"][:]), s
    f = st[f"forget/{s}/indices"][:]
    err = {m: np.mean((st[f"unlearn/{s}/{m}/margins_train"][:][:, f] - target[:, f]) ** 2)
           for m in ("none", "gd", "dmm")}
    # DMM aims at its targets, gd does not; where the targets move the forget points
    # (shirts, a class: random points barely move), DMM has moved them most of the way.
    assert err["dmm"] < err["gd"], (s, err)
    assert s == "random" or err["dmm"] < err["none"] / 2, (s, err)
    assert np.all(st[f"unlearn/{s}/dmm/examples"][:] > 0)
    assert st[f"oracle/{s}/margins_train"].shape[0] == 8
summary = st["eval/summary"][:]
assert np.all(np.isfinite(summary["klom_forget_p95"])), summary["klom_forget_p95"]
PY
finish
