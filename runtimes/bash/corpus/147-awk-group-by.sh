cat > emp.txt <<'EOF'
eng alice 100
ops bob 80
eng carol 120
sales dan 90
ops erin 70
EOF
awk '{s[$1] += $3; c[$1]++} END {for (d in s) print d, c[d], s[d], s[d] / c[d]}' emp.txt | sort
awk '$3 > max {max = $3; who = $2} END {print "max:", who, max}' emp.txt
