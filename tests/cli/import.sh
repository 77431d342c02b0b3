# import.sh - outputs of models trained elsewhere (docs/import.md): a study's
# labels, ensemble and LDS models written in the import layout (HDF5 and
# .npy) and imported by [data] source = import and [ensemble] source = import
# give the same /datamodel, LDS included, as the study they came from, on 1
# and 2 ranks; logits alone give a2d's margins; a changed import makes the
# stage out of date; malformed imports are refused with exit 3 and a message
# naming the array, the place and what was expected.  Ranks: 1 and 2.
. "$SRC/tests/cli/lib.sh"
PY=/usr/bin/python3
stages() { # stages RANKS DECK STAGE...: run the stages in turn, stopping at a failure
  local ranks=$1 deck=$2 s
  shift 2
  for s in "$@"; do np "$ranks" "$A2D" "$s" "$deck" || return $?; done
}

# ---- the study to copy from: prepare, ensemble and fit of a small synthetic deck ----
small_fit_deck orig.h5 > orig.ini
for s in prepare ensemble fit; do expect_ok "original: $s" np 2 "$A2D" $s orig.ini; done

# ---- the import layout written from it, in HDF5 and in .npy ----
cat > write_import.py <<'PY'
import sys, os, h5py, numpy as np
src = h5py.File(sys.argv[1], "r")
arrays = {}
for s in ("train", "val"):
    arrays[f"data/{s}/y"] = src[f"data/{s}/y"][:].astype(np.int64)
for g, sg in (("ensemble", "ensemble"), ("lds", "datamodel/lds")):
    for k in ("masks", "margins_train", "margins_val", "logits_train", "logits_val", "examples"):
        if k in src[sg]:
            arrays[f"{g}/{k}"] = src[sg][k][:]
arrays["ensemble/masks"] = arrays["ensemble/masks"].astype(bool)     # h5py's and numpy's bool
arrays["ensemble/seconds"] = src["stages/ensemble/models/seconds"][:]
with h5py.File(sys.argv[2], "w") as f:
    for k, v in arrays.items():
        f[k] = v
for k, v in arrays.items():
    os.makedirs(os.path.dirname(os.path.join(sys.argv[3], k)), exist_ok=True)
    np.save(os.path.join(sys.argv[3], k + ".npy"), v)
PY
expect_ok "write the import from the study" $PY write_import.py orig.h5 imp.h5 imp_npy

import_deck() { # import_deck STUDY IMPORT: orig.ini reading its data and ensemble from IMPORT
  sed "s|^path = orig.h5|path = $1|; s/^source = synthetic/source = import/; s/^\[ensemble\]/[ensemble]\nsource = import/" orig.ini
  printf '\n[import]\npath = %s\n' "$2"
}
import_deck h5.h5 imp.h5 > h5.ini
import_deck npy.h5 imp_npy > npy.ini
for s in prepare ensemble fit; do
  expect_ok ".npy import, 2 ranks: $s" np 2 "$A2D" $s npy.ini
done
check "the LDS models came from the import" grep -q "fit: LDS on the import's 10 subsets" out.txt
expect_ok ".npy import: /datamodel as the original's, LDS included" h5diff -r orig.h5 npy.h5 /datamodel /datamodel
if sanitized; then # HDF5 imports run below (LDS seeds, the labels) and in the fuzz harness
  skip "the HDF5 import on 1 rank, the same /datamodel"
else
  for s in prepare ensemble fit; do expect_ok "HDF5 import, 1 rank: $s" np 1 "$A2D" $s h5.ini; done
  expect_ok "HDF5 import: /datamodel as the original's" h5diff -r orig.h5 h5.h5 /datamodel /datamodel
fi
expect_ok "imported labels, ensemble equal" $PY - orig.h5 npy.h5 <<'PY'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
for k in ("data/train/y", "data/val/y", "ensemble/masks", "ensemble/margins_train",
          "ensemble/logits_val", "ensemble/examples", "datamodel/lds/margins_val"):
    assert np.array_equal(a[k][()], b[k][()]), k
assert "x" not in b["data/train"] and b["data"].attrs["features"] == 0
PY

