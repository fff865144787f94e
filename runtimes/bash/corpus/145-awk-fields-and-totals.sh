cat > data.txt <<'EOF'
alice 30 paris
bob 25 berlin
carol 35 paris
dave 40 rome
EOF
awk '{print $1, $3}' data.txt
awk '$2 > 28 {n++} END {print n " over 28"}' data.txt
awk '{sum += $2} END {printf "avg %.2f\n", sum / NR}' data.txt
awk '$3 == "paris" {print NR ": " $1}' data.txt
awk 'NR % 2 == 0' data.txt
awk '{print length($1)}' data.txt | paste -sd,
