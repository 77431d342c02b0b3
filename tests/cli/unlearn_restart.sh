# unlearn_restart.sh - stage unlearn killed after its second round of tasks,
# and stage oracle after its first, resume task by task (on a different rank
# count) and end with the same results as an uninterrupted run.
# Ranks: 2, resumed on 1.  Reference: an uninterrupted 2-rank run.
. "$SRC/tests/cli/lib.sh"
small_unlearn_deck ref.h5 > ref.ini
# Under the sanitizers no reference: the kills and resumes are their subject here; the
# same results as an uninterrupted run is the normal build's claim (evaluate runs the
# uninterrupted pipeline on 2 ranks under the sanitizers).
if sanitized; then
  skip "the uninterrupted reference run and the comparisons with it"
else
  expect_ok "uninterrupted run" np 2 "$A2D" run ref.ini
fi
for fault in unlearn:round-2 oracle:round-1; do
  stage=${fault%%:*}
  small_unlearn_deck $stage.h5 > $stage.ini
  A2D_FAULT="$fault" np 2 "$A2D" run $stage.ini > kill.txt 2>&1
  expect_ok "status after $fault" "$A2D" status $stage.ini
  check "$stage left running after $fault" grep -qE "^$stage +running" out.txt
  expect_ok "rerun after $fault" np 1 "$A2D" run $stage.ini
  check "$stage resumed after the killed round" grep -q "$stage: resuming, [1-9][0-9]* of [0-9]* tasks already done" out.txt
  sanitized || check "same /$stage after $fault" same_tasks $stage.h5 ref.h5 /$stage
done
finish
