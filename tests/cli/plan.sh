# plan.sh - `a2d plan`: the paper-scale deck fits 16 nodes x 128 ranks x 256 GiB with every
# rank busy in stage fit, and is refused at 64 GiB (exit 2, naming the stage); rates measured
# on a small study (--from) are used and its recorded peak memory per rank agrees with the
# plan's; bad options and unsizeable sources are refused.  Ranks: 1 and 2.
. "$SRC/tests/cli/lib.sh"
expect_ok "paper scale on 16 x 128 x 256 GiB" "$A2D" plan "$SRC/inputs/paper-scale.ini" \
  --nodes 16 --ranks-per-node 128 --mem-per-node 256
check "the plan fits" grep -q "^fits: the largest stage" out.txt
check "every rank of every node busy in fit" grep -qE "^fit +2048 " out.txt
check "every stage has a row" test "$(grep -cE '^(prepare|forget|train|ensemble|fit|tune|unlearn|oracle|evaluate) ' out.txt)" -eq 9
expect_fail "paper scale does not fit 64 GiB per node" 2 "the plan does not fit 64 GiB per node" \
  "$A2D" plan "$SRC/inputs/paper-scale.ini" --nodes 16 --ranks-per-node 128 --mem-per-node 64
check "the refusal names the stage" grep -q "^does not fit: stage fit needs" out.txt
expect_fail "--nodes is required" 2 "a2d plan needs --nodes" "$A2D" plan "$SRC/inputs/quickstart.ini"
expect_fail "--ranks-per-node must be whole" 2 "--ranks-per-node 1.5: expected a positive whole number" \
  "$A2D" plan "$SRC/inputs/quickstart.ini" --nodes 1 --ranks-per-node 1.5 --mem-per-node 8
expect_fail "--mem-per-node must be positive" 2 "--mem-per-node -3: expected a positive number" \
  "$A2D" plan "$SRC/inputs/quickstart.ini" --nodes 1 --ranks-per-node 2 --mem-per-node -3
printf '[output]\npath = c.h5\n[data]\nsource = csv\npath = x.csv\n[forget]\nr = random:5\n' > csv.ini
expect_fail "a csv source cannot be sized" 2 "the plan cannot size the data" \
  "$A2D" plan csv.ini --nodes 1 --ranks-per-node 2 --mem-per-node 8
expect_fail "--from a file that is not a study" 4 "no-such.h5" \
  "$A2D" plan "$SRC/inputs/quickstart.ini" --nodes 1 --ranks-per-node 2 --mem-per-node 8 --from no-such.h5

# With TRAK, the ensemble and fit rows have no work and stage trak has its base models.
expect_ok "plan with TRAK" "$A2D" plan "$SRC/inputs/quickstart.ini" --nodes 1 --ranks-per-node 2 \
  --mem-per-node 24 --set attribution.method=trak --set attribution.base_models=8
check "no ensemble" grep -qE "^ensemble .* 0 s +0 models per checkpoint" out.txt
check "trak shares out its 8 models" grep -qE "^trak +2 .* 8 models$" out.txt
expect_ok "plan with datamodels" "$A2D" plan "$SRC/inputs/quickstart.ini" --nodes 1 \
  --ranks-per-node 2 --mem-per-node 24
check "then trak has nothing" grep -qE "^trak .* 0 s +0 models$" out.txt

# Rates and memory from a real (small) run on 2 ranks.
small_fit_deck study.h5 > fit.ini
expect_ok "a small study to measure on" np 2 "$A2D" run fit.ini --set unlearn.methods=none
expect_ok "plan --from the small study" np 2 "$A2D" plan fit.ini --nodes 1 --ranks-per-node 2 \
  --mem-per-node 8 --from study.h5
check "rates measured on the study" grep -q "rates: measured on study.h5" out.txt
plan_fit=$(awk '$1 == "fit" { print $3 * 1024 }' out.txt)
rss=$(/usr/bin/python3 -c "import h5py; print(h5py.File('study.h5','r')['stages/fit'].attrs['peak_memory_mib'])" 2>/dev/null || echo "")
# (not under the sanitizers, whose shadow memory and quarantine multiply a process's size)
if sanitized; then
  skip "the plan's fit memory against the run's (the sanitizers' shadow memory)"
elif [ -n "$rss" ]; then
  check "the plan's fit memory per rank ($plan_fit MiB) is within 25% of the run's ($rss MiB)" \
    awk -v a="$plan_fit" -v b="$rss" 'BEGIN { exit !(a > 0.75 * b && a < 1.25 * b) }'
fi
finish
