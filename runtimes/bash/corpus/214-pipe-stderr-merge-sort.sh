f() { echo "out 1"; echo "err 1" >&2; echo "out 2"; echo "err 2" >&2; }
f 2>&1 | sort
echo ---
f 2>/dev/null
echo ---
f 2>&1 >/dev/null
echo ---
{ f 3>&1 1>&2 2>&3; } 2>/dev/null | sort
