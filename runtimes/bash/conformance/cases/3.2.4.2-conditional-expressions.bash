# [[ ]] (3.2.4.2, 6.4 Bash Conditional Expressions) and (( )).
#### string-equal
[[ abc == abc ]] && echo eq; [[ abc = abc ]] && echo eq1
#### string-not-equal
[[ a != b ]] && echo ne
#### glob-match
[[ hello == h*o ]] && echo glob
#### glob-quoted-literal
[[ hello == "h*o" ]] || echo literal
#### glob-var-unquoted
p='h*'; [[ hello == $p ]] && echo pattern; [[ hello == "$p" ]] || echo quoted
#### regex-basic
[[ abc123 =~ [0-9]+ ]] && echo "${BASH_REMATCH[0]}"
#### regex-groups
[[ key=value =~ ^([a-z]+)=(.*)$ ]] && echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]} ${#BASH_REMATCH[@]}"
#### regex-no-match-clears
[[ a =~ (a) ]]; [[ b =~ (x) ]]; echo "${#BASH_REMATCH[@]} $?"
#### regex-quoted-literal
[[ 'a.c' =~ "a.c" ]] && echo lit; [[ abc =~ "a.c" ]] || echo no-lit
#### regex-var
re='^[0-9]{3}$'; [[ 123 =~ $re ]] && echo three
#### regex-invalid
[[ a =~ ( ]]; echo "status $?"
#### less-greater-strings
[[ a < b ]] && echo lt; [[ b > a ]] && echo gt
#### numeric-compare
[[ 10 -gt 9 ]] && echo gt; [[ 3 -le 3 ]] && echo le; [[ 1 -ne 2 ]] && echo ne
#### numeric-arith-operands
x=4; [[ x+1 -eq 5 ]] && echo arith
#### and-or-not
[[ -n a && ! -z a || false ]] && echo combo
#### grouping-parens
[[ ( a == b || b == b ) && c == c ]] && echo grouped
#### empty-string-tests
e=; [[ -z $e ]] && echo empty; [[ -n $e ]] || echo not-n
#### no-word-splitting
v='a b'; [[ $v == 'a b' ]] && echo nosplit
#### no-glob-expansion
mkdir w && cd w && touch aa; [[ * == '*' ]] && echo noglob
#### file-tests
touch f; mkdir d; [[ -e f && -f f && ! -d f && -d d ]] && echo files
#### file-tests-missing
[[ -e nosuch ]] || echo missing
#### file-size-nonempty
: > e; echo x > n; [[ -s n && ! -s e ]] && echo sizes
#### file-readable-writable
touch f; [[ -r f && -w f ]] && echo rw
#### file-executable
touch f; chmod +x f; [[ -x f ]] && echo exec
#### file-symlink
touch t; ln -s t l 2>/dev/null || cp t l; [[ -L l ]] && echo link || echo nolink
#### file-newer
touch a; [[ a -nt nosuch ]] && echo newer; [[ nosuch -ot a ]] && echo older
#### file-same
touch a; [[ a -ef ./a ]] && echo same
#### var-set-test
x=; [[ -v x ]] && echo set; [[ -v nosuch ]] || echo unset
#### var-set-array-element
a=(1); [[ -v a[0] ]] && echo el0; [[ -v a[1] ]] || echo no-el1
#### option-test
set -o errexit; [[ -o errexit ]] && echo on; set +o errexit; [[ -o errexit ]] || echo off
#### nocasematch
shopt -s nocasematch; [[ ABC == abc ]] && echo nocase
#### status-false
[[ a == b ]]; echo $?
#### syntax-error
[[ a == ]]; echo after
#### arith-cmd-true
(( 1 + 1 )); echo $?
#### arith-cmd-zero
(( 0 )); echo $?
#### arith-cmd-assign
(( x = 3 * 4 )); echo $x
#### arith-cmd-increment
i=5; (( i++ )); echo $i; (( i-- )); (( --i )); echo $i
#### arith-cmd-condition
x=7; if (( x > 5 && x < 10 )); then echo between; fi
#### arith-cmd-error
(( 1 / 0 )); echo "status $?"
#### arith-cmd-zero-result-status
i=0; (( i++ )); echo "status $? i=$i"
#### string-compare-test-builtin
[ abc \< abd ] && echo lt
#### regex-special-chars
[[ 'a+b' =~ a\+b ]] && echo escaped
#### regex-anchors
[[ xabcx =~ ^abc ]] || echo anchored
#### regex-bracket-space
[[ 'a b' =~ a[[:space:]]b ]] && echo space
#### regex-rematch-partial
[[ foobar =~ o+ ]]; echo "${BASH_REMATCH[0]}"
#### cond-with-cmdsub
[[ $(echo x) == x ]] && echo cmdsub
#### cond-numeric-invalid
[[ abc -eq 0 ]] && echo zero
#### cond-numeric-invalid-base
[[ 08 -eq 8 ]]; echo "status $?"
#### double-bracket-in-pipeline
echo x | [[ -n y ]] && echo ok
#### test-t-fd
[[ -t 0 ]] || echo notty
#### equal-tilde-in-pattern
HOME=/h; [[ /h == ~ ]] && echo tilde
#### pattern-extglob-default
[[ aaa == +(a) ]] && echo extglob-in-cond
#### regex-invalid-at-runtime
re='a('; [[ a =~ $re ]]; echo "status $?"
#### regex-invalid-negated-and-combined
re='a('; [[ ! a =~ $re ]]; echo "status $?"; [[ a == a && a =~ $re ]]; echo "status $?"; if [[ a =~ $re ]]; then echo yes; else echo "no $?"; fi
#### regex-invalid-or
re='a('; [[ a =~ $re || b == b ]]; echo "status $?"; [[ a =~ $re || b == c ]]; echo "status $?"
