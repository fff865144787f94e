# 3.2.4 Compound Commands: 3.2.4.1 looping constructs, 3.2.4.2 conditional constructs (if, case), 3.2.4.3 grouping.
# [[ ]] and (( )) are in 3.2.4.2-conditional-expressions. Also 3.2.3 pipelines and 3.2.4 lists.
#### for-list
for i in a b c; do echo "$i"; done
#### for-default-positional
set -- x y; for i; do echo "$i"; done
#### for-empty-list
for i in; do echo never; done; echo "status $?"
#### for-arith
for ((i=0; i<3; i++)); do echo $i; done
#### for-arith-empty-parts
i=0; for ((;;)); do ((i++ >= 2)) && break; done; echo $i
#### for-arith-comma
for ((i=0, j=10; i<3; i++, j--)); do echo $i $j; done
#### for-var-persists
for i in 1 2 3; do :; done; echo $i
#### for-status-last-body
for i in 1; do false; done; echo $?
#### for-break
for i in 1 2 3 4; do [ $i = 3 ] && break; echo $i; done
#### for-continue
for i in 1 2 3 4; do [ $i = 2 ] && continue; echo $i; done
#### nested-break-n
for i in 1 2; do for j in a b; do [ $j = b ] && break 2; echo $i$j; done; done; echo out
#### nested-continue-n
for i in 1 2; do for j in a b; do [ $j = b ] && continue 2; echo $i$j; done; echo never; done
#### break-too-large
for i in 1 2; do break 5; done; echo "i=$i"
#### break-outside-loop
break; echo "status $?"
#### continue-outside-loop
continue; echo "status $?"
#### while-basic
i=0; while [ $i -lt 3 ]; do echo $i; i=$((i+1)); done
#### while-false-status
while false; do :; done; echo $?
#### until-basic
i=0; until [ $i -ge 3 ]; do echo $i; i=$((i+1)); done
#### while-read-loop
printf 'a\nb\n' | while read -r l; do echo "<$l>"; done
#### while-pipe-subshell-var
n=0; printf 'a\nb\n' | while read -r l; do n=$((n+1)); done; echo $n
#### while-break-status
while true; do break; done; echo $?
#### while-condition-list
i=0; while i=$((i+1)); [ $i -le 2 ]; do echo $i; done
#### if-basic
if true; then echo yes; fi
#### if-else
if false; then echo yes; else echo no; fi
#### if-elif
x=2; if [ $x = 1 ]; then echo one; elif [ $x = 2 ]; then echo two; else echo other; fi
#### if-status-no-branch
if false; then :; fi; echo $?
#### if-status-of-branch
if true; then (exit 3); fi; echo $?
#### if-condition-list
if false; true; then echo last-counts; fi
#### if-negated
if ! false; then echo negated; fi
#### case-basic
case foo in foo) echo matched;; bar) echo no;; esac
#### case-patterns-alternatives
case b in a|b|c) echo abc;; esac
#### case-glob
case file.txt in *.txt) echo text;; *) echo other;; esac
#### case-default
case zzz in a) echo a;; *) echo default;; esac
#### case-no-match-status
false; case x in y) echo y;; esac; echo $?
#### case-fallthrough
case a in a) echo a;& b) echo b;; c) echo c;; esac
#### case-continue-matching
case abc in a*) echo first;;& *c) echo second;;& x*) echo no;; esac
#### case-quoted-pattern
case '*' in "*") echo star;; esac; case x in "*") echo no;; *) echo any;; esac
#### case-variable-pattern
p='a*'; case abc in $p) echo glob;; esac; case abc in "$p") echo no;; *) echo literal-miss;; esac
#### case-paren-pattern
case x in (x) echo paren;; esac
#### case-empty-word
case "" in "") echo empty;; esac
#### case-bracket
case 5 in [0-9]) echo digit;; esac
#### case-last-no-semis
case a in a) echo ok
esac
#### case-status-of-body
case a in a) (exit 4);; esac; echo $?
#### group-braces
{ echo a; echo b; }
#### group-shares-env
x=1; { x=2; }; echo $x
#### subshell-isolated
x=1; (x=2; echo "in $x"); echo "out $x"
#### subshell-exit
(exit 7); echo $?
#### subshell-cd
mkdir d; (cd d && pwd | sed 's|.*/||'); pwd | sed "s|$HOME|H|"
#### nested-subshells
( ( echo deep ) )
#### pipeline-status-last
false | true; echo $?
#### pipeline-negation
! false | false; echo $?
#### pipestatus
true | false | (exit 3); echo "${PIPESTATUS[@]}"
#### pipefail
set -o pipefail; false | true; echo $?
#### pipefail-rightmost-failure
set -o pipefail; (exit 2) | (exit 3) | true; echo $?
#### and-list
true && echo yes; false && echo no; echo $?
#### or-list
false || echo fallback; true || echo no
#### and-or-chain
false && echo a || echo b
#### and-or-precedence
true || echo a && echo b
#### semicolon-list
echo a; echo b
#### background-wait
{ echo bg; } & wait; echo done
#### background-status
(exit 3) & wait $!; echo $?
#### time-keyword-posix
TIMEFORMAT=; time echo timed
#### coproc-basic
coproc C { read -r l; echo "got $l"; }; echo hi >&"${C[1]}"; read -r r <&"${C[0]}"; echo "$r"; wait
#### select-no-input
select x in a b; do echo "$x"; done 2>&1; echo "status $?"
#### loop-redirect-input
printf '1\n2\n' > f; while read -r a; do echo "$a"; done < f
#### loop-in-pipeline
for i in 3 1 2; do echo $i; done | sort
#### compound-on-one-line
if true; then for i in 1; do while false; do :; done; echo ok; done; fi
#### until-status
until true; do :; done; echo $?
#### arith-for-status
for ((i=0;i<0;i++)); do :; done; echo $?
#### case-multiple-words-pattern
case "a b" in "a b") echo spaced;; esac
#### nested-case
case a in a) case b in b) echo nested;; esac;; esac
#### case-in-function
f() { case $1 in -h) echo help;; *) echo arg:$1;; esac; }; f -h; f x
#### while-continue
i=0; while [ $i -lt 4 ]; do i=$((i+1)); [ $i = 2 ] && continue; echo $i; done
#### syntax-error-missing-done
for i in 1; do echo x
echo after
#### syntax-error-fi
fi
echo after
#### empty-group-syntax-error
{ }
#### while-read-ifs-fields
printf 'a:1\nb:2\n' | while IFS=: read -r k v; do echo "$v=$k"; done
#### for-over-quoted-at-with-shift
set -- a b c; while [ $# -gt 0 ]; do echo "$1"; shift; done
#### nested-loop-break-inner-only
for i in 1 2; do for j in 1 2 3; do [ $j = 2 ] && break; echo $i$j; done; done
#### loop-over-lines-of-variable
v=$'l1\nl2 x\nl3'; while IFS= read -r line; do echo "<$line>"; done <<< "$v"
#### loop-counter-arith-while
i=0; while (( i < 3 )); do (( i++ )); done; echo $i
#### until-with-break
n=0; until false; do n=$((n+1)); [ $n -eq 3 ] && break; done; echo $n
#### for-c-style-multiple-vars
for ((i=0, j=5; i<j; i+=2, j--)); do printf '%d-%d ' $i $j; done; echo
#### loop-output-to-pipe-sort
for w in pear apple fig; do echo $w; done | sort | head -2
#### continue-in-while-read
printf '1\n2\n3\n' | while read -r n; do [ $n = 2 ] && continue; echo $n; done
#### break-from-while-true-in-function
f() { while true; do return 4; done; }; f; echo $?
#### loop-over-glob-sorted
mkdir w && cd w && touch c a b; for f in *; do printf '%s ' "$f"; done; echo
#### loop-over-brace-sequence-vars
for i in {1..3}{a,b}; do printf '%s ' "$i"; done; echo
#### loop-var-after-break
for i in a b c; do [ $i = b ] && break; done; echo $i
#### while-with-read-from-fd
printf 'x\ny\n' > f; while read -r l <&3; do echo "$l"; done 3< f
#### select-in-while-skip
i=0; while :; do i=$((i+1)); case $i in 1) continue;; 3) break;; esac; echo $i; done
#### time-timeformat-text
TIMEFORMAT='took %%'; time echo timed; TIMEFORMAT=$'a\tb'; time true
#### time-timeformat-invalid
TIMEFORMAT='%x'; time echo timed; echo "status $?"
#### time-timeformat-p-overrides
TIMEFORMAT=''; { time -p true; } 2>&1 | sed 's/[0-9.]*$/N/'
