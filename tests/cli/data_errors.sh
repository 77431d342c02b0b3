# data_errors.sh - bad data files and data keys through `a2d prepare`: a clear
# message naming the file, a non-zero exit, and no stage marked complete.
. "$SRC/tests/cli/lib.sh"
csv_deck() {
  printf '[output]\npath = s.h5\n[data]\nsource = csv\npath = %s\nn_val = 2\n%s\n' "$1" "${2:-}" > d.ini
}
printf 'label,a,b\n0,1,2\n1,3,4\n0,5,6\n1,7,8\n0,9,10\n' > good.csv
csv_deck good.csv
expect_ok "good csv" "$A2D" prepare d.ini
expect_ok "status" "$A2D" status d.ini
check "prepare complete" grep -qE "^prepare +complete" out.txt
rm -f s.h5
printf 'label,a,b\n0,1,2\n1,3\n' > ragged.csv
csv_deck ragged.csv
expect_fail "ragged csv" 3 "ragged.csv:3" "$A2D" prepare d.ini
expect_ok "status after failure" "$A2D" status d.ini
check "failed prepare is not complete" grep -qE "^prepare +running" out.txt
rm -f s.h5
printf '0,1,nan\n1,3,4\n' > nan.csv
csv_deck nan.csv
expect_fail "nan in csv" 3 "nan.csv:1" "$A2D" prepare d.ini
csv_deck good.csv "n_train = 50"
rm -f s.h5
expect_fail "more examples than the file has" 2 "[data] n_train = 50, but the source has only 3 examples" "$A2D" prepare d.ini
rm -f s.h5
printf '[output]\npath = s.h5\n[data]\nsource = idx\npath = %s\n' "$WORK/nowhere" > d.ini
expect_fail "missing IDX directory" 4 "nowhere/train-images-idx3-ubyte" "$A2D" prepare d.ini
rm -f s.h5
mkdir -p idx && printf '\0\0\10\1\0\0\0\1\0' | gzip > idx/train-images-idx3-ubyte.gz
printf '\0\0\10\1\0\0\0\1\0' | gzip > idx/train-labels-idx1-ubyte.gz
printf '[output]\npath = s.h5\n[data]\nsource = idx\npath = idx\n' > d.ini
expect_fail "IDX with wrong magic" 3 "train-images-idx3-ubyte.gz: wrong magic number" "$A2D" prepare d.ini
echo "not a study" > s.h5
small_deck s.h5 > d.ini
expect_fail "output path is not HDF5" 3 "s.h5: exists but is not an HDF5 file; refusing to overwrite it" "$A2D" prepare d.ini
check "the foreign file is untouched" grep -q "not a study" s.h5
small_deck no/such/dir/s.h5 > d.ini
expect_fail "missing output directory" 4 "the output directory no/such/dir does not exist" "$A2D" prepare d.ini
finish
