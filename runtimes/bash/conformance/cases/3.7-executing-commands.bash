# 3.7 Executing Commands: command search, environment, 3.7.5 exit status, and the shell's error messages.
#### command-not-found
nosuchcommand; echo "status $?"
#### command-not-found-with-path
./nosuch; echo "status $?"
#### not-executable
touch f; ./f; echo "status $?"
#### directory-as-command
mkdir d; ./d; echo "status $?"
#### script-without-shebang
printf 'echo from-script\n' > s; chmod +x s; ./s
#### script-with-shebang
printf '#!/bin/bash\necho shebang $#\n' > s; chmod +x s; ./s a b
#### bash-c
bash -c 'echo "$0 $1"' zero one
#### bash-script-args
echo 'echo "$# $*"' > s.sh; bash s.sh x y
#### bash-missing-script
bash nosuch.sh; echo "status $?"
#### path-search-order
mkdir bin; printf '#!/bin/bash\necho mine\n' > bin/cat; chmod +x bin/cat; PATH=$PWD/bin:$PATH; cat
#### path-empty-entry
PATH=; ls 2>/dev/null; echo "status $?"
#### hash-after-path-change
cat /dev/null; mkdir bin; printf '#!/bin/bash\necho new\n' > bin/cat; chmod +x bin/cat; PATH=$PWD/bin:$PATH; cat
#### function-over-builtin
cd() { echo "my cd $1"; }; cd /x
#### builtin-over-path
echo() { builtin echo "fn: $*"; }; echo x; command echo y
#### env-assignment-to-external
V=1 bash -c 'echo $V'; echo "[${V-unset}]"
#### env-var-inherited-export
export V=x; bash -c 'echo $V'
#### env-unset-in-child
export V=x; unset V; bash -c 'echo "[${V-unset}]"'
#### env-command
env V=2 bash -c 'echo $V'
#### env-i
env -i bash -c 'echo "[${HOME-unset}]"'
#### exit-status-signal
bash -c 'kill -TERM $$'; echo "status $?"
#### exit-status-127-126
nosuch 2>/dev/null; a=$?; touch f; ./f 2>/dev/null; echo "$a $?"
#### exit-status-syntax-error-in-bash-c
bash -c 'if then' 2>/dev/null; echo "status $?"
#### exit-status-range
bash -c 'exit 256'; echo $?; bash -c 'exit 255'; echo $?
#### exit-status-builtin-misuse
cd -Z 2>/dev/null; echo "status $?"
#### exit-status-assignment-error
readonly r=1; r=2 2>/dev/null; echo "status $?"
#### error-message-unbound
set -u; echo $nope
#### error-message-bad-substitution
echo ${a:b:c:d}
#### error-message-arith-syntax
echo $(( 1 + * 2 ))
#### error-message-cd
cd /nonexistent-dir
#### error-message-not-a-directory
touch f; cd f
#### error-message-readonly
readonly x=1; x=2
#### error-message-unset-readonly
readonly x=1; unset x
#### error-message-invalid-identifier
declare 'a-b=1'
#### error-message-export-invalid
export 'a b'
#### error-message-syntax-token
echo a |; echo b
#### error-message-syntax-eof
echo "unterminated
#### error-message-syntax-paren
echo (
#### error-message-in-function-lineno
f() {
  nosuch
}
f
#### error-message-special-builtin-exits-posix
set -o posix; readonly r=1; r=2; echo "status $?"
#### error-message-shift
shift 5; echo "status $?"
#### error-message-getopts-invalid
set -- -x; getopts a o
#### error-message-numeric-argument
exit abc
#### error-message-too-many-args-exit
exit 1 2; echo "status $?"
#### error-message-bad-fd
echo x >&9
#### error-message-no-such-file-redirect
cat < /nonexistent/file
#### error-message-division-by-zero
x=$(( 5 / 0 ))
#### error-message-command-not-found-in-pipeline
nosuch | cat; echo "${PIPESTATUS[*]}"
#### error-message-eval
eval 'nosuch'
#### error-message-source
source nosuch.sh
#### error-message-printf-invalid-number
printf '%d\n' x
#### error-message-read-only-function
f() { :; }; readonly -f f; unset -f f
#### error-message-local
local x
#### error-message-history-expansion-off
echo "!x"
#### lineno-of-error-after-heredoc
cat <<E >/dev/null
x
E
nosuch
#### error-continues-script
nosuch; echo continues
#### syntax-error-stops-script
echo before
if
echo after
#### syntax-error-earlier-commands-run
echo one
echo two
done
echo three
#### syntax-error-unexpected-paren
echo a )
#### syntax-error-exit-before-error
echo one
exit 3
fi
#### syntax-error-in-sourced-file
printf 'echo in\nfi\necho never\n' > s.sh
. ./s.sh
echo "status $?"
#### syntax-error-bash-c-second-line
bash -c 'echo a
fi'; echo "status $?"
#### syntax-error-redirect-missing-word
echo a >
#### syntax-error-unterminated-subst
echo one
echo "$(echo a"
#### command-substitution-error-status
v=$(nosuch 2>/dev/null); echo "status $?"
#### exec-non-executable
touch f; ( exec ./f ); echo "status $?"
#### exit-status-of-negated-pipeline
! nosuch 2>/dev/null; echo "status $?"
#### background-exit-status-wait
nosuch 2>/dev/null & wait $!; echo "status $?"
#### bash-n-syntax-check
echo 'if true; then' > bad.sh; bash -n bad.sh; echo "status $?"
#### bash-x-trace
echo 'echo x' > s.sh; bash -x s.sh
#### bash-e-flag
printf 'false\necho no\n' > s.sh; bash -e s.sh; echo "status $?"
#### bash-o-pipefail-flag
bash -o pipefail -c 'false | true'; echo "status $?"
#### bash-s-stdin
echo 'echo from-stdin "$1"' | bash -s arg
#### bash-stdin-script
echo 'echo piped-script' | bash
#### script-positional-zero
echo 'echo "$0"' > s.sh; bash s.sh
#### subshell-exit-status-does-not-exit
(exit 1); echo continues
#### shebang-args
printf '#!/bin/bash -e\nfalse\necho no\n' > s; chmod +x s; ./s; echo "status $?"
