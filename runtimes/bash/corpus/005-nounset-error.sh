set -u
echo "a=${a:-default}"
echo "b=$b"
echo "not reached"
