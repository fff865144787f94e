# 3.4 Shell Parameters: variables, assignment forms, 3.4.1 positional parameters, 3.4.2 special parameters.
#### assign-simple
a=1 b=two; echo "$a $b"
#### assign-no-split
v="a   b"; w=$v; echo "[$w]"
#### assign-no-glob
mkdir d && cd d && touch x y; v=*; echo "$v"
#### assign-tilde
v=~/x; echo "$v" | sed "s|$HOME|H|"
#### assign-tilde-after-colon
v=a:~/b; echo "$v" | sed "s|$HOME|H|"
#### append-string
v=ab; v+=cd; echo "$v"
#### append-integer
declare -i n=5; n+=3; echo "$n"
#### append-array
a=(1); a+=(2 3); echo "${a[@]}"
#### assign-prefix-temporary
v=outer; v=inner bash -c 'echo $v'; echo "$v"
#### assign-prefix-builtin
v=outer; v=inner true; echo "$v"
#### assign-prefix-function
f() { echo "in f: $v"; }; v=outer; v=inner f; echo "$v"
#### assign-prefix-special-builtin
v=outer; v=inner :; echo "$v"
#### assign-only-status
false; v=1; echo $?
#### assign-cmdsub-status
v=$(exit 3); echo $?
#### positional-set
set -- a b c; echo "$1 $2 $3 $#"
#### positional-shift
set -- a b c; shift; echo "$@"; shift 2; echo "$# [$*]"
#### positional-shift-too-many
set -- a; shift 3; echo "status $? $#"
#### positional-in-function
f() { echo "$# $1"; }; set -- outer; f inner x; echo "$1"
#### dollar-zero
echo "$0"
#### dollar-zero-function
f() { echo "$0"; }; f
#### dollar-question
true; echo $?; false; echo $?; (exit 42); echo $?
#### dollar-question-negated
! true; echo $?; ! false; echo $?
#### dollar-hyphen
set -f; case $- in *f*) echo has-f;; esac; set +f; case $- in *f*) echo still;; *) echo gone;; esac
#### dollar-hyphen-h-b
echo "$-" | tr -d 'ic'
#### dollar-bang-set
sleep 0 & p=$!; wait; [ -n "$p" ] && echo set
#### dollar-bang-unset
echo "[${!-unset}]"
#### dollar-dollar-stable
a=$$; b=$(echo $$); [ "$a" = "$b" ] && echo same
#### dollar-dollar-numeric
case $$ in *[!0-9]*) echo bad;; *) echo numeric;; esac
#### bashpid-differs-in-subshell
a=$BASHPID; b=$(echo $BASHPID); [ "$a" != "$b" ] && echo differs
#### at-quoted-preserves
set -- 'a  b' '' c; for x in "$@"; do echo "<$x>"; done
#### at-unquoted-splits
set -- 'a  b' '' c; for x in $@; do echo "<$x>"; done
#### star-unquoted
set -- 'a  b' c; for x in $*; do echo "<$x>"; done
#### hash-after-set
set -- $(echo 1 2 3 4); echo $#
#### set-dashdash-empty
set -- a b; set --; echo $#
#### underscore-last-arg
: one two; echo "$_"
#### underscore-after-assignment
x=5; echo "[$_]" | head -c 0; echo ok
#### at-with-ifs
set -- a b; IFS=:; echo "$*" "$@"
#### positional-beyond
set -- a; echo "[$5]"
#### local-positional-restore
f() { set -- x y z; echo $#; }; set -- a; f; echo $# $1
#### nameref-basic
a=1; declare -n r=a; echo "$r"; r=2; echo "$a"
#### nameref-function-arg
setit() { local -n ref=$1; ref=changed; }; v=orig; setit v; echo "$v"
#### nameref-array
arr=(1 2 3); declare -n r=arr; echo "${r[1]}" "${#r[@]}"
#### nameref-unset-n
a=1; declare -n r=a; unset -n r; echo "[$r]" "$a"
#### nameref-unset-target
a=1; declare -n r=a; unset r; echo "[${a-gone}]"
#### nameref-for-loop
a=1 b=2; for r in a b; do :; done; declare -n ref; for ref in a b; do echo "$ref"; done
#### nameref-indirect-name
a=val; declare -n r=a; echo "${!r}"
#### nameref-append-array
push() { local -n arr=$1; arr+=("$2"); }; x=(); push x one; push x two; echo "${x[@]}"
#### nameref-assoc
declare -A m; setk() { local -n mm=$1; mm[$2]=$3; }; setk m k v; echo "${m[k]}"
#### nameref-self-error
declare -n r=r; echo status $?
#### nameref-declare-p
a=1; declare -n r=a; declare -p r
#### readonly-assign-error
readonly r=1; r=2; echo "status $?"
#### readonly-unset-error
readonly r=1; unset r; echo "status $? $r"
#### integer-attribute-eval
declare -i n; n='2*3+1'; echo "$n"
#### integer-attribute-string
declare -i n; n=abc; echo "$n"
#### lower-upper-attributes
declare -l lo=ABC; declare -u up=abc; echo "$lo $up"; lo+=XY; echo "$lo"
#### export-to-child
export E=1; bash -c 'echo $E'
#### export-not-set
N=1; bash -c 'echo "[$N]"'
#### env-prefix-export
X=1 env | grep '^X='
#### nameref-array-element
a=(x y z); declare -n r='a[1]'; echo "$r"; r=Y; echo "${a[@]}"
#### nameref-local-same-name-loop
f() { local -n out=$1; out=set-by-f; }; res=; f res; echo "$res"
#### nameref-chain
a=end; declare -n b=a; declare -n c=b; echo "$c"
#### nameref-declare-p-target
v=1; declare -n r=v; r=5; declare -p v
#### nameref-readonly-target
readonly ro=1; declare -n r=ro; r=2; echo "status $?"
#### nameref-loop-over-names
x1=a x2=b; for n in x1 x2; do declare -n ref=$n; echo "$ref"; done
#### nameref-plus-n-removes
a=1; declare -n r=a; declare +n r; echo "$r"
#### nameref-local-same-name-as-argument
f() { local -n result=$1; result=5; }; result=1; f result 2>/dev/null; echo "s=$? r=$result"
#### nameref-self-error-lists-nothing
f() { :; }; declare -n a=b; declare -n r=r; echo "status $?"
