set -e
trap 'echo "error: status $?" >&2' ERR
trap 'echo "cleanup"' EXIT
echo working
cat no-such-file 2>/dev/null
echo "never"
