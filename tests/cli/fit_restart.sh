# fit_restart.sh - stage fit killed after its first round of blocks, after
# joining the blocks, and inside its LDS models, resumes and ends with the
# same /datamodel as an uninterrupted run.
. "$SRC/tests/cli/lib.sh"
small_fit_deck ref.h5 > ref.ini
# Under the sanitizers no reference: the kills and resumes are their subject here; the
# same /datamodel as an uninterrupted run is the normal build's claim (fit_ranks runs
# this deck uninterrupted on 2 ranks under the sanitizers).
if sanitized; then
  skip "the uninterrupted reference run and the comparisons with it"
else
  expect_ok "uninterrupted run" np 2 "$A2D" run ref.ini
fi
for fault in fit:round-1 fit:joined "fit: lds:checkpoint-1"; do
  name=$(echo "$fault" | tr -cd 'a-z0-9-')
  small_fit_deck $name.h5 > $name.ini
  A2D_FAULT="$fault" np 2 "$A2D" run $name.ini > kill.txt 2>&1
  expect_ok "status after $fault" "$A2D" status $name.ini
  check "fit left running after $fault" grep -qE "^fit +running" out.txt
  expect_ok "rerun after $fault" np 2 "$A2D" run $name.ini
  case "$fault" in
    fit:round-1) check "resumed after the first round" grep -q "fit: resuming, 2 of 10 blocks already fitted" out.txt ;;
    fit:joined)
      check "kept the joined datamodels" grep -q "fit: resuming: the datamodels were fitted and joined" out.txt
      check "fitted no target again" sh -c '! grep -qE "fit: [0-9]+/[0-9]+ targets|nonzero coefficients" out.txt'
      check "went on to the LDS" grep -q "fit: LDS on" out.txt ;;
    *) check "resumed its LDS models" grep -q "fit: lds: resuming after 10 finished models" out.txt ;;
  esac
  sanitized || expect_ok "same /datamodel after $fault" h5diff -r $name.h5 ref.h5 /datamodel /datamodel
done
finish
