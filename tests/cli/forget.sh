# forget.sh - stage forget: random, class, cluster and file sets, the same on
# 1 and 2 ranks; the right sizes and members; a set's indices depend on its
# own name and spec only; bad specs fail with exit 2 naming the deck line, bad
# index lists with exit 3 naming the list's line, before any clustering.
. "$SRC/tests/cli/lib.sh"
# Decks live in decks/, index lists in decks/lists/: file:PATH is relative to the deck.
mkdir -p decks/lists
printf '# hand-picked\n250\n\n 3  # trailing comment\n17\r\n' > decks/lists/picked.txt

# forget_deck STUDY: small synthetic data (300 points, 4 classes) and five sets.
forget_deck() {
  small_deck "$WORK/$1"
  cat <<DECK

[forget]
clusters = 4
kmeans_iterations = 30
rand = random:25
shirts = class:2:20
blob = cluster:1:30
picked = file:lists/picked.txt
empty = random:0
DECK
}

# ---- 1 rank and 2 ranks write the same /forget ----
forget_deck f1.h5 > decks/f1.ini
forget_deck f2.h5 > decks/f2.ini
expect_ok "prepare, 1 rank" "$A2D" prepare decks/f1.ini
expect_ok "forget, 1 rank" "$A2D" forget decks/f1.ini
check "logs each set" grep -q "forget: shirts = class:2:20: 20 points" out.txt
check "logs the empty set" grep -q "forget: empty = random:0: 0 points" out.txt
check "logs the file set" grep -q "forget: picked = file:lists/picked.txt: 3 points" out.txt
check "logs the clustering" grep -q "forget: k-means: 4 clusters of 300 points" out.txt
expect_ok "prepare, 2 ranks" np 2 "$A2D" prepare decks/f2.ini
expect_ok "forget, 2 ranks" np 2 "$A2D" forget decks/f2.ini
expect_ok "/forget: 1 rank = 2 ranks" h5diff -r f1.h5 f2.h5 /forget /forget
expect_ok "status" "$A2D" status decks/f1.ini
check "forget complete" grep -qE "^forget +complete" out.txt
expect_ok "rerun skips" "$A2D" forget decks/f1.ini
check "skipped" grep -q "forget: complete, skipped" out.txt

if /usr/bin/python3 -c "import h5py" 2>/dev/null; then
  expect_ok "sizes, members, clustering" /usr/bin/python3 - f1.h5 <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
x = f["data/train/x"][:].astype(np.float64)
y = f["data/train/y"][:]
n = len(y)
g = f["forget"]
sets = {"rand": 25, "shirts": 20, "blob": 30, "picked": 3, "empty": 0, "random_10": 10}
assert set(g.keys()) == set(sets) | {"kmeans"}, list(g.keys())
for name, size in sets.items():
    idx = g[name + "/indices"][:]
    assert idx.dtype == np.int64 and idx.shape == (size,), (name, idx.dtype, idx.shape)
    assert g[name].attrs["size"] == size, name
    assert np.all(np.diff(idx) > 0) and (size == 0 or (idx[0] >= 0 and idx[-1] < n)), name
spec = g["shirts"].attrs["spec"]
assert (spec.decode() if isinstance(spec, bytes) else str(spec)) == "class:2:20", spec
assert np.all(y[g["shirts/indices"][:]] == 2)
assert list(g["picked/indices"][:]) == [3, 17, 250]
# k-means: sizes decreasing and matching the assignment; every point at its nearest centre.
c = g["kmeans/centres"][:].astype(np.float64)
a = g["kmeans/assignment"][:]
s = g["kmeans/sizes"][:]
assert c.shape == (4, x.shape[1]) and a.shape == (n,) and s.shape == (4,)
assert np.all(np.bincount(a, minlength=4) == s) and np.all(np.diff(s) <= 0), s
d2 = ((x[:, None, :] - c[None, :, :]) ** 2).sum(2)
assert np.all(d2.argmin(1) == a)
for j in range(4):
    assert np.allclose(c[j], x[a == j].mean(0), atol=1e-5)
# The cluster set: the 30 points nearest centre 1.
want = np.sort(np.argsort(d2[:, 1], kind="stable")[:30])
assert np.array_equal(g["blob/indices"][:], want), (g["blob/indices"][:], want)
# Random sets differ from each other and are not just the first points.
assert g["rand/indices"][-1] > 25
PY
fi

# ---- a set's indices depend on its name and spec only ----
forget_deck f3.h5 | sed 's/^shirts = class:2:20$/shirts = class:2:21/; s/^rand = random:25$/extra = random:5\nrand = random:25/' > decks/f3.ini
cp f1.h5 f3.h5
expect_ok "forget with one spec changed and a set added" "$A2D" forget decks/f3.ini --force
for s in rand blob picked random_10; do
  expect_ok "$s unchanged" h5diff f1.h5 f3.h5 /forget/$s/indices /forget/$s/indices
done
expect_ok "h5dump" h5dump -H -d /forget/shirts/indices -d /forget/extra/indices f3.h5
check "shirts now has 21 points" grep -q "( 21 )" out.txt
check "extra has 5 points" grep -q "( 5 )" out.txt
expect_fail "a changed spec of a complete stage is refused" 5 '[forget] shirts: was "class:2:20" when computed' "$A2D" forget decks/f1.ini --set forget.shirts=class:2:5

