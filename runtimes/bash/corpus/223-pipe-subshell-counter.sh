n=0
seq 3 | { while read -r x; do n=$((n + x)); done; echo "inside group: $n"; }
echo "outside: $n"
result=$(seq 3 | { s=0; while read -r x; do s=$((s + x)); done; echo $s; })
echo "captured: $result"
