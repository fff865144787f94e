seq 1 10 > all
i=0
while mapfile -t -n 3 chunk && (( ${#chunk[@]} )); do
  i=$((i + 1))
  printf '%s\n' "${chunk[@]}" > "part$i"
done < all
ls part*
cat part4
cat part* | cmp - all && echo "reassembled"
