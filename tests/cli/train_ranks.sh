# train_ranks.sh - stages train and ensemble at 1, 2 and 4 ranks write
# identical datasets: every model trained inside a 4-rank run equals the same
# model trained on 1 rank, bit for bit.
. "$SRC/tests/cli/lib.sh"
ranks="1 2 4" ref=1 others="2 4" # others: compared with the run on ref ranks
if sanitized; then
  # One rank count, 4 (the exchange, and a rank without a model of its 3 to train): the
  # same bits on 1, 2 and 4 ranks is the normal build's claim, the code paths are the same.
  ranks=4 ref=4 others=""
  skip "runs on 1 and 2 ranks, and the comparisons across rank counts"
fi
for np in $ranks; do
  small_train_deck r$np.h5 > r$np.ini
  expect_ok "run on $np ranks" np $np "$A2D" run r$np.ini
done
check "ensemble progress shown" grep -q "ensemble: 12/12 models (100%)" out.txt
for np in $others; do
  expect_ok "/train: 1 rank = $np ranks" h5diff -r r1.h5 r$np.h5 /train /train
  expect_ok "/ensemble: 1 rank = $np ranks" h5diff -r r1.h5 r$np.h5 /ensemble /ensemble
done
expect_ok "shapes" h5dump -H r$ref.h5
check "params K x P" grep -q 'DATASET "params"' out.txt
check "masks M x n" grep -qE "\( 12, 300 \)" out.txt
check "logits M x n x C" grep -qE "\( 12, 300, 4 \)" out.txt
if /usr/bin/python3 -c "import h5py" 2>/dev/null; then
  expect_ok "masks hold alpha * n points; margins agree with logits" /usr/bin/python3 - r$ref.h5 <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
masks = f["ensemble/masks"][:]
assert masks.shape == (12, 300) and set(np.unique(masks)) <= {0, 1}
assert np.all(masks.sum(axis=1) == 150), masks.sum(axis=1)
assert len({m.tobytes() for m in masks}) == 12          # every subset differs
y = f["data/train/y"][:]
for group in ("train", "ensemble"):
    z = f[group + "/logits_train"][:].astype(np.float64)
    m = f[group + "/margins_train"][:]
    zy = np.take_along_axis(z, y[None, :, None].repeat(z.shape[0], 0), 2)[..., 0]
    other = z.copy()
    np.put_along_axis(other, y[None, :, None].repeat(z.shape[0], 0), -np.inf, 2)
    mx = other.max(2)
    ref = zy - (mx + np.log(np.exp(other - mx[..., None]).sum(2)))
    assert np.allclose(m, ref, atol=1e-4), np.abs(m - ref).max()
acc = f["train/accuracy_val"][:]
assert acc.shape == (3,) and np.all(acc > 0.8), acc    # separable clusters
PY
fi
finish
