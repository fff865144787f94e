declare -A n
text="the cat and the dog and the bird"
for w in $text; do
  n[$w]=$(( ${n[$w]:-0} + 1 ))
done
for w in "${!n[@]}"; do echo "${n[$w]} $w"; done | sort -k1,1nr -k2
