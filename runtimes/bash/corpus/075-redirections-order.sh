{ echo out; echo err >&2; } 2>&1 >/dev/null | sed 's/^/piped: /'
{ echo out; echo err >&2; } >/dev/null 2>&1
echo "nothing above"
{ echo out; echo err >&2; } &> all
sort all
{ echo a; echo b >&2; } >> all 2>&1
wc -l < all
