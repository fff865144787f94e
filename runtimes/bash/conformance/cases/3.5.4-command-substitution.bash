# 3.5.4 Command Substitution.
#### dollar-paren
echo "$(echo hi)"
#### backquote
echo `echo hi`
#### trailing-newlines-removed
v=$(printf 'a\n\n\n'); echo "[$v]"
#### inner-newlines-kept
v=$(printf 'a\n\nb\n'); echo "[$v]"
#### nested
echo $(echo $(echo deep))
#### nested-backquote
echo `echo \`echo deep\``
#### quoted-preserves-spaces
v=$(echo 'a   b'); echo "$v" $v
#### unquoted-splits
printf '<%s>' $(echo 'a b  c'); echo
#### exit-status
v=$(exit 5); echo $?
#### exit-status-last
v=$(false; true); echo $?
#### subshell-isolation
x=1; v=$(x=2; echo $x); echo "$v $x"
#### file-read-shortcut
printf 'content\n' > f; echo "$(< f)"
#### file-read-missing
v=$(< nosuch); echo "status $?" 2>&1
#### backquote-backslash
echo `echo '\$x'`
#### dollar-paren-backslash
echo $(echo '\$x')
#### case-in-cmdsub
v=$(case a in a) echo matched;; esac); echo "$v"
#### comment-in-cmdsub
v=$(echo a # comment
); echo "$v"
#### heredoc-in-cmdsub
v=$(cat <<E
inside
E
); echo "$v"
#### multiple-lines
v=$(echo a; echo b); echo "$v"
#### stderr-not-captured
v=$(echo out; echo err >&2) 2>/dev/null; echo "$v"
#### stderr-captured
v=$(echo err 2>&1 >&2); echo "[$v]"
#### in-arith
echo $(( $(echo 3) * 2 ))
#### nul-bytes-dropped
v=$(printf 'a\0b'); echo "${#v}"
#### assign-in-subst-invisible
$(x=5); echo "[${x-unset}]"
#### cmdsub-as-command
$(echo echo) hello
#### function-in-cmdsub
f() { echo from-f; }; echo "$(f)"
#### exit-in-cmdsub
v=$(echo a; exit 3; echo b); echo "$v $?"
#### errexit-inherit
set -e; v=$(false; echo still); echo "[$v]"
#### inherit-errexit
set -e; shopt -s inherit_errexit; v=$(false; echo still); echo "[$v]"
#### pipeline-inside
echo "$(printf 'b\na\n' | sort | head -1)"
#### quotes-inside
echo "$(echo "inner \"q\"")"
#### paren-in-case-pattern
echo $(case x in (x) echo ok;; esac)
#### empty-subst
v=$(:); echo "[$v]" $?
#### trailing-cr-kept
v=$(printf 'a\r\n'); echo "${#v}"
#### big-output
v=$(seq 1 2000); echo "${#v}"
#### positional-params-visible
set -- a b; echo $(echo "$#" "$1")
#### lineno-in-cmdsub
echo $(echo $LINENO)
#### nested-quotes-deep
echo "$(echo "$(echo "a  b")")"
#### cmdsub-in-heredoc-delim-line
cat <<EOT
$(printf 'x\ny')
EOT
#### cmdsub-with-subshell-parens
v=$( (echo sub) ); echo "$v"
#### cmdsub-assign-multiple
a=$(echo 1) b=$(echo 2); echo $a$b
#### cmdsub-set-positional
set -- $(echo p q r); echo "$# $2"
#### file-read-missing-goes-on
v="[$(< nosuch)]"; echo "$v $?"; echo x > f; w=$(< f); echo "$w $?"
