# faults_mount.sh - faults of the file system under a study, on tmpfs mounts
# the test makes, each with a clear message and nothing lost:
#   - the study file's disk fills up: a clear message, the stages already
#     written stay readable, none is marked complete wrongly, and after room
#     is made a rerun finishes with the uninterrupted result;
#   - a read-only output directory, with and without a study file in it:
#     refused, nothing written, the study file unchanged and still readable.
# Needs mount (root with CAP_SYS_ADMIN): where it is refused the test says so
# and exits 77, which ctest reports as skipped, not passed.
# Ranks: 2.  Reference: an uninterrupted 2-rank run.
. "$SRC/tests/cli/lib.sh"
mkdir -p probe
if ! { mount -t tmpfs -o size=1m tmpfs probe 2>/dev/null && umount probe; }; then
  echo "SKIP: mount -t tmpfs is not permitted here"
  exit 77
fi
faults=0
small_unlearn_deck ref.h5 > ref.ini
# Under the sanitizers the reference is prepared only (for the data read back below):
# the faults are their subject here; the same study as an uninterrupted run is the
# normal build's claim (evaluate runs the uninterrupted pipeline on 2 ranks under the
# sanitizers).
if sanitized; then
  skip "the uninterrupted reference run past prepare and the comparison with it"
  expect_ok "the reference's prepared data" np 2 "$A2D" prepare ref.ini
else
  expect_ok "uninterrupted run" np 2 "$A2D" run ref.ini
fi

mounts=()
cleanup_mounts() { for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done; }
trap cleanup_mounts EXIT
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
sanitized || check "disk full: same study as uninterrupted" same_study small/full.h5 ref.h5

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

echo "$faults faults injected"
finish
