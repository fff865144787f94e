make_list() {
  local -a items=("$@")
  local -n out=$1
  out=("${items[@]:1}")
}
make_list result a b c
echo "${#result[@]}: ${result[*]}"
counter() { local c=${1:-0}; echo $((c + 1)); }
v=$(counter); v=$(counter "$v"); v=$(counter "$v")
echo "v=$v"
