set -euo pipefail
echo one
printf 'a\nb\n' | grep -q zzz | cat
echo "not reached"
