# faults.sh - faults around a running study, each with a clear message and
# nothing lost:
#   - one of two MPI processes killed in stage ensemble: the job ends, Open MPI
#     names the dead rank, and a rerun recovers the uninterrupted result;
#   - a missing output directory: refused, nothing written;
#   - the study file held open by another running job: refused at once, and
#     the running job finishes undisturbed.
# A full disk and read-only directories, which need mount, are faults_mount.sh.
# Ranks: 2.  Reference: an uninterrupted 2-rank run.
. "$SRC/tests/cli/lib.sh"
faults=0
small_unlearn_deck ref.h5 > ref.ini
# Under the sanitizers no reference: the faults are their subject here; the same bits as
# an uninterrupted run is the normal build's claim (evaluate runs the uninterrupted
# pipeline on 2 ranks under the sanitizers).
if sanitized; then
  skip "the uninterrupted reference run and the two comparisons with it"
else
  expect_ok "uninterrupted run" np 2 "$A2D" run ref.ini
fi

# ---- one process of the job killed ----
small_unlearn_deck rank.h5 > rank.ini
A2D_FAULT=ensemble:checkpoint-2 A2D_FAULT_RANK=1 np 2 "$A2D" run rank.ini > rank.txt 2>&1
rc=$?
faults=$((faults + 1))
check "killed rank: the job fails (exit $rc)" test "$rc" -ne 0
check "killed rank: Open MPI names the dead process" grep -qE "rank 1 .*(signal 9|Killed)" rank.txt
expect_ok "killed rank: status" "$A2D" status rank.ini
check "killed rank: ensemble left running" grep -qE "^ensemble +running" out.txt
expect_ok "killed rank: rerun" np 2 "$A2D" run rank.ini
check "killed rank: rerun resumed the ensemble" grep -q "ensemble: resuming" out.txt
sanitized || check "killed rank: same study as uninterrupted" same_study rank.h5 ref.h5

# ---- a missing output directory ----
small_deck "$WORK/nowhere/s.h5" > missing.ini
faults=$((faults + 1))
expect_fail "missing output directory" 4 "nowhere/s.h5: the output directory $WORK/nowhere does not exist" "$A2D" run missing.ini
check "missing: nothing created" test ! -e nowhere

# ---- the study file held by another running job ----
small_unlearn_deck lock.h5 > lock.ini
A2D_FAULT=ensemble:checkpoint-1 A2D_FAULT_PAUSE=4 np 2 "$A2D" run lock.ini > first.txt 2>&1 &
first=$!
for _ in $(seq 1 100); do grep -q "^a2d: ensemble: " first.txt 2>/dev/null && break; sleep 0.1; done
faults=$((faults + 1))
expect_fail "locked: a second job on the same study file" 4 "lock.h5: the study file is in use: another running job (a2d, or a program reading it) holds it open; nothing was changed" np 2 "$A2D" run lock.ini
expect_fail "locked: a status query meanwhile" 4 "lock.h5: the study file is in use" "$A2D" status lock.ini
wait "$first"
rc=$?
check "locked: the first job finished (exit $rc)" test "$rc" -eq 0
sanitized || check "locked: and its study equals the uninterrupted run" same_study lock.h5 ref.h5

echo "$faults faults injected"
finish
