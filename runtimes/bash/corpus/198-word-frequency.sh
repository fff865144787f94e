cat > text.txt <<'EOF'
The quick brown fox jumps over the lazy dog.
The dog barks; the fox runs.
EOF
tr -cs 'A-Za-z' '\n' < text.txt | tr A-Z a-z | grep -v '^$' | sort | uniq -c | sort -k1,1nr -k2 | head -n 5
echo "distinct: $(tr -cs 'A-Za-z' '\n' < text.txt | tr A-Z a-z | grep -v '^$' | sort -u | wc -l)"
