# cut, compared with GNU cut (coreutils 9.1).

#### fields-delim
printf 'a:b:c\n' | cut -d: -f2

#### fields-list
printf 'a:b:c:d\n' | cut -d: -f1,3

#### fields-range
printf 'a:b:c:d\n' | cut -d: -f2-

#### fields-open-start
printf 'a:b:c:d\n' | cut -d: -f-2

#### tab-default
printf 'a\tb\tc\n' | cut -f2

#### chars
printf 'abcdef\n' | cut -c2-4

#### chars-list
printf 'abcdef\n' | cut -c1,3,5

#### bytes
printf 'abcdef\n' | cut -b3-

#### no-delimiter-line
printf 'nodelim\na:b\n' | cut -d: -f2

#### only-delimited
printf 'nodelim\na:b\n' | cut -s -d: -f2

#### output-delimiter
printf 'a:b:c\n' | cut -d: -f1,3 --output-delimiter=,

#### complement
printf 'a:b:c\n' | cut -d: --complement -f2

#### csv-column
printf 'name,age\nann,30\nbob,25\n' | cut -d, -f2

#### space-delimiter
printf 'a b  c\n' | cut -d' ' -f3

#### file-input
printf 'x:y\n' > f
cut -d: -f1 f

#### field-beyond
printf 'a:b\n' | cut -d: -f5

#### overlapping-ranges
printf 'abcdefgh\n' | cut -c1-3,2-5

#### zero-terminated
printf 'a:b\0c:d\0' | cut -z -d: -f2 | tr '\0' '\n'

#### no-list-error
cut -d: f 2>/dev/null
echo "status $?"

#### from-etc-style
printf 'root:x:0:0:root:/root:/bin/bash\n' | cut -d: -f1,7

#### multiple-files
printf 'a:1\n' > x; printf 'b:2\n' > y
cut -d: -f2 x y

#### chars-open-end
printf 'abcdef\n' | cut -c4-

#### chars-multibyte-c-locale
printf 'h\303\251llo\n' | cut -c1-2 | od -An -c

#### fields-unsorted-list
printf 'a:b:c\n' | cut -d: -f3,1

#### empty-fields
printf 'a::c\n' | cut -d: -f2,3

#### trailing-delimiter
printf 'a:b:\n' | cut -d: -f3 | od -An -c

#### delimiter-with-pipe
printf 'x y z\n' | tr ' ' '|' | cut -d'|' -f2
