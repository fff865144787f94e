set -e
echo before
f() { return 7; }
f
echo after
