# 3.5.7 Word Splitting (IFS).
#### default-ifs
v='  a   b  c  '; printf '<%s>' $v; echo
#### tabs-newlines
v=$'a\tb\nc'; printf '<%s>' $v; echo
#### custom-ifs-colon
v=a:b::c; IFS=:; printf '<%s>' $v; echo
#### ifs-trailing-delimiter
v=a:b:; IFS=:; printf '<%s>' $v; echo
#### ifs-leading-delimiter
v=:a:b; IFS=:; printf '<%s>' $v; echo
#### ifs-mixed-whitespace
v=' a : b :c '; IFS=' :'; printf '<%s>' $v; echo
#### ifs-empty-no-split
v='a b c'; IFS=; printf '<%s>' $v; echo
#### ifs-unset-default
v=$'a\tb c'; unset IFS; printf '<%s>' $v; echo
#### quoted-no-split
v='a b'; printf '<%s>' "$v"; echo
#### empty-unquoted-vanishes
e=; printf '<%s>' $e x $e; echo
#### empty-quoted-stays
e=; printf '<%s>' "$e" x; echo
#### split-cmdsub
printf '<%s>' $(printf 'a b\nc'); echo
#### split-arith-no
IFS=1; printf '<%s>' $((121)); echo
#### ifs-non-whitespace-consecutive
v='a,,b'; IFS=,; printf '<%s>' $v; echo
#### ifs-in-read
IFS=: read -r a b c <<< 'x:y:z:w'; echo "$a|$b|$c"
#### ifs-star-join-first-char
set -- a b; IFS='-+'; echo "$*"
#### literal-no-split
IFS=x; echo axb
#### split-after-expansion-only
IFS=o; v=foo; echo $v boo
#### ifs-backslash
v='a\b'; IFS='\'; printf '<%s>' $v; echo
#### ifs-local-in-function
f() { local IFS=,; v=1,2; printf '<%s>' $v; echo; }; f; v=1,2; printf '<%s>' $v; echo
#### ifs-temp-assign-read
v='a b'; IFS=, read -r x y <<< "1,2"; echo "$x $y"; printf '<%s>' $v; echo
#### split-array-assignment
v='a b c'; arr=($v); echo ${#arr[@]}
#### split-in-for
v='1 2 3'; for i in $v; do printf '%s;' "$i"; done; echo
#### quoted-at-in-for
set -- 'a b' c; for i in "$@"; do printf '<%s>' "$i"; done; echo
#### ifs-whitespace-newline-only
v=$'a b\nc d'; IFS=$'\n'; printf '<%s>' $v; echo
#### null-char-in-ifs-ignored
v='a b'; IFS=$' \n'; printf '<%s>' $v; echo
#### splitting-unquoted-default-value
unset u; printf '<%s>' ${u:-"a b" c}; echo
#### ifs-single-space
v='  a  b  '; IFS=' '; printf '<%s>' $v; echo
#### split-positional-star-unquoted
set -- 'a b' 'c'; IFS=; printf '<%s>' $*; echo
#### split-positional-at-ifs-empty
set -- 'a b' 'c'; IFS=; printf '<%s>' $@; echo
#### split-glob-after
mkdir w && cd w && touch a1 a2; v='a* b'; printf '<%s>' $v; echo
#### split-no-glob-quoted
mkdir w && cd w && touch a1; v='a*'; printf '<%s>' "$v"; echo
#### ifs-value-printed
printf '%q\n' "$IFS"
#### ifs-default-unset-check
echo "${IFS+set}"
#### ifs-tab-only
v=$'a b\tc'; IFS=$'\t'; printf '<%s>' $v; echo
#### split-in-case-word-no
v='a b'; case $v in 'a b') echo nosplit;; esac
#### split-in-assignment-no
v='a   b'; w=$v; x="$w"; echo "[$x]"
#### split-command-name
cmd='echo split command'; $cmd
#### split-in-arith-index-no
a=(x y); i='1'; echo ${a[$i]}
#### split-herestring-no
v='a   b'; read -r x <<< $v; echo "[$x]"
