cat > users.txt <<'EOF'
1 alice
2 bob
3 carol
EOF
cat > orders.txt <<'EOF'
1 book
3 pen
1 lamp
4 ghost
EOF
sort -k1,1 orders.txt > orders.sorted
join users.txt orders.sorted
echo ---
join -v 2 users.txt orders.sorted
echo ---
comm -12 <(cut -d' ' -f1 users.txt | sort) <(cut -d' ' -f1 orders.txt | sort -u)
