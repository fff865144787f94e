printf 'a\nb\nc\n' > l
printf '1\n2\n3\n' > n
paste l n
paste -d, l n
paste -s l
paste -sd: n
seq 6 | paste - - -
seq 6 | paste -d' ' - -
