{ echo out; echo err >&2; } 2>/dev/null
{ echo out2; echo err2 >&2; } >/dev/null
echo "to stderr only" >&2
echo "to stdout only"
{ echo combined >&2; } 2>&1 | cat
