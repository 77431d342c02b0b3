#!/usr/bin/env bash
# run.sh - the whole example (README.md beside it): PyTorch trains, a2d fits and
# exports DMM's targets, PyTorch unlearns, a2d evaluates and reports.
#
#   examples/pytorch/run.sh [--small]    from the repository's top, after building a2d
#
# --small is the test's reduced size (tests/cli/pytorch_example.sh). Output goes to
# examples/pytorch/work/ (WORK=... to put it elsewhere); A2D, MPIEXEC and RANKS
# choose the executable, the launcher and the rank count (build/a2d, mpirun, 2).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
a2d=${A2D:-$top/build/a2d}
mpiexec=${MPIEXEC:-mpirun}
ranks=${RANKS:-2}
work=${WORK:-$here/work}
small=()
[ "${1:-}" = --small ] && small=(--small)
py=/usr/bin/python3
mkdir -p "$work"
deck=$work/pytorch.ini
sed "s|work/|$work/|" "$here/pytorch.ini" > "$deck"
if [ ${#small[@]} -gt 0 ]; then # 4 base models against 4 + 4 oracles, a smaller ensemble
  sed -i 's/^models = 8  /models = 4  /; s/^models = 16 /models = 4  /' "$deck"
fi
rm -f "$work/pytorch.h5"

echo "== 1. PyTorch: the ensemble, the base models and the oracles"
(cd "$here" && OMP_NUM_THREADS=1 $py train.py --out "$work/import.h5" "${small[@]}")
echo "== 2. a2d: the datamodels, and DMM's targets for each forget set"
"$mpiexec" -n "$ranks" "$a2d" run "$deck" --until fit
for set in random shirts; do
  "$mpiexec" -n "$ranks" "$a2d" export "$deck" --what targets --forget $set --out "$work/targets-$set.h5"
done
echo "== 3. PyTorch: DMM (and gd) from every base model"
(cd "$here" && OMP_NUM_THREADS=1 $py unlearn.py --import "$work/import.h5" \
  --targets "$work/targets-random.h5" --targets "$work/targets-shirts.h5" "${small[@]}")
echo "== 4. a2d: none and dm_direct, KLoM against the oracles, the report"
"$mpiexec" -n "$ranks" "$a2d" run "$deck"
"$a2d" report "$deck"
