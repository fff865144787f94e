cat > names.txt <<'EOF'
Smith, John
Doe, Jane
Lovelace, Ada
EOF
sed -E 's/^([^,]+), (.+)$/\2 \1/' names.txt
sed 's/\([A-Z]\)[a-z]*, \([A-Z]\).*/\2.\1./' names.txt
echo "2024-03-15" | sed -E 's/([0-9]{4})-([0-9]{2})-([0-9]{2})/\3\/\2\/\1/'
echo "hello world" | sed 's/o/0/2'
echo "aaa bbb" | sed 's/\(a*\) \(b*\)/[&] [\2] [\1]/'
