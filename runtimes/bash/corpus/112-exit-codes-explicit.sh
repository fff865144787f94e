f() { exit 4; }
( f ); echo "subshell exit $?"
echo "main continues"
exit 13
