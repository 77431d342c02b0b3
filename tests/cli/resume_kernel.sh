# resume_kernel.sh - a stage killed on one OpenBLAS kernel and resumed on
# another: the resume is logged and recorded (/stages/ensemble/runs), the
# models finished before the kill keep their bits, and the rest agree with an
# uninterrupted run within the stated tolerance.  A resume on the same setup
# records "same setup" and warns of nothing; a forced rerun starts the records
# afresh.  A job whose ranks run different kernels records each with its ranks.
#
# The other kernel is Nehalem (SSE4.2), which every x86-64 CPU of the last
# fifteen years runs, or Prescott (SSE3) when the ambient one is Nehalem
# already, so the test never needs to skip.
#
# Tolerance: |resumed - reference| <= 1e-4 x (1 + max |reference|) over each
# dataset of /ensemble.  Two kernels round float32 products differently
# (2^-24 relative per operation); training carries the differences through
# its epochs.  Measured on this deck (Zen or Haswell resumed on Nehalem): at
# most 1.2e-6, on margins of up to 6, against a tolerance of 7e-4.  That
# leaves 500x room for other CPUs and kernels, and still catches a real fault:
# a model trained on the wrong subset, a wrong seed or a stale chunk moves
# margins by 0.1 to 1.
# Ranks: 2 (and 3 for the mixed job).  Reference: an uninterrupted 2-rank run
# on the ambient kernel.
. "$SRC/tests/cli/lib.sh"
small_train_deck ref.h5 > ref.ini
expect_ok "uninterrupted run" np 2 "$A2D" run ref.ini
ambient=$(/usr/bin/python3 -c 'import h5py, sys
print(h5py.File("ref.h5", "r")["/stages/ensemble/runs/1"].attrs["blas_core"].decode())')
other=Nehalem
[ "$ambient" = Nehalem ] && other=Prescott
echo "ambient kernels: $ambient; resumed on: $other"

# ---- killed after the first chunk, resumed on the other kernel ----
small_train_deck k.h5 > k.ini
A2D_FAULT=ensemble:checkpoint-1 np 2 "$A2D" run k.ini > kill.txt 2>&1
check "killed after chunk 1" test $? -ne 0
OPENBLAS_CORETYPE=$other expect_ok "resumed on $other" np 2 "$A2D" run k.ini
check "resumed after 4 models" grep -q "ensemble: resuming after 4 finished models" out.txt
check "the start names the kernels" grep -q "OpenBLAS $other kernels" out.txt
check "the resume on another kernel is logged" grep -q \
  "ensemble: warning: resumed on another setup than the interrupted run (blas_core $ambient -> $other)" out.txt
expect_ok "h5dump -a shows the first run's kernels" h5dump -a /stages/ensemble/runs/1/blas_core k.h5
check "... $ambient" grep -q "\"$ambient\"" out.txt
expect_ok "h5dump -a shows the resume's kernels" h5dump -a /stages/ensemble/runs/2/blas_core k.h5
check "... $other" grep -q "\"$other\"" out.txt
expect_ok "h5dump -a shows what changed" h5dump -a /stages/ensemble/runs/2/resumed k.h5
check "... the kernels" grep -q "yes, after run 1; blas_core $ambient -> $other" out.txt
for attr in host cpu blas blas_threads build_compiler build_flags a2d_version git_commit started; do
  expect_ok "h5dump -a shows $attr" h5dump -a /stages/ensemble/runs/2/$attr k.h5
done
check "the build flags name no -march=native" sh -c '! h5dump -a /stages/ensemble/runs/1/build_flags k.h5 | grep -q march=native'
check "agrees with the uninterrupted run within tolerance" /usr/bin/python3 - <<'PY'
import h5py, numpy as np, sys
k, ref = h5py.File("k.h5", "r")["/ensemble"], h5py.File("ref.h5", "r")["/ensemble"]
ok = True
for name in ref:
    a, b = k[name][()], ref[name][()]
    if a.shape != b.shape:
        print(name, "shape", a.shape, "!=", b.shape); ok = False; continue
    if b.dtype.kind != "f":
        if not np.array_equal(a, b): print(name, "differs"); ok = False
        continue
    if not np.array_equal(a[:4], b[:4]):
        print(name, "models 0-3, done before the kill, changed"); ok = False
    worst, bound = np.abs(a - b).max(), 1e-4 * (1 + np.abs(b).max())
    print(f"{name}: largest difference {worst:.3g} (tolerance {bound:.3g})")
    ok &= bool(worst <= bound)
sys.exit(0 if ok else 1)
PY

# ---- the same kill, resumed on the same setup: recorded, not warned ----
small_train_deck same.h5 > same.ini
A2D_FAULT=ensemble:checkpoint-1 np 2 "$A2D" run same.ini > kill.txt 2>&1
expect_ok "resumed on the same setup" np 2 "$A2D" run same.ini
check "no warning" sh -c '! grep -q "warning: resumed on another setup" out.txt'
expect_ok "h5dump -a" h5dump -a /stages/ensemble/runs/2/resumed same.h5
check "recorded as the same setup" grep -q "yes, after run 1; same setup" out.txt
expect_ok "equal to the uninterrupted run" h5diff -r same.h5 ref.h5 /ensemble /ensemble

# ---- ranks on different kernels: each value listed with its ranks ----
small_train_deck mixed.h5 > mixed.ini
expect_ok "prepare on 3 ranks, rank 0 on $other" "$MPIEXEC" -n 1 env OPENBLAS_CORETYPE=$other \
  "$A2D" prepare mixed.ini : -n 2 "$A2D" prepare mixed.ini
expect_ok "h5dump -a" h5dump -a /stages/prepare/runs/1/blas_core mixed.h5
check "the kernels of each rank" grep -q "\"$other (rank 0), $ambient (ranks 1-2)\"" out.txt

# ---- a forced rerun starts the records afresh ----
expect_ok "forced rerun" np 2 "$A2D" ensemble k.ini --force
check "one run record" /usr/bin/python3 -c 'import h5py, sys
runs = h5py.File("k.h5", "r")["/stages/ensemble/runs"]
sys.exit(0 if list(runs) == ["1"] and runs.attrs["count"] == 1 and runs["1"].attrs["resumed"] == b"no" else 1)'
finish
