# 4.1 Bourne Shell Builtins: : . break cd continue eval exec exit export getopts hash pwd readonly return shift
# test [ times-less umask unset (trap has its own file, 4.1-trap).
#### colon
: anything $((x=3)); echo "$? $x"
#### dot-source
echo 'v=sourced' > lib.sh; . ./lib.sh; echo $v
#### dot-args
echo 'echo "$# $1"' > lib.sh; . ./lib.sh a b
#### dot-return
printf 'echo before\nreturn 3\necho after\n' > lib.sh; . ./lib.sh; echo "status $?"
#### dot-missing
. ./nosuch; echo "status $?"
#### dot-no-args
. ; echo "status $?"
#### dot-path-search
mkdir bin; echo 'echo from-path' > bin/lib.sh; PATH=$PWD/bin:$PATH; . lib.sh
#### source-alias
echo 'echo via source' > lib.sh; source ./lib.sh
#### source-sets-positional-restored
echo 'echo "in: $*"' > lib.sh; set -- outer; source ./lib.sh inner; echo "out: $*"
#### cd-basic
mkdir d; cd d; pwd | sed "s|$HOME|H|"
#### cd-home
mkdir d; cd d; cd; [ "$PWD" = "$HOME" ] && echo home
#### cd-dash
mkdir a b; cd a; cd ../b; cd - | sed "s|$HOME|H|"; pwd | sed "s|$HOME|H|"
#### cd-missing
cd nosuch; echo "status $?"
#### cd-not-directory
touch f; cd f; echo "status $?"
#### cd-too-many-args
mkdir a b; cd a b; echo "status $?"
#### cd-dotdot-logical
mkdir -p a/b; cd a/b; cd ..; pwd | sed "s|$HOME|H|"
#### cd-p-option
mkdir -p real/x; cd real/x; cd -P ..; basename "$PWD"
#### cd-cdpath
mkdir -p base/target; CDPATH=$PWD/base; out=$(cd target); echo "${out#$HOME}"; cd target >/dev/null; basename "$PWD"
#### cd-sets-oldpwd
mkdir d; cd d; [ "$OLDPWD" = "$HOME" ] && echo oldpwd
#### cd-home-unset
unset HOME; cd; echo "status $?"
#### cd-empty-arg
cd ""; echo "status $?"
#### pwd-basic
[ "$(pwd)" = "$PWD" ] && echo same
#### pwd-after-cd
mkdir x; cd x; pwd | sed 's|.*/||'
#### pwd-bad-option
pwd -z; echo "status $?"
#### eval-basic
eval 'echo evaluated'
#### eval-concat-args
eval echo a b '$((1+1))'
#### eval-assign
eval 'x=5'; echo $x
#### eval-status
eval 'false'; echo $?; eval ''; echo $?
#### eval-syntax-error
eval 'if'; echo "status $?"
#### eval-syntax-error-token
echo x
eval 'echo in
fi'; echo "status $?"
#### eval-syntax-error-in-function
f() { eval 'echo a |; echo b'; echo "f status $?"; }
f
#### eval-double-expansion
v='$w'; w=inner; eval "echo $v"
#### eval-defines-function
eval 'f() { echo from-eval; }'; f
#### eval-multiline
eval 'echo a
echo b'
#### exec-replaces-subshell
( exec echo replaced; echo never ); echo after
#### exec-no-command-redirect
exec 3>f; echo x >&3; exec 3>&-; cat f
#### exec-not-found
( exec nosuchcmd ); echo "status $?"
#### exit-status
( exit 3 ); echo $?
#### exit-default-last
( false; exit ); echo $?
#### exit-large
( exit 257 ); echo $?
#### exit-negative
( exit -1 ); echo $?
#### exit-non-numeric
( exit abc ); echo "status $?"
#### exit-in-script
echo before; exit 5; echo after
#### exit-runs-exit-trap
trap 'echo trap' EXIT; exit 2
#### export-basic
export A=1; bash -c 'echo $A'
#### export-existing
B=2; export B; bash -c 'echo $B'
#### export-n
export C=3; export -n C; bash -c 'echo "[${C-unset}]"'; echo $C
#### export-p-one
export D=4; export -p | grep ' D='
#### export-invalid-name
export 1bad=x; echo "status $?"
#### export-no-value
export E; echo "[${E-unset}]"; bash -c 'echo "[${E-unset}]"'
#### getopts-basic
set -- -a -b val file; while getopts ab: o; do echo "$o ${OPTARG-}"; done; shift $((OPTIND-1)); echo "rest $*"
#### getopts-combined
set -- -ab -c x; while getopts abc: o; do echo "$o"; done
#### getopts-unknown
set -- -z; getopts ab o; echo "$o status $?"
#### getopts-unknown-silent
set -- -z; getopts :ab o; echo "$o $OPTARG"
#### getopts-missing-arg
set -- -b; getopts b: o; echo "$o status $?"
#### getopts-missing-arg-silent
set -- -b; getopts :b: o; echo "$o $OPTARG"
#### getopts-end
set -- file; getopts a o; echo "status $? $o $OPTIND"
#### getopts-double-dash
set -- -a -- -b; while getopts ab o; do echo $o; done; echo "OPTIND=$OPTIND"
#### getopts-explicit-args
getopts x: o -x val; echo "$o $OPTARG"
#### getopts-in-function-optind
f() { local OPTIND; while getopts q o; do echo "f:$o"; done; }; f -q; f -q
#### getopts-attached-arg
set -- -ofile; getopts o: x; echo "$x $OPTARG"
#### getopts-opterr-zero
OPTERR=0; set -- -z; getopts a o; echo "$o"
#### hash-basic
hash -r; hash cat; hash | awk 'NR>1{print $2}' | sed 's|.*/||'
#### hash-not-found
hash nosuchcmd; echo "status $?"
#### hash-empty
hash -r; hash
#### hash-t
hash cat; hash -t cat | sed 's|.*/||'
#### hash-hits
hash -r; hash cat; hash | sed 's|/.*/||'; cat /dev/null; cat /dev/null; hash | sed 's|/.*/||'
#### hash-l
hash -r; hash -l; echo "status $?"; hash cat; hash -l | sed 's| /.*/| |'
#### hash-d-forgets
hash -r; hash cat; hash -d cat; hash; hash -d cat; echo "status $?"
#### readonly-basic
readonly R=1; R=2; echo "status $? $R"
#### readonly-p
readonly RO=x; readonly -p | grep RO
#### readonly-function
f() { :; }; readonly -f f; f() { echo redefined; }; echo "status $?"
#### readonly-array
readonly -a RA=(1 2); RA+=(3); echo "${RA[@]}"
#### readonly-in-subshell
readonly R=1; (R=2); echo "status $?"
#### shift-basic
set -- a b c; shift; echo "$*"
#### shift-n
set -- a b c d; shift 2; echo "$*"
#### shift-too-many-status
set -- a; shift 2; echo "status $? $*"
#### shift-negative
set -- a; shift -1; echo "status $?"
#### shift-non-numeric
shift x; echo "status $?"
#### test-string
test abc = abc && echo eq; test a != b && echo ne
#### test-bracket
[ -n x ] && echo n; [ -z "" ] && echo z
#### test-missing-bracket
[ a = a; echo "status $?"
#### test-numeric
[ 3 -lt 5 ] && echo lt; [ 5 -ge 5 ] && echo ge
#### test-numeric-error
[ a -lt 1 ]; echo "status $?"
#### test-one-arg
[ x ] && echo nonempty; [ "" ] || echo empty
#### test-no-args
[ ]; echo $?; test; echo $?
#### test-not
[ ! -e nosuch ] && echo not
#### test-and-or
[ -n a -a -n b ] && echo and; [ -z a -o -n b ] && echo or
#### test-parens
[ \( a = a \) ] && echo paren
#### test-files
touch f; mkdir d; [ -f f ] && [ -d d ] && [ ! -f d ] && echo ok
#### test-too-many
[ a b c ]; echo "status $?"
#### test-unary-expected
[ -q x ]; echo "status $?"
#### test-parse-errors
[ ! a b ]; echo "status $?"; [ a = b c ]; echo "status $?"; test "(" a; echo "status $?"; [ a -a ]; echo "status $?"
#### test-string-less
[ a \< b ] && echo lt
#### test-equal-double
[ a == a ] && echo double-eq
#### test-v
x=1; [ -v x ] && echo set
#### test-nt
touch a; [ a -nt nosuch ] && echo newer
#### test-three-arg-not
[ ! a = b ] && echo not-eq
#### test-four-arg
[ ! a = a ]; echo $?
#### umask-print
umask 022; umask
#### umask-symbolic
umask 027; umask -S
#### umask-set-symbolic
umask u=rwx,g=rx,o=; umask
#### umask-effect
umask 077; touch f; stat -c %a f
#### umask-p
umask 002; umask -p
#### umask-invalid
umask 999; echo "status $?"
#### umask-invalid-symbolic
umask z=r; echo "status $?"
#### umask-subshell
umask 022; (umask 077); umask
#### umask-effect-mkdir
umask 022; mkdir d; stat -c %a d
#### umask-relative-symbolic
umask 077; umask g+r; umask
#### unset-variable
x=1; unset x; echo "[${x-unset}]"
#### unset-v
x=1; unset -v x; echo "[${x-unset}]"
#### unset-f
f() { :; }; unset -f f; type f 2>/dev/null || echo gone
#### unset-prefers-variable
f=1; f() { echo func; }; unset f; echo "[${f-unset}]"; f
#### unset-nonexistent
unset nosuchvar; echo "status $?"
#### unset-readonly
readonly r=1; unset r; echo "status $?"
#### unset-invalid-name
unset 1x; echo "status $?"
#### unset-array-element
a=(1 2 3); unset 'a[0]'; echo "${a[@]}"
#### unset-local-reveals-global
x=g; f() { local x=l; unset x; echo "[${x-u}]"; }; f
#### times-format
times | grep -c 's'
#### break-in-function-in-loop
f() { break; }; for i in 1 2; do f; echo $i; done
#### continue-n
for i in 1 2; do for j in 1 2; do continue 2; echo no; done; done; echo done
#### break-zero
for i in 1; do break 0; done; echo "status $?"
#### colon-with-redirect
: > created; [ -f created ] && echo created
#### exec-fd-redirect-only
exec 4>f4; echo four >&4; exec 4>&-; cat f4
#### eval-with-quotes
eval "echo 'single' \"double\""
#### set-dashdash-positional
set -- -x y; echo "$1 $2"
#### unset-goes-on-after-readonly
readonly ro=1; o=2; unset ro o; echo "$? ${o-gone}"
#### unset-scalar-element
s=str; unset 's[1]'; echo "$? ${s-gone}"; unset 's[0]'; echo "$? ${s-gone}"
#### exit-double-dash
( exit -- 3 ); echo "status $?"
#### shift-too-many-arguments
set -- a b c
shift 1 2
echo "status $? $#"
#### readonly-function-unset-and-missing
f() { echo f; }; readonly -f f; unset f; echo "status $?"; f; readonly -f nosuch; echo "status $?"; declare -fr g; echo "status $?"
#### readonly-function-declare-fr
f() { echo f; }; declare -fr f; f() { echo g; }; echo "status $?"; f
