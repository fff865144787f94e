v=1
f() { echo "f runs"; }
unset v
echo "v=${v-unset}"
unset -f f
f 2>/dev/null || echo "f gone: $?"
declare -A m=([a]=1)
unset m
echo "m count: ${#m[@]}"
unset nonexistent; echo "unset missing: $?"
