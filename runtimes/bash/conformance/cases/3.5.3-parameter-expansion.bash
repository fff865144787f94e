# 3.5.3 Shell Parameter Expansion: ${parameter} and every ${parameter<op>word} form, one at a time.
#### braces-basic
v=abc; echo "${v}x $vx."
#### default-unset
unset v; echo "${v-def}" "${v:-def}"
#### default-empty
v=; echo "[${v-def}]" "[${v:-def}]"
#### default-set
v=x; echo "${v-def}" "${v:-def}"
#### default-no-assign
unset v; echo "${v:-d}"; echo "[${v}]"
#### default-word-expanded
unset v; w=W; echo "${v:-$w and $(echo cs) $((1+2))}"
#### default-word-quoted
unset v; printf '<%s>\n' ${v:-"a b" c}
#### assign-unset
unset v; echo "${v=new}"; echo "$v"
#### assign-colon-empty
v=; echo "${v:=filled}"; echo "$v"
#### assign-no-colon-empty
v=; echo "[${v=filled}]"; echo "[$v]"
#### assign-positional-error
set -- a; echo "${1:=x}"; : ${2:=y}; echo after
#### alt-set
v=1; echo "[${v+alt}]" "[${v:+alt}]"
#### alt-empty
v=; echo "[${v+alt}]" "[${v:+alt}]"
#### alt-unset
unset v; echo "[${v+alt}]" "[${v:+alt}]"
#### error-unset
unset v; echo "${v?is unset}"; echo not reached
#### error-empty-colon
v=; (echo "${v:?empty or unset}"); echo "status $?"
#### error-default-message
unset v; (: "${v?}"); echo "status $?"
#### error-colon-default-message
v=; (: "${v:?}"); echo "status $?"
#### error-set-ok
v=ok; echo "${v:?no}"
#### length-string
v=hello; echo "${#v}"
#### length-empty
v=; echo "${#v}"
#### length-positional
set -- a bb ccc; echo "${#}" "${#2}"
#### length-array-star
a=(x yy zzz); echo "${#a[@]}" "${#a[*]}" "${#a[1]}"
#### length-unset
unset v; echo "${#v}"
#### substring-offset
v=abcdefgh; echo "${v:3}"
#### substring-offset-length
v=abcdefgh; echo "${v:2:3}"
#### substring-negative-offset
v=abcdefgh; echo "${v: -3}" "${v:(-2)}"
#### substring-negative-length
v=abcdefgh; echo "${v:1:-2}"
#### substring-past-end
v=abc; echo "[${v:5}]" "[${v:1:10}]"
#### substring-arith
v=abcdefgh; i=1; echo "${v:i+1:i*2}"
#### substring-positional
set -- one two three four; echo "${@:2}"; echo "${@:2:2}"
#### substring-positional-zero
set -- a b; echo "${@:0:1}" | sed 's/.*main.sh/main.sh/'
#### substring-positional-negative
set -- a b c d e; echo "${@: -2}"
#### substring-array
a=(a b c d e); echo "${a[@]:1:3}"
#### substring-negative-length-error
v=abc; (echo "${v:1:-5}"); echo "status $?"
#### substring-negative-length-array-error
a=(1 2 3 4); (echo "${a[@]:1:-1}"); echo "status $?"; set -- 1 2 3; (echo "${@:1:-1}"); echo "status $?"
#### substring-negative-length-to-offset
v=abcdef; echo "[${v:2:-4}] [${v:2:-3}] [${v: -3:-1}]"
#### prefix-short
v=a/b/c.tar.gz; echo "${v#*/}"
#### prefix-long
v=a/b/c.tar.gz; echo "${v##*/}"
#### suffix-short
v=a/b/c.tar.gz; echo "${v%.*}"
#### suffix-long
v=a/b/c.tar.gz; echo "${v%%.*}"
#### prefix-no-match
v=abc; echo "${v#x}" "${v%y}"
#### prefix-quoted-pattern
v='*abc'; echo "${v#'*'}" "${v#\*}"
#### prefix-var-pattern
v=abcabc; p=a*; echo "${v#$p}" "${v##$p}" "${v#"$p"}"
#### prefix-bracket
v=abc123; echo "${v##[a-z]}" "${v%%[0-9]*}"
#### prefix-positional-each
set -- x.c y.c z.h; echo "${@%.c}"
#### prefix-array-each
a=(pre-a pre-b c); echo "${a[@]#pre-}"
#### replace-first
v=aaa; echo "${v/a/b}"
#### replace-all
v=aaa; echo "${v//a/b}"
#### replace-anchored-start
v=abab; echo "${v/#ab/X}" "${v/#b/X}"
#### replace-anchored-end
v=abab; echo "${v/%ab/X}" "${v/%a/X}"
#### replace-delete
v=a-b-c; echo "${v//-}" "${v/-}"
#### replace-glob
v=hello.world; echo "${v/l*o/_}" "${v//[lo]/_}"
#### replace-empty-string
v=; echo "[${v/x/y}]"
#### replace-slash-in-pattern
v=a/b/c; echo "${v//\//:}"
#### replace-ampersand
v=abc; echo "${v/b/[&]}"
#### replace-ampersand-quoted
v=abc; echo "${v/b/[\&]}" "${v/b/"[&]"}"
#### replace-ampersand-all
v=abcabc; echo "${v//[ac]/<&&>}" "${v/#a/&-}" "${v/%c/-&}"
#### replace-ampersand-backslash
v=abc; echo "${v/b/\\&}" "${v/b/'&'}" "${v/b/$'&'}"
#### replace-ampersand-off
shopt -u patsub_replacement; v=abc; echo "${v/b/[&]}"
#### replace-ampersand-in-substitution
v=abc; echo "${v/b/$(echo "x&&y")}"
#### replace-positional
set -- foo boo; echo "${@/o/0}"
#### replace-array
a=(one two three); echo "${a[@]//e/E}"
#### case-upper-first
v=hello; echo "${v^}"
#### case-upper-all
v=hello; echo "${v^^}"
#### case-lower-first
v=HELLO; echo "${v,}"
#### case-lower-all
v=HELLO; echo "${v,,}"
#### case-pattern
v=banana; echo "${v^^a}" "${v^^[bn]}"
#### case-toggle
v=HeLLo; echo "${v~~}" "${v~}"
#### case-array
a=(ab cd); echo "${a[@]^}"
#### transform-q
v="a b'c"; echo "${v@Q}"
#### transform-q-empty
v=; echo "${v@Q}"
#### transform-e
v='a\tb\n'; printf '%s|\n' "${v@E}"
#### transform-p
v='$HOME x'; PS1x='\u'; echo "${v@P}" | sed "s|$HOME|H|"
#### transform-a
declare -ri n=3; a=(1); declare -A m=([k]=v); echo "${n@a}" "${a@a}" "${m@a}"
#### transform-upper-lower
v=MiXed; echo "${v@U}" "${v@L}" "${v@u}"
#### transform-k
declare -A m=([a]=1); echo "${m[@]@K}"
#### transform-a-assign
v=x; declare -i n=2; echo "${v@A}"; echo "${n@A}"
#### transform-a-attributes
export e=1; readonly r=x; declare -l low=AB; plain=p; echo "${e@A}|${r@A}|${low@A}|${plain@A}"
#### transform-q-array
a=(a 'b c'); echo "${a[@]@Q}"
#### indirect-basic
v=target; target=hit; echo "${!v}"
#### indirect-unset
v=nothere; echo "[${!v}]"
#### indirect-positional
set -- a b c; n=2; echo "${!n}"
#### indirect-array-element
a=(x y z); r='a[2]'; echo "${!r}"
#### indirect-with-default
v=nothere; echo "${!v:-dflt}"
#### prefix-names-star
abc1=1 abc2=2 abd=3; echo "${!abc*}"
#### prefix-names-at
xy_a=1 xy_b=2; for n in "${!xy_@}"; do echo "$n"; done
#### array-keys
a=(a b c); a[7]=h; echo "${!a[@]}"
#### positional-ten
set -- 1 2 3 4 5 6 7 8 9 10 11; echo "$10 ${10} ${11}"
#### star-vs-at-quoted
set -- 'a b' c; printf '<%s>' "$*"; echo; printf '<%s>' "$@"; echo
#### star-ifs-join
set -- a b c; IFS=,; echo "$*"; IFS=; echo "$*"
#### star-ifs-unset
set -- a b c; unset IFS; echo "$*"
#### at-empty
set --; printf '<%s>' "$@"; echo "[$#]"
#### at-in-string
set -- a b; printf '<%s>' "x$@y"; echo
#### nested-default
unset a b; echo "${a:-${b:-deep}}"
#### nested-length-default
unset v; echo "${#v}" "${v:-${#PWD}}" | sed 's/[0-9]\{2,\}/N/'
#### pattern-star-in-var
v='a*b'; echo "${v/\*/-}"
#### pattern-qmark
v=abcd; echo "${v#??}" "${v%?}"
#### pattern-extglob
shopt -s extglob; v=aaabbb; echo "${v##+(a)}" "${v%%*(b)}"
#### quote-in-default
unset v; echo "${v:-'single quoted'}" "${v:-"double $HOME"}" | sed "s|$HOME|H|"
#### default-in-unquoted-splits
unset v; printf '<%s>' ${v:-a b}; echo
#### default-quoted-no-split
unset v; printf '<%s>' "${v:-a b}"; echo
#### unset-nounset-default
set -u; unset v; echo "${v:-ok}" "${v-ok}" "${#v[@]}" 2>&1
#### nounset-error
set -u; unset v; echo "$v"; echo not reached
#### nounset-positional
set -u; set -- a; echo "$1"; echo "$2"; echo no
#### nounset-at-ok
set -u; set --; echo "[$@]" "[$*]" "$#"
#### bad-substitution
v=x; echo "${v!}"; echo after
#### bad-substitution-space
echo "${ v}"; echo after
#### length-multibyte-c-locale
v=$'\xc3\xa9'; echo "${#v}"
#### special-underscore-args
echo a b c; echo "$_"
#### dollar-single-quote
echo $'a\tb' $'\x41\101\u0042'
#### dollar-double-quote
echo $"plain"
#### param-with-index-arith
a=(10 20 30); i=1; echo "${a[i+1]}" "${a[$i]}"
#### param-colon-zero
set -- a b; v=abc; echo "${v:0}" "${v:0:0}x"
#### replace-longest-match
v=abcabc; echo "${v/b*c/X}"
#### replace-nocasematch
shopt -s nocasematch; v=ABC; echo "${v/b/x}"
#### suffix-empty-pattern
v=abc; echo "${v%}" "${v#}"
#### assign-in-arith-context
unset n; echo $(( ${n:=5} + 1 )) $n
#### default-at-array
unset a; a=(); echo "[${a[@]:-empty}]"
#### alt-array
a=(1 2); echo "[${a[@]:+has}]"
#### length-of-at-elements
set -- aa bbb; echo "${#@}" "${#*}"
#### special-hash-brace
set -- a b c; echo ${#} ${#-}
#### indirect-nameref-like
x=1; y=x; eval "echo \${$y}"
#### tilde-in-default
unset v; echo "${v:-~}" | sed "s|$HOME|H|"
#### case-modify-positional
set -- abc def; echo "${@^^}" "${*,}"
#### transform-q-special-chars
v=$'a\nb'; echo "${v@Q}"
#### substring-unicode-bytes
v=hello; echo "${v:1:1}${v: -1:1}"
#### replace-dollar-digit-literal
v=hello; echo "${v/l/\$1}" "${v//l/\$0x}"; r='$1'; echo "${v/l/$r}"
#### transform-k-indexed-sparse
a=(1 "2 3"); echo "[${a[@]@K}]"; a=(); a[3]=z; echo "[${a[*]@K}]"; v=x; echo "[${v[@]@K}]"; unset u; echo "[${u[@]@K}]"
#### transform-k-assoc-quoted-key
declare -A m=(["b c"]="x y"); echo "[${m[@]@K}]"; echo "[${m[b c]@K}]"
#### nounset-array-length-declared-only
set -u; b=(); echo "${#b[@]}"; declare -A m=(); echo "${#m[@]}"; echo "[${u[@]}]"; declare -a d; echo "${#d[@]}"; echo not reached
