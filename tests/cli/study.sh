# study.sh - parameter studies without Slurm: `a2d study expand` (grid and zip,
# case names, the manifest, each case deck's values and output, relative
# index lists made absolute, idempotent re-expansion, refusals with the deck
# line), `a2d study collect` (a complete study, one stopped half-way, one
# never run, one unreadable: listed with reasons, exit 5, the rest collected),
# `a2d get`, `a2d stages`, and the job scripts' refusals outside Slurm.
# Ranks: 1 (collect reads each study file on one rank).
. "$SRC/tests/cli/lib.sh"
mkdir -p decks
seq 0 4 > decks/first.txt

# study_deck: the small deck with a file-list forget set and a [study] section ($1).
study_deck() {
  quick_deck "$WORK/out/base.h5" | sed 's/^random_10 = random:10$/random_10 = random:10\nlisted = file:first.txt/'
  printf '\n[study]\n%s\n' "$1"
}

# ---- a2d get and a2d stages ----
study_deck "unlearn.ga.lr = 0.01 | 0.1" > decks/grid.ini
expect_ok "get a key" "$A2D" get decks/grid.ini data.n_train
check "get prints the value" test "$(cat out.txt)" = 300
expect_ok "get a default" "$A2D" get decks/grid.ini unlearn.ga.lr
check "get prints the default" test "$(cat out.txt)" = 0.01
expect_ok "get a named entry" "$A2D" get decks/grid.ini forget.listed
check "get prints its spec" test "$(cat out.txt)" = "file:first.txt"
expect_fail "get an unknown key" 2 "data.n_trian: no such key in decks/grid.ini" \
  "$A2D" get decks/grid.ini data.n_trian
expect_fail "get without a key" 2 "a2d get DECK SECTION.KEY" "$A2D" get decks/grid.ini
expect_ok "stages" "$A2D" stages
check "stages in pipeline order" test "$(tr '\n' ' ' < out.txt)" = \
  "prepare forget train ensemble fit trak tune unlearn oracle evaluate "

