# sort: orderings and keys, compared with GNU sort (coreutils 9.1), LC_ALL=C.

#### default
printf 'b\na\nc\nB\n' | sort

#### reverse
printf 'b\na\nc\n' | sort -r

#### numeric
printf '10\n9\n100\n-1\n' | sort -n

#### numeric-reverse
printf '10\n9\n100\n' | sort -nr

#### unique
printf 'b\na\nb\na\n' | sort -u

#### ignore-case
printf 'b\nA\na\nB\n' | sort -f

#### key-field
printf 'x 3\ny 1\nz 2\n' | sort -k2

#### key-numeric
printf 'a 10\nb 9\nc 100\n' | sort -k2n

#### key-separator
printf 'a:3\nb:1\nc:2\n' | sort -t: -k2,2n

#### key-range-second
printf 'b 1 x\na 1 y\nc 0 z\n' | sort -k2,2n -k1,1

#### key-reverse-mixed
printf 'a 1\nb 2\nc 1\n' | sort -k2,2nr -k1,1

#### stable
printf 'b 1\na 1\nc 0\n' | sort -s -k2,2n

#### human-numeric
printf '2K\n1M\n512\n3G\n' | sort -h

#### version-sort
printf 'v1.10\nv1.2\nv1.9\n' | sort -V

#### general-numeric
printf '1e3\n5\n2.5e1\n' | sort -g

#### month-sort
printf 'Mar\nJan\nFeb\n' | sort -M

#### check-sorted
printf 'a\nb\n' | sort -c && echo sorted
printf 'b\na\n' | sort -c 2>/dev/null
echo "status $?"

#### check-quiet
printf 'b\na\n' | sort -C
echo "status $?"

#### output-file
printf 'b\na\n' > f
sort -o f f
cat f

#### multiple-files
printf 'c\na\n' > x; printf 'b\n' > y
sort x y

#### merge
printf 'a\nc\n' > x; printf 'b\nd\n' > y
sort -m x y

#### zero-terminated
printf 'b\0a\0' | sort -z | tr '\0' '\n'

#### numeric-with-text
printf '3 c\n1 a\n2 b\n10 j\n' | sort -n

#### key-char-position
printf 'ab3\nac1\naa2\n' | sort -k1.3

#### unique-numeric
printf '1\n01\n2\n' | sort -nu

#### blank-lines
printf 'b\n\na\n' | sort

#### dictionary-order
printf 'a-c\nab\n' | sort -d

#### ignore-leading-blanks
printf '  b\na\n c\n' | sort -b

#### random-is-permutation
printf '1\n2\n3\n' | sort -R | sort

#### numeric-decimals
printf '1.5\n1.25\n-0.5\n' | sort -n

#### tab-separator
printf 'a\t2\nb\t1\n' | sort -t "$(printf '\t')" -k2
