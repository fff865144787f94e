# $LINENO inside an ERR or DEBUG trap is the line of the command that triggered it.
trap 'echo "error on line $LINENO (status $?)"' ERR
echo start
false
f() {
  false
  return 3
}
f
set -E
g() {
  ls /no/such/dir 2>/dev/null
  true
}
g
trap 'echo "first $LINENO"
echo "second $LINENO"' ERR

false
trap - ERR
trap 'echo "debug $LINENO"' DEBUG
:
echo done
trap - DEBUG
