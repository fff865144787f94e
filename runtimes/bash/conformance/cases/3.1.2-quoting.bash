# 3.1.2 Quoting: escape character, single and double quotes, ANSI-C quoting, and 3.5.9 quote removal.
#### backslash-escape
echo a\ b \$x \\ \"
#### backslash-newline
echo a\
b
#### single-quotes-literal
echo '$HOME `x` \n "q"'
#### double-quotes-expand
v=x; echo "v=$v \$v \`q\` \\ \" \a"
#### double-backslash-newline
echo "a\
b"
#### single-in-double
echo "it's"
#### double-in-single
echo 'say "hi"'
#### adjacent-concatenation
echo 'a'"b"c\d
#### empty-quotes-argument
printf '<%s>' '' ""; echo
#### ansi-c-escapes
printf '%s|' $'\a' $'\b' $'\e' $'\f' | od -An -c
#### ansi-c-newline-tab
echo $'a\nb\tc'
#### ansi-c-octal-hex
echo $'\101\x42\u0043'
#### ansi-c-quote-chars
echo $'\'' $'\"' $'\\'
#### ansi-c-control
printf %s $'\cA' | od -An -tx1
#### ansi-c-unicode
printf %s $'\u00e9' | od -An -tx1
#### ansi-c-in-double-not
echo "$'x'"
#### locale-quote
echo $"hello"
#### dollar-at-end
echo $ "$"
#### quote-removal-partial
echo "a"'b'"$(echo c)"
#### backslash-in-single
echo 'a\b'
#### nested-quotes-cmdsub
echo "$(echo "a 'b' \"c\"")"
#### quote-preserves-glob
mkdir w && cd w && touch x; echo '*' "*"
#### backslash-in-double-other
echo "\a\b\$\`"
#### hash-comment
echo a # comment
#### hash-not-comment
echo a#b '#c' "#d"
#### hash-after-quote
echo ''#x
#### interactive-comments-off
shopt -u interactive_comments; echo a #b
#### quoted-keyword
'if' 2>/dev/null; echo $?
#### quoted-assignment-not-assignment
"v=1" 2>/dev/null; echo $?; echo "[${v-unset}]"
#### backslash-in-pattern
case 'a*' in a\*) echo escaped;; esac
#### quotes-in-variable-not-removed
v="'a'"; echo $v
#### dollar-single-in-double
v=x; echo "'$v'"
#### escape-newline-in-single
echo 'a
b'
#### printf-q-roundtrip
v=$'a b\t"c"'; eval "w=$(printf '%q' "$v")"; [ "$v" = "$w" ] && echo same
#### backslash-before-normal-char
echo \a\b\c
#### quoted-brace
echo "{a,b}" {a,b}
#### quoted-tilde-assignment
HOME=/h; v="~"; echo $v
#### unterminated-single
eval "echo 'abc"; echo "status $?"
#### unterminated-double
eval 'echo "abc'; echo "status $?"
#### dollar-double-quote-empty
echo "[$(printf '')]"
#### quoted-array-index
declare -A m; m["a b"]=1; echo "${m["a b"]}"
#### backquote-in-double
echo "`echo hi`"
#### double-quote-at-empty
set --; printf '<%s>' "$@"; echo "|"
#### quoted-special-chars
echo "|&;<>()"
#### escaped-special-chars
echo \|\&\;\<\>\(\)
#### ansi-c-escape-e
printf '%s' $'\E' | od -An -tx1
#### quoted-dollar-paren-literal
echo '$(echo no)'
#### single-quote-concat-escape
echo 'it'\''s'
