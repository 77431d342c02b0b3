# tune_errors.sh - the deck errors of [tune] and [tune.<method>], each naming
# the file and line, and one small tuned run with an explicit twin for a file
# forget set (leak-checked under the sanitizers, unlike tune.sh's runs).
# Ranks: 2.  Reference: the error texts below.
. "$SRC/tests/cli/lib.sh"
# ---- deck errors, named by file and line ----
bad() { tune_deck bad.h5 > bad.ini; printf '%s\n' "$@" >> bad.ini; }
bad "[tune.om]" "lr = log:1e-4"
expect_fail "malformed space" 2 "bad.ini:" "$A2D" check bad.ini
check "malformed space names the key" grep -q "\[tune.om\] lr" err.txt
bad "[tune.om]" "match = logits | margin"
expect_fail "match is not tunable" 2 "not a tunable key of [unlearn.om]" "$A2D" check bad.ini
bad "[tune.gd]" "nosuch = 1 | 2"
expect_fail "unknown key" 2 "[tune.gd] nosuch: not a tunable key of [unlearn.gd]" "$A2D" check bad.ini
bad "[tune.gd]" "lr = lin:0:1"
expect_fail "space end outside the key's range" 2 "the value 0 of this space is not a valid [unlearn.gd] lr" "$A2D" check bad.ini
bad "[tune.gd]" "batch = 32 | many"
expect_fail "choice of the wrong type" 2 "the value many of this space is not a valid [unlearn.gd] batch" "$A2D" check bad.ini
tune_deck bad.h5 | sed 's/^models = 2$/models = 9/' > bad.ini
expect_fail "more tuning models than base models" 2 "[tune] models = 9 exceeds [train] models = 3" "$A2D" check bad.ini
tune_deck bad.h5 | sed 's/^configs = 3$/configs = 3\nshirts = random:5/' > bad.ini
expect_fail "twin of no forget set" 2 "[tune] shirts: no forget set is called shirts" "$A2D" check bad.ini
printf '1\n2\n3\n' > list.txt
tune_deck bad.h5 | sed 's|^rand = random:15$|rand = file:list.txt|' > bad.ini
expect_fail "file set without a twin" 2 "[forget] rand is a given list of points: give its tuning twin" "$A2D" check bad.ini
tune_deck bad.h5 | sed 's|^rand = random:15$|rand = file:list.txt|; s/^configs = 3$/configs = 2\nrand = random:3/
  s/^methods = none, ga, gd, ascent_descent, scrub, om, dm_direct, dmm$/methods = none, ga, om, dmm/' > bad.ini
rm -f bad.h5
expect_ok "file set with a [tune] twin" np 2 "$A2D" run bad.ini
check "its twin is the [tune] entry's" /usr/bin/python3 -c "
import h5py, sys
f = h5py.File('bad.h5', 'r')
sys.exit(f['tune/sets/tune_rand'].attrs['spec'].decode() != 'random:3' or f['tune/sets/tune_rand/indices'].shape != (3,))"
finish
