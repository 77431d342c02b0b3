# prepare_ranks.sh - `prepare` at 1, 2 and 4 ranks writes identical datasets,
# on synthetic data and on the real Fashion-MNIST (a 2,000-example selection).
. "$SRC/tests/cli/lib.sh"
ranks="1 2 4" ref=1 others="2 4" # others: compared with the run on ref ranks
if sanitized; then
  # One rank count, 2: the same datasets on 1, 2 and 4 ranks is the normal build's
  # claim, the code paths are the same.
  ranks=2 ref=2 others=""
  skip "prepare on 1 and 4 ranks, and the comparisons across rank counts"
fi
for np in $ranks; do
  small_deck syn$np.h5 > syn.ini
  expect_ok "synthetic prepare on $np ranks" np $np "$A2D" prepare syn.ini
  printf '[output]\npath = fm%d.h5\n[data]\nsource = fashion-mnist\nn_train = 2000\nn_val = 500\nseed = 11\n' $np > fm.ini
  expect_ok "fashion-mnist prepare on $np ranks" np $np "$A2D" prepare fm.ini
done
for np in $others; do
  expect_ok "synthetic: 1 rank = $np ranks" h5diff -r syn1.h5 syn$np.h5 /data /data
  expect_ok "fashion-mnist: 1 rank = $np ranks" h5diff -r fm1.h5 fm$np.h5 /data /data
done
# The selection is what it says: 2,000 rows, sorted source indices, pixels in [0, 1].
expect_ok "shape of /data/train/x" h5dump -H -d /data/train/x fm$ref.h5
check "2000 x 784" grep -q "( 2000, 784 )" out.txt
if /usr/bin/python3 -c "import h5py" 2>/dev/null; then
  expect_ok "readable with h5py, values sane" /usr/bin/python3 - fm$ref.h5 <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
x, y, idx = f["data/train/x"][:], f["data/train/y"][:], f["data/train/index"][:]
assert x.shape == (2000, 784) and x.dtype == np.float32, x.shape
assert 0.0 <= x.min() and x.max() == 1.0
assert np.all(np.diff(idx) > 0) and idx.max() < 60000
assert set(np.unique(y)) == set(range(10))
assert f["data/val/x"].shape == (500, 784) and f["data/val/index"][:].max() < 10000
assert f["stages/prepare"].attrs["state"] == b"complete"
assert b"n_train = 2000" in f.attrs["deck"]
PY
  expect_ok "postprocess/summary.py reads the study file" /usr/bin/python3 "$SRC/postprocess/summary.py" fm$ref.h5
  check "summary shows prepare complete" grep -qE "prepare +complete" out.txt
else
  echo "SKIP h5py check: /usr/bin/python3 has no h5py"
fi
finish
