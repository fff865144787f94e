cat > mixed.txt <<'EOF'
abc123
ABC
123
a_b
foo@example.com
not-an-email@
EOF
grep -E '^[0-9]+$' mixed.txt
grep -E '^[[:alpha:]]+$' mixed.txt
grep -cE '[[:digit:]]' mixed.txt
grep -E '^[a-z]+@[a-z]+\.[a-z]+$' mixed.txt
grep -i '^abc$' mixed.txt
