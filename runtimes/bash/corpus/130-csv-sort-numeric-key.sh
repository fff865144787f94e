cat > scores.csv <<'EOF'
dave,72
amy,95
bob,88
carl,95
eve,61
EOF
sort -t, -k2,2nr -k1,1 scores.csv
echo ---
sort -t, -k2 -n scores.csv | head -n 1
echo ---
sort -t, -k2,2n scores.csv | tail -n 1 | cut -d, -f1
