# ensemble_restart.sh - a run killed after its first checkpoint (chunk of 4
# models) resumes after it and ends with the same datasets as an
# uninterrupted run; so does a run killed inside `train`.
. "$SRC/tests/cli/lib.sh"
small_train_deck ref.h5 > ref.ini
expect_ok "uninterrupted run" "$A2D" run ref.ini
small_train_deck k.h5 > k.ini
A2D_FAULT=ensemble:checkpoint-1 "$A2D" run k.ini > kill.txt 2>&1
check "killed by the fault after chunk 1 (exit 137)" test $? -eq 137
expect_ok "status" "$A2D" status k.ini
check "ensemble left running" grep -qE "^ensemble +running" out.txt
check "train complete before it" grep -qE "^train +complete" out.txt
expect_ok "rerun" "$A2D" run k.ini
check "resumed after 4 models" grep -q "ensemble: resuming after 4 finished models" out.txt
check "train skipped" grep -q "train: complete, skipped" out.txt
expect_ok "/ensemble equals the uninterrupted run" h5diff -r k.h5 ref.h5 /ensemble /ensemble
expect_ok "/train equals the uninterrupted run" h5diff -r k.h5 ref.h5 /train /train
# Killed on 2 ranks after the second checkpoint, resumed on 4 ranks.
small_train_deck k2.h5 > k2.ini
A2D_FAULT=ensemble:checkpoint-2 np 2 "$A2D" run k2.ini > kill.txt 2>&1
expect_ok "rerun on 4 ranks" np 4 "$A2D" run k2.ini
check "resumed after 8 models" grep -q "resuming after 8 finished models" out.txt
expect_ok "/ensemble equals the uninterrupted run" h5diff -r k2.h5 ref.h5 /ensemble /ensemble
# Killed after train wrote its data but before it was marked complete.
small_train_deck k3.h5 > k3.ini
A2D_FAULT=train:before-complete "$A2D" run k3.ini > kill.txt 2>&1
expect_ok "rerun" "$A2D" run k3.ini
expect_ok "/train equals the uninterrupted run" h5diff -r k3.h5 ref.h5 /train /train
# A changed [train] key stops the rerun, naming it.
expect_fail "changed key" 5 '[train] epochs: was "8" when computed, the deck now gives "5"' "$A2D" run ref.ini --set train.epochs=5
# Recomputing prepare marks the stages that need it stale; the next run
# recomputes them, with the same results.
expect_ok "force prepare" "$A2D" prepare ref.ini --force
check "train marked stale" grep -q "train: marked stale" out.txt
check "ensemble marked stale" grep -q "ensemble: marked stale" out.txt
expect_ok "run recomputes the stale stages" "$A2D" run ref.ini
check "train recomputed" grep -q "train: complete in" out.txt
check "ensemble recomputed" grep -q "ensemble: complete in" out.txt
expect_ok "same results as before" h5diff -r k.h5 ref.h5 /ensemble /ensemble
# A recomputed stage starts from an empty group (the driver clears a2d_stage.group):
# nothing an earlier run left there survives.
/usr/bin/python3 -c 'import h5py; h5py.File("ref.h5", "a")["/train/stale"] = [1, 2, 3]'
expect_ok "force train" "$A2D" train ref.ini --force
check "the stale dataset is gone" /usr/bin/python3 -c 'import h5py, sys; sys.exit("/train/stale" in h5py.File("ref.h5", "r"))'
expect_ok "the same models again" h5diff -r k.h5 ref.h5 /train /train
finish
