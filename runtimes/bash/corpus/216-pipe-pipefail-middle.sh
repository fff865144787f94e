set -o pipefail
seq 5 | (grep 9; exit 1) | cat
echo "pipefail status: $?"
seq 5 | grep 3 | cat
echo "ok status: $?"
set +o pipefail
seq 5 | (grep 9; exit 1) | cat
echo "no pipefail: $?"
