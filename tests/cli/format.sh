# format.sh - every C source and header is clang-format clean.  Without
# clang-format it exits 77, which ctest reports as skipped, not passed.
. "$SRC/tests/cli/lib.sh"
if ! command -v clang-format >/dev/null; then echo "SKIP: clang-format not installed"; exit 77; fi
cd "$SRC"
files=$(find src include tests bench -name '*.[ch]' 2>/dev/null | sort)
for f in $files; do
  if clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then passed=$((passed + 1))
  else failed=$((failed + 1)); echo "FAIL: $f is not clang-format clean (clang-format -i $f)"; fi
done
cd "$WORK"
finish