# ---- a whole study exported by `a2d export` and imported again: the same verdict ----
small_unlearn_deck full.h5 > full.ini
expect_ok "a whole study" np 2 "$A2D" run full.ini
expect_ok "a2d export: the study (HDF5)" np 2 "$A2D" export full.ini --out all.h5
expect_ok "a2d export: the study (.npy)" np 1 "$A2D" export full.ini --out all_npy
sed 's/^path = full.h5/path = back.h5/; s/^source = synthetic/source = import/
  s/^rand = random:15/rand = import/; s/^cls = class:2:10/cls = import/
  s/^\[ensemble\]/[ensemble]\nsource = import/; s/^\[train\]/[train]\nsource = import/
  s/^\[oracle\]/[oracle]\nsource = import/' full.ini > back.ini
printf '\n[import]\npath = all_npy\n' >> back.ini
for m in ga gd ascent_descent scrub om dmm; do printf '\n[unlearn.%s]\nsource = import\n' $m >> back.ini; done
expect_ok "the study run again from its export" np 2 "$A2D" run back.ini
check "none and dm_direct ran on the imported base models" grep -q "unlearn: 8 methods x 2 forget sets x 3 base models" out.txt
expect_ok "exported and imported: /datamodel, /unlearn, /oracle, /forget and /eval bit for bit" $PY - full.h5 back.h5 <<'PY'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
TIMING = ("seconds", "prep_seconds", "time_cost", "prep_time_cost", "setup_time_cost", "breakeven_time")
bad, count = [], 0
def same(x, y):
    if x.dtype.names:
        return all(n in TIMING or np.array_equal(x[n], y[n], equal_nan=x[n].dtype.kind == "f") for n in x.dtype.names)
    return x.shape == y.shape and np.array_equal(x, y, equal_nan=x.dtype.kind == "f")
for g in ("datamodel", "eval", "unlearn", "oracle", "forget"):
    def visit(name, obj):
        global count
        if isinstance(obj, h5py.Dataset) and name.split("/")[-1] not in TIMING:
            count += 1
            o = b[g].get(name)
            if o is None or not same(obj[()], o[()]): bad.append(g + "/" + name)
    a[g].visititems(visit)
assert count > 150 and not bad, (count, bad[:10])
assert "params" not in b["train"]
PY
expect_ok "a2d export: DMM's targets" np 2 "$A2D" export full.ini --what targets --forget cls --out tg.h5
expect_ok "a2d export: ga's unlearned parameters" np 2 "$A2D" export full.ini --what params --forget cls --method ga --out pa
expect_ok "targets = dm_direct's outputs; parameters give the unlearned margins" $PY - full.h5 <<'PY'
import sys, h5py, numpy as np
a, t = h5py.File(sys.argv[1], "r"), h5py.File("tg.h5", "r")
for k in ("margins_train", "margins_val"):
    assert np.array_equal(t["targets/cls/" + k][:], a["unlearn/cls/dm_direct/" + k][:]), k
assert np.array_equal(t["forget/cls/indices"][:], a["forget/cls/indices"][:])
P = np.load("pa/unlearn/cls/ga/params.npy")
x, y = a["data/train/x"][:].astype(np.float64), a["data/train/y"][:]
sizes = [12, 16, 8, 4]
for k in range(3):
    h, o = x, 0
    for l in range(3):
        W = P[k, o:o + sizes[l] * sizes[l + 1]].reshape(sizes[l], sizes[l + 1]); o += W.size
        h = h @ W + P[k, o:o + sizes[l + 1]]; o += sizes[l + 1]
        h = np.maximum(h, 0) if l < 2 else h
    other = h.copy(); other[np.arange(len(y)), y] = -np.inf
    mx = other.max(1)
    m = h[np.arange(len(y)), y] - (mx + np.log(np.exp(other - mx[:, None]).sum(1)))
    assert np.abs(m - a["unlearn/cls/ga/margins_train"][k]).max() < 1e-4
