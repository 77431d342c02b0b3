# usage.sh - the command line: help, version, bad commands and options, check.
. "$SRC/tests/cli/lib.sh"
expect_ok "--help" "$A2D" --help
check "--help lists the prepare stage" grep -q "prepare" out.txt
expect_ok "--version" "$A2D" --version
check "--version prints the version" grep -qE "^a2d [0-9]+\.[0-9]+\.[0-9]+" out.txt
expect_fail "no command" 2 "no command given" "$A2D"
expect_fail "unknown command" 2 'unknown command "frobnicate"' "$A2D" frobnicate x.ini
expect_fail "unknown option" 2 "unknown option --fast" "$A2D" run x.ini --fast
expect_fail "missing deck argument" 2 "a2d run needs a DECK argument" "$A2D" run
expect_fail "missing deck file" 4 "nothing.ini: cannot open" "$A2D" check nothing.ini
small_deck > ok.ini
expect_ok "check a valid deck" "$A2D" check ok.ini
check "check fills in defaults" grep -qE "^label_column += 0 +# default" out.txt
check "check says where values came from" grep -qE "^n_train += 300 +# ok.ini:6" out.txt
expect_ok "check with --set" "$A2D" check ok.ini --set data.n_train=200
check "--set shows as the origin" grep -qE "^n_train += 200 +# --set" out.txt
expect_ok "check on 2 ranks prints once" np 2 "$A2D" check ok.ini
check "one copy of the deck" test "$(grep -c '^\[data\]' out.txt)" -eq 1
expect_ok "status before any run" "$A2D" status ok.ini
check "status lists prepare as absent" grep -qE "^prepare +absent" out.txt
finish
