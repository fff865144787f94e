shopt -s lastpipe
echo "value" | read -r v
echo "with lastpipe: [$v]"
total=0
seq 4 | while read -r n; do total=$((total + n)); done
echo "total=$total"
