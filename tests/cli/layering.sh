# layering.sh - data flows one way, deck -> stages -> store: the numerics
# (src/attrib, src/eval) take a store and a communicator, never the stages'
# a2d_context, and src/attrib names no study-file path (the stages pass them,
# and the /datamodel layout belongs to src/store/datamodel.c); unit tests
# reach the library through include/a2d, not a stage's private header.
. "$SRC/tests/cli/lib.sh"
cd "$SRC"
numerics=()
for c in src/attrib/*.c src/eval/*.c; do
  numerics+=("$c")
  h="include/a2d/$(basename "${c%.c}").h"
  [ -f "$h" ] && numerics+=("$h")
done
check "found the numerics' sources and headers" test "${#numerics[@]}" -ge 20
bad=$(grep -lw "a2d_context" "${numerics[@]}")
check "no numerics source or header mentions a2d_context (${bad//$'\n'/ })" test -z "$bad"
bad=$(grep -n '"/[a-z]' src/attrib/*.c)
check "src/attrib names no study-file path (${bad//$'\n'/ })" test -z "$bad"
bad=$(grep -ln '"\.\./\.\./src/stages/' tests/unit/*.[ch])
check "no unit test includes a stage's private header (${bad//$'\n'/ })" test -z "$bad"
# The checks can fail: a planted mention is found.
printf 'void f(a2d_context *ctx);\n' > "$WORK/planted.h"
check "the grep finds a planted a2d_context" grep -qw a2d_context "$WORK/planted.h"
cd "$WORK"
finish
