# prepare_bookkeeping.sh - stage bookkeeping: skip when complete, refuse a
# changed key (naming it), --force recomputes and marks later stages stale,
# and an interrupted stage is never marked complete.
. "$SRC/tests/cli/lib.sh"
quick_deck > s.ini
expect_ok "first run" "$A2D" run s.ini
check "prepare ran" grep -q "prepare: complete in" out.txt
expect_ok "second run skips" "$A2D" run s.ini
check "prepare skipped" grep -q "prepare: complete, skipped" out.txt
expect_ok "same values written differently still match" "$A2D" run s.ini --set data.separation=3.0
expect_fail "changed key refused" 5 '[data] n_train: was "300" when computed, the deck now gives "250"' "$A2D" run s.ini --set data.n_train=250
expect_ok "--force recomputes" "$A2D" run s.ini --set data.n_train=250 --force
check "recomputed" grep -q "prepare: complete in" out.txt
expect_ok "h5dump shape" h5dump -H -d /data/train/y study.h5
check "250 rows now" grep -q "( 250 )" out.txt
expect_ok "new values are now the reference" "$A2D" run s.ini --set data.n_train=250
check "skipped" grep -q "prepare: complete, skipped" out.txt
# A run killed after writing its data but before marking it complete is not
# complete; a rerun redoes it and completes.
quick_deck k.h5 > k.ini
A2D_FAULT=prepare:before-complete "$A2D" run k.ini > /dev/null 2>&1
check "the fault fired (SIGKILL, exit 137)" test $? -eq 137
expect_ok "status after the kill" "$A2D" status k.ini
check "killed stage is left running, not complete" grep -qE "^prepare +running" out.txt
expect_ok "rerun after a kill" "$A2D" run k.ini
check "the rerun resumed" grep -q "prepare: resuming" out.txt
expect_ok "status" "$A2D" status k.ini
check "complete after rerun" grep -qE "^prepare +complete" out.txt
quick_deck ref.h5 > ref.ini
expect_ok "an uninterrupted run" "$A2D" run ref.ini
expect_ok "rerun result equals the uninterrupted run" h5diff -r k.h5 ref.h5 /data /data
finish
