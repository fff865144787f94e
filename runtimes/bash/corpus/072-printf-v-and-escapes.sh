printf -v out '%03d-%s' 7 seven
echo "$out"
printf -v arr '%s,' a b c
echo "${arr%,}"
printf 'a\tb\n'
printf 'line1\nline2\n'
printf '\x41\102\n'
printf 'no newline'
echo