# ---- bad specs: exit 2 naming the deck line, before any clustering ----
# bad_spec WHAT SPEC MESSAGE: the set "shirts" given SPEC fails with MESSAGE after its origin.
bad_spec() {
  forget_deck f1.h5 | sed "s|^shirts = .*|shirts = $2|" > decks/bad.ini
  local line
  line=$(grep -n '^shirts = ' decks/bad.ini | cut -d: -f1)
  expect_fail "$1" 2 "decks/bad.ini:$line: [forget] shirts: $3" "$A2D" forget decks/bad.ini --force
  check "$1: failed before k-means" test "$(grep -c 'k-means' out.txt)" -eq 0
}
bad_spec "unknown form" "clas:2:20" 'expected random:K, class:C:K, cluster:J:K or file:PATH, got "clas:2:20"'
bad_spec "missing field" "class:2" 'expected class:C:K, got "class:2"'
bad_spec "extra field" "random:5:1" 'expected random:K, got "random:5:1"'
bad_spec "non-integer K" "class:2:x" 'class:C:K: K must be a non-negative integer, got "x"'
bad_spec "negative K" "random:-3" 'random:K: K must be a non-negative integer, got "-3"'
bad_spec "class out of range" "class:4:5" 'class 4 is out of range: the training set has 4 classes (0 to 3)'
bad_spec "K above the class size" "class:2:76" 'class 2 has 75 points, asked for 76'
bad_spec "cluster out of range" "cluster:4:5" 'cluster 4 is out of range: [forget] clusters = 4 (0 to 3)'
bad_spec "K above n" "random:301" 'asked for 301 points, the training set has 300'
bad_spec "file without path" "file:" 'expected file:PATH, got "file:"'
expect_fail "reserved name" 2 '--set: [forget] kmeans: the name kmeans is reserved' "$A2D" forget decks/f1.ini --set forget.kmeans=random:1 --force
small_deck "$WORK/f1.h5" | sed '/^\[forget\]/,$d' > decks/none.ini
expect_fail "no forget sets" 2 'decks/none.ini: [forget] declares no forget sets; add one such as "random_100 = random:100"' "$A2D" forget decks/none.ini --force
expect_fail "bad spec on 2 ranks, printed once" 2 "[forget] shirts: class 2 has 75 points" np 2 "$A2D" forget decks/bad.ini --force --set forget.shirts=class:2:80
check "printed once on 2 ranks" test "$(grep -c 'a2d: error' err.txt)" -eq 1

# ---- bad index lists: exit 3 naming the list's line; a missing one exit 4 ----
# bad_list WHAT TEXT MESSAGE: an index list holding TEXT fails with MESSAGE after "its path:".
bad_list() {
  printf "$2" > decks/lists/bad.txt
  forget_deck f1.h5 | sed 's|^picked = .*|picked = file:lists/bad.txt|' > decks/badlist.ini
  expect_fail "$1" 3 "decks/lists/bad.txt:$3" "$A2D" forget decks/badlist.ini --force
  check "$1: failed before k-means" test "$(grep -c 'k-means' out.txt)" -eq 0
}
bad_list "not an index" '1\n# two\nfoo\n' '3: expected one index (a non-negative integer), got "foo"'
bad_list "out of range" '1\n300\n' '2: index 300 is out of range: the training set has 300 points (0 to 299)'
bad_list "repeated" '7\n8\n\n7 # again\n' '4: index 7 repeats line 1'
bad_list "no indices" '# nothing\n\n' ' holds no indices'
forget_deck f1.h5 | sed 's|^picked = .*|picked = file:lists/missing.txt|' > decks/badlist.ini
expect_fail "missing list" 4 "decks/lists/missing.txt: cannot open: No such file or directory" "$A2D" forget decks/badlist.ini --force
expect_fail "missing list on 2 ranks" 4 "decks/lists/missing.txt: cannot open" np 2 "$A2D" forget decks/badlist.ini --force
check "printed once on 2 ranks" test "$(grep -c 'a2d: error' err.txt)" -eq 1

# ---- deck checks before any stage runs, and index files as inputs of the stage ----
forget_deck early.h5 | sed 's|^picked = .*|picked = file:lists/bad.txt|' > decks/early.ini
printf '1\nx\n' > decks/lists/bad.txt
expect_fail "a2d check reads the index lists" 3 "decks/lists/bad.txt:2: expected one index" "$A2D" check decks/early.ini
expect_fail "a2d run refuses a bad spec before stage prepare" 2 "[forget] late: random:K: K must be" "$A2D" run decks/early.ini --set forget.late=random:x
check "no study file made" test ! -e early.h5
expect_fail "a2d check: newton needs logreg" 2 "[unlearn] methods: newton needs [model] kind = logreg" "$A2D" check decks/f1.ini --set unlearn.methods=none,newton
printf '5\n6\n' > decks/lists/edit.txt
forget_deck edit.h5 | sed 's|^picked = .*|picked = file:lists/edit.txt|' > decks/edit.ini
expect_ok "prepare" "$A2D" prepare decks/edit.ini
expect_ok "forget with an index list" "$A2D" forget decks/edit.ini
printf '5\n7\n' > decks/lists/edit.txt
expect_fail "an edited index list makes stage forget out of date" 5 "[forget] picked index file: was \"4 bytes, FNV-1a" "$A2D" forget decks/edit.ini
expect_ok "recomputed with --force" "$A2D" forget decks/edit.ini --force
check "the new list is used" /usr/bin/python3 -c "import h5py, sys; sys.exit(list(h5py.File('edit.h5','r')['/forget/picked/indices'][()]) != [5, 7])"
finish
