echo one > f
echo two >> f
cat f
echo three > f
cat f
echo "to stderr" >&2
echo "err to null" 2>/dev/null >&2
ls nope 2>/dev/null || echo "ls failed quietly"
{ echo out; echo err >&2; } > both 2>&1
sort both