PY
expect_fail "params of an outputs-only method" 2 "dm_direct gives no model here" np 1 "$A2D" export full.ini --what params --forget cls --method dm_direct --out x
expect_fail "export without --out" 2 "a2d export needs --out PATH" np 1 "$A2D" export full.ini
expect_fail "targets of a forget set not in the deck" 2 "no forget set nope in [forget]" np 1 "$A2D" export full.ini --what targets --forget nope --out x.h5
cp -r all_npy part_npy && rm -r part_npy/unlearn/rand/ga
expect_fail "an imported method without its arrays" 3 "part_npy: no unlearn/rand/ga/margins_train or unlearn/rand/ga/logits_train" np 1 "$A2D" run back.ini --set import.path=part_npy --set output.path=part.h5
expect_fail "a fine-tuning method on imported base models" 2 "ga fine-tunes the base models, but they are imported" "$A2D" check back.ini --set unlearn.ga.source=a2d
expect_fail "tuning with imported models" 2 "[tune] configs = 2: held-out tuning runs the methods and retrains oracles here, but the base models are imported" "$A2D" check back.ini --set tune.configs=2 --set tune.models=2

# ---- logits alone: a2d's margins of them ----
mkdir -p logits && cp -r imp_npy/data logits/ && mkdir -p logits/ensemble
cp imp_npy/ensemble/masks.npy imp_npy/ensemble/logits_*.npy logits/ensemble/
import_deck lg.h5 logits > lg.ini
expect_ok "logits only: prepare and ensemble" stages 2 lg.ini prepare ensemble
check "logits only: a2d computed the margins" grep -q "margins of the logits" out.txt
check "logits only: no examples, the cost is said unknown" grep -q "the cost is unknown" out.txt
expect_ok "logits only: margins as a2d's, examples unknown (-1)" $PY - orig.h5 lg.h5 <<'PY'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
for k in ("margins_train", "margins_val"):
    d = np.abs(a["ensemble"][k][:] - b["ensemble"][k][:]).max()
    assert d < 1e-5, (k, d)
assert np.all(b["ensemble/examples"][:] == -1)
assert np.all(np.isnan(b["stages/ensemble/models/seconds"][:]))
PY

# ---- a changed import makes its stage out of date ----
expect_ok "change one margin of the .npy import" $PY -c "
import numpy as np; a = np.load('imp_npy/ensemble/margins_train.npy'); a[3, 4] += 1
np.save('imp_npy/ensemble/margins_train.npy', a)"
expect_fail "a changed import is refused like a changed key" 5 "[import] ensemble/margins_train" np 1 "$A2D" ensemble npy.ini
expect_ok "... and recomputed with --force" np 1 "$A2D" ensemble npy.ini --force

# ---- malformed imports: exit 3, the array, the place, what was expected ----
cat > bad_import.py <<'PY'
import sys, os, shutil, h5py, numpy as np
src, case = sys.argv[1], sys.argv[2]   # src: a good .npy import; case: what to break
dst = "bad_" + case
shutil.rmtree(dst, ignore_errors=True); shutil.copytree(src, dst)
p = lambda k: os.path.join(dst, k + ".npy")
def edit(k, f):
    a = np.load(p(k)); a = f(a); np.save(p(k), a)
if case == "mask2":
    edit("ensemble/masks", lambda a: a.astype(np.uint8)); edit("ensemble/masks", lambda a: (a.__setitem__((3, 17), 2), a)[1])
elif case == "nan":
    edit("ensemble/margins_val", lambda a: (a.__setitem__((5, 2), np.nan), a)[1])
elif case == "shape":
    edit("ensemble/margins_train", lambda a: np.hstack([a, a[:, :1]]))
elif case == "floatmask":
    edit("ensemble/masks", lambda a: a.astype(np.float32))
elif case == "missing":
    os.remove(p("ensemble/masks"))
elif case == "fortran":
    a = np.load(p("ensemble/margins_train")); np.save(p("ensemble/margins_train"), np.asfortranarray(a))
elif case == "truncated":
    with open(p("ensemble/margins_train"), "r+b") as f: f.truncate(os.path.getsize(p("ensemble/margins_train")) - 7)
elif case == "bigendian":
    edit("ensemble/margins_train", lambda a: a.astype(">f4"))
elif case == "models":
    edit("ensemble/margins_val", lambda a: a[:-1])
elif case == "examples":
    edit("ensemble/examples", lambda a: (a.__setitem__(6, -5), a)[1])
