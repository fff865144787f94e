echo -n "no newline"
echo "|"
echo -e "tab:\tx\nnewline"
echo -E "raw:\tx"
echo "plain \t backslash"
echo -e "a\c" ; echo "after c"
echo -- -n
echo -ne "x\ny\n"
echo
