# slurm.sh - the job scripts on a real Slurm: a one-node cluster on this
# machine (scripts/slurm-local: munged, slurmctld, slurmd, a generated
# slurm.conf), then
#   - jobs/slurm/submit-stages: one job per stage, chained; every job completes,
#     every stage is complete, each job's log lies beside the study file;
#   - a failing first stage: the job fails and the chain behind it is cancelled;
#   - jobs/slurm/submit-study: the shared stages once, a 3-case array starting
#     from them, and the collect job; every case's study file is complete and
#     the collected table has the 3 cases;
#   - jobs/slurm/a2d.sbatch in one allocation, launched by mpirun.
# The daemons this test started are stopped by their process ids.  Where Slurm
# cannot start (not installed, not root), the test is skipped (exit 77) saying why.
# Ranks: 2 per wide job (the node has this machine's cores).
. "$SRC/tests/cli/lib.sh"
SLURM_HOME=$WORK/slurm
if ! out=$("$SRC/scripts/slurm-local" start "$SLURM_HOME" 2>&1); then
  echo "SKIP: no Slurm cluster here: $out"
  exit 77
fi
trap '"$SRC/scripts/slurm-local" stop "$SLURM_HOME"' EXIT
eval "$out" # export SLURM_CONF=...
export A2D

# wait_idle SECONDS: until the queue is empty; 1 on timeout.
wait_idle() {
  for _ in $(seq 1 "$1"); do
    [ -z "$(squeue -h -o %i)" ] && return 0
    sleep 1
  done
  echo "timeout: still queued:"; squeue
  return 1
}

# states ID...: the distinct final states of the jobs (array tasks included).
states() {
  for id in "$@"; do scontrol show job "$id" | grep -o 'JobState=[A-Z_]*' | cut -d= -f2; done | sort -u | tr '\n' ' '
}

# ---- one job per stage, chained ----
quick_deck "$WORK/chain/study.h5" > chain.ini
mkdir -p chain
expect_ok "submit-stages" "$SRC/jobs/slurm/submit-stages" chain.ini --wide 2 --narrow 1
cp out.txt chain-jobs.txt
check "eleven jobs submitted, prepare to report" test "$(awk '{print $1}' chain-jobs.txt | tr '\n' ' ')" = \
  "prepare forget train ensemble fit trak tune unlearn oracle evaluate report "
check "wide stages get 2 tasks" grep -qE '^ensemble +[0-9]+  \(2 tasks\)' chain-jobs.txt
check "the chain finishes within 300 s" wait_idle 300
check "every stage job completed" test "$(states $(awk '{print $2}' chain-jobs.txt))" = "COMPLETED "
expect_ok "status" "$A2D" status chain.ini
check "every stage complete" test "$(grep -c ' complete$' out.txt)" -eq 10
check "the report was written" test -s chain/study-report/report.md
check "each job's log beside the study file" test "$(ls chain/study-*-*.log | wc -l)" -eq 11
check "the fit log shows srun or mpirun with 2 ranks" grep -qE "a2d fit .* with 2 ranks x 1 threads via (srun|mpirun)" chain/study-fit-*.log

# ---- a failing stage cancels the rest of the chain ----
quick_deck "$WORK/chain/broken.h5" | sed 's/^source = synthetic$/source = csv\npath = missing.csv/' > broken.ini
expect_ok "submit a chain whose prepare fails" "$SRC/jobs/slurm/submit-stages" broken.ini --wide 2
cp out.txt broken-jobs.txt
check "the broken chain ends within 120 s" wait_idle 120
check "prepare failed" test "$(states "$(awk '$1 == "prepare" {print $2}' broken-jobs.txt)")" = "FAILED "
check "the jobs behind it were cancelled" test "$(states $(awk '$1 != "prepare" {print $2}' broken-jobs.txt))" = "CANCELLED "
check "the prepare log names the missing file" grep -q "missing.csv" chain/broken-prepare-*.log

# ---- a 3-case parameter study as a job array ----
{ quick_deck "$WORK/sweep/s.h5"; printf '\n[study]\nunlearn.ga.lr = 0.01 | 0.03 | 0.1\n'; } > sweep.ini
expect_ok "submit-study" "$SRC/jobs/slurm/submit-study" sweep.ini --wide 2
cp out.txt study-jobs.txt
array=$(awk '$1 == "cases" {print $2}' study-jobs.txt)
collect=$(awk '$1 == "collect" {print $2}' study-jobs.txt)
shared=$(awk '$1 == "shared" {print $2}' study-jobs.txt)
check "the shared stages are one job" grep -q "^shared .*(prepare forget train ensemble fit trak oracle: once" study-jobs.txt
check "the study finishes within 300 s" wait_idle 300
check "the shared job completed" test "$(states "$shared")" = "COMPLETED "
check "all 3 array tasks completed" test "$(states "$array")" = "COMPLETED "
check "the collect job completed" test "$(states "$collect")" = "COMPLETED "
for c in sweep/s-study/00[012]_lr-*.ini; do
  expect_ok "status of $c" "$A2D" status "$c"
  check "$c: evaluate complete" grep -qE '^evaluate +complete' out.txt
done
check "collect saw 3 of 3" grep -q "3 of 3 cases collected" sweep/s-study/collect-*.log
check "the collected table has the 3 cases" test "$(tail -n +2 sweep/s-study/collected.csv | cut -d, -f1 | sort -u | tr '\n' ' ')" = "0 1 2 "
check "the collected table has the 3 learning rates" test "$(tail -n +2 sweep/s-study/collected.csv | cut -d, -f2 | sort -u | tr '\n' ' ')" = "0.01 0.03 0.1 "
check "a log per case beside its study file" test "$(ls sweep/s-study/00?_lr-*-run-*.log | wc -l)" -eq 3
check "each case started from the shared study file" test "$(grep -l "starting from a copy of .*shared.h5" sweep/s-study/00?_lr-*-run-*.log | wc -l)" -eq 3
check "and skipped the shared stages" test "$(cat sweep/s-study/00?_lr-*-run-*.log | grep -c 'complete, skipped')" -eq 21

# ---- the whole pipeline in one allocation, launched by mpirun ----
quick_deck "$WORK/whole/w.h5" > whole.ini
mkdir -p whole
expect_ok "sbatch a2d.sbatch" env A2D_LAUNCHER=mpirun sbatch --parsable -n 2 --output="$WORK/whole/slurm-%j.out" \
  "$SRC/jobs/slurm/a2d.sbatch" whole.ini
whole=$(cut -d';' -f1 out.txt)
check "the one-allocation job finishes within 120 s" wait_idle 120
check "it completed" test "$(states "$whole")" = "COMPLETED "
check "it ran on 2 ranks through mpirun" grep -q "with 2 ranks x 1 threads via mpirun" whole/w-run-"$whole".log
check "and ended with the report" test -s whole/w-report/summary.csv
finish