# ---- expand: a 2 x 3 grid ----
cat > decks/grid.ini <<DECK
$(study_deck "unlearn.ga.lr = 0.01 | 0.1
train.epochs = 2|3 | 4")
DECK
mkdir out
expect_ok "expand a grid" "$A2D" study expand decks/grid.ini
check "expand reports 6 cases" grep -q "a2d: study: 6 cases (grid of unlearn.ga.lr \[2\] x train.epochs \[3\])" out.txt
S=$WORK/out/base-study
check "default folder beside the study file" test -f "$S/manifest.tsv"
check "case names encode the values, last key fastest" test "$(cd "$S" && ls 0*.ini | tr '\n' ' ')" = \
  "000_lr-0.01_epochs-2.ini 001_lr-0.01_epochs-3.ini 002_lr-0.01_epochs-4.ini 003_lr-0.1_epochs-2.ini 004_lr-0.1_epochs-3.ini 005_lr-0.1_epochs-4.ini "
check "manifest header" test "$(head -1 "$S/manifest.tsv")" = "$(printf 'case\tdeck\tstudy\tunlearn.ga.lr\ttrain.epochs')"
check "manifest line of case 4" test "$(sed -n 6p "$S/manifest.tsv")" = \
  "$(printf '4\t%s/004_lr-0.1_epochs-3.ini\t%s/004_lr-0.1_epochs-3.h5\t0.1\t3' "$S" "$S")"
expect_ok "case 4 deck is valid" "$A2D" check "$S/004_lr-0.1_epochs-3.ini"
check "case 4 has its lr" test "$("$A2D" get "$S/004_lr-0.1_epochs-3.ini" unlearn.ga.lr)" = 0.1
check "case 4 has its epochs" test "$("$A2D" get "$S/004_lr-0.1_epochs-3.ini" train.epochs)" = 3
check "case 4 writes its own study file" test "$("$A2D" get "$S/004_lr-0.1_epochs-3.ini" output.path)" = "$S/004_lr-0.1_epochs-3.h5"
check "case 4 keeps the other keys" test "$("$A2D" get "$S/004_lr-0.1_epochs-3.ini" data.n_train)" = 300
check "the index list is made absolute" test "$("$A2D" get "$S/004_lr-0.1_epochs-3.ini" forget.listed)" = "file:$WORK/decks/first.txt"
check "case decks sweep nothing" sh -c "! grep -q '^unlearn.ga.lr' '$S/004_lr-0.1_epochs-3.ini'"
check "shared stages: those the training recipe does not touch" test "$(tr '\n' ' ' < "$S/shared.stages")" = "prepare forget "
check "the shared deck has the base values" test "$("$A2D" get "$S/shared.ini" train.epochs)" = 4
check "the shared deck writes shared.h5" test "$("$A2D" get "$S/shared.ini" output.path)" = "$S/shared.h5"
cp "$S/manifest.tsv" manifest.before
expect_ok "expanding again is harmless" "$A2D" study expand decks/grid.ini
check "the same manifest" cmp -s manifest.before "$S/manifest.tsv"

# ---- zip, --out, --set into [study] ----
expect_ok "expand zipped with --out and --set" "$A2D" study expand decks/grid.ini --out zipped \
  --set study.mode=zip --set "study.unlearn.ga.lr=0.01|0.03|0.1"
check "zip makes 3 cases" test "$(ls zipped/0*.ini | wc -l)" -eq 3
check "zip pairs the i-th values" test -f zipped/002_lr-0.1_epochs-4.ini
check "tags stay unique" test "$(bash -c "cd zipped && ls 00*" | head -1)" = 000_lr-0.01_epochs-2.ini
expect_fail "another expansion into the same folder" 5 "manifest.tsv: holds another expansion" \
  "$A2D" study expand decks/grid.ini --out zipped
expect_ok "--force replaces it" "$A2D" study expand decks/grid.ini --out zipped --force
check "now the grid" test "$(tail -n +2 zipped/manifest.tsv | wc -l)" -eq 6

# ---- refusals, each naming the deck line ----
for bad in "unlearn.ga.lrr = 0.1|0.2@decks/bad.ini:40: [study] unlearn.ga.lrr: [unlearn.ga] has no key \"lrr\"; did you mean \"lr\"?" \
  "unlearn.ga.lr = 0.1 | fast@decks/bad.ini:40: [study] unlearn.ga.lr: value 2 (\"fast\"): expected a positive real" \
  "output.path = a.h5 | b.h5@decks/bad.ini:40: [study] output.path: [output] cannot be swept" \
  "trian.epochs = 1 | 2@decks/bad.ini:40: [study] trian.epochs: unknown section [trian]; did you mean [train]?" \
  "unlearn.ga.lr = 0.1 | 0.1@decks/bad.ini:40: [study] unlearn.ga.lr: value \"0.1\" is listed twice" \
  "lr = 0.1 | 0.2@decks/bad.ini:40: [study] lr: expected the key to sweep as section.key"; do
  study_deck "${bad%%@*}" > decks/bad.ini
  expect_fail "bad sweep ${bad%%@*}" 2 "${bad#*@}" "$A2D" study expand decks/bad.ini
done
study_deck "mode = zip
unlearn.ga.lr = 0.1 | 0.2
train.epochs = 1 | 2 | 3" > decks/bad.ini
expect_fail "zip of unequal lengths" 2 "[study] mode = zip needs as many values for every key: unlearn.ga.lr lists 2, train.epochs (decks/bad.ini:42) lists 3" \
  "$A2D" study expand decks/bad.ini
study_deck "mode = zip
unlearn.ga.lr = 0.1 | 0.1
train.epochs = 1 | 1" > decks/bad.ini
expect_fail "zip with a case twice" 2 "[study] mode = zip: cases 0 and 1 are the same" \
  "$A2D" study expand decks/bad.ini
study_deck "mode = zip
unlearn.ga.lr = 0.1 | 0.1 | 0.2
train.epochs = 1 | 2 | 2" > decks/zip.ini
expect_ok "zip may repeat a value while its cases differ" "$A2D" study expand decks/zip.ini --out zip2
check "three cases" test "$(tail -n +2 zip2/manifest.tsv | wc -l)" -eq 3
study_deck "mode = grid" > decks/bad.ini
expect_fail "nothing to sweep" 2 "decks/bad.ini: [study] lists no keys to sweep" "$A2D" study expand decks/bad.ini
study_deck "model.kind = logreg | mlp" | sed 's/^methods = none, ga, dmm$/methods = none, newton/' > decks/bad.ini
expect_fail "a case that fails its checks" 2 "study case 001_kind-mlp:" "$A2D" study expand decks/bad.ini --out badcases
check "nothing written for a failing study" test ! -e badcases/manifest.tsv
expect_fail "study without a subcommand" 2 "usage: a2d study expand DECK" "$A2D" study
expect_fail "study with a wrong subcommand" 2 "usage: a2d study expand DECK" "$A2D" study grow decks/grid.ini

# ---- collect: complete, stopped, missing and unreadable cases ----
expect_ok "expand 4 cases" "$A2D" study expand decks/grid.ini --out four --set "study.train.epochs=2|3"
cases=(four/000_*.ini four/001_*.ini four/002_*.ini four/003_*.ini)
expect_ok "run case 0" "$A2D" run "${cases[0]}"
expect_ok "case 1 stops after prepare" "$A2D" prepare "${cases[1]}"
echo "not HDF5" > "${cases[3]%.ini}.h5"
expect_fail "collect lists the incomplete cases" 5 "four: 3 of 4 cases are incomplete (listed above); four/collected.csv holds the other 1" \
  "$A2D" study collect four
check "collect names the stopped case" grep -q "case 1 (.*001_lr-0.01_epochs-3.h5): not evaluated: stage forget is absent" out.txt
check "collect names the missing case" grep -q "case 2 (.*002_lr-0.1_epochs-2.h5): no study file" out.txt
check "collect names the unreadable case" grep -q "case 3 (.*003_lr-0.1_epochs-3.h5): cannot open: .*not an HDF5 file" out.txt
check "the table shows the complete case" test "$(grep -cE '^0 +0.01 +2 +(random_10|listed) +dmm' out.txt)" -eq 2
check "collected.csv: a header and 2 forget sets x 4 rows" test "$(wc -l < four/collected.csv)" -eq 9
check "collected.csv leads with the case and values" grep -q "^case,unlearn.ga.lr,train.epochs,forget,method,klom_forget_mean" four/collected.csv
check "collected.csv rows equal the study's own summary" /usr/bin/python3 - "${cases[0]%.ini}.h5" <<'PY'
import csv, sys, h5py
rows = list(csv.DictReader(open("four/collected.csv")))
s = h5py.File(sys.argv[1], "r")["eval/summary"][()]
assert len(rows) == len(s), (len(rows), len(s))
for r, t in zip(rows, s):
    assert r["case"] == "0" and r["unlearn.ga.lr"] == "0.01" and r["train.epochs"] == "2"
    assert r["forget"] == t["forget"].decode() and r["method"] == t["method"].decode()
    assert float(r["klom_forget_p95"]) == t["klom_forget_p95"]
    assert float(r["acc_retain_mean"]) == t["acc_retain_mean"]
PY
rm "${cases[3]%.ini}.h5"
for c in 1 2 3; do expect_ok "run case $c" "$A2D" run "${cases[$c]}"; done
expect_ok "collect a complete study" "$A2D" study collect four
check "4 of 4 collected" grep -q "4 of 4 cases collected into four/collected.csv (32 rows)" out.txt
check "each case's attribution and its LDS" \
  test "$(grep -cE '^[0-3] .* datamodels +(-?[0-9.]+|nan) +(-?[0-9.]+|nan)$' out.txt)" -eq 4
printf 'case\tdeck\n' > bad-manifest.tsv
mkdir -p badfolder && cp bad-manifest.tsv badfolder/manifest.tsv
expect_fail "collect a foreign manifest" 3 "badfolder/manifest.tsv:1: expected the header" "$A2D" study collect badfolder
expect_fail "collect a folder without manifest" 4 "nofolder/manifest.tsv: cannot open" "$A2D" study collect nofolder

# ---- repeats over seeds: cases that differ only in a seed, summarised ----
study_deck "unlearn.ga.lr = 0.01 | 0.1
train.seed = 1 | 2" > decks/seeds.ini
expect_ok "expand 2 settings x 2 seeds" "$A2D" study expand decks/seeds.ini --out seeds
for c in seeds/00[0-3]_*.ini; do expect_ok "run $c" "$A2D" run "$c"; done
expect_ok "collect the seeds" "$A2D" study collect seeds
check "collect prints the repeats" grep -q "^Repeats over seeds" out.txt
check "a repeat row: lr 0.1, random_10, dmm, 2 seeds" grep -qE "^0\.1 +random_10 +dmm +2 " out.txt
check "seeds.csv: mean, sd and range over the seeds, from collected.csv" /usr/bin/python3 <<'PY'
import csv, statistics as st
rows = list(csv.DictReader(open("seeds/collected.csv")))
reps = list(csv.DictReader(open("seeds/seeds.csv")))
assert len(reps) == 2 * 2 * 4, len(reps)  # lr x forget sets x (floor, none, ga, dmm)
for r in reps:
    v = [float(x["klom_forget_p95"]) for x in rows if x["unlearn.ga.lr"] == r["unlearn.ga.lr"]
         and x["forget"] == r["forget"] and x["method"] == r["method"]]
    assert r["seeds"] == "2" and len(v) == 2, (r, v)
    assert abs(float(r["klom_forget_p95_mean"]) - st.mean(v)) < 1e-12
    assert abs(float(r["klom_forget_p95_sd"]) - st.stdev(v)) < 1e-12
    assert float(r["klom_forget_p95_min"]) == min(v) and float(r["klom_forget_p95_max"]) == max(v)
PY
check "a study without seeds has no repeats" sh -c '! "$A2D" study collect four | grep -q "^Repeats over seeds"'

# ---- shared stages: a case started from the shared study file ends as one run alone ----
study_deck "unlearn.ga.lr = 0.01 | 0.1" > decks/lr.ini
expect_ok "expand an unlearning sweep" "$A2D" study expand decks/lr.ini --out lr
check "all but unlearn and evaluate are shared" test "$(tr '\n' ' ' < lr/shared.stages)" = \
  "prepare forget train ensemble fit trak oracle "
for stage in $(cat lr/shared.stages); do expect_ok "shared $stage" "$A2D" "$stage" lr/shared.ini; done
cp lr/shared.h5 lr/001_lr-0.1.h5
expect_ok "case 1 from the shared file" "$A2D" run lr/001_lr-0.1.ini
check "it skipped the shared stages" test "$(grep -c 'complete, skipped' out.txt)" -eq 7
if sanitized; then # the same results alone: the normal build's claim (cases above run alone)
  skip "case 1 run alone and the comparisons with it"
else
  sed 's|^path = .*|path = '"$WORK"'/alone.h5|' lr/001_lr-0.1.ini > alone.ini
  expect_ok "case 1 alone" "$A2D" run alone.ini
  check "same /unlearn" same_tasks lr/001_lr-0.1.h5 alone.h5 /unlearn
  check "same /oracle" same_tasks lr/001_lr-0.1.h5 alone.h5 /oracle
  check "same /eval" same_tasks lr/001_lr-0.1.h5 alone.h5 /eval/random_10
fi

# ---- the job scripts outside Slurm ----
expect_fail "a2d.sbatch outside Slurm" 2 "a2d.sbatch: not inside a Slurm job" \
  env -u SLURM_JOB_ID bash "$SRC/jobs/slurm/a2d.sbatch" decks/grid.ini
expect_fail "submit-stages without sbatch" 2 "submit-stages: sbatch not found" \
  env A2D_SBATCH=/nonexistent/sbatch "$SRC/jobs/slurm/submit-stages" decks/grid.ini
expect_fail "a2d.sbatch: a study folder needs an array" 2 "is a study folder: submit it as an array" \
  env SLURM_JOB_ID=1 SLURM_ARRAY_TASK_ID= A2D="$A2D" bash "$SRC/jobs/slurm/a2d.sbatch" four
expect_fail "a2d.sbatch: a case out of range" 2 "four/manifest.tsv: no case 7" \
  env SLURM_JOB_ID=1 SLURM_ARRAY_TASK_ID=7 A2D="$A2D" bash "$SRC/jobs/slurm/a2d.sbatch" four
finish
