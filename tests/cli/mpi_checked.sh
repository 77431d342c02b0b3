# mpi_checked.sh - every MPI call in src/ and include/ is checked through
# A2D_CHECK_MPI or a sibling (scripts/mpi-unchecked says which are exempt).
# First the checker itself must tell a bare call from a wrapped one.
. "$SRC/tests/cli/lib.sh"
checker="$SRC/scripts/mpi-unchecked"
cat > bare.c <<'C'
/* MPI_Barrier(comm) in a comment is no call */
static int f(MPI_Comm comm) {
  const char *s = "MPI_Bcast(";
  int rank;
  MPI_Comm_rank(comm, &rank);
  return s[0] + rank;
}
C
cat > wrapped.c <<'C'
static a2d_err f(MPI_Comm comm) {
  int rank, flag;
  MPI_Initialized(&flag);
  A2D_CHECK_MPI(MPI_Comm_rank(comm, &rank));
  a2d_err err = A2D_MPI(
      MPI_Barrier(comm));
  return err;
}
C
expect_fail_status() { # DESCRIPTION STATUS TEXT command...
  local what=$1 want=$2 text=$3; shift 3
  local out; out=$("$@" 2>&1); local got=$?
  if [ "$got" -eq "$want" ] && grep -q -- "$text" <<<"$out"; then passed=$((passed + 1))
  else failed=$((failed + 1)); echo "FAIL: $what (exit $got, output: $out)"; fi
}
expect_fail_status "a bare MPI_Comm_rank is found, with its line" 1 "bare.c:5: MPI_Comm_rank" \
  /usr/bin/python3 "$checker" bare.c
check "only the bare call is reported" test "$(/usr/bin/python3 "$checker" bare.c | wc -l)" -eq 1
expect_ok "wrapped and exempt calls pass" /usr/bin/python3 "$checker" wrapped.c
cd "$SRC"
expect_ok "every MPI call in src/ and include/ is checked" /usr/bin/python3 "$checker" src include
cd "$WORK"
finish
