# paste, compared with GNU paste (coreutils 9.1).

#### files
printf '1\n2\n' > a; printf 'x\ny\n' > b
paste a b

#### delimiter
printf '1\n2\n' > a; printf 'x\ny\n' > b
paste -d, a b

#### serial
printf '1\n2\n3\n' | paste -sd+

#### stdin-columns
printf '1\n2\n3\n4\n' | paste - -

#### uneven
printf '1\n2\n3\n' > a; printf 'x\n' > b
paste a b
