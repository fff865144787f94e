for i in 1 2 3 4 5 6; do
  (( i == 2 )) && continue
  (( i == 5 )) && break
  echo "i=$i"
done
for i in a b c; do
  for j in 1 2 3; do
    [[ $j == 2 ]] && continue 2
    [[ $i == c ]] && break 2
    echo "$i$j"
  done
done
echo "done"
