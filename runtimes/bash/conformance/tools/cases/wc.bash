# wc, compared with GNU wc (coreutils 9.1).

#### all
printf 'one two\nthree\n' > f
wc f

#### lines-stdin
printf 'a\nb\nc\n' | wc -l

#### words-chars
printf 'hello world\n' | wc -w
printf 'hello world\n' | wc -c
printf 'h\xc3\xa9\n' | wc -m

#### multiple-files
printf 'a\n' > x; printf 'b\nc\n' > y
wc -l x y

#### max-line
printf 'ab\nabcd\n' | wc -L

#### no-trailing-newline
printf 'a\nb' | wc -l

