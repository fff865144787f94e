seq 5 | tac | paste -sd' '
printf 'first\nsecond\nthird\n' > f
tac f
lines=()
while IFS= read -r l; do lines=("$l" "${lines[@]}"); done < f
printf '%s\n' "${lines[@]}"
