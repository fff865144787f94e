# read and mapfile/readarray (4.2 Bash Builtins).
#### read-basic
read -r a <<< 'hello'; echo "$a"
#### read-multiple-vars
read -r a b c <<< 'one two three four'; echo "$a|$b|$c"
#### read-fewer-words
read -r a b c <<< 'one'; echo "$a|$b|$c"
#### read-reply
read <<< '  spaced  '; echo "[$REPLY]"
#### read-reply-vs-var-whitespace
read -r v <<< '  spaced  '; echo "[$v]"
#### read-backslash
read a <<< 'a\ b\\c'; echo "[$a]"
#### read-raw
read -r a <<< 'a\ b\\c'; echo "[$a]"
#### read-line-continuation
printf 'a\\\nb\n' | { read v; echo "[$v]"; }
#### read-ifs
IFS=, read -r a b <<< 'x,y,z'; echo "$a|$b"
#### read-ifs-empty
IFS= read -r a <<< '  keep  '; echo "[$a]"
#### read-array
read -ra arr <<< 'a b  c'; echo "${#arr[@]} ${arr[2]}"
#### read-array-ifs
IFS=: read -ra arr <<< 'a::c'; echo "${#arr[@]} [${arr[1]}]"
#### read-delimiter
read -r -d ';' a <<< 'first;second'; echo "$a"
#### read-delimiter-empty-nul
printf 'a\0b\0' | { read -r -d '' x; echo "$x"; }
#### read-n
read -n 3 a <<< 'abcdef'; echo "$a"
#### read-n-stops-at-newline
printf 'ab\ncd' | { read -n 5 a; echo "[$a]"; }
#### read-capital-n
printf 'ab\ncd' | { read -N 4 a; echo "[$a]"; } | od -An -c
#### read-prompt-noninteractive
read -p 'prompt: ' a <<< 'val'; echo "$a"
#### read-eof-status
read a < /dev/null; echo "status $? [$a]"
#### read-no-trailing-newline
printf 'last' | { read -r a; echo "status $? [$a]"; }
#### read-u-fd
exec 3<<< 'from3'; read -r -u 3 a; echo "$a"
#### read-loop-lines
printf 'l1\nl2\nl3' | while IFS= read -r line || [ -n "$line" ]; do echo "<$line>"; done
#### read-t-zero
read -t 0 < /dev/null; echo "status $?"
#### read-invalid-option
read -Z a; echo "status $?"
#### read-invalid-varname
read 1a <<< x; echo "status $?"
#### read-s-silent
read -s a <<< 'secret'; echo "$a"
#### read-e-noninteractive
read -e a <<< 'edit'; echo "$a"
#### read-leading-trailing-ifs
IFS=' ,' read -r a b <<< ' , x , y , '; echo "[$a][$b]"
#### read-last-var-gets-rest
read -r a b <<< 'one two three  four'; echo "[$b]"
#### read-from-file
printf 'f1\nf2\n' > f; { read -r a; read -r b; } < f; echo "$a $b"
#### read-i-default-noninteractive
read -i def a <<< 'input'; echo "$a"
#### read-d-newline-n
read -d '' -n 2 a <<< 'xyz'; echo "$a"
#### mapfile-basic
mapfile a < <(printf 'x\ny\n'); echo "${#a[@]}"; printf '[%s]' "${a[@]}"; echo
#### mapfile-t
mapfile -t a < <(printf 'x\ny\n'); printf '[%s]' "${a[@]}"; echo
#### mapfile-n-count
mapfile -t -n 2 a < <(seq 5); echo "${a[@]}"
#### mapfile-s-skip
mapfile -t -s 2 a < <(seq 5); echo "${a[@]}"
#### mapfile-capital-o-origin
a=(x); mapfile -t -O 3 a < <(printf 'p\nq\n'); echo "${!a[@]} ${a[@]}"
#### mapfile-d-delim
mapfile -t -d , a <<< 'a,b,c'; printf '[%s]' "${a[@]}"; echo
#### mapfile-default-name
mapfile < <(printf '1\n2\n'); echo "${#MAPFILE[@]}"
#### mapfile-from-heredoc
mapfile -t lines <<EOT
one
two
EOT
echo "${lines[1]}"
#### mapfile-empty-input
mapfile -t a < /dev/null; echo "${#a[@]}"
#### mapfile-callback
mapfile -t -C 'echo cb' -c 2 a < <(seq 4); echo "${#a[@]}"
#### mapfile-u-fd
exec 3< <(printf 'u1\nu2\n'); mapfile -t -u 3 a; echo "${a[*]}"
#### mapfile-clears-array
a=(old old old); mapfile -t a <<< 'new'; echo "${#a[@]} ${a[0]}"
#### mapfile-empty-lines
mapfile -t a < <(printf 'a\n\nb\n'); echo "${#a[@]} [${a[1]}]"
#### mapfile-no-trailing-newline
mapfile -t a < <(printf 'a\nb'); echo "${#a[@]} ${a[1]}"
#### mapfile-invalid-option
mapfile -Q a < /dev/null; echo "status $?"
#### read-into-positional-error
read 1 <<< x; echo "status $?"
#### read-nul-in-input
printf 'a\0b\n' | { read -r v; echo "${#v}"; }
#### read-multiple-lines-loop-vars
printf '1 a\n2 b\n' | while read -r n l; do echo "$l$n"; done
#### read-ifs-newline
IFS=$'\n' read -r a b <<< 'x y'; echo "[$a][$b]"
#### read-array-empty
read -ra a <<< ''; echo "${#a[@]}"
#### read-d-missing-delim
read -r -d ';' a <<< 'nodelim'; echo "status $? [$a]"
#### read-backslash-ifs
IFS=, read a b <<< 'x\,y,z'; echo "[$a][$b]"
#### read-backslash-space-kept
read a b <<< 'one\ two three\ '; echo "[$a][$b]"
#### read-backslash-ifs-array
IFS=: read -a parts <<< 'a\:b:c'; echo "${#parts[@]} [${parts[0]}]"
#### read-backslash-n-count
read -n 3 v <<< 'a\bcd'; echo "[$v]"
#### read-timeout-data
read -t 1 a <<< 'fast'; echo "$a $?"
#### read-array-sparse-reset
a=([5]=old); read -ra a <<< 'n1 n2'; echo "${!a[@]} ${a[*]}"
#### read-d-with-ifs
IFS=, read -r -d ';' a b <<< 'x,y;z'; echo "$a|$b"
#### read-n-with-backslash
read -n 3 v <<< 'a\bcd'; echo "$v"
#### read-r-trailing-backslash
read -r v <<< 'end\'; echo "$v"
#### read-empty-line
printf '\nnext\n' | { read -r a; read -r b; echo "[$a][$b]"; }
#### read-p-to-stderr-noninteractive
read -p 'ask: ' v <<< 'ans' 2>&1; echo "$v"
#### read-loop-last-line-no-newline
printf 'a\nb' | { n=0; while read -r l; do n=$((n+1)); done; echo "$n [$l]"; }
#### mapfile-t-crlf
mapfile -t a < <(printf 'a\r\nb\r\n'); printf '%s' "${a[0]}" | od -An -c
#### read-t-zero-herestring
read -t 0 <<< 'x'; echo "status $?"
#### read-timeout-file
echo data > f; read -t 2 v < f; echo "$v $?"
#### mapfile-callback-quoted-and-origin
printf "a b\nit's\nc\nd\n" > f; mapfile -C 'printf "<%s|%s>\n"' -c 1 -O 3 arr < f; echo "${#arr[@]}"; mapfile -c 0 x < f; echo "status $?"
