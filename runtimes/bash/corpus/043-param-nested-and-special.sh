x="abc"
echo "${x:-${y:-nested}}"
echo "${#x}${x}${x:1}"
set -- a b c d
echo "${@:2}"
echo "${@:2:2}"
echo "${#@}"
echo "${!#}"
echo "${*: -1}"
