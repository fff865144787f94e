for i in 1 2 3; do printf '%s ' "$i"; done; echo
for i in; do echo never; done
for ((i = 0; i < 10; i += 3)); do printf '%s ' "$i"; done; echo
for ((i = 0, j = 10; i < j; i++, j--)); do :; done; echo "i=$i j=$j"
set -- x y z
for a; do printf '<%s>' "$a"; done; echo
for w in "a b" c; do echo "$w"; done
