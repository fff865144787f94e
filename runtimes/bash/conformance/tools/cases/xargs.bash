# xargs, compared with GNU xargs (findutils 4.9).

#### default-echo
printf 'a b\nc\n' | xargs

#### command
printf 'a\nb\n' | xargs echo items:

#### max-args
printf '1 2 3 4 5\n' | xargs -n 2 echo

#### max-lines
printf '1 2\n3\n4 5\n' | xargs -L 1 echo line:

#### replace
printf 'a\nb\n' | xargs -I{} echo 'item {} done'

#### replace-multiple
printf 'x\n' | xargs -I % echo % %

#### null
printf 'a b\0c\0' | xargs -0 -n1 echo

#### delimiter
printf 'a,b,c' | xargs -d, -n1 echo

#### no-run-if-empty
printf '' | xargs -r echo ran
echo "status $?"

#### run-when-empty
printf '' | xargs echo ran

#### quotes
printf '"a b" c '"'"'d e'"'"'\n' | xargs -n1 echo

#### backslash
printf 'a\\ b c\n' | xargs -n1 echo

#### exit-123
printf 'a\n' | xargs false
echo "status $?"

#### exit-127
printf 'a\n' | xargs nosuchcommand 2>/dev/null
echo "status $?"

#### verbose
printf 'a b\n' | xargs -t echo 2>&1

#### with-find
mkdir d; printf 'x\n' > d/a; printf 'y\n' > d/b
find d -type f | sort | xargs cat

#### with-find-print0
mkdir d; printf 'x\n' > 'd/a b'
find d -type f -print0 | xargs -0 cat

#### arg-file
printf 'p\nq\n' > list
xargs -a list echo

#### grep-files
printf 'hit\n' > f1; printf 'miss\n' > f2
printf 'f1\nf2\n' | xargs grep -l hit

#### wc-files
printf 'a\nb\n' > f1; printf 'c\n' > f2
printf 'f1 f2\n' | xargs wc -l

#### eof-string
printf 'a\nEND\nb\n' | xargs -E END echo

#### size-limit
printf 'aaaa bbbb cccc\n' | xargs -s 15 echo

#### rm-files
touch a b c
printf 'a\nb\n' | xargs rm
ls

#### replace-with-sh
printf '1\n2\n' | xargs -I{} sh -c 'echo n={}'

#### exit-255
printf 'a\n' | xargs sh -c 'exit 255' 2>/dev/null
echo "status $?"

#### blank-lines
printf 'a\n\n\nb\n' | xargs -n1 echo
