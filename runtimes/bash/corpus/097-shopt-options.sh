shopt -q extglob && echo "extglob on" || echo "extglob off"
shopt -s nocasematch
[[ HELLO == hello ]] && echo "nocasematch works"
case ABC in abc) echo "case nocase" ;; esac
shopt -u nocasematch
[[ HELLO == hello ]] || echo "case-sensitive again"
shopt nullglob
set -o | grep -E '^(errexit|nounset|pipefail) ' | tr -s ' \t' ' '
