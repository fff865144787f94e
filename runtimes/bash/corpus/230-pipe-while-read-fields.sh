printf 'k1 v1\nk2 v2 extra\nk3\n' | while read -r k v; do
  echo "key=$k val=[${v}]"
done
printf 'a:b\n' | while IFS=: read -r x y; do echo "$y$x"; done
