# unlearn_ranks.sh - the pipeline through stages forget, unlearn and oracle
# gives identical forget sets, unlearned margins, costs and oracles on 1 and 2
# ranks (times aside), with margin and with per-class datamodels; every task
# group holds every dataset with the right shape and a sensible cost.
# Ranks: 1 and 2.  Reference: the 1-rank run.
. "$SRC/tests/cli/lib.sh"
# Under the sanitizers 2 ranks only (the exchange): the same results on 1 rank is the
# normal build's claim, the code paths are the same.
sanitized && skip "the pipelines on 1 rank and the comparisons with them"
for output in margin logits; do
  small_unlearn_deck one-$output.h5 $output > one-$output.ini
  small_unlearn_deck two-$output.h5 $output > two-$output.ini
  sanitized || expect_ok "pipeline on 1 rank ($output)" np 1 "$A2D" run one-$output.ini
  expect_ok "pipeline on 2 ranks ($output)" np 2 "$A2D" run two-$output.ini
  check "progress of unlearn shown" grep -q "unlearn: 48/48 tasks" out.txt
  for group in /forget /unlearn /oracle; do
    sanitized ||
      check "$group identical on 1 and 2 ranks ($output)" same_tasks one-$output.h5 two-$output.h5 $group
  done
done
check "shapes and costs" /usr/bin/python3 - <<'PY'
import h5py, numpy as np, sys
f = h5py.File("two-logits.h5", "r")
n, nv = 300, 100
ok = True
for fs, size in (("rand", 15), ("cls", 10)):
    assert len(f[f"/forget/{fs}/indices"]) == size
    for m in "none ga gd ascent_descent scrub om dm_direct dmm".split():
        g = f[f"/unlearn/{fs}/{m}"]
        ok &= g["margins_train"].shape == (3, n) and g["margins_val"].shape == (3, nv)
        ok &= g["correct_train"].shape == (3, n) and g["examples"].shape == (3,)
        ex = g["examples"][()]
        want = {"none": 0, "dm_direct": 0, "ga": 2 * size, "gd": 300 - size}.get(m)
        if want is not None and not (ex == want).all():
            print(m, "examples", ex, "expected", want); ok = False
        if m == "om" and not (g["prep_examples"][()] == 8 * (300 - size)).all():
            print("om teacher cost", g["prep_examples"][()]); ok = False
        if not np.isfinite(g["margins_train"][()]).all(): print(m, "non-finite"); ok = False
    none = f[f"/unlearn/{fs}/none/margins_train"][()]
    if not np.array_equal(none, f["/train/margins_train"][()]): print("none differs from train"); ok = False
    o = f[f"/oracle/{fs}"]
    # 3 reference oracles and 3 more for the noise floor ([oracle] noise_floor)
    ok &= o["margins_train"].shape == (6, n) and (o["examples"][()] == 8 * (300 - size)).all()
sys.exit(0 if ok else 1)
PY
finish
