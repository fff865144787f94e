trap 'echo one' EXIT
trap 'echo two' EXIT
trap -p EXIT
trap - EXIT
trap -p EXIT
echo "no trap left"
