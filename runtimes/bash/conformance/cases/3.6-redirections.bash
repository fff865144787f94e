# 3.6 Redirections (3.6.6 here documents and 3.6.7 here strings are in 3.6.6-here-documents).
#### output-create
echo a > f; cat f
#### output-truncate
echo long > f; echo s > f; cat f
#### append
echo a > f; echo b >> f; cat f
#### input
printf 'in\n' > f; read -r l < f; echo "$l"
#### stderr-to-file
echo err >&2 2> f; ls nosuch 2> f2; echo "$?"; wc -l < f
#### stderr-to-stdout
{ echo out; echo err >&2; } 2>&1 | sort
#### order-matters
{ echo err >&2; } 2>&1 >/dev/null | cat
#### order-matters-other
{ echo err >&2; } >/dev/null 2>&1 | cat; echo "[done]"
#### both-ampersand-gt
{ echo o; echo e >&2; } &> f; sort f
#### both-append
echo 1 > f; { echo o; echo e >&2; } &>> f; sort f
#### pipe-stderr
{ echo o; echo e >&2; } |& sort
#### noclobber
set -C; echo a > f; echo b > f; echo "status $?"; cat f
#### noclobber-force
set -C; echo a > f; echo b >| f; cat f
#### noclobber-devnull
set -C; echo a > /dev/null; echo ok
#### dup-output-fd
exec 3>f; echo via3 >&3; exec 3>&-; cat f
#### dup-input-fd
printf 'l1\nl2\n' > f; exec 4<f; read -r a <&4; read -r b <&4; exec 4<&-; echo "$a $b"
#### close-fd
exec 3>&-; echo x >&3; echo "status $?"
#### bad-fd
echo x >&7; echo "status $?"
#### read-write-fd
echo hello > f; exec 5<>f; read -r w <&5; echo "$w"; exec 5>&-
#### move-fd
exec 3>f; exec 4>&3-; echo moved >&4; exec 4>&-; cat f; echo x >&3; echo "status $?"
#### named-fd-varname
exec {fd}>f; echo named >&$fd; exec {fd}>&-; cat f; [ "$fd" -ge 10 ] && echo fd-ge-10
#### dev-null-input
cat < /dev/null; echo "[$?]"
#### dev-stdout-shell
echo to-stdout > /dev/stdout
#### dev-stderr-shell
echo to-stderr > /dev/stderr
#### missing-input-file
cat < nosuch; echo "status $?"
#### missing-directory-output
echo x > nodir/f; echo "status $?"
#### redirect-on-compound
{ echo a; echo b; } > f; cat f
#### redirect-on-while
printf '1\n2\n' > f; while read -r x; do echo "x$x"; done < f
#### redirect-on-if
if true; then echo inside; fi > f; cat f
#### redirect-on-for
for i in 1 2; do echo $i; done > f; cat f
#### redirect-on-function-def
f() { echo in-f; } > out; f; cat out
#### redirect-before-command
> f echo first; cat f
#### redirect-in-middle
echo a > f b; cat f
#### empty-redirect-truncate
echo x > f; > f; wc -c < f
#### exec-persistent
( exec > f; echo one; echo two ); cat f
#### exec-save-restore
exec 3>&1; exec > f; echo hidden; exec 1>&3 3>&-; echo shown; cat f
#### variable-in-target
n=out.txt; echo x > "$n"; cat out.txt
#### ambiguous-redirect
v='a b'; echo x > $v; echo "status $?"
#### ambiguous-redirect-empty
unset v; echo x > $v; echo "status $?"
#### glob-in-target
touch g1; echo x > g*; cat g1
#### redirect-fd-number-spacing
echo x 2>f; echo "[$(cat f)]"
#### here-string-with-fd
read -r v 3<<< "three" <&3; echo "$v"
#### stdin-of-pipeline-member
echo piped | { read -r v; echo "$v"; }
#### redirect-error-builtin-status
echo x > /nonexistent-dir/f 2>/dev/null; echo $?
#### redirect-input-directory
cat < . 2>/dev/null; echo "$?"
#### output-to-directory
echo x > . ; echo "status $?"
#### stderr-redirect-of-builtin
cd /nonexistent 2>/dev/null; echo "status $?"
#### dup-stdout-to-stderr-then-capture
v=$( { echo a >&2; } 2>&1 ); echo "[$v]"
#### fd-3-in-subshell
exec 3>f; ( echo sub >&3 ); exec 3>&-; cat f
#### tee-like-multiple
echo a > f1 > f2; echo "[$(cat f1)] [$(cat f2)]"
#### append-to-new
echo x >> new; cat new
#### less-greater-create
: <> rw; [ -e rw ] && echo created
#### redirect-number-as-arg
echo 2 >f; cat f
