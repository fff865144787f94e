# 3.6.6 Here Documents and 3.6.7 Here Strings.
#### basic
cat <<EOT
line one
line two
EOT
#### expands
v=X; cat <<EOT
v=$v $(echo cs) $((1+1)) \$lit
EOT
#### quoted-delimiter
v=X; cat <<'EOT'
v=$v $(echo cs) \$lit
EOT
#### double-quoted-delimiter
cat <<"EOT"
$HOME
EOT
#### partially-quoted-delimiter
cat <<E"O"T
$((1+1))
EOT
#### tab-strip
printf 'cat <<-EOT\n\tindented\n\t\tmore\n\tEOT\n' > s.sh; bash s.sh
#### backslash-newline
cat <<EOT
a\
b
EOT
#### backslash-newline-escaped-backslash
cat <<EOT
a\\
b\
c
EOT
#### backslash-other
cat <<EOT
a\tb \\ \" \' \$
EOT
#### empty
cat <<EOT
EOT
echo end
#### to-while
while read -r a b; do echo "$b-$a"; done <<EOT
1 x
2 y
EOT
#### two-heredocs-one-line
cat <<A; cat <<B
from a
A
from b
B
#### heredoc-and-pipe
cat <<EOT | tr a-z A-Z
shout
EOT
#### heredoc-in-function
f() { cat <<EOT
in f $1
EOT
}; f arg
#### heredoc-in-loop
for i in 1 2; do cat <<EOT
i=$i
EOT
done
#### heredoc-to-fd
cat <<EOT 3<&0 | cat
fd
EOT
#### heredoc-with-redirect-out
cat <<EOT > f
saved
EOT
cat f
#### heredoc-delimiter-in-text
cat <<EOT
EOTX
 EOT
EOT
#### heredoc-unterminated
cat <<EOT
never ends
#### heredoc-quotes-preserved
cat <<EOT
'single' "double"
EOT
#### heredoc-array-expansion
a=(1 2 3); cat <<EOT
${a[@]} ${#a[@]}
EOT
#### heredoc-dash-quoted
printf 'cat <<-"E"\n\t$x\n\tE\n' > s.sh; bash s.sh
#### heredoc-read-multiple-vars
read -r a b c <<EOT
1 2 3 4
EOT
echo "$a|$b|$c"
#### heredoc-nested-cmdsub
cat <<EOT
$(cat <<IN
inner
IN
)
EOT
#### heredoc-special-chars
cat <<'EOT'
* ? [a] ~ { } | & ; < >
EOT
#### heredoc-no-glob
mkdir w && cd w && touch a; cat <<EOT
*
EOT
#### herestring-basic
cat <<< "hello"
#### herestring-expansion
v=world; cat <<< "hi $v"
#### herestring-adds-newline
cat <<< x | od -An -c
#### herestring-unquoted-no-split
v='a   b'; cat <<< $v
#### herestring-read
read -r x y <<< "1 2"; echo "$y $x"
#### herestring-empty
cat <<< "" | wc -c
#### herestring-array
a=(x y); cat <<< "${a[@]}"
#### herestring-multiline
cat <<< "$(printf 'a\nb')"
#### herestring-to-while
while read -r l; do echo "[$l]"; done <<< $'p\nq'
#### herestring-tilde
HOME=/h; cat <<< ~
#### heredoc-lineno-after
cat <<EOT >/dev/null
a
b
EOT
echo $LINENO
#### heredoc-large
{ for i in $(seq 200); do echo "line $i"; done; } > gen; cat <<EOT | wc -l
$(cat gen)
EOT
#### heredoc-in-cmdsub-quoted
v=$(cat <<'E'
$notexpanded
E
); echo "$v"
#### heredoc-with-variables-default
unset u; cat <<EOT
${u:-default}
EOT
#### heredoc-single-quote-in-expansion
v=it; cat <<EOT
'$v'
EOT
