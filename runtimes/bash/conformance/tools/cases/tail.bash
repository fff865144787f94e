# tail, compared with GNU tail (coreutils 9.1).

#### default
seq 1 20 | tail

#### n
seq 1 20 | tail -n 3

#### plus
seq 1 5 | tail -n +3

#### bytes
printf 'abcdef\n' | tail -c 3

#### old-style
seq 1 10 | tail -2

#### multiple-files
printf '1\n2\n' > a; printf '3\n' > b
tail -n1 a b

