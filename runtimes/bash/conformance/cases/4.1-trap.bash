# trap (4.1) and 3.7.6 Signals as far as a sandbox has them: EXIT, ERR, DEBUG, RETURN, signals sent with kill.
#### exit-trap
trap 'echo bye' EXIT; echo hi
#### exit-trap-status
trap 'echo "status $?"' EXIT; (exit 3); exit
#### exit-trap-with-exit-code
trap 'echo in-trap' EXIT; exit 4
#### exit-trap-change-code
trap 'exit 7' EXIT; exit 1
#### exit-trap-status-seen
trap 'echo "trap sees $?"' EXIT; (exit 4); exit $?
#### exit-trap-function-exits
f() { echo in f; exit 5; }; trap f EXIT; echo main
#### exit-trap-without-exit-keeps-status
trap 'false' EXIT; exit 3
#### exit-trap-zero-name
trap 'echo zero' 0; true
#### exit-trap-subshell
( trap 'echo sub-exit' EXIT; echo in-sub ); echo after
#### exit-trap-cmdsub
v=$(trap 'echo trapped' EXIT; echo body); echo "[$v]"
#### exit-trap-on-error-exit
set -e; trap 'echo cleanup' EXIT; false; echo never
#### exit-trap-reset
trap 'echo no' EXIT; trap - EXIT; echo reset
#### exit-trap-ignore-empty
trap '' EXIT; echo ok
#### err-trap
trap 'echo "err $?"' ERR; false; true; (exit 3)
#### err-trap-not-in-condition
trap 'echo err' ERR; if false; then :; fi; false || true; ! false; echo done
#### err-trap-in-function-no-errtrace
trap 'echo err' ERR; f() { false; echo in-f; }; f
#### err-trap-errtrace
set -E; trap 'echo "err in ${FUNCNAME[0]:-main}"' ERR; f() { false; }; f
#### err-trap-with-errexit
set -e; trap 'echo "trapped $?"' ERR; false; echo never
#### err-trap-lineno
trap 'echo "line $LINENO"' ERR
true
false
#### debug-trap
trap 'echo "dbg: $BASH_COMMAND"' DEBUG; x=1; echo done
#### debug-trap-count
n=0; trap 'n=$((n+1))' DEBUG; a=1; b=2; trap - DEBUG; echo $n
#### debug-trap-not-in-function
trap 'echo "d:$BASH_COMMAND"' DEBUG; f() { echo body; }; f; trap - DEBUG
#### debug-trap-functrace
set -T; trap 'echo "d:$BASH_COMMAND"' DEBUG; f() { echo body; }; f; trap - DEBUG
#### return-trap
f() { trap 'echo returning' RETURN; echo body; }; f; echo after
#### return-trap-sourced
echo 'echo in-lib' > lib.sh; trap 'echo ret' RETURN; . ./lib.sh; trap - RETURN; echo done
#### return-trap-global-no-functrace
trap 'echo ret' RETURN; f() { :; }; f; echo done
#### trap-list
trap 'echo x' EXIT; trap 'echo y' USR1; trap -p
#### trap-list-one
trap 'echo y' USR1; trap -p USR1
#### trap-print-empty
trap
#### trap-l
trap -l | head -2
#### trap-invalid-signal
trap 'echo x' NOSUCH; echo "status $?"
#### trap-signal-number
trap 'echo got15' 15; trap -p TERM
#### trap-sig-prefix
trap 'echo u' SIGUSR1; trap -p USR1
#### trap-usr1-kill
trap 'echo got USR1' USR1; kill -USR1 $$; echo after
#### trap-term-kill
trap 'echo got TERM' TERM; kill -TERM $$; echo after
#### trap-int-kill
trap 'echo got INT' INT; kill -INT $$; echo after
#### trap-ignore-signal
trap '' USR1; kill -USR1 $$; echo survived
#### trap-reset-signal
trap 'echo x' USR2; trap - USR2; trap -p USR2; echo reset
#### kill-self-default
kill -USR1 $$; echo never
#### kill-subshell-term
( kill -TERM $BASHPID; echo never ); echo "status $?"
#### kill-l
kill -l | head -1
#### kill-l-number
kill -l 15; kill -l 9; kill -l TERM
#### kill-l-exit-status
kill -l 143
#### kill-bad-signal
kill -NOSUCH $$; echo "status $?"
#### kill-no-args
kill; echo "status $?"
#### kill-bad-pid
kill 999999999 2>/dev/null; echo "status $?"
#### trap-in-subshell-reset
trap 'echo parent' USR1; ( trap -p USR1 ); echo sub
#### trap-in-subshell-ignored-kept
trap '' USR1; ( trap -p USR1 )
#### trap-multiple-signals
trap 'echo multi' USR1 USR2; trap -p | wc -l
#### trap-exit-in-function
f() { trap 'echo exit-from-f' EXIT; }; f; echo main-end
#### trap-quotes-in-action
trap "echo 'quoted \$x'" EXIT; x=1
#### trap-action-expanded-late
x=early; trap 'echo $x' EXIT; x=late
#### trap-exit-after-exit-in-trap
trap 'echo one; exit 3; echo no' EXIT; echo main
#### trap-err-status-preserved
trap 'echo in-err' ERR; false; echo "status $?"
#### wait-builtin
sleep 0 & wait $!; echo "status $?"
#### wait-no-jobs
wait; echo "status $?"
#### wait-n
(exit 4) & wait -n; echo "status $?"
#### wait-bad-pid
wait 999999; echo "status $?"
#### jobs-empty
jobs; echo "status $?"
#### trap-debug-return-value
trap 'false' DEBUG; echo still-runs
#### trap-exit-output-ordering
trap 'echo exit-trap' EXIT; echo out; echo err >&2
#### err-trap-in-subshell-inherited-errtrace
set -E; trap 'echo err-trapped' ERR; ( false ); echo after
#### exit-trap-sees-variables
x=1; trap 'echo "x=$x"' EXIT; x=2
#### return-trap-with-functrace
set -T; trap 'echo ret' RETURN; f() { :; }; f; trap - RETURN
#### trap-err-reset
trap 'echo err' ERR; trap - ERR; false; echo done
#### trap-exit-and-err-order
set -e; trap 'echo exit' EXIT; trap 'echo err' ERR; false
#### trap-p-exit-format
trap 'echo "q"' EXIT; trap -p EXIT; trap - EXIT
#### trap-exit-in-signal-trap
trap 'echo got; exit 3' TERM; kill $$; echo after
#### trap-return-in-signal-trap
trap 'return 5' USR1; f() { kill -USR1 $$; echo notreached; }; f; echo "status $?"
#### trap-usage-without-signal
trap 'echo x'; echo "status $?"; trap -; echo "status $?"
#### wait-n-no-jobs-and-p
wait -n; echo "status $?"; (exit 6) & p=$!; wait -n -p got; echo "status $? $([ "$got" = "$p" ] && echo same)"
#### wait-n-listed
(exit 2) & a=$!; wait -n "$a"; echo "status $?"; wait -n %9; echo "status $?"
#### debug-trap-assignments-in-function
f() { local v=1; w=2; echo body; }; trap 'echo "dbg: $BASH_COMMAND"' DEBUG; f; trap - DEBUG
#### exit-trap-cmdsub-parent-not-inherited
trap 'echo parent-exit' EXIT; v=$(echo body); echo "[$v]"; w=$(trap 'echo inner' EXIT; exit 3); echo "[$w] $?"
