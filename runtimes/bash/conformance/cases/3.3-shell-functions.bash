# 3.3 Shell Functions.
#### define-call
f() { echo called; }; f
#### function-keyword
function g { echo kw; }; g
#### function-keyword-parens
function h() { echo both; }; h
#### arguments
f() { echo "$# $1 $2 $*"; }; f a 'b c' d
#### return-status
f() { return 3; }; f; echo $?
#### return-default-last-status
f() { false; return; }; f; echo $?
#### implicit-status
f() { (exit 4); }; f; echo $?
#### return-out-of-range
f() { return 300; }; f; echo $?
#### return-negative
f() { return -1; }; f; echo $?
#### return-non-numeric
f() { return abc; }; f; echo "status $?"
#### return-outside-function
return 2>&1; echo "status $?"
#### local-scope
x=global; f() { local x=local; echo $x; }; f; echo $x
#### local-dynamic-scope
x=g; inner() { echo "inner sees $x"; }; outer() { local x=outer; inner; }; outer
#### local-unset-shadows
x=g; f() { local x; echo "[${x-unset}]"; }; f
#### local-outside-function
local x=1; echo "status $?"
#### global-from-function
f() { y=set-in-f; }; f; echo $y
#### declare-global-in-function
f() { declare -g z=gz; }; f; echo $z
#### declare-local-in-function
f() { declare w=local; }; f; echo "[${w-unset}]"
#### recursion
fact() { if (( $1 <= 1 )); then echo 1; else echo $(( $1 * $(fact $(( $1 - 1 ))) )); fi; }; fact 6
#### recursion-depth
d() { (( $1 == 0 )) && { echo bottom; return; }; d $(( $1 - 1 )); }; d 100
#### funcname
f() { echo "${FUNCNAME[0]} ${FUNCNAME[1]-}"; g; }; g() { echo "${FUNCNAME[*]}"; }; f
#### funcname-outside
echo "[${FUNCNAME[0]-none}]"
#### positional-restored
set -- a b; f() { echo $#; }; f x y z; echo $#
#### redefine
f() { echo one; }; f; f() { echo two; }; f
#### unset-function
f() { echo x; }; unset -f f; f 2>/dev/null; echo "status $?"
#### function-and-variable-same-name
f=var; f() { echo func; }; f; echo $f
#### declare-f
f() { echo hi; }; declare -f f
#### declare-capital-f
f() { :; }; g() { :; }; declare -F
#### type-function
f() { echo hi; }; type f
#### export-function
f() { echo exported; }; export -f f; bash -c f
#### function-with-redirect
f() { echo redirected; } >&2; f 2>/dev/null; echo done
#### subshell-body
f() ( x=in; echo $x ); x=out; f; echo $x
#### brace-body-newline
f()
{
  echo multi
}
f
#### nested-definition
outer() { inner() { echo inner; }; }; outer; inner
#### function-names-special
my-func() { echo dash; }; my-func; a.b() { echo dot; }; a.b
#### function-name-keyword-error
function if { echo no; }; echo after
#### return-in-loop
f() { for i in 1 2 3; do [ $i = 2 ] && return $i; done; }; f; echo $?
#### local-array
f() { local -a a=(1 2); echo ${#a[@]}; }; f; echo "[${a[*]-}]"
#### local-assoc
f() { local -A m=([k]=v); echo ${m[k]}; }; f
#### local-inherits-value
x=5; f() { local x; echo "[$x]"; }; f
#### localvar-inherit
shopt -s localvar_inherit; x=5; f() { local x; echo "[$x]"; }; f
#### local-dash
f() { local -; set -f; }; f; case $- in *f*) echo still-f;; *) echo restored;; esac
#### caller
f() { caller 0 | sed 's|/.*/||'; }; f
#### function-pipe-status
f() { return 2; }; f | cat; echo "${PIPESTATUS[0]}"
#### function-in-cmdsub-vars
f() { x=changed; echo out; }; x=orig; v=$(f); echo "$v $x"
#### errexit-in-function
set -e; f() { false; echo not; }; f || echo caught
#### function-args-quoted
f() { for a; do echo "<$a>"; done; }; f 'a b' '' c
#### shift-in-function
f() { shift; echo "$@"; }; f 1 2 3
#### unset-inside-local
x=g; f() { local x=l; unset x; echo "[${x-unset}]"; }; f; echo $x
#### declare-p-function-local
f() { local v=1; declare -p v; }; f
#### function-return-value-via-echo
add() { echo $(( $1 + $2 )); }; r=$(add 2 3); echo $r
#### call-undefined
nosuchfunc; echo "status $?"
#### function-keyword-no-parens-brace
function k
{
  echo k
}
k
#### local-dash-restores-set-o
f() { local -; set -o noglob -u; shopt -s nullglob; echo "in $-"; }; f; echo "out $-"; shopt -q nullglob && echo shopt-kept
#### local-dash-nested
g() { local -; set -f; }; f() { local -; set -u; g; echo "f $-"; }; f; echo "top $-"
#### localvar-inherit-attributes
shopt -s localvar_inherit; declare -i n=2; f() { local n; n+=3; echo "$n"; declare -p n; }; f; echo "$n"
