count=0
printf 'a\nb\nc\n' | while read -r _; do count=$((count + 1)); done
echo "after pipe: count=$count"
echo "value" | read -r v
echo "read in pipe: [${v-unset}]"
count=0
while read -r _; do count=$((count + 1)); done < <(printf 'a\nb\nc\n')
echo "with process substitution: count=$count"
