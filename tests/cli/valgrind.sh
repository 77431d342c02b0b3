# valgrind.sh - valgrind memcheck on a small whole-pipeline run (prepare to
# evaluate, every kind of stage, mlp, dmm and om): no invalid reads or writes,
# no use of uninitialised values, no leaked memory.  Open MPI's own
# allocations in MPI_Init and MPI_Finalize are suppressed (tests/valgrind.supp);
# nothing else is.  Valgrind cannot run AVX-512 code, which a -DA2D_NATIVE=ON
# build may hold, so this test builds a2d again, portable, in its own folder.
# Ranks: 1.
. "$SRC/tests/cli/lib.sh"
command -v valgrind >/dev/null || { echo "SKIP: valgrind is not installed"; exit 77; }
expect_ok "configure a portable build" cmake -S "$SRC" -B vgbuild -DCMAKE_BUILD_TYPE=RelWithDebInfo -DA2D_NATIVE=OFF
expect_ok "build it" cmake --build vgbuild --target a2d -j 2
cat > v.ini <<DECK
[output]
path = v.h5
[data]
source = synthetic
n_train = 120
n_val = 40
features = 8
classes = 3
seed = 3
[model]
kind = mlp
hidden = 8
[train]
models = 2
epochs = 2
batch = 32
[ensemble]
models = 24
chunk = 8
save_logits = true
[datamodel]
lds_subsets = 4
block = 40
[forget]
r = random:5
[unlearn]
methods = none, ga, scrub, dmm, om
[oracle]
models = 2
DECK
expect_ok "the pipeline under memcheck" valgrind --error-exitcode=99 --leak-check=full \
  --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
  --track-origins=yes --num-callers=40 --suppressions="$SRC/tests/valgrind.supp" \
  --log-file=memcheck.log vgbuild/a2d run v.ini
check "memcheck: 0 errors" grep -q "ERROR SUMMARY: 0 errors from 0 contexts" memcheck.log
check "memcheck: no leaks of ours" sh -c "grep -q 'definitely lost: 0 bytes' memcheck.log || grep -q 'All heap blocks were freed' memcheck.log || ! grep -q 'definitely lost' memcheck.log"
check "the run completed" grep -q "a2d: evaluate: complete" out.txt
grep -E "ERROR SUMMARY|definitely lost|indirectly lost|suppressed" memcheck.log
finish
