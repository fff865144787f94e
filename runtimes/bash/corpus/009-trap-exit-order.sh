trap 'echo "exit trap, status $?"' EXIT
echo body
exit 3
