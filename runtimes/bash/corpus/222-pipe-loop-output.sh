for i in 3 1 2; do echo "$i"; done | sort
while read -r n; do echo $((n * n)); done < <(seq 4) | paste -sd+
i=0; until (( i == 3 )); do echo "u$i"; ((i++)); done | tr '\n' ,; echo
{ echo b; echo a; } | sort | head -n 1
