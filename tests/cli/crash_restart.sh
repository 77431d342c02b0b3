# crash_restart.sh - `a2d run` killed with SIGKILL at 16 points spread over
# the ensemble, fit, unlearn and oracle stages (and the ends of train, forget
# and evaluate), rerun after each kill on alternating rank counts, ends with a
# study file equal to an uninterrupted run's, every dataset bit for bit
# (timing fields aside).  After every kill the interrupted stage is "running",
# never "complete", and no later stage has started.
# Ranks: 2 and 1, alternating.  Reference: an uninterrupted 2-rank run.
. "$SRC/tests/cli/lib.sh"
small_unlearn_deck ref.h5 > ref.ini
small_unlearn_deck killed.h5 > killed.ini
# Under the sanitizers no reference: the kills and resumes are their subject here; the
# same bits as an uninterrupted run is the normal build's claim (evaluate runs the
# uninterrupted pipeline on 2 ranks under the sanitizers).
if sanitized; then
  skip "the uninterrupted reference run and the comparison with it"
else
  expect_ok "uninterrupted run" np 2 "$A2D" run ref.ini
fi

# Kill points in pipeline order; each run resumes where the previous one died.
points="forget:before-complete train:before-complete ensemble:checkpoint-1 ensemble:checkpoint-3
ensemble:before-complete fit:round-1 fit:round-3 fit:joined fit:before-complete unlearn:round-1
unlearn:round-5 unlearn:before-complete oracle:round-1 oracle:round-4 oracle:before-complete
evaluate:before-complete"
kills=0
ranks=2
for point in $points; do
  stage=${point%%:*}
  A2D_FAULT=$point np $ranks "$A2D" run killed.ini > run.txt 2>&1
  rc=$?
  check "killed at $point (exit $rc)" test "$rc" -ne 0
  check "the log stops inside $stage at $point" sh -c "grep -q '^a2d: $stage: ' run.txt && ! grep -q '^a2d: $stage: complete' run.txt"
  expect_ok "status after $point" "$A2D" status killed.ini
  check "$stage is running, not complete, after $point" grep -qE "^$stage +running$" out.txt
  check "nothing after $stage started" sh -c "! sed -n '/^$stage /,\$p' out.txt | tail -n +2 | grep -qE 'running|complete'"
  [ "$rc" -ne 0 ] && kills=$((kills + 1))
  ranks=$((3 - ranks))
done
expect_ok "the final rerun completes" np $ranks "$A2D" run killed.ini
check "16 kills survived" test "$kills" -eq 16

sanitized || check "the study file equals the uninterrupted run's" same_study killed.h5 ref.h5
finish
