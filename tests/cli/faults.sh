# faults.sh - faults around a running study, each with a clear message and
# nothing lost:
#   - one of two MPI processes killed in stage ensemble: the job ends, Open MPI
#     names the dead rank, and a rerun recovers the uninterrupted result;
#   - the study file's disk fills up (a small tmpfs): a clear message, the
#     stages already written stay readable, none is marked complete wrongly,
#     and after room is made a rerun finishes with the uninterrupted result;
#   - a read-only output directory, with and without a study file in it, and a
#     missing one: refused, nothing written;
#   - the study file held open by another running job: refused at once, and
#     the running job finishes undisturbed.
# The tmpfs cases need mount (root with CAP_SYS_ADMIN) and are skipped with a
# message where it is refused.  Ranks: 2.  Reference: an uninterrupted 2-rank run.
. "$SRC/tests/cli/lib.sh"
faults=0
small_unlearn_deck ref.h5 > ref.ini
expect_ok "uninterrupted run" np 2 "$A2D" run ref.ini

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
check "killed rank: same study as uninterrupted" same_study rank.h5 ref.h5

# ---- file systems made by the test: tmpfs, when mount is allowed ----
mounts=()
cleanup_mounts() { for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done; }
trap cleanup_mounts EXIT
can_mount=0
mkdir -p probe && mount -t tmpfs -o size=1m tmpfs probe 2>/dev/null && umount probe && can_mount=1
if [ "$can_mount" -eq 1 ]; then
  # -- disk full: room for prepare's data but not for the ensemble's outputs --
  mkdir -p small && mount -t tmpfs -o size=1200k tmpfs small && mounts+=("$WORK/small")
  small_unlearn_deck "$WORK/small/full.h5" > full.ini
  faults=$((faults + 1))
  expect_fail "disk full: a clear message" 4 "small/full.h5: " np 2 "$A2D" run full.ini
  check "disk full: the message says why" grep -qiE "disk full|no space left" err.txt
  check "disk full: no crash" sh -c "! grep -qiE 'segmentation|sanitizer|core dumped' err.txt"
  expect_ok "disk full: the file stays readable" "$A2D" status full.ini
  check "disk full: prepare complete, a later stage running" \
    sh -c "grep -qE '^prepare +complete' out.txt && grep -qE ' running$' out.txt"
  check "disk full: the prepared data reads back" /usr/bin/python3 -c "
import h5py, numpy as np
a, b = h5py.File('small/full.h5', 'r'), h5py.File('ref.h5', 'r')
assert np.array_equal(a['data/train/x'][()], b['data/train/x'][()])"
  mount -o remount,size=64m small
  expect_ok "disk full: rerun after making room" np 2 "$A2D" run full.ini
  check "disk full: same study as uninterrupted" same_study small/full.h5 ref.h5

  # -- read-only output directory: empty, and holding a study file --
  mkdir -p ro && mount -t tmpfs -o size=8m tmpfs ro && mounts+=("$WORK/ro")
  small_deck "$WORK/ro/s.h5" > ro.ini
  expect_ok "read-only: a study file to protect" "$A2D" prepare ro.ini
  sum=$(md5sum ro/s.h5)
  small_deck "$WORK/ro/new.h5" > ronew.ini
  mount -o remount,ro ro
  faults=$((faults + 2))
  expect_fail "read-only directory, new study file" 4 "ro/new.h5: the output directory $WORK/ro is not writable" "$A2D" run ronew.ini
  check "read-only: nothing created" test ! -e ro/new.h5
  expect_fail "read-only directory, existing study file" 4 "ro/s.h5: cannot open the study file (is it read-only, or open in another running job?)" "$A2D" run ro.ini
expect_ok "read-only: status still reads it" "$A2D" status ro.ini
check "read-only: prepare complete" grep -qE "^prepare +complete" out.txt
  check "read-only: the study file is unchanged" test "$(md5sum ro/s.h5)" = "$sum"
else
  echo "SKIP: disk-full and read-only cases: mount -t tmpfs is not permitted here"
fi

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
check "locked: and its study equals the uninterrupted run" same_study lock.h5 ref.h5

echo "$faults faults injected"
finish
