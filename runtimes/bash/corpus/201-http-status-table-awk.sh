cat > codes.txt <<'EOF'
200 /a 12ms
404 /b 3ms
200 /c 40ms
500 /d 100ms
200 /a 8ms
EOF
awk '{sub(/ms$/, "", $3); t[$1] += $3; n[$1]++} END {for (c in t) printf "%s %d %.1f\n", c, n[c], t[c] / n[c]}' codes.txt | sort
awk '$1 >= 400 {bad++} END {printf "error rate %d%%\n", bad * 100 / NR}' codes.txt
