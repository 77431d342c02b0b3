# jobs/slurm/common.sh - shared by submit-stages and submit-study (sourced; they run on a
# login node, where sbatch is, not inside a job).

die() { echo "${0##*/}: $*" >&2; exit 2; }

SLURM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
JOB_SCRIPT=$SLURM_DIR/a2d.sbatch

# The a2d executable: $A2D, else a2d on PATH, else the source tree's build/a2d (absolute,
# because jobs run elsewhere).
find_a2d() {
  A2D=${A2D:-$(command -v a2d || echo "$SLURM_DIR/../../build/a2d")}
  [ -x "$A2D" ] || die "no a2d executable at $A2D (build it, set A2D=/path/to/a2d or put a2d on PATH)"
  A2D=$(cd "$(dirname "$A2D")" && pwd)/$(basename "$A2D")
}

# Options shared by the submit scripts; the rest after -- goes to every sbatch.
WIDE=${A2D_WIDE_TASKS:-8}
NARROW=${A2D_NARROW_TASKS:-1}
CPUS=${A2D_CPUS_PER_TASK:-1}
TIME=${A2D_TIME:-}
SBATCH_EXTRA=()
SBATCH=${A2D_SBATCH:-sbatch} # the sbatch to call
parse_submit_options() {
  POSITIONAL=()
  while [ $# -gt 0 ]; do
    case $1 in
      --wide) WIDE=${2:?--wide needs a task count}; shift 2 ;;
      --narrow) NARROW=${2:?--narrow needs a task count}; shift 2 ;;
      --cpus-per-task) CPUS=${2:?--cpus-per-task needs a count}; shift 2 ;;
      --time) TIME=${2:?--time needs a limit such as 2:00:00}; shift 2 ;;
      --out) OUT=${2:?--out needs a folder}; shift 2 ;;
      --) shift; SBATCH_EXTRA=("$@"); break ;;
      -h|--help) usage; exit 0 ;;
      -*) die "unknown option $1 (see --help)" ;;
      *) POSITIONAL+=("$1"); shift ;;
    esac
  done
  command -v "$SBATCH" >/dev/null ||
    die "sbatch not found: run this where Slurm jobs are submitted (a login node)"
}

# submit TASKS OUTPUT DEPENDENCY ARGS...: sbatch the job script; prints the job id.
submit() {
  local tasks=$1 output=$2 dep=$3; shift 3
  local opts=(--parsable --ntasks="$tasks" --cpus-per-task="$CPUS" --output="$output")
  [ -n "$TIME" ] && opts+=(--time="$TIME")
  [ -n "$dep" ] && opts+=(--dependency="$dep" --kill-on-invalid-dep=yes)
  "$SBATCH" "${opts[@]}" "${SBATCH_EXTRA[@]}" "$@" | cut -d';' -f1
}
