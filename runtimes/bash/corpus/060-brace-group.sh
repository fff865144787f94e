{ echo one; echo two; } > out.txt
cat out.txt
x=1
{ x=2; }
echo "x=$x"
{ echo a; false; } && echo yes || echo no
{ echo "to stderr" >&2; } 2>&1 | tr a-z A-Z
