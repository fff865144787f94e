fib() {
  local n=$1
  if (( n < 2 )); then R=$n; return; fi
  fib $((n - 1)); local a=$R
  fib $((n - 2)); R=$((a + R))
}
for i in 0 1 2 10 20; do fib $i; echo "fib($i)=$R"; done
