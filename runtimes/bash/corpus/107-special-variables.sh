echo "$# $0"
f() { echo "FUNCNAME=${FUNCNAME[0]} caller=${FUNCNAME[1]}"; }
f
g() { f; }
g
echo "$-" | grep -q h && echo "hashall flag present"
true; echo "\$?=$?"
[ -n "$BASH_VERSION" ] && echo "BASH_VERSION set"
echo "${BASH_VERSINFO[0]}" | grep -Eq '^[0-9]+$' && echo "major numeric"
