# docs_current.sh - the key reference in docs/deck.md is what the schema says.
. "$SRC/tests/cli/lib.sh"
expect_ok "deck-reference" "$A2D" deck-reference
mv out.txt generated.md
sed -n '/<!-- BEGIN KEYS/,/<!-- END KEYS/p' "$SRC/docs/deck.md" | sed '1d;$d' > documented.md
if diff -u documented.md generated.md > diff.txt; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
  echo "FAIL: docs/deck.md is out of date; run scripts/update-docs"; head -30 diff.txt
fi
finish
