show() {
  echo "count=$#"
  local i=1
  for a in "$@"; do
    echo "arg$i=<$a>"
    i=$((i + 1))
  done
}
show a "b c" "" d
show
