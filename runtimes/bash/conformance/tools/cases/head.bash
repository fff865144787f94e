# head, compared with GNU head (coreutils 9.1).

#### default
seq 1 20 | head

#### n
seq 1 20 | head -n 3

#### negative
seq 1 5 | head -n -2

#### bytes
printf 'abcdef\n' | head -c 3
echo

#### old-style
seq 1 10 | head -2

#### multiple-files
printf '1\n2\n' > a; printf '3\n' > b
head -n1 a b

