retry() {
  local max=$1 delay=0; shift
  local i
  for ((i = 1; i <= max; i++)); do
    "$@" && return 0
    echo "attempt $i/$max failed (exit $?), waiting ${delay}s" >&2
    delay=$((delay * 2 + 1))
  done
  return 1
}
echo 0 > counter_file
fails_twice() { local c; c=$(<counter_file); echo $((c + 1)) > counter_file; (( c >= 2 )); }
retry 5 fails_twice 2>&1 && echo "ok after $(<counter_file) calls"
retry 2 false 2>&1 || echo "gave up"
