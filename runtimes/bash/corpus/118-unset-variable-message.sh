set -u
declare -a empty=()
echo "empty ok: ${#empty[@]}"
x="${undefined_thing}"
