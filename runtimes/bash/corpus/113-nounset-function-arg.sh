set -u
f() { echo "first=$1"; }
f given
f
echo "not reached"
