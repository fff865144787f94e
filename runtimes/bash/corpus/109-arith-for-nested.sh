for ((i = 1; i <= 4; i++)); do
  row=""
  for ((j = 1; j <= 4; j++)); do
    row+=$(printf '%4d' $((i * j)))
  done
  echo "$row"
done
