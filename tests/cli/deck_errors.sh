# deck_errors.sh - every class of deck error gives exit 2 and names file and line.
. "$SRC/tests/cli/lib.sh"
deck() { printf '[output]\npath = s.h5\n[data]\nsource = synthetic\n%s\n' "$1" > bad.ini; }
deck "n_train = fast"
expect_fail "wrong type" 2 'bad.ini:5: [data] n_train: expected a non-negative integer, got "fast"' "$A2D" check bad.ini
deck "separation = -1"
expect_fail "out of range" 2 'bad.ini:5: [data] separation: expected a non-negative real, got "-1"' "$A2D" check bad.ini
deck "scaling = unti"
expect_fail "bad choice" 2 'bad.ini:5: [data] scaling: expected one of none, unit, standard, got "unti"; did you mean "unit"?' "$A2D" check bad.ini
deck "n_trian = 5"
expect_fail "unknown key" 2 'bad.ini:5: [data] unknown key "n_trian"; did you mean "n_train"?' "$A2D" check bad.ini
deck "[dta]"
expect_fail "unknown section" 2 'bad.ini:5: unknown section [dta]; did you mean [data]?' "$A2D" check bad.ini
deck "source = csv"
expect_fail "duplicate key" 2 'bad.ini:5: [data] source: duplicate key (first set on line 4)' "$A2D" check bad.ini
printf '[data]\nn_train = 5\n' > bad.ini
expect_fail "missing required key" 2 'bad.ini: [output] path: required key is missing' "$A2D" check bad.ini
deck "just words"
expect_fail "malformed line" 2 'bad.ini:5: expected "key = value" or "[section]", got "just words"' "$A2D" check bad.ini
small_deck > ok.ini
expect_fail "bad --set value" 2 '--set data.n_train=-4: [data] n_train: expected a non-negative integer, got "-4"' "$A2D" check ok.ini --set data.n_train=-4
expect_fail "bad --set key" 2 '--set data.sead=1: [data] unknown key "sead"; did you mean "seed"?' "$A2D" check ok.ini --set data.sead=1
expect_fail "bad --set form" 2 '--set seed: expected section.key=value' "$A2D" check ok.ini --set seed
expect_fail "errors on 4 ranks too, printed once" 2 '--set data.seed=x: [data] seed: expected a non-negative integer' np 4 "$A2D" check ok.ini --set data.seed=x
check "printed once on 4 ranks" test "$(grep -c 'a2d: error' err.txt)" -eq 1
# a method's own check runs before any stage: matching logits needs per-class datamodels
deck "[forget]
r = random:10
[unlearn]
methods = dmm
[unlearn.dmm]
match = logits"
expect_fail "dmm matching logits with margin datamodels" 2 'bad.ini:10: [unlearn.dmm] match = logits needs per-class datamodels ([datamodel] output = logits)' "$A2D" check bad.ini
expect_ok "the same with per-class datamodels" "$A2D" check bad.ini --set datamodel.output=logits --set ensemble.save_logits=true
expect_fail "refused by run before any stage" 2 'bad.ini:10: [unlearn.dmm] match = logits needs' "$A2D" run bad.ini
check "no study file was written" test ! -e s.h5
printf '[output]\npath = x\0y\n' > nul.ini
expect_fail "binary deck" 2 "nul.ini: not a text file" "$A2D" check nul.ini
finish
