# plots.sh - postprocess/plots.py on the small pipeline's study file: one
# trade-off, KLoM and margins figure per forget set, each a valid PNG linked
# from index.html; lds.png when /datamodel has the LDS subsets (added here
# to a copy, the small deck has lds_subsets = 0) and a note when it has not;
# exit 1 naming the dataset for a study file without /eval and for a file
# that is not a study file.  postprocess/group_shift.py: a row per forget
# set, and its numpy group term (pooled forget rows) gives dm_direct's
# margins, which the C group term made, to float precision.
# Ranks: 2 (the pipeline).  Reference: the files and links themselves; the
# numpy recomputation.
. "$SRC/tests/cli/lib.sh"
PLOTS=("/usr/bin/python3" "$SRC/postprocess/plots.py")

is_png() { # is_png FILE: exists and starts with the PNG signature
  [ -s "$1" ] && [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ]
}

small_unlearn_deck study.h5 > deck.ini
expect_ok "pipeline on 2 ranks" np 2 "$A2D" run deck.ini

# Default output folder: study-plots/ beside the study file; prints index.html's path.
expect_ok "plots.py on the study file" "${PLOTS[@]}" study.h5
check "prints the path of index.html" grep -qx "study-plots/index.html" out.txt
check "index.html written" test -s study-plots/index.html
for forget in rand cls; do
  for kind in tradeoff klom margins; do
    png=$kind-$forget.png
    check "$png is a PNG" is_png "study-plots/$png"
    check "index.html links $png" grep -qF "href=\"$png\"" study-plots/index.html
  done
  check "summary table has forget set $forget" grep -qF "<td>$forget</td>" study-plots/index.html
done
for method in none ga gd ascent_descent scrub om dm_direct dmm noise_floor; do
  check "summary table has method $method" grep -qF "<td>$method</td>" study-plots/index.html
done
check "no lds.png without LDS subsets" test ! -e study-plots/lds.png
check "index.html notes the skipped LDS plot" grep -qF "LDS plot skipped" study-plots/index.html
check "links are relative" bash -c '! grep -qE "(href|src)=\"(/|file:)" study-plots/index.html'

# An explicit output folder, and a study file with LDS subsets.
cp study.h5 lds.h5
check "add LDS datasets to a copy" /usr/bin/python3 - <<'PY'
import h5py, numpy as np
with h5py.File("lds.h5", "r+") as f:
    d = f.require_group("datamodel")
    rng = np.random.default_rng(1)
    pred = rng.normal(size=(300, 10))
    d["lds_predicted_train"] = pred
    d["lds_observed_train"] = pred + 0.3 * rng.normal(size=pred.shape)
    d["lds_train"] = rng.uniform(0, 1, size=300)
    d.attrs["lds_train_mean"] = 0.5
    d.attrs["lds_val_mean"] = 0.4
PY
expect_ok "plots.py with an output folder" "${PLOTS[@]}" lds.h5 out/figs
check "prints the given folder's index.html" grep -qx "out/figs/index.html" out.txt
check "lds.png is a PNG" is_png out/figs/lds.png
check "index.html links lds.png" grep -qF 'href="lds.png"' out/figs/index.html
check "trade-off written there too" is_png out/figs/tradeoff-rand.png

# Errors: no /eval, not a study file, not HDF5.
cp study.h5 noeval.h5
check "remove /eval from a copy" /usr/bin/python3 -c 'import h5py; del h5py.File("noeval.h5", "r+")["eval"]'
expect_fail "study file without /eval" 1 "noeval.h5: no /eval/summary; run \`a2d run DECK\` (stage evaluate) first" \
  "${PLOTS[@]}" noeval.h5
check "no output folder for a study file without /eval" test ! -e noeval-plots
check "make a plain HDF5 file" /usr/bin/python3 -c 'import h5py; h5py.File("plain.h5", "w")["x"] = [1]'
expect_fail "plain HDF5 file" 1 "plain.h5: not an a2d study file (no a2d_layout attribute)" "${PLOTS[@]}" plain.h5
echo "not hdf5" > text.h5
expect_fail "not an HDF5 file" 1 "text.h5: cannot open as an HDF5 file" "${PLOTS[@]}" text.h5
expect_fail "no arguments: usage" 2 "plots.py STUDY.h5 [OUTDIR]" "${PLOTS[@]}"

# group_shift.py: the datamodels' predicted shift against the oracles'.
expect_ok "group_shift.py on the study file" /usr/bin/python3 "$SRC/postprocess/group_shift.py" study.h5
for forget in rand cls; do
  check "group_shift.py has a row for $forget" grep -qE "^$forget +[-+][0-9]" out.txt
done
check "numpy group term (pooled) = the C one, through dm_direct's margins" \
  /usr/bin/python3 - "$SRC/postprocess" <<'PY'
import sys, h5py, numpy as np
sys.path.insert(0, sys.argv[1])
import group_shift as gs
with h5py.File("study.h5", "r") as f:
    theta, masks, resid = gs.datamodel_residuals(f)
    worst = 0.0
    for name in f["/unlearn"]:
        F = f[f"/forget/{name}/indices"][()]
        beta, se2, c, scc = gs.group_slopes(resid, masks[:, F].sum(1))
        b = gs.pooled(beta[F], se2[F], resid[:, F], c, scc)
        for k in range(f["/train/margins_train"].shape[0]):
            want = f["/train/margins_train"][k][F] - theta[F][:, F].sum(1) - b * len(F)
            got = f[f"/unlearn/{name}/dm_direct/margins_train"][k][F]
            worst = max(worst, np.abs(got - want).max() / (1 + np.abs(want).max()))
    print("largest relative difference", worst)
    sys.exit(1 if worst > 1e-5 else 0)
PY
expect_fail "group_shift.py on a plain HDF5 file" 1 "plain.h5: no /datamodel/indptr" \
  /usr/bin/python3 "$SRC/postprocess/group_shift.py" plain.h5
finish
