set -e
trap 'rc=$?; echo "exiting with $rc"' EXIT
g() { return 6; }
echo "calling g"
g
