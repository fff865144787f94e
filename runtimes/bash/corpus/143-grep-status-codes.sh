printf 'a\nb\n' > f
grep -q a f; echo "found: $?"
grep -q z f; echo "not found: $?"
grep -q a nonexistent 2>/dev/null; echo "missing file: $?"
if grep -qx b f; then echo "b is a line"; fi
grep -E 'a|b' f | wc -l
