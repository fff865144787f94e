set -u
arr=()
echo "count=${#arr[@]}"
set -- one two
echo "$# $1 $2"
echo "${3:-none}"
declare -A m=([k]=v)
echo "${m[k]} ${m[zz]:-missing}"