elif case == "range":
    def huge(a):
        b = a.astype(np.float64); b[0, 0] = 1e300; return b
    edit("ensemble/margins_train", huge)
elif case == "notnpy":
    with open(p("ensemble/masks"), "wb") as f: f.write(b"masks as text\n")
elif case == "ldsseeds":
    pass
PY
import_deck prepared.h5 imp_npy > prepared.ini
expect_ok "prepare a study for the malformed ensembles" np 1 "$A2D" prepare prepared.ini
bad() { # bad CASE TEXT [RANKS]: the .npy import broken as CASE is refused with exit 3 and TEXT
  $PY bad_import.py imp_npy "$1" || { failed=$((failed + 1)); echo "FAIL: cannot write case $1"; return; }
  import_deck bad.h5 "bad_$1" > bad.ini
  cp prepared.h5 bad.h5 # the labels are the same: stage prepare stays complete
  expect_fail "malformed import ($1)" 3 "$2" np "${3:-1}" "$A2D" ensemble bad.ini
}
$PY -c "import numpy as np; a = np.load('imp_npy/ensemble/margins_train.npy'); a[3, 4] -= 1; np.save('imp_npy/ensemble/margins_train.npy', a)"
bad mask2 "bad_mask2: ensemble/masks[3, 17]: expected 0 or 1, got 2" 2
bad nan "bad_nan: ensemble/margins_val[5, 2]: expected a finite number, got nan" 2
bad shape "bad_shape: ensemble/margins_train has shape (200 x 301), expected (200 x 300)"
bad floatmask "bad_floatmask: ensemble/masks holds floating point (float32 or float64), expected integers (or booleans)"
bad missing "bad_missing: no array ensemble/masks (expected integers (or booleans) (any x 300); docs/import.md)"
bad fortran "ensemble/margins_train: the array is in Fortran order; expected C order"
bad truncated "ensemble/margins_train: the header promises 240000 bytes of data, the file holds 239993 (truncated or damaged)"
bad bigendian "ensemble/margins_train: element type '>f4' is not supported"
bad models "bad_models: ensemble/margins_val has shape (199 x 100), expected (200 x 100)"
bad examples "bad_examples: ensemble/examples[6]: expected an integer in [0, "
bad range "bad_range: ensemble/margins_train[0, 0]: 1e+300 is beyond float32's range"
bad notnpy "ensemble/masks: not a NumPy .npy file (no \\x93NUMPY magic)"

# labels and decks
mkdir -p lab && cp -r imp_npy/* lab/
$PY -c "import numpy as np; y = np.load('lab/data/train/y.npy'); y[7] = 9; np.save('lab/data/train/y.npy', y)"
import_deck lab.h5 lab > lab.ini
expect_fail "a label beyond [data] classes" 3 "lab: data/train/y[7]: expected an integer in [0, 3], got 9" np 1 "$A2D" prepare lab.ini
echo "not an import" > notimport.txt
import_deck ni.h5 notimport.txt > ni.ini
expect_fail "neither HDF5 nor a folder" 3 "notimport.txt: the import is neither an HDF5 file nor a directory of .npy files" np 1 "$A2D" prepare ni.ini
import_deck nt.h5 imp.h5 | sed 's/^n_train = 300$/n_train = 200/' > nt.ini
expect_fail "n_train other than the import's" 2 "[data] n_train = 200, but the import imp.h5 has 300" np 1 "$A2D" prepare nt.ini
import_deck np.h5 imp.h5 | sed '/^\[import\]/,$d' > np.ini
expect_fail "source = import without [import] path" 2 "[ensemble] source = import needs [import] path" "$A2D" check np.ini
expect_fail "a stage that trains on imported labels alone" 2 "stage train trains models on them; import its outputs instead" np 1 "$A2D" train npy.ini
import_deck seeds.h5 imp.h5 | sed 's/^lds_subsets = 10$/lds_subsets = 10\nlds_seeds = 2/' > seeds.ini
expect_fail "LDS rows of one subset with different masks" 3 "imp.h5: lds/masks rows 0 and 1 differ, but rows 0..1 are 2 seeds on one subset" stages 2 seeds.ini prepare ensemble fit
finish
