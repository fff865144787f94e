diff <(printf 'a\nb\n') <(printf 'a\nc\n')
echo "diff status $?"
while read -r x; do echo "got $x"; done < <(printf '1\n2\n')
cat <(echo one) <(echo two)
paste <(seq 3) <(seq 4 6)
