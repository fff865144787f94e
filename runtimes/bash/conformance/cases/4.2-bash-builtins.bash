# 4.2 Bash Builtin Commands (printf, read/mapfile and alias have their own files): builtin caller command
# declare typeset echo enable help let local logout-less type ulimit-less and friends.
#### builtin-runs-builtin
echo() { printf 'fn\n'; }; builtin echo real; echo x
#### builtin-not-builtin
builtin ls; echo "status $?"
#### caller-in-function
f() { caller; }; f
#### caller-zero-frames
f() { caller 0; }; g() { f; }; g
#### caller-outside
caller; echo "status $?"
#### command-bypasses-function
ls() { echo fn; }; command ls -d . ; ls
#### command-v-builtin
command -v echo
#### command-v-external
command -v cat
#### command-v-function
f() { :; }; command -v f
#### command-v-alias
shopt -s expand_aliases; alias ll='ls -l'; command -v ll
#### command-v-keyword
command -v if
#### command-v-missing
command -v nosuchcmd; echo "status $?"
#### command-capital-v
command -V echo; command -V cat; f() { :; }; command -V f | head -1
#### command-not-found
command nosuchcmd; echo "status $?"
#### command-p
command -p echo via-p
#### declare-p-scalar
x='a b'; declare -p x
#### declare-p-integer
declare -i n=5; declare -p n
#### declare-p-export
declare -x ex=1; declare -p ex
#### declare-p-readonly
declare -r ro=1; declare -p ro
#### declare-p-multiple-attrs
declare -irx m=3; declare -p m
#### declare-p-missing
declare -p nosuch; echo "status $?"
#### declare-p-quoting
v=$'a\nb'; declare -p v; w='q"d'; declare -p w
#### declare-plus-removes
declare -i n=1; declare +i n; n=1+1; echo $n
#### declare-lowercase
declare -l v=MiXeD; echo $v
#### declare-uppercase
declare -u v=mixed; echo $v
#### declare-function-listing
f() { echo hi; }; declare -f f
#### declare-f-missing
declare -f nosuch; echo "status $?"
#### declare-capital-f-name
f() { :; }; declare -F f
#### declare-g-from-function
f() { declare -g G=1; }; f; echo $G
#### declare-invalid-name
declare 1x=2; echo "status $?"
#### declare-no-value
declare v; echo "[${v-unset}]"; declare -p v
#### declare-t
declare -t v=1; declare -p v
#### typeset-synonym
typeset -i t=2+2; echo $t
#### declare-print-all-has
X_Y=1; declare -p | grep -c '^declare -- X_Y="1"'
#### declare-n-nameref
a=1; declare -n r=a; echo $r
#### declare-a-append
declare -a arr=(1); declare -a arr+=(2); echo ${arr[@]}
#### declare-append-forms
declare s=a; declare s+=b; declare -i n=1; declare n+=2; f() { local v=1; local v+=2; echo "$v"; }; f; echo "$s $n"; declare -A m=([a]=1); declare -A m+=([b]=2); echo "${m[a]}${m[b]}"
#### echo-basic
echo a b  c
#### echo-n
echo -n no-newline; echo
#### echo-e
echo -e 'a\tb\nc'
#### echo-capital-e
echo -E 'a\tb'
#### echo-e-octal-hex
echo -e '\0101\x42'
#### echo-e-c
echo -e 'ab\cde'; echo
#### echo-combined-flags
echo -ne 'x\n'
#### echo-dash-literal
echo - -- -x
#### echo-no-args
echo; echo end
#### echo-xpg
shopt -s xpg_echo; echo 'a\tb'
#### echo-invalid-flag-literal
echo -q text
#### echo-e-escape-e
echo -e '\e' | od -An -tx1
#### enable-list-has-echo
enable | grep -c '^enable echo$'
#### enable-n-disable
enable -n echo; echo via-external; enable echo; type -t echo
#### enable-missing
enable nosuchbuiltin; echo "status $?"
#### help-exists
help true | head -1
#### let-basic
let 'a = 5 * 2'; echo $a
#### local-in-function
f() { local v=in; echo $v; }; f; echo "[${v-unset}]"
#### local-p
f() { local a=1 b; local -p; }; f
#### local-multiple
f() { local a=1 b=2; echo $a$b; }; f
#### type-builtin
type echo
#### type-keyword
type if
#### type-external
type cat | sed 's|/usr/bin|/bin|'
#### type-alias
shopt -s expand_aliases; alias x='echo hi'; type x
#### type-function
f() { echo hi; }; type f
#### type-t
f() { :; }; type -t echo if f cat; shopt -s expand_aliases; alias a=b; type -t a
#### type-missing
type nosuch; echo "status $?"
#### type-p-and-capital-p
type -p cat | sed 's|/usr/bin|/bin|'; type -p echo; echo "[$(type -P echo | sed 's|.*/||')]"
#### type-a
type -a echo | sed 's|/usr/bin|/bin|' | head -2
#### type-f-skips-function
echo() { :; }; type -f echo
#### ulimit-n-numeric
case $(ulimit -n) in ''|*[!0-9]*) [ "$(ulimit -n)" = unlimited ] && echo number;; *) echo number;; esac
#### true-false
true; echo $?; false; echo $?
#### true-ignores-args
true --help x; echo $?
#### false-ignores-args
false --version; echo $?
#### mapfile-synonym-readarray
readarray -t a < <(printf 'x\ny\n'); echo "${#a[@]} ${a[1]}"
#### builtin-cd
builtin cd /; pwd
#### command-preserves-status
command false; echo $?
#### declare-r-error-reassign
declare -r c=1; declare c=2; echo "status $?"
#### declare-i-with-string
declare -i n=hello; echo $n
#### declare-assoc-print
declare -A m=([k]=v); declare -p m
#### declare-c-capitalize
declare -c v=hello 2>/dev/null; echo "status $?"
#### typeset-f
f() { :; }; typeset -f f
#### local-readonly
f() { local -r v=1; v=2; echo "status $?"; }; f
#### echo-special-escapes-e
echo -e 'a\\b' '\a' | od -An -c | head -1
#### type-multiple
type true false | head -2
#### logout-non-login
logout; echo "status $?"
#### suspend-non-interactive
suspend 2>/dev/null; echo "status $?"
#### disown-no-jobs
disown 2>/dev/null; echo "status $?"
#### disown-unknown-job
disown %3 2; echo "status $?"
#### disown-all-without-jobs
disown -a; echo "status $?"; disown -h; echo "status $?"
#### suspend-message
suspend; echo "status $?"
#### fc-non-interactive
fc -l 2>/dev/null; echo "status $?"
#### history-non-interactive
history; echo "status $?"
#### bind-non-interactive
bind -l 2>/dev/null | head -0; echo ok
#### fc-l-negative-offset
fc -l -5 2>/dev/null; echo "status $?"
#### ulimit-default-file-size
ulimit; ulimit -f; ulimit -c
#### ulimit-lower-then-raise
ulimit -n 100; ulimit -n; ulimit -n 200; echo "status $?"; ulimit -Hn
#### ulimit-soft-below-hard
ulimit -S -f 10; ulimit -f; ulimit -H -f; ulimit -S -f hard; ulimit -f
#### ulimit-subshell-keeps-own
(ulimit -f 50; ulimit -f); ulimit -f
#### ulimit-labelled-list
ulimit -c -f; ulimit -t -f 20; ulimit -f
#### ulimit-errors
ulimit -Z; echo "status $?"; ulimit -f abc; echo "status $?"; ulimit -p 16; echo "status $?"; ulimit -H -f 5; ulimit -S -f 6; echo "status $?"
